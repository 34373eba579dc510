"""Closed-form fold-in: maths, training users reproduced, unknown ids, invalid input."""

from __future__ import annotations

import numpy as np
import pytest

from moviematch.recommender.errors import InvalidRatingError
from moviematch.recommender.foldin import FoldInConfig, fold_in, solve_user
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.vocab import Vocabulary
from tests.recommender.planted import make_planted

MF = MFConfig(n_factors=5, n_epochs=150, lr=0.005, reg=0.05, reg_bias=0.02, seed=0)


@pytest.fixture(scope="module")
def trained():
    planted = make_planted(n_users=120, n_items=90, rank=3, density=0.5, seed=21)
    r = planted.ratings
    users, items = Vocabulary(r.user_ids), Vocabulary(r.movie_ids)
    u, i = users.rows(r.user_ids), items.rows(r.movie_ids)
    fit = train_mf(u, i, r.values, len(users), len(items), MF)
    return r, users, items, u, i, fit


def _items_kwargs(items, fit):
    return {
        "items": items,
        "global_mean": fit.global_mean_,
        "item_bias": fit.item_bias_.astype(np.float32),
        "item_factors": fit.item_factors_.astype(np.float32),
    }


def test_folding_in_a_training_user_reproduces_the_trained_vector(trained) -> None:
    r, _, items, u, _, fit = trained
    # Per-rating terms equal to SGD's, no prior: the fold-in minimises SGD's objective
    # for this user exactly; SGD stops near that optimum.
    config = FoldInConfig(reg=MF.reg, reg_bias=MF.reg_bias, prior_factors=0, prior_bias=0)
    for user in range(0, 120, 17):
        mine = u == user
        profile = fold_in(
            r.movie_ids[mine], r.values[mine], config=config, **_items_kwargs(items, fit)
        )
        trained_p = fit.user_factors_[user]
        cosine = (
            profile.factors
            @ trained_p
            / np.linalg.norm(profile.factors)
            / np.linalg.norm(trained_p)
        )
        assert cosine > 0.98
        assert profile.bias == pytest.approx(fit.user_bias_[user], abs=0.05)
        # Predicted stars over the whole catalogue agree to a few hundredths of a star.
        folded = fit.item_factors_ @ profile.factors + profile.bias
        original = fit.item_factors_ @ trained_p + fit.user_bias_[user]
        assert np.max(np.abs(folded - original)) < 0.08


def test_dual_and_primal_forms_agree(trained) -> None:
    _, _, items, _, _, fit = trained
    rng = np.random.default_rng(0)
    config = FoldInConfig(reg=0.05, reg_bias=0.02, prior_factors=0.3, prior_bias=0.7)
    kwargs = _items_kwargs(items, fit)
    del kwargs["items"]
    for k in (1, 3, 5, 6, 20, 40):  # f + 1 = 6: k < 6 takes the dual path
        rows = rng.choice(len(items), k, replace=False).astype(np.int64)
        stars = rng.uniform(0.5, 5, k).astype(np.float32)
        bias, factors = solve_user(rows, stars, config=config, **kwargs)
        x = np.column_stack([np.ones(k), fit.item_factors_.astype(np.float32)[rows]])
        y = stars - fit.global_mean_ - fit.item_bias_.astype(np.float32)[rows]
        lam = np.diag([max(0.7, k * 0.02)] + [max(0.3, k * 0.05)] * 5)
        theta = np.linalg.solve(x.T @ x + lam, x.T @ y)
        np.testing.assert_allclose(bias, theta[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(factors, theta[1:], rtol=1e-5, atol=1e-6)


def test_prior_shrinks_a_single_rating(trained) -> None:
    _, _, items, _, _, fit = trained
    movie = int(items.ids[0])
    weak = FoldInConfig(reg=0.05, reg_bias=0.02, prior_factors=0.0, prior_bias=0.0)
    strong = FoldInConfig(reg=0.05, reg_bias=0.02, prior_factors=5.0, prior_bias=5.0)
    a = fold_in([movie], [5.0], config=weak, **_items_kwargs(items, fit))
    b = fold_in([movie], [5.0], config=strong, **_items_kwargs(items, fit))
    assert np.linalg.norm(b.factors) < np.linalg.norm(a.factors)
    assert 0 < b.bias < a.bias


def test_the_prior_is_a_floor_that_many_ratings_lift(trained) -> None:
    r, _, items, u, _, fit = trained
    mine = u == 3
    assert mine.sum() * MF.reg > 1.0  # k·reg is above the floor below
    bare = FoldInConfig(reg=MF.reg, reg_bias=MF.reg_bias, prior_factors=0.0, prior_bias=0.0)
    floored = FoldInConfig(reg=MF.reg, reg_bias=MF.reg_bias, prior_factors=1.0, prior_bias=0.0)
    a = fold_in(r.movie_ids[mine], r.values[mine], config=bare, **_items_kwargs(items, fit))
    b = fold_in(r.movie_ids[mine], r.values[mine], config=floored, **_items_kwargs(items, fit))
    np.testing.assert_array_equal(a.factors, b.factors)


def test_unknown_movie_ids_are_reported_and_ignored(trained) -> None:
    _, _, items, _, _, fit = trained
    known = [int(items.ids[3]), int(items.ids[7])]
    config = FoldInConfig()
    with_unknown = fold_in([known[0], 999_999, known[1], -5], [4.0, 1.0, 2.5, 3.0],
                           config=config, **_items_kwargs(items, fit))  # fmt: skip
    without = fold_in(known, [4.0, 2.5], config=config, **_items_kwargs(items, fit))
    assert with_unknown.unknown_movie_ids.tolist() == [999_999, -5]
    assert with_unknown.rated_movie_ids.tolist() == known
    assert with_unknown.rated_rows.tolist() == [3, 7]
    assert with_unknown.stars.dtype == np.float32
    np.testing.assert_array_equal(with_unknown.factors, without.factors)
    assert with_unknown.bias == without.bias


def test_no_known_rating_gives_a_zero_profile(trained) -> None:
    _, _, items, _, _, fit = trained
    profile = fold_in([424_242], [3.0], config=FoldInConfig(), **_items_kwargs(items, fit))
    assert profile.n_ratings == 0
    assert profile.bias == 0.0
    assert profile.factors.dtype == np.float32
    assert not profile.factors.any()
    empty = fold_in([], [], config=FoldInConfig(), **_items_kwargs(items, fit))
    assert empty.n_ratings == 0
    assert len(empty.unknown_movie_ids) == 0


@pytest.mark.parametrize(
    ("movie_ids", "stars", "message"),
    [
        ([11, 21], [4.0], "differ in length"),
        ([11], [float("nan")], "not within"),
        ([11], [0.4], "not within"),
        ([11], [5.5], "not within"),
        ([11], [float("inf")], "not within"),
        ([11, 11], [3.0, 4.0], "more than once"),
        ([11.5], [3.0], "integers"),
        ([11], ["good"], "numbers"),
    ],
)
def test_invalid_ratings_raise(trained, movie_ids, stars, message) -> None:
    _, _, items, _, _, fit = trained
    with pytest.raises(InvalidRatingError, match=message):
        fold_in(movie_ids, stars, config=FoldInConfig(), **_items_kwargs(items, fit))


def test_config_refuses_no_regularisation_at_all() -> None:
    with pytest.raises(ValueError, match="cannot both be 0"):
        FoldInConfig(reg=0, prior_factors=0)
    with pytest.raises(ValueError, match="finite"):
        FoldInConfig(prior_bias=-1)
