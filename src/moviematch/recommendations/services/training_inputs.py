"""What the engine trains on, read from the catalogue: ratings, titles/genres, tags, genome.

These functions turn database rows (and the imported MovieLens ratings file) into the
engine's plain data containers (``moviematch.recommender.data``); fitting and evaluating
are in ``services.training``, serving in ``services.serving``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from django.db.models import Count, Max

from moviematch.catalog.models import ImportKind
from moviematch.catalog.selectors import (
    catalogue_movie_ids,
    catalogue_movies_with_genres,
    catalogue_tag_applications,
    catalogue_tag_relevances,
    import_run_latest,
)
from moviematch.datasets.errors import DatasetError
from moviematch.datasets.movielens import load_ratings
from moviematch.ratings.models import Rating
from moviematch.recommendations.errors import TrainingDataError
from moviematch.recommender import Genome, MovieInfo, Ratings, TagApplications

#: Site users join the MovieLens users in training under ids above every MovieLens userId.
SITE_USER_OFFSET = 1_000_000_000


def training_ratings(*, ratings_dir: Path | None, include_site_ratings: bool) -> Ratings:
    """MovieLens ratings of catalogue movies (plus, optionally, the site users' ratings).

    ``ratings_dir`` defaults to the directory of the last MovieLens import.

    Raises
    ------
    TrainingDataError
        No import yet, the files are unreadable, or no rating is left for the catalogue.
    """
    if ratings_dir is None:
        run = import_run_latest(kind=ImportKind.MOVIELENS)
        if run is None:
            raise TrainingDataError("no MovieLens import yet: run import_movielens (or setup)")
        ratings_dir = Path(run.source_dir)
    catalogue = np.asarray(catalogue_movie_ids(), dtype=np.int64)
    if len(catalogue) == 0:
        raise TrainingDataError("the catalogue is empty: run filter_catalog first")
    try:
        movielens = load_ratings(ratings_dir)
    except DatasetError as exc:
        raise TrainingDataError(str(exc)) from exc
    parts = [movielens.subset(np.isin(movielens.movie_ids, catalogue))]
    if include_site_ratings:
        parts.append(site_ratings(catalogue=catalogue))
    ratings = Ratings(
        np.concatenate([p.user_ids for p in parts]),
        np.concatenate([p.movie_ids for p in parts]),
        np.concatenate([p.values for p in parts]),
        np.concatenate([p.timestamps for p in parts]),
    )
    if len(ratings) == 0:
        raise TrainingDataError(f"no rating in {ratings_dir} is for a catalogue movie")
    return ratings


def site_ratings(*, catalogue: np.ndarray) -> Ratings:
    """The site users' ratings of catalogue movies, users renumbered above MovieLens' ids."""
    rows = list(
        Rating.objects.filter(movie_id__in=catalogue.tolist()).values_list(
            "user_id", "movie_id", "stars", "updated"
        )
    )
    return Ratings(
        np.array([SITE_USER_OFFSET + u for u, _, _, _ in rows], dtype=np.int64),
        np.array([m for _, m, _, _ in rows], dtype=np.int64),
        np.array([float(s) for _, _, s, _ in rows], dtype=np.float32),
        np.array([int(t.timestamp()) for _, _, _, t in rows], dtype=np.int64),
    )


def catalogue_movie_info() -> MovieInfo:
    """Titles, years and genres of the catalogue movies (for similarity and group labels)."""
    movies = list(catalogue_movies_with_genres())
    return MovieInfo(
        movie_ids=np.array([m.id for m in movies], dtype=np.int64),
        titles=[m.display_title for m in movies],
        years=np.array([m.year or 0 for m in movies], dtype=np.int32),
        genres=[tuple(g.name for g in m.genres.all()) for m in movies],
    )


def catalogue_tags() -> TagApplications | None:
    """User tag applications of catalogue movies, one row per applying user; None if none."""
    rows = catalogue_tag_applications()
    if not rows:
        return None
    movie_ids: list[int] = []
    tags: list[str] = []
    for movie_id, name, count in rows:
        movie_ids.extend([movie_id] * count)
        tags.extend([name] * count)
    return TagApplications(movie_ids=np.array(movie_ids, dtype=np.int64), tags=tags)


def catalogue_genome() -> Genome | None:
    """The tag genome of catalogue movies as a dense (movies x tags) float32 matrix; or None.

    Only movies with genome scores are rows; a missing (movie, tag) score is 0.
    """
    rows = catalogue_tag_relevances()
    if not rows:
        return None
    by_movie: dict[int, dict[str, float]] = defaultdict(dict)
    for movie_id, name, relevance in rows:
        by_movie[movie_id][name] = relevance
    names = sorted({name for _, name, _ in rows})
    column = {name: j for j, name in enumerate(names)}
    ids = sorted(by_movie)
    scores = np.zeros((len(ids), len(names)), dtype=np.float32)
    for i, movie_id in enumerate(ids):
        for name, relevance in by_movie[movie_id].items():
            scores[i, column[name]] = relevance
    return Genome(movie_ids=np.array(ids, dtype=np.int64), tag_names=names, scores=scores)


def training_fingerprint(*, include_site_ratings: bool) -> str:
    """Identity of the training inputs: imported files, catalogue members, site ratings."""
    digest = hashlib.sha256()
    for kind in (ImportKind.MOVIELENS, ImportKind.IMDB):
        run = import_run_latest(kind=kind)
        digest.update(f"{kind}:{run.fingerprint if run else '-'}\n".encode())
    digest.update(np.asarray(catalogue_movie_ids(), dtype=np.int64).tobytes())
    if include_site_ratings:
        agg = Rating.objects.aggregate(n=Count("id"), last=Max("updated"))
        digest.update(f"site:{agg['n']}:{agg['last']}\n".encode())
    return digest.hexdigest()
