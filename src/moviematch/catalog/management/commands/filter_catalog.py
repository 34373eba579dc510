"""``manage.py filter_catalog``: decide which movies are recommendable."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.catalog.run_lock import CatalogueBusyError, catalogue_lock
from moviematch.catalog.services import DEFAULT_MIN_RATINGS, catalogue_filter


class Command(BaseCommand):
    help = (
        "Keep movies with enough MovieLens ratings, IMDb and TMDb links and a year; mark the "
        "others out of the catalogue with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-ratings",
            type=int,
            default=DEFAULT_MIN_RATINGS,
            help=f"minimum MovieLens ratings (default {DEFAULT_MIN_RATINGS})",
        )

    def handle(self, *args: object, min_ratings: int, **options: object) -> None:
        if min_ratings < 0:
            raise CommandError(f"--min-ratings must be >= 0, got {min_ratings}")
        try:
            with catalogue_lock():
                report = catalogue_filter(min_ratings=min_ratings)
        except CatalogueBusyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Catalogue: {report.kept} of {report.total} movies kept "
            f"(min {report.min_ratings} ratings); {report.changed} changed"
        )
        for reason, count in report.dropped.items():
            self.stdout.write(f"  dropped {count:>6}  {reason}")
