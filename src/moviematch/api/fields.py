"""Inputs several endpoints share: the movie id of a path and the stars of a rating."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

#: Movie ids are MovieLens ids, stored as positive 32-bit integers.
MOVIE_ID_MAX = 2**31 - 1

MOVIE_ID_PARAMETER = OpenApiParameter(
    "movie_id",
    {"type": "integer", "minimum": 1, "maximum": MOVIE_ID_MAX},
    OpenApiParameter.PATH,
    description="The MovieLens movie id.",
)


class MovieIdConverter:
    """A path segment taken whole, so that a bad id is a JSON 400 rather than Django's 404."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


class _MovieIdSerializer(serializers.Serializer[dict[str, int]]):
    movie_id = serializers.IntegerField(min_value=1, max_value=MOVIE_ID_MAX)


def movie_id_parse(raw: str) -> int:
    """The movie id of a path (a 400 naming ``movie_id`` when it is not a valid id)."""
    data = _MovieIdSerializer(data={"movie_id": raw})
    data.is_valid(raise_exception=True)
    return int(data.validated_data["movie_id"])


@extend_schema_field(
    {"type": "number", "minimum": 0.5, "maximum": 5, "multipleOf": 0.5, "example": 4.5}
)
class StarsField(serializers.Field[Any, Any, float, Any]):
    """Stars given as a JSON number; which values are allowed is the rating service's rule."""

    default_error_messages: ClassVar[dict[str, str | StrPromise]] = {
        "invalid": "stars must be a JSON number from 0.5 to 5, got {value}"
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid", value=repr(data)[:40])
        return data

    def to_representation(self, value: Any) -> float:
        return float(value)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 1, "example": 0.8})
class AdventurousField(serializers.Field[Any, Any, float, Any]):
    """The familiar (0) ↔ adventurous (1) setting as a finite JSON number in [0, 1]."""

    default_error_messages: ClassVar[dict[str, str | StrPromise]] = {
        "invalid": "adventurous must be a JSON number from 0 to 1, got {value}"
    }

    def to_internal_value(self, data: Any) -> Any:
        if (
            isinstance(data, bool)
            or not isinstance(data, int | float)
            or not 0.0 <= float(data) <= 1.0  # NaN fails this too
        ):
            self.fail("invalid", value=repr(data)[:40])
        return float(data)

    def to_representation(self, value: Any) -> float:
        return float(value)
