"""Output shapes shared by several endpoints: the movie card and the signed-in user.

Serializers read plain attributes of the objects the services return (movies, users); they
compute nothing. The card's title comes from the view's context (``card_context``), so that
the titles of a whole list are looked up at once, in the request's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from moviematch.catalog.selectors import movie_titles
from moviematch.media.services import movie_poster_url


def card_context(request: Request, movies: Iterable[Any]) -> dict[str, Any]:
    """Serializer context for cards of ``movies``: the request and their titles."""
    ids = [m.pk for m in movies]
    return {"request": request, "titles": movie_titles(movie_ids=ids, language=language(request))}


def language(request: Request) -> str:
    """The request's language (``LocaleMiddleware``: the site's choice, else Accept-Language)."""
    return str(getattr(request, "LANGUAGE_CODE", "en"))


class MovieCardSerializer(serializers.Serializer[Any]):
    """A movie as lists show it."""

    id = serializers.IntegerField(help_text="The MovieLens movie id.")
    title = serializers.SerializerMethodField(help_text="In the request's language if known.")
    year = serializers.IntegerField(allow_null=True)
    genres = serializers.SerializerMethodField(help_text="MovieLens genre names.")
    poster_url = serializers.SerializerMethodField(
        help_text="TMDb poster, or a generated SVG placeholder."
    )

    def get_title(self, movie: Any) -> str:
        titles: dict[int, str] = self.context.get("titles", {})
        return titles.get(movie.pk) or str(movie.display_title)

    def get_genres(self, movie: Any) -> list[str]:
        return [genre.name for genre in movie.genres.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_poster_url(self, movie: Any) -> str:
        url = movie_poster_url(movie=movie)
        request: Request | None = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class UserSerializer(serializers.Serializer[Any]):
    """The signed-in account."""

    username = serializers.CharField()
    is_guest = serializers.BooleanField(
        help_text="A one-click guest account (no password; the token is its only key)."
    )
    guest_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When a guest account is deleted unless used again; null for full accounts.",
    )
    adventurous = serializers.FloatField(
        help_text="The familiar (0: well-known films) ↔ adventurous (1: less-known films closer "
        "to the user's taste) setting of their recommendations, as on the site's home page.",
    )


class AuthSerializer(serializers.Serializer[Any]):
    """What the sign-in endpoints answer: a token and the account."""

    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    user = UserSerializer()
