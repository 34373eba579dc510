"""``manage.py import_imdb DIR``: English titles, runtimes, directors and cast from IMDb."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.catalog.run_lock import CatalogueBusyError, catalogue_lock
from moviematch.catalog.services import imdb_import
from moviematch.datasets.errors import DatasetError, os_error_message


class Command(BaseCommand):
    help = (
        "Import IMDb datasets (title.basics/akas/crew/principals, name.basics; .tsv.gz) for the "
        "movies already in the catalogue. Idempotent; one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="directory holding the IMDb .tsv.gz files")

    def handle(self, *args: object, directory: Path, **options: object) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a directory")
        try:
            with catalogue_lock():
                report = imdb_import(directory=directory)
        except (DatasetError, CatalogueBusyError) as exc:
            raise CommandError(f"import aborted, database unchanged: {exc}") from exc
        except OSError as exc:  # a full disk, a read-only or misplaced data directory
            message = os_error_message(exc)
            raise CommandError(f"import aborted, database unchanged: {message}") from exc
        self.stdout.write(
            f"IMDb import from {directory}: {report.movies_matched} movies matched, "
            f"{report.english_titles} English titles, {report.runtimes} runtimes, "
            f"{report.people} people, {report.directors} director and {report.cast} cast "
            f"credits; {report.rows_changed} rows changed in {report.seconds:.2f} s"
        )
