"""The cold-start protocol: determinism, no leakage, reveal strategies, methods, tuning."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.recommender.data import Ratings
from moviematch.recommender.evaluation.baselines import (
    BiasOnly,
    Ease,
    Ours,
    Popularity,
    Scored,
    StarsRanking,
)
from moviematch.recommender.evaluation.crossval import cross_validate_mf
from moviematch.recommender.evaluation.metrics import list_metrics, top_k
from moviematch.recommender.evaluation.protocol import (
    PickerReveal,
    PopularReveal,
    RandomReveal,
    reveal_users,
    split_users,
)
from moviematch.recommender.evaluation.runner import (
    evaluate_method,
    format_table,
    training_data,
)
from moviematch.recommender.evaluation.tuning import (
    RankerGrid,
    _mean_ndcg,
    tune_ease,
    tune_ranker,
)
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig, blend_scores
from moviematch.recommender.ranker_solver import solve


def planted_ratings(n_users: int = 200, n_items: int = 60, seed: int = 0) -> Ratings:
    """Two taste groups: each user loves (5★) films of their group, dislikes the other's.

    Group g watches mostly films with id % 2 == g; popularity falls with the film id, so
    popularity alone is a weak guess. Some users have few ratings (to exercise skipping).
    """
    rng = np.random.default_rng(seed)
    users, movies, stars = [], [], []
    for u in range(n_users):
        group = u % 2
        n_seen = 8 if u % 25 == 0 else int(rng.integers(20, 35))
        weights = np.where(np.arange(n_items) % 2 == group, 6.0, 1.0) / (1 + np.arange(n_items))
        chosen = rng.choice(n_items, size=n_seen, replace=False, p=weights / weights.sum())
        for i in chosen:
            users.append(1000 + u)
            movies.append(10 * (i + 1))  # external ids are not rows
            stars.append(5.0 if i % 2 == group else float(rng.choice([1.0, 2.0])))
    return Ratings(np.array(users), np.array(movies), np.array(stars, np.float32))


@pytest.fixture(scope="module")
def ratings() -> Ratings:
    return planted_ratings()


def test_split_is_deterministic_by_seed_and_never_leaks(ratings: Ratings) -> None:
    a = split_users(ratings, seed=3)
    b = split_users(ratings, seed=3)
    c = split_users(ratings, seed=4)
    assert a.test_user_ids.tolist() == b.test_user_ids.tolist()
    assert a.test_user_ids.tolist() != c.test_user_ids.tolist()
    assert len(a.test_user_ids) == 40  # 20% of 200
    # No held-out user's rating reaches training.
    assert not np.isin(a.train.user_ids, a.test_user_ids).any()
    train_pairs = set(zip(a.train.user_ids.tolist(), a.train.movie_ids.tolist(), strict=True))
    for user, (rows, _) in a.held_out.items():
        assert user in a.test_user_ids
        for movie in a.catalogue.external(rows).tolist():
            assert (user, movie) not in train_pairs
    # The catalogue is exactly the training users' films.
    assert a.catalogue.ids.tolist() == np.unique(a.train.movie_ids).tolist()
    assert a.n_train_users == 160
    assert a.item_counts.sum() == len(a.train)


def test_users_with_too_few_ratings_are_skipped(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0, n_reveal=10, min_heldout=5)
    counts = {
        int(u): int(np.isin(ratings.movie_ids[ratings.user_ids == u], split.catalogue.ids).sum())
        for u in split.test_user_ids
    }
    expected_skipped = sum(1 for c in counts.values() if c < 15)
    assert expected_skipped > 0  # the planted data has 8-rating users
    assert split.skipped_users == expected_skipped
    assert set(split.held_out) == {u for u, c in counts.items() if c >= 15}


def test_random_reveal_partitions_each_users_ratings_deterministically(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    first = reveal_users(split, RandomReveal(10), seed=7)
    again = reveal_users(split, RandomReveal(10), seed=7)
    other = reveal_users(split, RandomReveal(10), seed=8)
    assert [u.revealed_rows.tolist() for u in first] == [u.revealed_rows.tolist() for u in again]
    assert [u.revealed_rows.tolist() for u in first] != [u.revealed_rows.tolist() for u in other]
    for user in first:
        rows, stars = split.held_out[user.user_id]
        assert len(user.revealed_rows) == 10
        assert not np.isin(user.revealed_rows, user.heldout_rows).any()
        assert sorted([*user.revealed_rows, *user.heldout_rows]) == sorted(rows)
        lookup = dict(zip(rows.tolist(), stars.tolist(), strict=True))
        assert [lookup[r] for r in user.revealed_rows.tolist()] == user.revealed_stars.tolist()


def test_popular_reveal_takes_the_users_most_popular_films(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    for user in reveal_users(split, PopularReveal(split.item_counts, 10)):
        lowest_revealed = split.item_counts[user.revealed_rows].min()
        assert (split.item_counts[user.heldout_rows] <= lowest_revealed).all()


def test_picker_reveal_rates_only_own_films_within_budget(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    calls: list[int] = []

    def picker(answered, answered_stars, skipped, n, rng):  # type: ignore[no-untyped-def]
        # Proposes films in catalogue order, never twice.
        calls.append(n)
        seen = set(answered.tolist()) | set(skipped.tolist())
        return [r for r in range(len(split.catalogue)) if r not in seen][:n]

    users = reveal_users(split, PickerReveal(picker, n=10, budget=25, page=10))
    for user in users:
        rows, _ = split.held_out[user.user_id]
        first_25 = [r for r in range(25) if r in set(rows.tolist())]
        assert user.revealed_rows.tolist() == first_25[:10]
        assert user.proposals <= 25
        assert sorted([*user.revealed_rows, *user.heldout_rows]) == sorted(rows)
    assert max(calls) == 10


def test_methods_rank_the_planted_taste_above_popularity(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    data = training_data(split)
    users = reveal_users(split, RandomReveal(10), seed=0)
    bias = BiasOnly()
    methods = [
        Popularity(),
        StarsRanking(bias, name="bias-only"),
        Ease(l2=20.0),
        Ours(RankerConfig(l2=0.1, dropout=1.0, top_k=20), bias, fit_stars=False),
    ]
    results = {}
    for method in methods:
        method.fit(data)
        results[method.name] = evaluate_method(method, users, split)
    assert results["ours"].ndcg[10] > results["popularity"].ndcg[10] + 0.1
    assert results["ease"].ndcg[10] > results["popularity"].ndcg[10]
    assert np.isnan(results["popularity"].rmse)
    table = format_table(list(results.values()))
    assert "NDCG@10" in table
    assert len(table.splitlines()) == 2 + len(methods)


def test_bias_only_folds_in_additive_biases() -> None:
    # Stars = 3 + b_u + b_i exactly: the fold-in must recover a new user's offset.
    rng = np.random.default_rng(2)
    b_u = rng.uniform(-1, 1, 120)
    b_i = rng.uniform(-1, 1, 30)
    u, i = np.nonzero(rng.random((120, 30)) < 0.6)
    ratings = Ratings(u, i, (3.0 + b_u[u] + b_i[i]).astype(np.float32))
    split = split_users(ratings, seed=0)
    data = training_data(split)
    users = reveal_users(split, RandomReveal(10), seed=0)
    bias = BiasOnly(item_reg=0.5, user_reg=0.5, rounds=30)
    bias.fit(data)
    result = evaluate_method(StarsRanking(bias, name="bias"), users, split)
    held = np.concatenate([u.heldout_stars for u in users])
    assert result.rmse < 0.25 * float(np.std(held))


class Oracle:
    """Scores each user's relevant held-out films highest: every list metric is perfect."""

    name = "oracle"

    def __init__(self, users, n_items):  # type: ignore[no-untyped-def]
        self.by_reveal = {tuple(u.revealed_rows.tolist()): u for u in users}
        self.n_items = n_items

    def fit(self, data):  # type: ignore[no-untyped-def]
        pass

    def score(self, rows, stars):  # type: ignore[no-untyped-def]
        user = self.by_reveal[tuple(rows.tolist())]
        out = np.zeros(self.n_items)
        out[user.heldout_rows[user.heldout_stars >= 4]] = 10.0
        out[rows] = 100.0  # rated rows must be excluded by the runner, not by methods
        stars = np.full(self.n_items, 3.0)
        stars[user.heldout_rows] = user.heldout_stars
        return Scored(out, stars)


def test_runner_excludes_revealed_and_scores_an_oracle_perfectly(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    users = reveal_users(split, RandomReveal(10), seed=0)
    result = evaluate_method(Oracle(users, len(split.catalogue)), users, split, ks=(5,))
    assert result.ndcg[5] == pytest.approx(1.0)
    assert result.hit_rate[5] == pytest.approx(1.0)
    assert result.rmse == pytest.approx(0.0)
    assert result.users == sum(1 for u in users if (u.heldout_stars >= 4).any())


def test_tuning_blend_reproduces_the_rankers_own_scores(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    data = training_data(split)
    users = reveal_users(split, RandomReveal(10), seed=0)
    config = RankerConfig(
        l2=0.2, dropout=3.0, seen_weight=0.4, stars_weight=0.3, popularity_weight=0.1, top_k=0
    )
    ranker = ItemItemRanker(config)
    parts = solve(data.user_rows, data.item_rows, data.stars, data.n_items, config)
    ranker.fit(data.user_rows, data.item_rows, data.stars, data.n_items)
    inputs = [u.revealed_rows for u in users[:5]]
    predicted = np.random.default_rng(0).uniform(1, 5, size=(5, data.n_items))
    liked, seen = parts.input_scores(inputs)
    blended = blend_scores(
        liked + 0.4 * seen,
        np.array([parts.modelled[rows].any() for rows in inputs]),
        predicted,
        modelled=parts.modelled,
        log_popularity=parts.log_popularity,
        config=config,
    )
    for u, user in enumerate(users[:5]):
        direct = ranker.score(user.revealed_rows, user.revealed_stars, predicted[u])
        assert_allclose(blended[u], direct, rtol=1e-4, atol=1e-4)


def test_tuning_picks_from_the_grid_using_training_users_only(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    grid = RankerGrid(
        l2=(0.1, 1.0),
        dropout=(1.0,),
        seen_weight=(0.0, 0.5),
        stars_weight=(0.0,),
        popularity_weight=(0.0,),
    )
    base = RankerConfig(top_k=7)
    result = tune_ranker(split.train, stars_model=BiasOnly(), base=base, grid=grid, seed=1)
    assert len(result.trials) == 4
    assert result.config.top_k == 7
    assert result.config.l2 in (0.1, 1.0)
    assert result.ndcg == pytest.approx(max(t["ndcg10"] for t in result.trials), abs=1e-6)
    # Tuning never sees the held-out users: it is given split.train, which has none.
    assert not np.isin(split.train.user_ids, split.test_user_ids).any()
    l2, trials = tune_ease(split.train, l2_grid=(1.0, 30.0))
    assert l2 in (1.0, 30.0)
    assert len(trials) == 2


def test_cross_validation_beats_the_global_mean() -> None:
    rng = np.random.default_rng(0)
    n_users, n_items = 80, 40
    p = rng.normal(size=(n_users, 2))
    q = rng.normal(size=(n_items, 2))
    full = np.clip(3.0 + p @ q.T, 0.5, 5.0)
    mask = rng.random((n_users, n_items)) < 0.5
    u, i = np.nonzero(mask)
    ratings = Ratings(u, i, full[u, i].astype(np.float32))
    config = MFConfig(n_factors=4, n_epochs=60, lr=0.02, reg=0.02, seed=0)
    result = cross_validate_mf(ratings, config, folds=5, seed=0)
    baseline = float(np.std(full[u, i]))
    assert len(result.fold_rmse) == 5
    assert result.rmse < 0.6 * baseline
    assert result.as_json()["folds"] == 5
    with pytest.raises(ValueError, match="folds"):
        cross_validate_mf(ratings, config, folds=1)


def test_vectorised_tuning_ndcg_matches_the_metrics_module() -> None:
    rng = np.random.default_rng(5)
    scores = rng.normal(size=(30, 50))
    inputs = [rng.choice(50, size=5, replace=False) for _ in range(30)]
    relevant = [rng.choice(50, size=int(rng.integers(0, 8)), replace=False) for _ in range(30)]
    expected = np.mean(
        [
            list_metrics(top_k(row, 10, exclude=rows), rel, 10).ndcg
            for row, rows, rel in zip(scores, inputs, relevant, strict=True)
            if len(rel)
        ]
    )
    assert _mean_ndcg(scores, inputs, relevant) == pytest.approx(expected, abs=1e-12)


def test_tuning_can_mimic_the_popular_reveal(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    grid = RankerGrid(l2=(0.1,), dropout=(1.0,), seen_weight=(0.0,), stars_weight=(0.0,))
    a = tune_ranker(split.train, grid=grid, reveal="popular", seed=1)
    b = tune_ranker(split.train, grid=grid, reveal="random", seed=1)
    assert a.ndcg != b.ndcg  # the validation users revealed different ratings
    with pytest.raises(ValueError, match="unknown reveal"):
        tune_ranker(split.train, grid=grid, reveal="alphabetical")


def test_paired_difference_of_two_methods_on_the_same_users() -> None:
    from moviematch.recommender.evaluation.runner import MethodResult, paired_difference

    def result(values: list[float]) -> MethodResult:
        empty = {10: 0.0}
        return MethodResult(
            "m", 0.0, 0.0, empty, empty, empty, empty, empty, empty, len(values),
            per_user_ndcg={10: np.asarray(values)},
        )  # fmt: skip

    diff, half = paired_difference(result([0.5, 0.7, 0.9]), result([0.4, 0.5, 0.6]))
    assert diff == pytest.approx(0.2)
    # differences 0.1, 0.2, 0.3: sd 0.1, so 1.96 · 0.1 / √3
    assert half == pytest.approx(1.96 * 0.1 / np.sqrt(3))
