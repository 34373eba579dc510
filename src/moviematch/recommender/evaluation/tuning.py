"""Hyperparameter selection on training users only, by the cold-start protocol itself.

The training users are split once more (seeded): an inner 80% fits the models, the inner
20% play new users who reveal ``n_reveal`` random ratings, and the grid point with the best
NDCG@10 on their remaining ratings wins. Held-out test users of an outer evaluation are
never seen here: ``tune_ranker`` receives only the training ratings.

For the ranker the expensive part (inverting G + Λ) depends only on ``l2`` and
``dropout``; the blend weights are tried on the same unpruned score matrices, so a grid of
5 × 4 inversions and 3 × 4 × 2 blends costs about twenty fits. The grid is wide on
purpose: with random reveals the dropout penalty and a large λ win (ML-100K: l2 = 4,
dropout = 10), while when users reveal their most popular films (``popular`` and the
onboarding picker) the held-out films are the less popular ones and the least
regularised models win, for EASE as for ours. Pruning (``top_k``) is not
tuned: it trades a small, measured NDCG loss for memory (``bench/bench_coldstart.py``).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import Ratings
from moviematch.recommender.evaluation.baselines import Ease, StarsModel
from moviematch.recommender.evaluation.protocol import make_strategy, reveal_users, split_users
from moviematch.recommender.evaluation.runner import evaluate_method, training_data
from moviematch.recommender.ranker import RankerConfig, blend_scores
from moviematch.recommender.ranker_solver import solve


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
    """The chosen config, its validation NDCG@10, and every trial (dicts, JSON-ready)."""

    config: RankerConfig
    ndcg: float
    trials: list[dict[str, Any]] = field(default_factory=list)


def _validation(
    train: Ratings,
    n_reveal: int,
    seed: int,
    reveal: str = "random",
    picker_budget: int = 100,
    picker_factory: Callable[[Ratings], Any] | None = None,
) -> tuple[Any, Any, Any]:
    inner = split_users(train, test_fraction=0.2, n_reveal=n_reveal, min_heldout=5, seed=seed)
    strategy = make_strategy(
        reveal, inner, n_reveal=n_reveal, budget=picker_budget, picker_factory=picker_factory
    )
    users = reveal_users(inner, strategy, seed=seed)
    if not users:
        raise ValueError("too few training users with enough ratings to tune on")
    return inner, training_data(inner), users


def tune_ranker(
    train: Ratings,
    *,
    stars_model: StarsModel | None = None,
    base: RankerConfig | None = None,
    grid: RankerGrid | None = None,
    n_reveal: int = 10,
    reveal: str = "random",
    picker_budget: int = 100,
    picker_factory: Callable[[Ratings], Any] | None = None,
    seed: int = 0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> TuningResult:
    """Choose ``l2``, ``dropout`` and the blend weights on an inner split of ``train``.

    Parameters
    ----------
    train : Ratings
        Training users' ratings only.
    stars_model : StarsModel, optional
        Fold-in stars model (unfitted; fitted here on the inner training users). Without
        it, ``stars_weight`` is fixed at 0.
    base : RankerConfig, optional
        Values of the untuned fields (``like_threshold``, ``min_item_ratings``, ``top_k``).
    grid : RankerGrid, optional
    n_reveal : int
        Ratings each validation user reveals (should match the deployment's onboarding).
    reveal, picker_budget, picker_factory
        How validation users reveal them (``protocol.make_strategy``); match the protocol
        the model will be judged by (the site: the onboarding picker).
    seed : int
    progress : callable, optional
        Wraps the iterable of (l2, dropout) pairs, e.g. ``tqdm``.

    Returns
    -------
    TuningResult
        ``config`` is ``base`` with the winning values (ties: first in grid order).
    """
    base = base or RankerConfig()
    grid = grid or RankerGrid()
    _, data, users = _validation(train, n_reveal, seed, reveal, picker_budget, picker_factory)
    stars_grid = grid.stars_weight if stars_model is not None else (0.0,)
    predicted = np.zeros((len(users), data.n_items))
    if stars_model is not None and any(w != 0 for w in stars_grid):
        stars_model.fit(data)
        for u, user in enumerate(users):
            predicted[u] = stars_model.predict(user.revealed_rows, user.revealed_stars)
    inputs = [u.revealed_rows for u in users]
    relevant = [u.heldout_rows[u.heldout_stars >= 4.0] for u in users]

    trials: list[dict[str, Any]] = []
    best: tuple[float, RankerConfig] | None = None
    pairs: Iterable[tuple[float, float]] = list(itertools.product(grid.l2, grid.dropout))
    for l2, dropout in progress(pairs) if progress else pairs:
        parts = solve(
            data.user_rows,
            data.item_rows,
            data.stars,
            data.n_items,
            dataclasses.replace(base, l2=l2, dropout=dropout, top_k=0),
        )
        liked, seen = parts.input_scores(inputs)
        has_input = np.array([parts.modelled[rows].any() for rows in inputs])
        for sw, stw, pw in itertools.product(grid.seen_weight, stars_grid, grid.popularity_weight):
            config = dataclasses.replace(
                base,
                l2=l2,
                dropout=dropout,
                seen_weight=sw,
                stars_weight=stw,
                popularity_weight=pw,
            )
            scores = blend_scores(
                liked + sw * seen,
                has_input,
                predicted,
                modelled=parts.modelled,
                log_popularity=parts.log_popularity,
                config=config,
            )
            ndcg = _mean_ndcg(scores, inputs, relevant)
            trials.append({**dataclasses.asdict(config), "ndcg10": round(ndcg, 6)})
            if best is None or ndcg > best[0]:
                best = (ndcg, config)
    assert best is not None
    return TuningResult(config=best[1], ndcg=best[0], trials=trials)


def _mean_ndcg(
    scores: npt.NDArray[np.float64],
    inputs: list[npt.NDArray[np.int64]],
    relevant: list[npt.NDArray[np.int64]],
    k: int = 10,
) -> float:
    """Mean NDCG@k over users with relevant items; same definition as ``metrics``.

    Vectorised over users (the tuning loop calls it for every blend). Within the top k,
    ties go to the lower index as in ``metrics.top_k``; a tie straddling the cut-off may
    be resolved differently (immaterial for continuous scores).
    """
    masked = scores.copy()
    for u, rows in enumerate(inputs):
        masked[u, rows] = -np.inf
    n_items = masked.shape[1]
    k = min(k, n_items)
    part = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(masked, part, axis=1)
    # Order the k candidates by (score desc, index asc).
    order = np.lexsort((part, -part_scores), axis=1)
    top = np.take_along_axis(part, order, axis=1)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    values = []
    for u, rel in enumerate(relevant):
        if len(rel) == 0:
            continue
        hits = np.isin(top[u], rel)
        idcg = discounts[: min(k, len(np.unique(rel)))].sum()
        values.append(float(discounts[hits].sum() / idcg))
    return float(np.mean(values)) if values else 0.0


def tune_ease(
    train: Ratings,
    *,
    l2_grid: tuple[float, ...] = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0),
    min_item_ratings: int = 1,
    n_reveal: int = 10,
    reveal: str = "random",
    picker_budget: int = 100,
    picker_factory: Callable[[Ratings], Any] | None = None,
    seed: int = 0,
) -> tuple[float, list[dict[str, float]]]:
    """λ of the EASE baseline, chosen the same way as the ranker's (fair comparison).

    Returns the best λ and the trials [{"l2": λ, "ndcg10": value}, ...].
    """
    inner, data, users = _validation(train, n_reveal, seed, reveal, picker_budget, picker_factory)
    trials: list[dict[str, float]] = []
    best = (-1.0, l2_grid[0])
    for l2 in l2_grid:
        method = Ease(l2=l2, min_item_ratings=min_item_ratings)
        method.fit(data)
        ndcg = evaluate_method(method, users, inner, ks=(10,)).ndcg[10]
        trials.append({"l2": l2, "ndcg10": round(ndcg, 6)})
        if ndcg > best[0]:
            best = (ndcg, l2)
    return best[1], trials
