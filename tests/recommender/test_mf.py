"""Biased MF by SGD: planted structure, numba == reference, determinism, failures."""

from __future__ import annotations

import numpy as np
import pytest

from moviematch.recommender.errors import ModelFitError
from moviematch.recommender.mf import EpochReport, MFConfig, train_mf, train_mf_reference
from moviematch.recommender.mf_kernels import epoch_order
from moviematch.recommender.vocab import Vocabulary
from tests.recommender.planted import Planted, make_planted

SMALL = MFConfig(n_factors=6, n_epochs=60, lr=0.01, reg=0.02, reg_bias=0.02, seed=3)


def _rows(planted: Planted):
    users = Vocabulary(planted.ratings.user_ids)
    items = Vocabulary(planted.ratings.movie_ids)
    r = planted.ratings
    return users, items, users.rows(r.user_ids), items.rows(r.movie_ids), r.values


@pytest.fixture(scope="module")
def planted() -> Planted:
    return make_planted()


@pytest.fixture(scope="module")
def fitted(planted: Planted):
    users, items, u, i, v = _rows(planted)
    return users, items, train_mf(u, i, v, len(users), len(items), SMALL)


def test_rmse_on_held_out_ratings_is_near_the_noise_level(planted, fitted) -> None:
    users, items, fit = fitted
    t = planted.test
    pred = np.clip(fit.predict(users.rows(t.user_ids), items.rows(t.movie_ids)), 0.5, 5)
    rmse = float(np.sqrt(np.mean((pred - t.values) ** 2)))
    # The noise is 0.25; a bias-only model would be far worse (the planted dot products
    # have a standard deviation of about 0.7).
    assert rmse < 1.25 * planted.noise
    bias_only = planted.mu + planted.user_bias[users.rows(t.user_ids)]
    assert np.sqrt(np.mean((bias_only - t.values) ** 2)) > 2 * rmse


def test_planted_structure_is_recovered(planted, fitted) -> None:
    _, items, fit = fitted
    item_rows = (items.ids - 1) // 10  # planted row of each model row
    assert np.corrcoef(fit.item_bias_, planted.item_bias[item_rows])[0, 1] > 0.95
    # The learned item factors span the planted ones: regress the truth on them.
    truth = planted.item_factors[item_rows]
    design = np.column_stack([fit.item_factors_, np.ones(len(item_rows))])
    coef, *_ = np.linalg.lstsq(design, truth, rcond=None)
    residual = truth - design @ coef
    r2 = 1 - (residual**2).sum() / ((truth - truth.mean(0)) ** 2).sum()
    assert r2 > 0.9


def test_numba_kernel_matches_the_reference() -> None:
    small = make_planted(n_users=25, n_items=15, rank=2, density=0.5, seed=11)
    users, items, u, i, v = _rows(small)
    config = MFConfig(n_factors=7, n_epochs=4, lr=0.02, reg=0.05, reg_bias=0.01, seed=5)
    fast = train_mf(u, i, v, len(users), len(items), config)
    slow = train_mf_reference(u, i, v, len(users), len(items), config)
    for name in ("user_bias_", "item_bias_", "user_factors_", "item_factors_", "epoch_rmse_"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-12)
    assert fast.global_mean_ == slow.global_mean_


def test_same_seed_same_model_other_seed_other_model(planted) -> None:
    users, items, u, i, v = _rows(planted)
    config = MFConfig(n_factors=4, n_epochs=3, seed=1)
    a = train_mf(u, i, v, len(users), len(items), config)
    b = train_mf(u, i, v, len(users), len(items), config)
    c = train_mf(u, i, v, len(users), len(items), MFConfig(n_factors=4, n_epochs=3, seed=2))
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    np.testing.assert_array_equal(a.user_bias_, b.user_bias_)
    assert not np.allclose(a.item_factors_, c.item_factors_)


def test_epoch_order_visits_every_rating_once_grouped_by_user() -> None:
    user_ptr = np.array([0, 3, 3, 7, 8], dtype=np.int64)
    perm = np.array([2, 0, 3, 1], dtype=np.int64)
    order = epoch_order(user_ptr, perm, 42)
    assert sorted(order.tolist()) == list(range(8))
    assert set(order[:4].tolist()) == {3, 4, 5, 6}  # user 2 first
    assert set(order[4:7].tolist()) == {0, 1, 2}
    assert order[7] == 7
    np.testing.assert_array_equal(order, epoch_order(user_ptr, perm, 42))


def test_progress_is_called_once_per_epoch_with_falling_rmse(planted) -> None:
    users, items, u, i, v = _rows(planted)
    reports: list[EpochReport] = []
    config = MFConfig(n_factors=4, n_epochs=5, lr=0.01)
    train_mf(u, i, v, len(users), len(items), config, progress=reports.append)
    assert [r.epoch for r in reports] == [1, 2, 3, 4, 5]
    assert all(r.n_epochs == 5 and r.seconds >= 0 for r in reports)
    assert reports[-1].train_rmse < reports[0].train_rmse


def test_empty_data_raises_model_fit_error() -> None:
    empty = np.array([], dtype=np.int64)
    with pytest.raises(ModelFitError, match="empty"):
        train_mf(empty, empty, np.array([], dtype=np.float32), 1, 1)


def test_rows_out_of_range_raise_model_fit_error() -> None:
    with pytest.raises(ModelFitError, match="item rows"):
        train_mf(np.array([0]), np.array([5]), np.array([3.0]), 1, 2)


def test_divergence_raises_model_fit_error(planted) -> None:
    users, items, u, i, v = _rows(planted)
    wild = MFConfig(n_factors=4, n_epochs=20, lr=5.0, reg=0.0, init_std=1.0)
    with pytest.raises(ModelFitError, match="diverged"):
        train_mf(u, i, v, len(users), len(items), wild)


@pytest.mark.parametrize(
    "kwargs", [{"n_factors": 0}, {"lr": -0.1}, {"reg": float("nan")}, {"n_epochs": -1}]
)
def test_invalid_config_is_refused(kwargs) -> None:
    with pytest.raises(ValueError, match="MFConfig"):
        MFConfig(**kwargs)


@pytest.mark.dataset
@pytest.mark.slow
def test_ml_100k_five_fold_rmse_with_the_default_config(ml_100k) -> None:
    from moviematch.datasets.movielens import load_ratings

    ratings = load_ratings(ml_100k)
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    u, i = users.rows(ratings.user_ids), items.rows(ratings.movie_ids)
    folds = np.array_split(np.random.default_rng(0).permutation(len(ratings)), 5)
    rmses = []
    for held_out in folds:
        train_mask = np.ones(len(ratings), dtype=bool)
        train_mask[held_out] = False
        fit = train_mf(u[train_mask], i[train_mask], ratings.values[train_mask],
                       len(users), len(items), MFConfig())  # fmt: skip
        pred = np.clip(fit.predict(u[held_out], i[held_out]), 0.5, 5.0)
        rmses.append(float(np.sqrt(np.mean((pred - ratings.values[held_out]) ** 2))))
    # Surprise's SVD: 0.934 at its defaults, about 0.91 tuned.
    assert np.mean(rmses) <= 0.91
    assert max(rmses) < 0.93
