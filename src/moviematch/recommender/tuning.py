"""Choosing the ranker's hyperparameters on training users only (the production tuning).

``tune_for_training(ratings, config, ...)`` is what ``manage.py train_model --tune`` and
``moviematch train --tune`` run before training the model they publish, and what the
cold-start evaluation runs on its split's training users, so that held-out users never
influence the hyperparameters they are scored with.

Procedure: the users of ``ratings`` are split once more (seeded, 80/20,
``evaluation.protocol.split_users``). A ``Model`` is trained on the inner 80 % with the
config being tuned minus its ranker (the same MF, similarity and onboarding picker the
final model gets). The inner 20 % play new users: they reveal ``n_reveal`` ratings by the
chosen strategy (``picker``: that model's ``Model.onboarding``) and are folded into that
model. Each grid point's ranker is scored by the NDCG@10 of the lists it gives them,
measured on their other ratings by ``evaluation.runner.evaluate_method``.

The fast path: the expensive part (inverting G + Λ, ``ranker_solver.solve``) depends only on
``l2`` and ``dropout``; the blend weights are tried on the same unpruned score matrices
(``DenseParts.input_scores``) through the ranker's own blend (``ranker.blend_scores``), so a
grid of 5 × 4 inversions and 3 × 4 × 2 blends costs about twenty fits. A test
(``tests/recommender/test_tuning.py``) asserts on ml-latest-small that the fast path's lists
and NDCG are those of ``Model.recommend`` of a model trained with the same grid point.
Pruning (``top_k``) is not tuned: it trades a small, measured NDCG loss for memory
(``bench/bench_coldstart.py``), so the fast path scores unpruned (``top_k = 0``).

The grid is wide on purpose: with random reveals the dropout penalty and a large λ win,
while when users reveal their most popular films (``popular``, the onboarding picker) the
held-out films are the less popular ones and the least regularised models win, for EASE as
for ours (docs/evaluation.md).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.calibration import (
    calibrated_order,
    catalogue_mix,
    genre_affinity,
    genre_distribution,
    ratings_mix,
    shrunk_target,
    target_distribution,
)
from moviematch.recommender.coherence import coherence_table, content_boost, taste_coherence
from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
from moviematch.recommender.evaluation.baselines import Answer, TrainingData
from moviematch.recommender.evaluation.protocol import (
    REVEAL_MODES,
    TestUser,
    UserSplit,
    make_strategy,
    reveal_users,
    split_users,
)
from moviematch.recommender.evaluation.runner import evaluate_method, training_data
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.ranker import RankerConfig, blend_scores, input_weights
from moviematch.recommender.ranker_blend import (
    content_scores,
    damped_share,
    damping_strength,
    demote,
    disliked_genre_films,
)
from moviematch.recommender.ranker_config import genre_members
from moviematch.recommender.ranker_solver import solve
from moviematch.recommender.similarity_component import SimilarityComponent
from moviematch.recommender.training import train


@dataclass(frozen=True)
class RankerGrid:
    """Values tried by ``tune_ranker`` (every combination)."""

    l2: tuple[float, ...] = (0.01, 0.05, 0.25, 1.0, 4.0)
    dropout: tuple[float, ...] = (0.0, 3.0, 10.0, 30.0)
    seen_weight: tuple[float, ...] = (0.25, 1.0, 4.0)
    stars_weight: tuple[float, ...] = (0.0, 0.1, 0.2, 0.4)
    popularity_weight: tuple[float, ...] = (-0.2, 0.0)


@dataclass(frozen=True)
class TuningResult:
    """The chosen config, its validation NDCG@10, and every trial (dicts, JSON-ready).

    ``kept_default`` is true when no grid point beat the untuned config on every checked
    reveal mode (``checks``: reveal → {"default": NDCG@10, "tuned": NDCG@10}), so the
    untuned config was kept.
    """

    config: RankerConfig
    ndcg: float
    trials: list[dict[str, Any]] = field(default_factory=list)
    kept_default: bool = False
    checks: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Validation:
    """The inner split the tuning scores on (``validation_split``).

    Attributes
    ----------
    split : UserSplit
        Inner split of the tuned ratings; ``split.train`` is what ``model`` trained on.
    model : Model
        Trained on ``split.train`` with the tuned config minus its ranker; its items are
        ``split.catalogue`` (same rows).
    users : list of TestUser
        The validation users, revealed.
    data : TrainingData
        ``split.train`` in catalogue rows (what the ranker's solver fits on).
    predicted : float32 array (n_users, n_items)
        Each validation user's fold-in stars (``model.predict_all``), row per user.
    genres : bool array (n_items, n_genres)
        Genre membership of the catalogue rows (what the ranker calibrates with).
    """

    split: UserSplit
    model: Model
    users: list[TestUser]
    data: TrainingData
    predicted: npt.NDArray[np.float32]
    genres: npt.NDArray[np.bool_]


def validation_split(
    ratings: Ratings,
    config: TrainConfig,
    *,
    movies: MovieInfo | None = None,
    tags: TagApplications | None = None,
    genome: Genome | None = None,
    n_reveal: int = 10,
    reveal: str = "picker",
    picker_budget: int = 100,
    seed: int = 0,
) -> Validation:
    """Split ``ratings``' users, train the model without its ranker, reveal and fold in.

    Raises
    ------
    ValueError
        Unknown ``reveal``, or too few users with enough ratings to validate on.
    ModelFitError
        Training the inner model failed.
    """
    inner = split_users(ratings, test_fraction=0.2, n_reveal=n_reveal, min_heldout=5, seed=seed)
    model = train(
        inner.train,
        dataclasses.replace(config, ranker=None),
        movies=movies,
        tags=tags,
        genome=genome,
    )
    if not np.array_equal(model.items.ids, inner.catalogue.ids):  # pragma: no cover
        raise RuntimeError("the validation model's items are not the inner catalogue")
    genres, _names = genre_members(inner.catalogue.ids, movies)
    base = Validation(inner, model, [], training_data(inner), np.zeros((0, 0), np.float32), genres)
    return revealed_by(base, reveal, n_reveal=n_reveal, picker_budget=picker_budget, seed=seed)


def revealed_by(
    validation: Validation,
    reveal: str,
    *,
    n_reveal: int = 10,
    picker_budget: int = 100,
    seed: int = 0,
) -> Validation:
    """The same inner split and model, its validation users revealing by ``reveal``.

    Raises
    ------
    ValueError
        Unknown ``reveal``, or no validation user.
    """
    inner, model = validation.split, validation.model
    strategy = make_strategy(
        reveal, inner, n_reveal=n_reveal, budget=picker_budget, onboarding=model
    )
    users = reveal_users(inner, strategy, seed=seed)
    if not users:
        raise ValueError("too few training users with enough ratings to tune on")
    predicted = np.stack(
        [
            model.predict_all(
                model.fold_in(inner.catalogue.external(u.revealed_rows), u.revealed_stars)
            )
            for u in users
        ]
    )
    return dataclasses.replace(validation, users=users, predicted=predicted)


class ValidationScores:
    """The fast path: unpruned ranker scores of every validation user for one (l2, dropout).

    ``scores(config)`` is what ``ItemItemRanker.score`` of a ranker fitted with ``config``
    (``top_k = 0``) on ``validation.data`` gives each validation user, given their
    predicted stars, for any blend weights: the inversion is done once here. ``lists``
    turns them into the calibrated lists ``ItemItemRanker.order`` would give.
    """

    def __init__(self, validation: Validation, config: RankerConfig) -> None:
        data = validation.data
        self.validation = validation
        self.parts = solve(data.user_rows, data.item_rows, data.stars, data.n_items, config)
        inputs = [u.revealed_rows for u in validation.users]
        votes = [input_weights(u.revealed_stars, config.centred_input) for u in validation.users]
        self.liked, self.seen = self.parts.input_scores(inputs, votes)
        self.has_input = np.array([self.parts.modelled[rows].any() for rows in inputs])
        self.predicted = validation.predicted.astype(np.float64)
        self.distribution = genre_distribution(validation.genres)
        mix = catalogue_mix(self.distribution)
        self.ratings_mix = ratings_mix(self.distribution, self.parts.log_popularity)
        self.genre = np.stack(
            [
                genre_affinity(self.distribution, mix, u.revealed_rows, u.revealed_stars)
                for u in validation.users
            ]
        )
        self.key = (config.l2, config.dropout, config.centred_input, config.max_items)
        # Content taste (what a ranker fitted in ``train`` reads from the similarity slot).
        self.content: npt.NDArray[np.float64] | None = None
        # Each user's taste coherence and the training users' table of it (what the fitted
        # ranker's ``coherence_`` holds): the content weight's factor per grid point.
        self.coherence = np.full(len(validation.users), np.nan)
        self.coherence_table = np.zeros(0, np.float32)
        similarity = validation.model.components.get("similarity")
        if isinstance(similarity, SimilarityComponent):
            vectors = similarity.index.vectors_for(validation.model.items.ids)
            self.content = np.stack(
                [
                    content_scores(vectors, u.revealed_rows, v)
                    for u, v in zip(validation.users, votes, strict=True)
                ]
            )
            unit = np.ascontiguousarray(vectors, dtype=np.float32)
            self.coherence_table = coherence_table(
                unit, data.user_rows, data.item_rows, data.stars, config.like_threshold
            )
            self.coherence = np.array(
                [
                    taste_coherence(unit, u.revealed_rows, u.revealed_stars, config.like_threshold)
                    for u in validation.users
                ]
            )

    def scores(self, config: RankerConfig, adventurous: float = 0.5) -> npt.NDArray[np.float64]:
        """float64 (n_users, n_items) for ``config`` (its solver fields must be ours)."""
        if (config.l2, config.dropout, config.centred_input, config.max_items) != self.key:
            raise ValueError("these scores were solved for another l2/dropout")
        scores = blend_scores(
            self.liked + config.seen_weight * self.seen,
            self.has_input,
            self.predicted,
            modelled=self.parts.modelled,
            log_popularity=self.parts.log_popularity,
            config=config,
            adventurous=adventurous,
            content=self.content,
            content_boost=np.array(
                [
                    content_boost(
                        c, self.coherence_table, config.coherent_content, config.coherence_onset
                    )
                    for c in self.coherence
                ]
            ),
            genre=self.genre,
            damping=np.array(
                [
                    damping_strength(
                        self.parts.log_popularity, self.parts.modelled, u.revealed_rows, config
                    )
                    for u in self.validation.users
                ]
            ),
        )
        if config.taste_guard:
            guard = np.stack(
                [
                    disliked_genre_films(
                        self.validation.genres, u.revealed_rows, u.revealed_stars, predicted
                    )
                    for u, predicted in zip(self.validation.users, self.predicted, strict=True)
                ]
            )
            demote(scores, guard)
        return scores

    def lists(
        self,
        scores: npt.NDArray[np.float64],
        config: RankerConfig,
        n: int = 20,
        adventurous: float = 0.5,
    ) -> list[npt.NDArray[np.int64]]:
        """Each validation user's top ``n`` rows from ``scores``, calibrated as served."""
        out = []
        for u, user in enumerate(self.validation.users):
            row = scores[u].copy()
            row[user.revealed_rows] = -np.inf
            target = shrunk_target(
                target_distribution(self.distribution, user.revealed_rows, user.revealed_stars),
                self.ratings_mix,
                len(user.revealed_rows),
                config.calibration_prior,
            )
            out.append(
                calibrated_order(
                    row,
                    self.distribution,
                    target,
                    n,
                    weight=config.calibration_at(
                        adventurous,
                        damped_share(
                            self.parts.log_popularity,
                            self.parts.modelled,
                            user.revealed_rows,
                            config,
                        ),
                    ),
                    pool=config.calibration_pool,
                    depth=config.calibration_depth,
                )
            )
        return out


class _ListedUsers:
    """Precomputed lists as a ``Method`` (entry i of ``lists`` is ``users[i]``)."""

    name = "tuning"

    def __init__(self, users: list[TestUser], lists: list[npt.NDArray[np.int64]]) -> None:
        self.row = {u.user_id: i for i, u in enumerate(users)}
        self.lists = lists

    def answer(self, user: TestUser, n: int) -> Answer:
        return Answer(self.lists[self.row[user.user_id]][:n], None)


def validation_ndcg(validation: Validation, lists: list[npt.NDArray[np.int64]]) -> float:
    """Mean NDCG@10 of the validation users' lists (the protocol's metric)."""
    method = _ListedUsers(validation.users, lists)
    return evaluate_method(method, validation.users, validation.split, ks=(10,)).ndcg[10]


def tune_ranker(
    validation: Validation,
    base: RankerConfig,
    *,
    grid: RankerGrid | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> TuningResult:
    """The grid point with the best validation NDCG@10 (ties: first in grid order).

    ``base`` gives the untuned fields (``like_threshold``, ``min_item_ratings``, ``top_k``,
    ``min_stars``); ``progress`` wraps the iterable of (l2, dropout) pairs (e.g. tqdm).
    """
    grid = grid or RankerGrid()
    trials: list[dict[str, Any]] = []
    best: tuple[float, RankerConfig] | None = None
    pairs: Iterable[tuple[float, float]] = list(itertools.product(grid.l2, grid.dropout))
    for l2, dropout in progress(pairs) if progress else pairs:
        solved = ValidationScores(validation, dataclasses.replace(base, l2=l2, dropout=dropout))
        blends = itertools.product(grid.seen_weight, grid.stars_weight, grid.popularity_weight)
        for seen_weight, stars_weight, popularity_weight in blends:
            config = dataclasses.replace(
                base,
                l2=l2,
                dropout=dropout,
                seen_weight=seen_weight,
                stars_weight=stars_weight,
                popularity_weight=popularity_weight,
            )
            ndcg = validation_ndcg(validation, solved.lists(solved.scores(config), config))
            trials.append({**dataclasses.asdict(config), "ndcg10": round(ndcg, 6)})
            if best is None or ndcg > best[0]:
                best = (ndcg, config)
    if best is None:
        raise ValueError("the ranker grid is empty")
    default = config_ndcg(validation, base)
    if default >= best[0]:
        return TuningResult(config=base, ndcg=default, trials=trials, kept_default=True)
    return TuningResult(config=best[1], ndcg=best[0], trials=trials)


def config_ndcg(validation: Validation, config: RankerConfig) -> float:
    """Validation NDCG@10 of one ranker config (one inversion)."""
    solved = ValidationScores(validation, config)
    return validation_ndcg(validation, solved.lists(solved.scores(config), config))


def tune_for_training(
    ratings: Ratings,
    config: TrainConfig,
    *,
    movies: MovieInfo | None = None,
    tags: TagApplications | None = None,
    genome: Genome | None = None,
    grid: RankerGrid | None = None,
    n_reveal: int = 10,
    reveal: str = "picker",
    picker_budget: int = 100,
    seed: int = 0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    check_reveals: tuple[str, ...] = REVEAL_MODES,
) -> TuningResult:
    """Ranker hyperparameters for a model to be trained on ``ratings`` with ``config``.

    The grid's best point on validation users revealing by ``reveal`` replaces
    ``config.ranker`` only if it beats it there *and* is at least as good on validation
    users revealing by each of ``check_reveals``; otherwise ``config.ranker`` is kept
    (``TuningResult.kept_default``). So ``--tune`` cannot make any reveal mode worse than
    the default on the validation users (on new users it is an estimate).

    Parameters
    ----------
    ratings : Ratings
        The ratings the model will be trained on (the evaluation passes its split's
        training ratings only).
    config : TrainConfig
        The configuration the model will be trained with; ``config.ranker`` gives the
        untuned ranker fields and must be a ``RankerConfig``.
    movies, tags, genome : optional
        The catalogue features the model will be trained with (they shape the onboarding
        picker's slates, hence what ``picker`` validation users reveal).
    grid : RankerGrid, optional
    n_reveal : int
        Ratings each validation user reveals (the site's onboarding asks for ten).
    reveal : {"random", "popular", "time", "picker"}
        How they choose them (default: the onboarding picker, as the site's visitors do).
    picker_budget : int
        Proposals the simulated onboarding may make per user.
    seed : int
        Seeds the inner split and the reveals.
    progress : callable, optional
        Wraps the iterable of (l2, dropout) pairs, e.g. ``tqdm``.
    check_reveals : tuple of str
        Reveal modes the tuned config must not do worse on than the default.

    Returns
    -------
    TuningResult
        ``config`` is ``config.ranker`` with the winning values.

    Raises
    ------
    ValueError
        ``config.ranker`` is not a ``RankerConfig``, unknown ``reveal``, or too few users.
    ModelFitError
        Training the validation model or a ranker failed.
    """
    if not isinstance(config.ranker, RankerConfig):
        raise ValueError("tune_for_training: config.ranker must be a RankerConfig")
    validation = validation_split(
        ratings,
        config,
        movies=movies,
        tags=tags,
        genome=genome,
        n_reveal=n_reveal,
        reveal=reveal,
        picker_budget=picker_budget,
        seed=seed,
    )
    result = tune_ranker(validation, config.ranker, grid=grid, progress=progress)
    if result.kept_default:
        return result
    # Never worse than the untuned config for any way a visitor may start: the winner must
    # match or beat it on validation users revealing by every other strategy too.
    checks: dict[str, dict[str, float]] = {reveal: {"tuned": result.ndcg}}
    for other in check_reveals:
        if other == reveal:
            continue
        again = revealed_by(
            validation, other, n_reveal=n_reveal, picker_budget=picker_budget, seed=seed
        )
        checks[other] = {
            "default": round(config_ndcg(again, config.ranker), 6),
            "tuned": round(config_ndcg(again, result.config), 6),
        }
        if checks[other]["tuned"] < checks[other]["default"]:
            return dataclasses.replace(
                result, config=config.ranker, kept_default=True, checks=checks
            )
    return dataclasses.replace(result, checks=checks)
