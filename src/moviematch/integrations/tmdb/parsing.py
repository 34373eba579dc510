"""Turn TMDb's JSON into the dataclasses of :mod:`.models`, checking every field's type.

TMDb is an external service: any field may be missing, ``null`` or of another type after an
API change or a proxy hiccup. Each reader below either returns a well-typed value or raises
:class:`TmdbResponseError` naming the field, so a page never dies on a ``KeyError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from moviematch.integrations.tmdb.errors import TmdbResponseError
from moviematch.integrations.tmdb.resources import (
    DEFAULT_BACKDROP_SIZES,
    DEFAULT_IMAGE_BASE_URL,
    DEFAULT_POSTER_SIZES,
    CastMember,
    CrewMember,
    ImageConfiguration,
    MovieDetails,
)

# TMDb image paths are "/<base62-ish name>.<ext>"; anything else (a full URL, "//host",
# "javascript:") would let a compromised answer point the page elsewhere.
_IMAGE_PATH = re.compile(r"^/[A-Za-z0-9_\-]+\.(?:jpg|jpeg|png|svg|webp)$")
_IMDB_ID = re.compile(r"^tt\d{5,12}$")


class _Reader:
    """Typed access to one JSON object, naming the field path in every error."""

    def __init__(self, obj: Any, resource: str, where: str) -> None:
        if not isinstance(obj, Mapping):
            what = f"field {where!r}" if where else "body"
            raise TmdbResponseError(resource, f"{what} is {_kind(obj)}, expected an object")
        self.obj = obj
        self.resource = resource
        self.where = where

    def _fail(self, key: str, detail: str) -> TmdbResponseError:
        field = f"{self.where}.{key}" if self.where else key
        return TmdbResponseError(self.resource, f"field {field!r} {detail}")

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is missing")
            return None
        # bool is a subclass of int in Python but never a valid TMDb id or count.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"is {_kind(value)}, expected an integer")
        return value

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is missing")
            return None
        if not isinstance(value, str):
            raise self._fail(key, f"is {_kind(value)}, expected a string")
        return value

    def array(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(key, f"is {_kind(value)}, expected a list")
        return value

    def child(self, key: str) -> _Reader | None:
        value = self.obj.get(key)
        if value is None:
            return None
        field = f"{self.where}.{key}" if self.where else key
        return _Reader(value, self.resource, field)

    def item(self, key: str, index: int, value: Any) -> _Reader:
        field = f"{self.where}.{key}[{index}]" if self.where else f"{key}[{index}]"
        return _Reader(value, self.resource, field)

    def image_path(self, key: str) -> str | None:
        value = self.string(key)
        if not value:
            return None
        if not _IMAGE_PATH.match(value):
            raise self._fail(key, f"is not a TMDb image path: {value[:80]!r}")
        return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def parse_movie(payload: Any, *, language: str, resource: str = "movie") -> MovieDetails:
    """Parse ``GET /movie/{id}?append_to_response=credits``.

    Parameters
    ----------
    payload : Any
        The decoded JSON body.
    language : str
        Language the request asked for; stored on the result.
    resource : str
        Resource name used in error messages.

    Returns
    -------
    MovieDetails

    Raises
    ------
    TmdbResponseError
        If ``id`` or ``title`` is missing, or any present field has the wrong type.
    """
    r = _Reader(payload, resource, "")
    tmdb_id = r.integer("id", required=True)
    assert tmdb_id is not None  # required=True guarantees it; narrows the type for mypy
    title = r.string("title", required=True) or ""
    original_title = r.string("original_title") or title
    runtime = r.integer("runtime")
    imdb_id = r.string("imdb_id")
    if imdb_id is not None and not _IMDB_ID.match(imdb_id):
        imdb_id = None  # TMDb stores "" or junk for some entries; an absent id is honest.

    genres: list[str] = []
    for i, raw in enumerate(r.array("genres")):
        name = r.item("genres", i, raw).string("name", required=True)
        genres.append(name or "")

    cast: list[CastMember] = []
    directors: list[CrewMember] = []
    credits = r.child("credits")
    if credits is not None:
        for i, raw in enumerate(credits.array("cast")):
            c = credits.item("cast", i, raw)
            order = c.integer("order")
            cast.append(
                CastMember(
                    person_id=c.integer("id", required=True) or 0,
                    name=c.string("name", required=True) or "",
                    character=c.string("character") or "",
                    order=i if order is None else order,
                )
            )
        for i, raw in enumerate(credits.array("crew")):
            c = credits.item("crew", i, raw)
            job = c.string("job") or ""
            if job == "Director":
                directors.append(
                    CrewMember(
                        person_id=c.integer("id", required=True) or 0,
                        name=c.string("name", required=True) or "",
                        job=job,
                    )
                )
    cast.sort(key=lambda m: m.order)

    return MovieDetails(
        tmdb_id=tmdb_id,
        language=language,
        title=title,
        original_title=original_title,
        overview=(r.string("overview") or "").strip(),
        overview_language=language,
        poster_path=r.image_path("poster_path"),
        backdrop_path=r.image_path("backdrop_path"),
        release_date=_parse_date(r, "release_date"),
        runtime=runtime if runtime else None,
        imdb_id=imdb_id,
        genres=tuple(genres),
        cast=tuple(cast),
        directors=tuple(directors),
    )


def _parse_date(r: _Reader, key: str) -> date | None:
    text = r.string(key)
    if not text:
        return None  # TMDb sends "" for unknown dates
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise r._fail(key, f"is not an ISO date: {text[:40]!r}") from None


def parse_configuration(payload: Any, *, resource: str = "configuration") -> ImageConfiguration:
    """Parse ``GET /configuration`` into the image server settings.

    Raises
    ------
    TmdbResponseError
        If ``images`` is missing, the base URL is not HTTP(S), or a size list is malformed.
    """
    r = _Reader(payload, resource, "")
    images = r.child("images")
    if images is None:
        raise TmdbResponseError(resource, "field 'images' is missing")
    base = images.string("secure_base_url") or images.string("base_url") or DEFAULT_IMAGE_BASE_URL
    if not base.startswith(("https://", "http://")):
        raise TmdbResponseError(resource, f"image base URL is not HTTP(S): {base[:80]!r}")
    if not base.endswith("/"):
        base += "/"

    def sizes(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        values = images.array(key)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not re.match(r"^(?:[wh]\d{1,4}|original)$", v):
                raise TmdbResponseError(resource, f"field 'images.{key}[{i}]' is not a size")
        return tuple(values) or default

    return ImageConfiguration(
        base_url=base,
        poster_sizes=sizes("poster_sizes", DEFAULT_POSTER_SIZES),
        backdrop_sizes=sizes("backdrop_sizes", DEFAULT_BACKDROP_SIZES),
    )


def parse_error_body(payload: Any) -> tuple[int | None, str]:
    """Read TMDb's error body ``{"status_code": 34, "status_message": "..."}``, leniently.

    Returns
    -------
    tuple of (int or None, str)
        TMDb's own status code and message; ``(None, "")`` when the body is not of that form.
    """
    if not isinstance(payload, Mapping):
        return None, ""
    code = payload.get("status_code")
    message = payload.get("status_message")
    return (
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        message if isinstance(message, str) else "",
    )
