"""Fill the TMDb cache for the catalogue ahead of time (the ``tmdb_prefetch`` command).

Every answer is committed as soon as it arrives, so an interrupted run loses nothing: the
next run finds those entries fresh and asks TMDb only for the rest. 429 answers are waited
out (``Retry-After``) and a client-side throttle keeps the job under TMDb's rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import QuerySet

from moviematch.catalog.models import Movie
from moviematch.integrations.tmdb import (
    LookupStatus,
    MovieDetails,
    TmdbClient,
    TmdbConfigurationError,
)
from moviematch.media.selectors import tmdb_fresh_movie_resources
from moviematch.media.services import movie_images_store, movie_localized_store


@dataclass
class PrefetchReport:
    """Counts of one run, per (movie, language) lookup unless said otherwise.

    Attributes
    ----------
    fetched : int
        Answered by TMDb in this run.
    cached_fresh : int
        Already fresh in the cache; no request made.
    not_found : int
        TMDb has no such movie (404 now, or a cached 404).
    failed : int
        TMDb failed (the stale entry, if any, stays).
    movies : int
        Movies visited.
    movies_updated : int
        Movies whose poster, backdrop or overview changed.
    requests : int
        HTTP requests made (retries included).
    failures : list of str
        One line per failed lookup, for the command's output.
    stopped : str
        Why the run stopped before the last movie (empty when it did not).
    """

    fetched: int = 0
    cached_fresh: int = 0
    not_found: int = 0
    failed: int = 0
    movies: int = 0
    movies_updated: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    stopped: str = ""

    def summary(self) -> str:
        return (
            f"fetched {self.fetched}, cached-fresh {self.cached_fresh}, "
            f"not found {self.not_found}, failed {self.failed} "
            f"({self.movies} movies, {self.movies_updated} updated, {self.requests} requests)"
            + (f"; {self.stopped}" if self.stopped else "")
        )


def prefetch_movies(
    *, languages: Sequence[str], limit: int | None = None, stale_only: bool = False
) -> QuerySet[Movie]:
    """The catalogue movies to visit, in id order.

    With ``stale_only``, movies whose entries are fresh in every language are left out, so
    ``limit`` counts movies that actually need a request.
    """
    movies = Movie.objects.filter(in_catalogue=True, tmdb_id__isnull=False).order_by("id")
    if stale_only:
        now = datetime.now(UTC)
        fresh = [tmdb_fresh_movie_resources(language=lang, now=now) for lang in languages]
        needed = [
            movie_id
            for movie_id, tmdb_id in movies.values_list("id", "tmdb_id")
            if tmdb_id is not None and any(_resource(tmdb_id) not in f for f in fresh)
        ]
        movies = movies.filter(id__in=needed)
    return movies[:limit] if limit is not None else movies


def tmdb_prefetch(
    *,
    client: TmdbClient,
    movies: QuerySet[Movie],
    languages: Sequence[str],
    on_movie: Callable[[Movie], None] | None = None,
    max_failed_movies: int = 5,
) -> PrefetchReport:
    """Look up every movie in every language through ``client`` (its cache does the rest).

    Parameters
    ----------
    client : TmdbClient
        A batch client (no time budget) on the database cache.
    movies : QuerySet of Movie
    languages : sequence of str
        TMDb language codes; the English one (else the first) feeds ``Movie`` fields.
    on_movie : callable, optional
        Called after each movie (progress bars).
    max_failed_movies : int
        Stop after this many movies in a row failed in every language (TMDb down or not
        answering): each costs up to the client's per-call budget per language, so a dead
        TMDb would otherwise hold the job for hours. A later run resumes where it stopped.

    Returns
    -------
    PrefetchReport

    Raises
    ------
    TmdbConfigurationError
        No API key, or TMDb rejected it (401): continuing would fail every lookup.
    """
    if not client.config.api_key:
        raise TmdbConfigurationError("no TMDb API key configured (set TMDB_API_KEY)")
    report = PrefetchReport()
    store_language = next((lang for lang in languages if lang.startswith("en")), languages[0])
    failed_in_a_row = 0
    for movie in movies.only("id", "tmdb_id", "poster_path", "backdrop_path", "overview"):
        if failed_in_a_row >= max_failed_movies:
            report.stopped = (
                f"stopped after {failed_in_a_row} movies in a row failed (is TMDb down?); "
                "run again later to resume"
            )
            break
        report.movies += 1
        failed_before = report.failed
        details: dict[str, MovieDetails] = {}
        assert movie.tmdb_id is not None  # filtered by prefetch_movies
        for language in languages:
            lookup = client.movie(movie.tmdb_id, language=language)
            report.requests += lookup.requests
            if isinstance(lookup.error, TmdbConfigurationError):
                raise lookup.error
            if lookup.status is LookupStatus.FETCHED:
                report.fetched += 1
            elif lookup.status is LookupStatus.FRESH:
                report.cached_fresh += 1
            elif lookup.status is LookupStatus.NOT_FOUND:
                report.not_found += 1
                break  # no such id in any language
            else:
                report.failed += 1
                report.failures.append(
                    f"movie {movie.pk} (TMDb {movie.tmdb_id}) [{language}]: {lookup.error}"
                )
            if lookup.value is not None:
                details[language] = lookup.value
                movie_localized_store(movie=movie, details=lookup.value)
        chosen = details.get(store_language) or next(iter(details.values()), None)
        if chosen is not None:
            for other in details.values():
                chosen = chosen.with_fallback(other)
            if movie_images_store(movie=movie, details=chosen):
                report.movies_updated += 1
        every_language_failed = report.failed - failed_before == len(languages)
        failed_in_a_row = failed_in_a_row + 1 if every_language_failed else 0
        if on_movie is not None:
            on_movie(movie)
    return report


def _resource(tmdb_id: int) -> str:
    return f"/movie/{tmdb_id}?append_to_response=credits"
