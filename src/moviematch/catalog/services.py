"""Catalogue writes (HackSoft style: keyword-only, typed, ``<entity>_<action>``).

The two imports are large enough to live in their own modules and are re-exported here, so
callers have one place to look: ``movielens_import`` (``import_movielens.py``),
``imdb_import`` (``import_imdb.py``), the title writes ``movie_title_store`` and
``movie_search_text_refresh`` (``titles.py``) and ``catalogue_filter`` (below).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Q, Value, When

from moviematch.catalog.import_imdb import IMDbImportReport, imdb_import
from moviematch.catalog.import_movielens import MovieLensImportReport, movielens_import
from moviematch.catalog.models import ExclusionReason, Movie
from moviematch.catalog.titles import movie_search_text_refresh, movie_title_store

__all__ = [
    "DATASET_MIN_RATINGS",
    "DEFAULT_MIN_RATINGS",
    "CatalogueFilterReport",
    "IMDbImportReport",
    "MovieLensImportReport",
    "catalogue_filter",
    "default_min_ratings",
    "imdb_import",
    "movie_search_text_refresh",
    "movie_title_store",
    "movielens_import",
]

#: Default minimum number of MovieLens ratings for a movie to be recommendable. On
#: ml-latest-small it keeps 3,650 of 9,742 movies and 89.5 % of the 100,836 ratings (every one
#: of the 610 users keeps ratings); below five ratings a movie's learned bias and factors are
#: mostly the regulariser's prior, so its predicted stars would be noise.
DEFAULT_MIN_RATINGS = 5
#: Defaults of the full MovieLens releases, which reproduce the original site's scale: about
#: 9,500 served movies of ML-25M's 62,423. A film needs this many ratings (and links and a
#: year); on the generated ML-25M-shaped archive it keeps 9,5xx movies (docs/catalogue.md,
#: "The catalogue filter"). ml-latest, the same kind of data grown larger, uses the same bar.
DATASET_MIN_RATINGS = {"ml-25m": 110, "ml-latest": 110}


def default_min_ratings(*, dataset: str | None) -> int:
    """The catalogue filter's default ``min_ratings`` for a dataset name (5 if unknown)."""
    return DATASET_MIN_RATINGS.get(dataset or "", DEFAULT_MIN_RATINGS)


@dataclass(frozen=True)
class CatalogueFilterReport:
    """Result of a catalogue filter run."""

    min_ratings: int
    kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    changed: int = 0

    @property
    def total(self) -> int:
        return self.kept + sum(self.dropped.values())


def _rules(min_ratings: int) -> list[tuple[Q, ExclusionReason]]:
    """(condition that excludes, reason) in precedence order: the first failing rule wins."""
    return [
        (Q(num_ratings__lt=min_ratings), ExclusionReason.FEW_RATINGS),
        (Q(imdb_id__isnull=True), ExclusionReason.NO_IMDB),
        (Q(tmdb_id__isnull=True), ExclusionReason.NO_TMDB),
        (Q(year__isnull=True), ExclusionReason.NO_YEAR),
    ]


@transaction.atomic
def catalogue_filter(*, min_ratings: int = DEFAULT_MIN_RATINGS) -> CatalogueFilterReport:
    """Mark each movie in or out of the recommendable catalogue, with the reason when out.

    A movie is kept when it has at least ``min_ratings`` MovieLens ratings, an IMDb and a TMDb
    link, and a release year. Two UPDATE statements do the work, whatever the catalogue size;
    rows already holding the right values are not rewritten.

    Raises
    ------
    ValueError
        ``min_ratings`` is negative.
    """
    if min_ratings < 0:
        raise ValueError(f"min_ratings must be >= 0, got {min_ratings}")
    rules = _rules(min_ratings)
    reason = Case(*[When(cond, then=Value(r.value)) for cond, r in rules], default=Value(""))
    excluded_any = Q()
    for cond, _ in rules:
        excluded_any |= cond
    changed = (
        Movie.objects.filter(excluded_any)
        .exclude(Q(in_catalogue=False) & Q(excluded_reason=reason))
        .update(in_catalogue=False, excluded_reason=reason)
    )
    changed += (
        Movie.objects.exclude(excluded_any)
        .exclude(in_catalogue=True, excluded_reason="")
        .update(in_catalogue=True, excluded_reason="")
    )
    tally = Counter(
        Movie.objects.filter(in_catalogue=False).values_list("excluded_reason", flat=True)
    )
    return CatalogueFilterReport(
        min_ratings=min_ratings,
        kept=Movie.objects.filter(in_catalogue=True).count(),
        dropped={r.value: tally.get(r.value, 0) for _, r in rules},
        changed=changed,
    )
