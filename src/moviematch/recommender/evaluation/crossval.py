"""k-fold cross-validated RMSE of the biased MF model (the classic, warm-start figure).

Ratings (not users) are shuffled with a seed and cut into k folds; each fold is predicted
by MF trained on the other k − 1. A user or movie absent from the training folds has no
learned factors or bias: its terms are left out (μ + whatever biases are known), which is
what a deployed model could do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from moviematch.recommender.data import MAX_STARS, MIN_STARS, Ratings
from moviematch.recommender.evaluation.metrics import mae, rmse
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.vocab import Vocabulary


@dataclass(frozen=True)
class CrossValResult:
    """Per-fold and mean RMSE/MAE in stars."""

    fold_rmse: list[float]
    fold_mae: list[float]

    @property
    def rmse(self) -> float:
        return float(np.mean(self.fold_rmse))

    @property
    def mae(self) -> float:
        return float(np.mean(self.fold_mae))

    def as_json(self) -> dict[str, Any]:
        return {
            "folds": len(self.fold_rmse),
            "rmse": round(self.rmse, 6),
            "mae": round(self.mae, 6),
            "fold_rmse": [round(v, 6) for v in self.fold_rmse],
            "fold_mae": [round(v, 6) for v in self.fold_mae],
        }


def cross_validate_mf(
    ratings: Ratings,
    config: MFConfig | None = None,
    *,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> CrossValResult:
    """k-fold RMSE/MAE of ``train_mf`` with ``config``.

    Raises
    ------
    ValueError
        When ``folds`` < 2 or there are fewer ratings than folds.
    """
    if folds < 2 or len(ratings) < folds:
        raise ValueError(f"need folds >= 2 and at least {folds} ratings")
    users = Vocabulary(ratings.user_ids)
    items = Vocabulary(ratings.movie_ids)
    u_rows = users.rows(ratings.user_ids)
    i_rows = items.rows(ratings.movie_ids)
    assignment = np.random.default_rng(seed).permutation(len(ratings)) % folds
    fold_rmse: list[float] = []
    fold_mae: list[float] = []
    fold_ids: Iterable[int] = range(folds)
    for fold in progress(fold_ids) if progress else fold_ids:
        test = assignment == fold
        fit = train_mf(
            u_rows[~test], i_rows[~test], ratings.values[~test], len(users), len(items), config
        )
        seen_u = np.bincount(u_rows[~test], minlength=len(users)) > 0
        seen_i = np.bincount(i_rows[~test], minlength=len(items)) > 0
        tu, ti = u_rows[test], i_rows[test]
        known = seen_u[tu] & seen_i[ti]
        pred = np.full(len(tu), fit.global_mean_)
        pred[known] = fit.predict(tu[known], ti[known])
        only_u = seen_u[tu] & ~seen_i[ti]
        only_i = ~seen_u[tu] & seen_i[ti]
        pred[only_u] += fit.user_bias_[tu[only_u]]
        pred[only_i] += fit.item_bias_[ti[only_i]]
        pred = np.clip(pred, MIN_STARS, MAX_STARS)
        fold_rmse.append(rmse(pred, ratings.values[test]))
        fold_mae.append(mae(pred, ratings.values[test]))
    return CrossValResult(fold_rmse, fold_mae)
