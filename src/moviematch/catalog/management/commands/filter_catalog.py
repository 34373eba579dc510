"""``manage.py filter_catalog``: decide which movies are recommendable."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moviematch.catalog.models import ImportKind
from moviematch.catalog.run_lock import CatalogueBusyError, catalogue_lock
from moviematch.catalog.selectors import import_run_latest
from moviematch.catalog.services import (
    DATASET_MIN_RATINGS,
    DEFAULT_MIN_RATINGS,
    catalogue_filter,
    default_min_ratings,
)


class Command(BaseCommand):
    help = (
        "Keep movies with enough MovieLens ratings, IMDb and TMDb links and a year; mark the "
        "others out of the catalogue with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        per_dataset = ", ".join(f"{n} for {d}" for d, n in DATASET_MIN_RATINGS.items())
        parser.add_argument(
            "--min-ratings",
            type=int,
            default=None,
            help=f"minimum MovieLens ratings (default: {per_dataset}, "
            f"{DEFAULT_MIN_RATINGS} otherwise; the dataset of the last import decides)",
        )

    def handle(self, *args: object, min_ratings: int | None, **options: object) -> None:
        if min_ratings is None:
            min_ratings = imported_dataset_min_ratings()
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


def imported_dataset_min_ratings() -> int:
    """The default ``--min-ratings`` for the dataset of the last MovieLens import."""
    run = import_run_latest(kind=ImportKind.MOVIELENS)
    return default_min_ratings(dataset=run.stats.get("dataset") if run else None)
