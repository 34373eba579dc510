"""Tuning the cold-start baselines on training users: EASE's λ and implicit ALS's grid.

Both are chosen on the same validation users as our ranker (``tuning.validation_split``:
an inner split of the training users, revealing by the protocol's strategy), so held-out
users never influence a baseline's hyperparameters either.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.evaluation.baselines import Ease, ImplicitAls
from moviematch.recommender.evaluation.beyond import Referee
from moviematch.recommender.evaluation.runner import evaluate_method
from moviematch.recommender.model import Model
from moviematch.recommender.tuning import Validation

#: λ values tried for EASE (absolute; its ridge does not scale with the users).
EASE_L2_GRID = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)

#: (factors, alpha, reg) tried for implicit ALS. Cold-start users fold in from ten films,
#: where few factors win (on ML-100K, random reveal: 16 factors 0.44 NDCG@10, 64 factors
#: 0.37, the ``implicit`` package's defaults 0.37).
ALS_GRID = (
    (8, 1.0, 0.1),
    (16, 1.0, 0.1),
    (32, 1.0, 0.1),
    (64, 1.0, 0.1),
    (16, 5.0, 1.0),
    (32, 5.0, 1.0),
)
#: ALS hyperparameters when not tuning.
ALS_DEFAULT = (16, 1.0, 0.1)


def tune_ease(
    validation: Validation,
    *,
    l2_grid: tuple[float, ...] = EASE_L2_GRID,
    min_item_ratings: int = 1,
) -> tuple[float, list[dict[str, float]]]:
    """λ of the EASE baseline, chosen on the same validation users as our ranker.

    Returns the best λ (ties: the first) and the trials [{"l2": λ, "ndcg10": value}, ...].
    """
    trials: list[dict[str, float]] = []
    best = (-1.0, l2_grid[0])
    for l2 in l2_grid:
        method = Ease(l2=l2, min_item_ratings=min_item_ratings)
        method.fit(validation.data)
        ndcg = evaluate_method(method, validation.users, validation.split, ks=(10,)).ndcg[10]
        trials.append({"l2": l2, "ndcg10": round(ndcg, 6)})
        if ndcg > best[0]:
            best = (ndcg, l2)
    return best[1], trials


def tune_als(
    validation: Validation,
    *,
    grid: tuple[tuple[int, float, float], ...] = ALS_GRID,
    min_item_ratings: int = 1,
) -> tuple[tuple[int, float, float], list[dict[str, float]]]:
    """(factors, alpha, reg) of implicit ALS, chosen on the validation users like EASE's λ."""
    trials: list[dict[str, float]] = []
    best: tuple[float, tuple[int, float, float]] = (-1.0, grid[0])
    for point in grid:
        factors, alpha, reg = point
        method = ImplicitAls(factors, reg, alpha, min_item_ratings=min_item_ratings)
        method.fit(validation.data)
        ndcg = evaluate_method(method, validation.users, validation.split, ks=(10,)).ndcg[10]
        trials.append({"factors": factors, "alpha": alpha, "reg": reg, "ndcg10": round(ndcg, 6)})
        if ndcg > best[0]:
            best = (ndcg, point)
    return best[1], trials


def referee(model: Model, catalogue_ids: npt.NDArray[np.int64]) -> Referee:
    """The served model's stars for every catalogue row, from a user's revealed ratings."""
    cache: dict[bytes, npt.NDArray[np.float32]] = {}

    def predict(rows: npt.NDArray[np.int64], stars: npt.NDArray[np.float32]) -> Any:
        key = rows.tobytes() + np.asarray(stars, np.float32).tobytes()
        if key not in cache:
            cache[key] = model.predict_all(model.fold_in(catalogue_ids[rows], stars))
        return cache[key]

    return predict
