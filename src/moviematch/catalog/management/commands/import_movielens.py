"""``manage.py import_movielens DIR``: load a MovieLens directory into the catalogue."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.catalog.run_lock import CatalogueBusyError, catalogue_lock
from moviematch.catalog.services import movielens_import
from moviematch.datasets.errors import DatasetError, os_error_message


class Command(BaseCommand):
    help = (
        "Import movies, genres, links, tags and (when present) the tag genome of a MovieLens "
        "directory, and per-movie rating counts/means. Idempotent; one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="e.g. ../shared/datasets/ml-latest-small")
        parser.add_argument(
            "--force",
            action="store_true",
            help="import even files with no movie or no rating (the catalogue then empties)",
        )

    def handle(self, *args: object, directory: Path, force: bool, **options: object) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a directory")
        try:
            with catalogue_lock():
                report = movielens_import(directory=directory, allow_empty=force)
        except (DatasetError, CatalogueBusyError) as exc:
            raise CommandError(f"import aborted, database unchanged: {exc}") from exc
        except OSError as exc:  # a full disk, a read-only or misplaced data directory
            message = os_error_message(exc)
            raise CommandError(f"import aborted, database unchanged: {message}") from exc
        self.stdout.write(
            f"MovieLens import from {directory}: {report.movies} movies "
            f"({report.movies_created} new, {report.movies_updated} updated), "
            f"{report.genres} genres, {report.tags} tags on {report.movie_tags} movie-tag pairs, "
            f"{report.tag_relevances} genome scores, {report.ratings_read} ratings read "
            f"({report.ratings_unknown_movie} for unknown movies), "
            f"{report.duplicate_links_dropped} duplicate links dropped; "
            f"{report.rows_changed} rows changed in {report.seconds:.2f} s"
        )
