"""The Spark MF backend in local mode: same MFFit contract as the numba trainer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from moviematch.recommender import MFConfig
from moviematch.recommender.errors import ModelFitError
from moviematch.recommender.foldin import FoldInConfig, solve_user
from moviematch.recommender.mf import train_mf
from moviematch.recommender.mf_spark import SparkConfig, train_mf_spark
from tests.spark_support import local_session

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    with local_session("moviematch-tests") as session:
        yield session


def planted(seed: int = 0, n_users: int = 300, n_items: int = 120, rank: int = 3) -> Any:
    """Ratings from a known biased low-rank model, 30% observed, with a little noise."""
    rng = np.random.default_rng(seed)
    p = rng.normal(0, 0.6, (n_users, rank))
    q = rng.normal(0, 0.6, (n_items, rank))
    bu, bi = rng.normal(0, 0.3, n_users), rng.normal(0, 0.4, n_items)
    users, items = np.nonzero(rng.random((n_users, n_items)) < 0.3)
    truth = 3.5 + bu[users] + bi[items] + np.einsum("nf,nf->n", p[users], q[items])
    stars = np.clip(truth + rng.normal(0, 0.2, len(truth)), 0.5, 5.0)
    return users, items, stars, n_users, n_items


def test_spark_fit_matches_the_numba_trainer_on_held_out_ratings(spark: Any) -> None:
    users, items, stars, n_users, n_items = planted()
    rng = np.random.default_rng(1)
    test = rng.random(len(stars)) < 0.2
    config = MFConfig(n_factors=3, reg=0.05, seed=0)
    args = (users[~test], items[~test], stars[~test], n_users, n_items, config)
    on_spark = train_mf_spark(*args, SparkConfig(als_iterations=10), spark=spark)
    on_numba = train_mf(*args)

    def rmse(fit: Any) -> float:
        predicted = np.clip(fit.predict(users[test], items[test]), 0.5, 5.0)
        return float(np.sqrt(np.mean((predicted - stars[test]) ** 2)))

    baseline = float(np.sqrt(np.mean((stars[test] - stars[~test].mean()) ** 2)))
    assert on_spark.item_factors_.shape == (n_items, 3)
    assert on_spark.user_factors_.shape == (n_users, 3)
    assert abs(on_spark.global_mean_ - stars[~test].mean()) < 1e-9
    # the planted structure is found: far better than the mean, close to SGD's fit
    assert rmse(on_spark) < 0.5 * baseline
    assert rmse(on_spark) < rmse(on_numba) + 0.05
    assert on_spark.epoch_rmse_.shape == (1,)


def test_folding_in_a_training_user_recovers_the_spark_factors(spark: Any) -> None:
    users, items, stars, n_users, n_items = planted(seed=2)
    config = MFConfig(n_factors=3, reg=0.05, seed=0)
    fit = train_mf_spark(users, items, stars, n_users, n_items, config, spark=spark)
    mine = users == 7
    bias, factors = solve_user(
        items[mine],
        stars[mine].astype(np.float32),
        global_mean=fit.global_mean_,
        item_bias=fit.item_bias_.astype(np.float32),
        item_factors=fit.item_factors_.astype(np.float32),
        config=FoldInConfig(reg=config.reg, reg_bias=config.reg_bias),
    )
    folded = (
        fit.global_mean_
        + bias
        + fit.item_bias_[items[mine]]
        + fit.item_factors_[items[mine]] @ factors.astype(np.float64)
    )
    trained = fit.predict(users[mine], items[mine])
    # ALS solved this user's factors with the same objective the fold-in solves
    assert np.sqrt(np.mean((folded - trained) ** 2)) < 0.1


def test_bad_input_is_refused_before_spark_starts() -> None:
    with pytest.raises(ModelFitError, match="empty set of ratings"):
        train_mf_spark([], [], [], 1, 1)
    with pytest.raises(ModelFitError, match=r"item rows must lie in \[0, 2\)"):
        train_mf_spark([0], [5], [4.0], 1, 2)
    with pytest.raises(ValueError, match="als_iterations"):
        SparkConfig(als_iterations=0)
