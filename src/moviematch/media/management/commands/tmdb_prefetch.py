"""``manage.py tmdb_prefetch [--language L ...] [--limit N] [--stale-only]``."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from moviematch.integrations.tmdb import TmdbConfigurationError, check_language
from moviematch.media.prefetch import prefetch_movies, tmdb_prefetch
from moviematch.media.services import image_configuration_refresh
from moviematch.media.tmdb_clients import tmdb_client, tmdb_languages


class Command(BaseCommand):
    help = (
        "Fill the TMDb cache for the catalogue's movies (details and credits per language) "
        "and store poster, backdrop and overview on each movie. Resumable: fresh entries are "
        "not fetched again. Honours TMDb's rate limit (429 Retry-After)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            action="append",
            dest="languages",
            metavar="CODE",
            help="TMDb language such as en-US or ko-KR; repeat for several "
            "(default: settings TMDB_LANGUAGES, ko-KR and en-US)",
        )
        parser.add_argument("--limit", type=int, help="visit at most N movies")
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="only movies with a missing or expired entry (--limit then counts those)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        languages = tuple(dict.fromkeys(options["languages"] or tmdb_languages()))
        limit = options["limit"]
        if limit is not None and limit < 0:
            raise CommandError(f"--limit must be >= 0, got {limit}")
        client = tmdb_client(batch=True)
        try:
            for language in languages:
                check_language(language)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not client.config.api_key:
            raise CommandError(
                "TMDB_API_KEY is not set: nothing can be fetched. The site works without it "
                "(generated posters); set it to fill the cache."
            )

        # Also the cheapest check of the key: a 401 here ends the run before any movie.
        configuration = image_configuration_refresh()
        if isinstance(configuration.error, TmdbConfigurationError):
            raise CommandError(str(configuration.error))
        movies = prefetch_movies(languages=languages, limit=limit, stale_only=options["stale_only"])
        total = movies.count()
        self.stdout.write(f"{total} movies, languages {', '.join(languages)}")
        stream = getattr(self.stderr, "_out", sys.stderr)
        with tqdm(total=total, unit="movie", file=stream, disable=options["verbosity"] == 0) as bar:
            try:
                report = tmdb_prefetch(
                    client=client,
                    movies=movies,
                    languages=languages,
                    on_movie=lambda _movie: bar.update(1),
                )
            except TmdbConfigurationError as exc:
                raise CommandError(str(exc)) from exc
        for line in report.failures[:20]:
            self.stderr.write(line)
        if len(report.failures) > 20:
            self.stderr.write(f"... and {len(report.failures) - 20} more failures")
        self.stdout.write(report.summary())
