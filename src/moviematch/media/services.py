"""What the site asks of TMDb: poster URLs, localised details, and storing images on movies.

Pages call :func:`movie_poster_url` freely (database only, never the network) and
:func:`movie_tmdb_details` on detail pages (at most ``TMDB_BUDGET_SECONDS`` of waiting, then
stale data or nothing). Without an API key everything still works: posters are the generated
placeholders and details are whatever the cache holds.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from moviematch.catalog.models import Movie
from moviematch.catalog.services import movie_title_store
from moviematch.catalog.titles import language_code
from moviematch.integrations.tmdb import (
    ImageConfiguration,
    Lookup,
    LookupStatus,
    MovieDetails,
)
from moviematch.media.selectors import image_configuration, image_configuration_forget
from moviematch.media.tmdb_clients import tmdb_client, tmdb_languages

logger = logging.getLogger(__name__)


def movie_placeholder_url(*, movie: Movie) -> str:
    """URL of the generated SVG poster of ``movie`` in the active language.

    The language is part of the URL (``?lang=ko``; nothing for the default language), so a
    cached English poster is never shown to a Korean visitor or the other way round.
    """
    return _placeholder_urls()(movie.pk)


def _placeholder_urls() -> Callable[[int], str]:
    """The placeholder URL of a movie id, in the active language (looked up once a list)."""
    pattern = _placeholder_pattern(get_script_prefix(), settings.ROOT_URLCONF, get_urlconf())
    head, _, tail = pattern.partition(str(_SENTINEL))
    language = language_code(get_language() or settings.LANGUAGE_CODE)
    if language != language_code(settings.LANGUAGE_CODE):
        tail += f"?lang={language}"
    return lambda movie_id: f"{head}{int(movie_id)}{tail}"


_SENTINEL = 987654321


@functools.lru_cache(maxsize=8)
def _placeholder_pattern(prefix: str, root_urlconf: str, urlconf: str | None) -> str:
    """The placeholder URL of a sentinel movie, reversed once per URL configuration (a list
    of posters then costs no ``reverse`` per movie)."""
    return reverse("media:poster-placeholder", kwargs={"movie_id": _SENTINEL})


def movie_poster_url(*, movie: Movie, size: str | int = "w342") -> str:
    """The TMDb poster URL when a poster path is known, else the placeholder URL.

    Parameters
    ----------
    movie : Movie
    size : str or int
        TMDb size name (``"w185"``, ``"w342"``, ``"original"``) or a width in pixels; rounded
        up to a size TMDb renders.

    Raises
    ------
    ValueError
        If ``size`` is neither a size name nor a positive width.
    """
    return _poster_url(movie, size, image_configuration(), _placeholder_urls())


def movie_poster_urls(*, movies: Iterable[Movie], size: str | int = "w342") -> list[str]:
    """``movie_poster_url`` of each of ``movies``, in order, the TMDb configuration and the
    placeholder's URL and language looked up once for the list."""
    config, placeholder = image_configuration(), _placeholder_urls()
    return [_poster_url(movie, size, config, placeholder) for movie in movies]


def _poster_url(
    movie: Movie, size: str | int, config: ImageConfiguration, placeholder: Callable[[int], str]
) -> str:
    if movie.poster_path:
        try:
            return config.poster_url(movie.poster_path, size)
        except ValueError:
            if not _is_size(config, size):
                raise
            logger.warning("movie %s has a malformed poster path %r", movie.pk, movie.poster_path)
    return placeholder(movie.pk)


def movie_backdrop_url(*, movie: Movie, size: str | int = "w1280") -> str | None:
    """The TMDb backdrop URL, or ``None`` (the page then shows no backdrop)."""
    if not movie.backdrop_path:
        return None
    try:
        return image_configuration().backdrop_url(movie.backdrop_path, size)
    except ValueError:
        return None


def _is_size(config: ImageConfiguration, size: str | int) -> bool:
    try:
        config.poster_url("/x.jpg", size)
    except ValueError:
        return False
    return True


def movie_tmdb_details(
    *, movie: Movie, languages: Sequence[str] | None = None
) -> Lookup[MovieDetails]:
    """TMDb's description of ``movie`` in the site's languages (Korean first by default).

    Waits at most the page budget. When TMDb answered now, the poster, backdrop and English
    overview are also stored on the movie so list pages show them without asking TMDb.

    Returns
    -------
    Lookup of MovieDetails
        ``unavailable`` with ``error=None`` when the movie has no TMDb id.
    """
    if movie.tmdb_id is None:
        return Lookup(LookupStatus.UNAVAILABLE, None)
    lookup = tmdb_client().movie_localized(movie.tmdb_id, languages=languages or tmdb_languages())
    if lookup.status is LookupStatus.FETCHED and lookup.value is not None:
        movie_images_store(movie=movie, details=lookup.value)
        movie_localized_store(movie=movie, details=lookup.value)
    return lookup


def movie_localized_store(*, movie: Movie, details: MovieDetails) -> bool:
    """Keep TMDb's title (and overview, if in that language) of ``movie`` in its language.

    Lists and search then show and find the Korean title without asking TMDb. Returns
    whether anything changed.
    """
    same_language = details.overview_language == details.language
    return movie_title_store(
        movie_id=movie.pk,
        language=details.language,
        title=details.title,
        overview=details.overview if same_language else "",
    )


def movie_images_store(*, movie: Movie, details: MovieDetails) -> bool:
    """Copy poster path, backdrop path and overview from TMDb onto ``movie`` if they differ.

    The overview is only taken from an English answer (``Movie.overview`` is the English
    text the catalogue shows); images are taken from any language.

    Returns
    -------
    bool
        Whether the row changed.
    """
    changes: dict[str, str] = {}
    if details.poster_path and details.poster_path != movie.poster_path:
        changes["poster_path"] = details.poster_path
    if details.backdrop_path and details.backdrop_path != movie.backdrop_path:
        changes["backdrop_path"] = details.backdrop_path
    if (
        details.overview_language.startswith("en")
        and details.overview
        and details.overview != movie.overview
    ):
        changes["overview"] = details.overview
    if not changes:
        return False
    with transaction.atomic():
        Movie.objects.filter(pk=movie.pk).update(**changes)
    for field, value in changes.items():
        setattr(movie, field, value)
    return True


def image_configuration_refresh() -> Lookup[ImageConfiguration]:
    """Fetch ``/configuration`` if the cached copy is old (batch client: no page budget)."""
    lookup = tmdb_client(batch=True).configuration()
    image_configuration_forget()
    return lookup
