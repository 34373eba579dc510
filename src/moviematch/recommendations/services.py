"""The one door between the web layer and the recommendation engine.

Views and the API import only this module (and ``errors``). Besides it, two helpers of
``model_train`` import the engine: ``training_inputs`` (the engine's data containers, built
from the database) and ``coldstart`` (the engine's evaluation, summarised). It

* trains on the catalogue, optionally tunes the ranker on the training users, runs the
  engine's cold-start evaluation, and publishes the model (``model_train``);
* keeps the published model loaded per process and picks up a newly published one without a
  restart (``model_current``; see :mod:`moviematch.recommendations.model_cache`);
* answers the site's questions with it (``recommendation_groups``, ``movie_similar_list``,
  ``onboarding_movies``, ``recommendation_list``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from moviematch.catalog.models import Movie
from moviematch.catalog.selectors import movie_in_bulk
from moviematch.ratings.models import Rating
from moviematch.recommendations.coldstart import (
    REVEAL_MODES,
    EvaluationReport,
    evaluation_run,
    model_metrics,
)
from moviematch.recommendations.errors import (
    ModelUnavailableError,
    MovieNotRecommendableError,
    RatingsNeededError,
)
from moviematch.recommendations.model_cache import ModelCache
from moviematch.recommendations.models import TrainingRun
from moviematch.recommendations.training_inputs import (
    SITE_USER_OFFSET,
    TrainingDataError,
    catalogue_genome,
    catalogue_movie_info,
    catalogue_tags,
    training_fingerprint,
    training_ratings,
)
from moviematch.recommender import Model, TrainConfig, UserProfile, train
from moviematch.recommender import artifact as engine_artifact
from moviematch.recommender.errors import RecommenderError, UnknownMovieError
from moviematch.recommender.evaluation.mfstars import tune_for_training
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.ranking import RankerConfig

__all__ = [
    "SITE_USER_OFFSET",
    "EvaluationReport",
    "RecommenderError",
    "TrainReport",
    "TrainingDataError",
    "model_current",
    "model_is_up_to_date",
    "model_train",
    "movie_similar_list",
    "onboarding_movies",
    "recommendation_groups",
    "recommendation_list",
]


@dataclass(frozen=True)
class TrainReport:
    """What ``model_train`` trained on, with which ranker, how it scored, where it went."""

    ratings: int
    users: int
    movies: int
    site_ratings: int
    seconds_train: float
    artifact: Path
    ranker: RankerConfig
    tuning: dict[str, Any] | None
    evaluation: EvaluationReport | None
    evaluation_skipped: str = ""


def model_root() -> Path:
    """The model directory: ``settings.MOVIEMATCH["MODEL_PATH"]`` (next to the database)."""
    return Path(settings.MOVIEMATCH["MODEL_PATH"])


# --- training and publishing -----------------------------------------------------------------


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
    evaluate: bool = True,
    tune: bool = False,
    reveal: str = "picker",
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> TrainReport:
    """Train on the catalogue's ratings and features, evaluate, and publish atomically.

    Parameters
    ----------
    ratings_dir : Path, optional
        MovieLens directory (default: the last imported one).
    include_site_ratings : bool
        Also train on the site users' ratings.
    evaluate : bool
        Run the engine's cold-start evaluation first (``_evaluate``).
    tune : bool
        Choose the ranker's hyperparameters on the training ratings
        (``tune_for_training``; about 80 s on ml-latest-small) instead of the defaults,
        which were tuned on ML-100K.
    reveal : {"random", "popular", "picker"}
        How simulated new users reveal their first ten ratings, in tuning and evaluation.
    seed : int
        Seeds MF, the tuning split and the evaluation split.
    log : callable, optional
        Receives a line before each long step.

    Raises
    ------
    TrainingDataError
        See ``training_inputs.training_ratings``.
    ValueError
        Unknown ``reveal``.
    moviematch.recommender.errors.RecommenderError
        Training failed (e.g. ``ModelFitError``); nothing is published then.
    """
    if reveal not in REVEAL_MODES:
        raise ValueError(f"reveal must be one of {', '.join(REVEAL_MODES)}, got {reveal!r}")
    say = log or (lambda _line: None)
    fingerprint = training_fingerprint(include_site_ratings=include_site_ratings)
    ratings = training_ratings(ratings_dir=ratings_dir, include_site_ratings=include_site_ratings)
    mf = MFConfig(seed=seed)
    ranker = RankerConfig()
    tuning: dict[str, Any] | None = None
    if tune:
        say(f"choosing the ranker's hyperparameters on the training users ({reveal} reveal)")
        started = time.perf_counter()
        tuned = tune_for_training(ratings, mf, ranker, reveal=reveal, seed=seed)
        ranker = tuned.config
        tuning = {
            "reveal": reveal,
            "validation_ndcg10": round(tuned.ndcg, 6),
            "trials": len(tuned.trials),
            "seconds": round(time.perf_counter() - started, 1),
        }
    evaluation, skipped = None, "" if evaluate else "not requested"
    if evaluate:
        say(f"cold-start evaluation ({reveal} reveal{', tuning on its training users' * tune})")
        evaluation, skipped = evaluation_run(
            ratings, mf, ranker, tune=tune, reveal=reveal, seed=seed
        )

    say("training the model")
    started = time.perf_counter()
    model = train(
        ratings,
        TrainConfig(mf=mf, ranker=ranker),
        movies=catalogue_movie_info(),
        tags=catalogue_tags(),
        genome=catalogue_genome(),
    )
    seconds = time.perf_counter() - started
    model = model.with_metrics(model_metrics(evaluation, tuning))
    path = Path(engine_artifact.publish(model_root(), model.save))
    report = TrainReport(
        ratings=len(ratings),
        users=len(np.unique(ratings.user_ids)),
        movies=len(np.unique(ratings.movie_ids)),
        site_ratings=int((ratings.user_ids >= SITE_USER_OFFSET).sum()),
        seconds_train=round(seconds, 3),
        artifact=path,
        ranker=ranker,
        tuning=tuning,
        evaluation=evaluation,
        evaluation_skipped=skipped,
    )
    TrainingRun.objects.create(
        data_fingerprint=fingerprint,
        artifact=str(path),
        include_site_ratings=include_site_ratings,
        ratings=report.ratings,
        users=report.users,
        movies=report.movies,
        seconds=report.seconds_train,
        evaluation=evaluation.data if evaluation else {"skipped": skipped},
        config={
            "mf": dataclasses.asdict(mf),
            "ranker": dataclasses.asdict(ranker),
            "ranker_source": "tuned on the training users" if tune else "defaults",
            "tuning": tuning,
        },
    )
    return report


# --- the model of this process ---------------------------------------------------------------


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


def _model_required() -> Model:
    model = model_current()
    if model is None:
        raise ModelUnavailableError()
    return model


# --- answers for the site --------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A recommended movie and the stars the model predicts the user would give it."""

    movie_id: int
    stars: float
    score: float


def _user_ratings(user: Any) -> dict[int, float]:
    return {
        m: float(s) for m, s in Rating.objects.filter(user=user).values_list("movie_id", "stars")
    }


def _profile(model: Model, rated: dict[int, float]) -> UserProfile | None:
    """The user folded in, or None when they rated nothing the model knows."""
    if not rated:
        return None
    profile = model.fold_in(list(rated), list(rated.values()))
    return profile if len(profile.rated_rows) else None


def _catalogue_movies(movie_ids: Iterable[int]) -> dict[int, Movie]:
    """The catalogue movies among ``movie_ids`` (the catalogue may have changed since training)."""
    return {
        m: movie for m, movie in movie_in_bulk(movie_ids=movie_ids).items() if movie.in_catalogue
    }


def _recommend(model: Model, user: Any, n: int) -> list[Recommendation]:
    rated = _user_ratings(user)
    profile = _profile(model, rated)
    if profile is None:
        proposals = model.onboarding(20, seed=int(user.pk))
        raise RatingsNeededError([m for m in proposals if m in _catalogue_movies(proposals)])
    # A few more than n: movies dropped from the catalogue since training are removed.
    recs = model.recommend(profile, n=n + 20, exclude=list(rated))
    movies = _catalogue_movies(r.movie_id for r in recs)
    kept = [r for r in recs if r.movie_id in movies][:n]
    return [Recommendation(int(r.movie_id), float(r.stars), float(r.score)) for r in kept]


def recommendation_list(*, user: Any, n: int = 20) -> list[Recommendation]:
    """Top-``n`` catalogue movies for a site user from their ratings (folded in, no retraining).

    Raises
    ------
    ModelUnavailableError
        No model is published yet.
    RatingsNeededError
        The user has rated nothing the model knows (carries onboarding proposals).
    """
    return _recommend(_model_required(), user, n)


def recommendation_groups(*, user: Any, n: int = 40) -> list[tuple[str, list[tuple[Movie, float]]]]:
    """The user's top-``n`` recommendations split into taste groups labelled by genre.

    Returns ``[(label, [(movie, predicted stars), ...]), ...]``: groups in the order of
    the best rank they hold, the list's order inside each group.

    Raises
    ------
    ModelUnavailableError, RatingsNeededError
        As ``recommendation_list``.
    """
    model = _model_required()  # one model for both steps, even if a new one is published
    recs = _recommend(model, user, n)
    movies = movie_in_bulk(movie_ids=[r.movie_id for r in recs])
    stars = {r.movie_id: r.stars for r in recs}
    return [
        (group.label, [(movies[m], stars[m]) for m in group.movie_ids])
        for group in model.group([r.movie_id for r in recs])
    ]


def movie_similar_list(*, movie_id: int, k: int = 10) -> list[tuple[Movie, float]]:
    """The ``k`` catalogue movies most similar to ``movie_id``, as (movie, cosine), best first.

    Raises
    ------
    MovieNotRecommendableError
        ``movie_id`` is not a catalogue movie, or the current model does not know it.
    ModelUnavailableError
        No model is published yet.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if movie_id not in _catalogue_movies([movie_id]):
        raise MovieNotRecommendableError(movie_id, "not in the catalogue")
    model = _model_required()
    try:
        similar = model.similar(movie_id, k + 20)
    except UnknownMovieError:
        raise MovieNotRecommendableError(movie_id, "unknown to the current model") from None
    movies = _catalogue_movies(m for m, _ in similar)
    return [(movies[m], float(c)) for m, c in similar if m in movies][:k]


def onboarding_movies(*, user: Any, n: int = 20, skipped: Collection[int] = ()) -> list[Movie]:
    """Movies to ask ``user`` to rate next: likely seen, informative, diverse.

    Movies the user rated steer the proposals; ``skipped`` (movies the user said they have
    not seen) are never proposed again and steer away. Proposals are stable for a user
    (seeded by their id) until they rate or skip something.

    Raises
    ------
    ModelUnavailableError
        No model is published yet.
    """
    model = _model_required()
    rated = _user_ratings(user)
    exclude = set(rated) | {int(m) for m in skipped}
    proposed = model.onboarding(
        n + 20, exclude=exclude, seed=int(user.pk), rated=list(rated), skipped=list(skipped)
    )
    movies = _catalogue_movies(proposed)
    return [movies[m] for m in proposed if m in movies][:n]
