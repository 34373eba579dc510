"""The MF fold-in as a ``StarsModel``: what the site shows as predicted stars.

Trains ``mf.train_mf`` on the training rows and folds a new user in with
``foldin.solve_user`` (the same closed form ``Model.fold_in`` uses), without building the
rest of a ``Model`` (similarity, onboarding), which evaluation does not need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import MAX_STARS, MIN_STARS, Ratings
from moviematch.recommender.evaluation.baselines import TrainingData
from moviematch.recommender.evaluation.tuning import RankerGrid, TuningResult, tune_ranker
from moviematch.recommender.foldin import FoldInConfig, solve_user
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.ranker import RankerConfig


class MFFoldInStars:
    """Biased MF trained by SGD; new users folded in by regularised least squares.

    Parameters
    ----------
    mf : MFConfig, optional
    foldin : FoldInConfig, optional
        Defaults to the MF config's ``reg``/``reg_bias`` with FoldInConfig's priors.
    """

    def __init__(self, mf: MFConfig | None = None, foldin: FoldInConfig | None = None) -> None:
        self.mf = mf or MFConfig()
        self.foldin = foldin or FoldInConfig(reg=self.mf.reg, reg_bias=self.mf.reg_bias)
        self.global_mean_ = 0.0
        self.item_bias_: npt.NDArray[np.float32] | None = None
        self.item_factors_: npt.NDArray[np.float32] | None = None

    def fit(self, data: TrainingData) -> None:
        fit = train_mf(
            data.user_rows, data.item_rows, data.stars, data.n_users, data.n_items, self.mf
        )
        self.global_mean_ = fit.global_mean_
        self.item_bias_ = fit.item_bias_.astype(np.float32)
        self.item_factors_ = fit.item_factors_.astype(np.float32)

    def predict(
        self, rows: npt.NDArray[np.int64], stars: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """Clipped predicted stars of every catalogue item, float64 (n_items,)."""
        if self.item_bias_ is None or self.item_factors_ is None:
            raise RuntimeError("MFFoldInStars.predict() called before fit()")
        bias, factors = solve_user(
            np.asarray(rows, dtype=np.int64),
            np.asarray(stars, dtype=np.float32),
            global_mean=self.global_mean_,
            item_bias=self.item_bias_,
            item_factors=self.item_factors_,
            config=self.foldin,
        )
        raw = (
            self.global_mean_
            + bias
            + self.item_bias_.astype(np.float64)
            + self.item_factors_.astype(np.float64) @ factors.astype(np.float64)
        )
        return np.clip(raw, MIN_STARS, MAX_STARS)


def tune_for_training(
    ratings: Ratings,
    mf: MFConfig,
    base: RankerConfig,
    *,
    grid: RankerGrid | None = None,
    reveal: str = "picker",
    seed: int = 0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> TuningResult:
    """Ranker hyperparameters for a model trained on all of ``ratings`` (the train command).

    Every user of ``ratings`` is a training user here; ``tune_ranker`` holds out an inner
    20% of them as simulated new users, who reveal ratings by ``reveal`` (default: the
    onboarding picker, which is how the site's visitors start).
    """
    return tune_ranker(
        ratings,
        stars_model=MFFoldInStars(mf),
        base=base,
        grid=grid,
        reveal=reveal,
        seed=seed,
        progress=progress,
    )
