"""The one door between the web layer and the recommendation engine.

This is the only module of the Django apps that imports :mod:`moviematch.recommender`. It

* builds the engine's inputs from the catalogue (ratings restricted to catalogue movies,
  genres, user tags, tag genome) and trains and publishes a model (``model_train``);
* keeps the published model loaded per process and picks up a newly published one without a
  restart (``model_current``; see :mod:`moviematch.recommendations.model_cache`);
* answers the site's questions with it (``recommendation_list``, ``movie_similar_list``).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
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
from moviematch.recommendations.evaluation import ColdStartReport, cold_start_evaluate
from moviematch.recommendations.model_cache import ModelCache
from moviematch.recommendations.models import TrainingRun
from moviematch.recommender import Model, TrainConfig, train
from moviematch.recommender import artifact as engine_artifact
from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
from moviematch.recommender.errors import RecommenderError
from moviematch.recommender.mf import MFConfig

#: Site users join the MovieLens users in training under ids above every MovieLens userId.
SITE_USER_OFFSET = 1_000_000_000


class TrainingDataError(Exception):
    """The data needed to train is missing (no import yet, empty catalogue, unreadable files)."""


@dataclass(frozen=True)
class TrainReport:
    """What ``model_train`` trained on, how long it took and where the model went."""

    ratings: int
    users: int
    movies: int
    site_ratings: int
    seconds_train: float
    artifact: Path
    evaluation: ColdStartReport | None


def model_root() -> Path:
    """The model directory: ``settings.MOVIEMATCH["MODEL_PATH"]`` (next to the database)."""
    return Path(settings.MOVIEMATCH["MODEL_PATH"])


# --- training inputs -------------------------------------------------------------------------


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


# --- training and publishing -----------------------------------------------------------------


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


def model_is_up_to_date(*, include_site_ratings: bool = False) -> bool:
    """True when the published model was trained on exactly the current inputs."""
    run = TrainingRun.objects.filter(include_site_ratings=include_site_ratings).first()
    if run is None or run.data_fingerprint != training_fingerprint(
        include_site_ratings=include_site_ratings
    ):
        return False
    try:
        return Path(engine_artifact.current(model_root())).resolve() == Path(run.artifact).resolve()
    except (RecommenderError, OSError):
        return False


def model_train(
    *,
    ratings_dir: Path | None = None,
    include_site_ratings: bool = False,
    config: TrainConfig | None = None,
    evaluate: bool = True,
    seed: int = 0,
) -> TrainReport:
    """Train on the catalogue's ratings and features, evaluate, and publish atomically.

    The running site switches to the new model within a second (``model_current``).

    Raises
    ------
    TrainingDataError
        See ``training_ratings``.
    moviematch.recommender.errors.RecommenderError
        Training failed (e.g. ``ModelFitError``); nothing is published then.
    """
    fingerprint = training_fingerprint(include_site_ratings=include_site_ratings)
    ratings = training_ratings(ratings_dir=ratings_dir, include_site_ratings=include_site_ratings)
    config = config or TrainConfig(mf=MFConfig(seed=seed))
    features = {
        "movies": catalogue_movie_info(),
        "tags": catalogue_tags(),
        "genome": catalogue_genome(),
    }
    report = None
    if evaluate:
        report = cold_start_evaluate(ratings, fit=lambda r: train(r, config, **features), seed=seed)
    started = time.perf_counter()
    model = train(ratings, config, **features)
    seconds = time.perf_counter() - started
    if report is not None:
        model = model.with_metrics(_json_safe(asdict(report)))  # type: ignore[arg-type]
    path = engine_artifact.publish(model_root(), model.save)
    result = TrainReport(
        ratings=len(ratings),
        users=len(np.unique(ratings.user_ids)),
        movies=len(np.unique(ratings.movie_ids)),
        site_ratings=int((ratings.user_ids >= SITE_USER_OFFSET).sum()),
        seconds_train=round(seconds, 3),
        artifact=Path(path),
        evaluation=report,
    )
    TrainingRun.objects.create(
        data_fingerprint=fingerprint,
        artifact=str(result.artifact),
        include_site_ratings=include_site_ratings,
        ratings=result.ratings,
        users=result.users,
        movies=result.movies,
        seconds=result.seconds_train,
        evaluation=_json_safe(asdict(report)) if report is not None else {},
    )
    return result


def _json_safe(values: dict[str, object]) -> dict[str, object]:
    """NaN/inf become null: they are not JSON (PostgreSQL's jsonb rejects them)."""
    return {
        k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in values.items()
    }


def _load_current(root: Path) -> Model:
    return Model.load(engine_artifact.current(root))


_caches: dict[Path, ModelCache[Model]] = {}


def model_current() -> Model | None:
    """This process's model, reloaded within a second of a new publish; None before any."""
    root = model_root()
    cache = _caches.get(root)
    if cache is None:
        cache = _caches.setdefault(root, ModelCache(root, load=_load_current))
    return cache.get()


# --- answers for the site --------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A recommended movie and the stars the model predicts the user would give it."""

    movie_id: int
    stars: float
    score: float


def recommendation_list(*, user: object, n: int = 20) -> list[Recommendation]:
    """Top-``n`` movies for a site user from their ratings (folded in, no retraining).

    Returns ``[]`` when no model is published yet or the user has rated nothing the model
    knows.
    """
    model = model_current()
    if model is None:
        return []
    rated = list(Rating.objects.filter(user=user).values_list("movie_id", "stars"))
    if not rated:
        return []
    movie_ids = [m for m, _ in rated]
    try:
        profile = model.fold_in(movie_ids, [float(s) for _, s in rated])
        recs = model.recommend(profile, n=n, exclude=movie_ids)
    except RecommenderError:
        return []
    return [Recommendation(int(r.movie_id), float(r.stars), float(r.score)) for r in recs]
