"""What the engine trains on, read from the catalogue: ratings, titles/genres, tags, genome.

These functions turn database rows and the last import's rating store (the MovieLens
ratings and tag genome as arrays, ``moviematch.datasets.rating_store``) into the engine's
plain data containers (``moviematch.recommender.data``); fitting and evaluating are in
``services.training``, serving in ``services.serving``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from django.db.models import Count, Max

from moviematch.catalog.models import ImportKind
from moviematch.catalog.selectors import (
    catalogue_movie_ids,
    catalogue_movies_with_genres,
    catalogue_tag_applications,
    import_run_latest,
)
from moviematch.datasets import rating_store
from moviematch.datasets.errors import DatasetError
from moviematch.datasets.movielens import load_ratings
from moviematch.ratings.models import Rating
from moviematch.recommendations.errors import TrainingDataError
from moviematch.recommender import Genome, MovieInfo, Ratings, TagApplications

#: Site users join the MovieLens users in training under ids above every MovieLens userId.
SITE_USER_OFFSET = 1_000_000_000


def import_rating_store() -> Path:
    """The rating store of the last MovieLens import.

    Raises
    ------
    TrainingDataError
        No import yet, or its store is missing or was written by another import (re-import).
    """
    run = import_run_latest(kind=ImportKind.MOVIELENS)
    if run is None:
        raise TrainingDataError("no MovieLens import yet: run import_movielens (or setup)")
    store = run.stats.get("rating_store")
    redo = f"run import_movielens {run.source_dir} again"
    if not store:
        raise TrainingDataError(f"the last MovieLens import kept no rating store: {redo}")
    try:
        manifest = rating_store.read_manifest(store)
    except DatasetError as exc:
        raise TrainingDataError(f"{exc}; {redo}") from exc
    if manifest["source"] != run.fingerprint:
        raise TrainingDataError(f"{store} holds the ratings of another import: {redo}")
    return Path(store)


def training_ratings(*, ratings_dir: Path | None, include_site_ratings: bool) -> Ratings:
    """MovieLens ratings of catalogue movies (plus, optionally, the site users' ratings).

    By default they come from the last import's rating store (arrays, no CSV parsing); with
    ``ratings_dir``, from that directory's ratings file.

    Raises
    ------
    TrainingDataError
        No import yet, a missing or stale store, unreadable files, or no rating left for the
        catalogue.
    """
    store = import_rating_store() if ratings_dir is None else None
    catalogue = np.asarray(catalogue_movie_ids(), dtype=np.int64)
    if len(catalogue) == 0:
        raise TrainingDataError("the catalogue is empty: run filter_catalog first")
    try:
        if ratings_dir is not None:
            everything = load_ratings(ratings_dir)
            movielens = everything.subset(np.isin(everything.movie_ids, catalogue))
        else:
            assert store is not None
            movielens = rating_store.read_ratings(store, movie_ids=catalogue)
    except DatasetError as exc:
        raise TrainingDataError(str(exc)) from exc
    parts = [movielens]
    if include_site_ratings:
        parts.append(site_ratings(catalogue=catalogue))
    ratings = Ratings(
        np.concatenate([p.user_ids for p in parts]),
        np.concatenate([p.movie_ids for p in parts]),
        np.concatenate([p.values for p in parts]),
        np.concatenate([p.timestamps for p in parts]),
    )
    if len(ratings) == 0:
        raise TrainingDataError(
            f"no rating in {ratings_dir or 'the last import'} is for a catalogue movie"
        )
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
    """The tag genome of catalogue movies, a dense (movies x tags) float32 matrix; or None.

    Read from the last import's rating store (the database keeps only each movie's strongest
    genome tags); None when the import had no genome.

    Raises
    ------
    TrainingDataError
        See ``import_rating_store``.
    """
    catalogue = np.asarray(catalogue_movie_ids(), dtype=np.int64)
    try:
        return rating_store.read_genome_arrays(import_rating_store(), movie_ids=catalogue)
    except DatasetError as exc:
        raise TrainingDataError(str(exc)) from exc


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
