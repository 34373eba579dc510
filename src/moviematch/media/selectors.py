"""Reads for the TMDb app: never a network request, only the database."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import datetime

from django.utils import translation

from moviematch.catalog.genres import genre_name
from moviematch.catalog.models import Movie
from moviematch.catalog.selectors import movie_titles
from moviematch.integrations.tmdb import ImageConfiguration, TmdbResponseError
from moviematch.integrations.tmdb.parsing import parse_configuration
from moviematch.media.models import TmdbCacheEntry
from moviematch.media.placeholders import placeholder_svg

#: The cached ``/configuration`` answer is re-read from the database at most this often.
IMAGE_CONFIGURATION_TTL_SECONDS = 600.0

_image_config_lock = threading.Lock()
_image_config: tuple[float, ImageConfiguration] | None = None


def movie_primary_genre(*, movie: Movie) -> str | None:
    """The genre listed first for ``movie`` in MovieLens, or ``None`` without genres.

    The import inserts a movie's genre links in the file's order, so the link with the
    lowest id is the one MovieLens lists first.
    """
    through = Movie.genres.through
    return (
        through.objects.filter(movie_id=movie.pk)
        .order_by("id")
        .values_list("genre__name", flat=True)
        .first()
    )


def movie_placeholder_svg(*, movie: Movie, language: str) -> str:
    """The generated poster of ``movie`` in ``language``: its title there (TMDb's, else the
    English one) and its primary genre's translated name, on that genre's colours."""
    genre = movie_primary_genre(movie=movie)
    with translation.override(language):
        return placeholder_svg(
            title=movie_titles(movie_ids=[movie.pk], language=language)[movie.pk],
            year=movie.year,
            genre=genre,
            genre_label=genre_name(genre) if genre else None,
        )


def image_configuration() -> ImageConfiguration:
    """TMDb's image settings as last fetched (stale is fine), else the documented defaults.

    Memoised for ``IMAGE_CONFIGURATION_TTL_SECONDS`` per process: every poster URL on a page
    needs it.
    """
    global _image_config
    now = time.monotonic()
    memo = _image_config
    if memo is not None and memo[0] > now:
        return memo[1]
    row = TmdbCacheEntry.objects.filter(
        resource="/configuration", language="", status_code=200
    ).first()
    config = ImageConfiguration()
    if row is not None:
        # An unreadable stored answer leaves the defaults, which are correct today.
        with contextlib.suppress(TmdbResponseError):
            config = parse_configuration(row.payload)
    with _image_config_lock:
        _image_config = (now + IMAGE_CONFIGURATION_TTL_SECONDS, config)
    return config


def image_configuration_forget() -> None:
    """Drop the memoised image configuration (after a refresh, and in tests)."""
    global _image_config
    with _image_config_lock:
        _image_config = None


def tmdb_fresh_movie_resources(*, language: str, now: datetime) -> set[str]:
    """Resources of movie entries in ``language`` that are still fresh at ``now``."""
    return set(
        TmdbCacheEntry.objects.filter(
            language=language, expires_at__gt=now, resource__startswith="/movie/"
        ).values_list("resource", flat=True)
    )
