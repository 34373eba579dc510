"""The cold-start protocol: determinism, no leakage, reveals, methods, and the served model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from moviematch.recommender.data import Ratings
from moviematch.recommender.evaluation.baselines import (
    Answer,
    BiasOnly,
    Ease,
    ImplicitAls,
    Popularity,
    answer_from_scores,
)
from moviematch.recommender.evaluation.crossval import cross_validate_mf
from moviematch.recommender.evaluation.experiment import ExperimentConfig, run_experiment
from moviematch.recommender.evaluation.protocol import (
    PickerReveal,
    PopularReveal,
    RandomReveal,
    TestUser,
    TimeReveal,
    UserSplit,
    make_strategy,
    reveal_users,
    split_users,
)
from moviematch.recommender.evaluation.runner import (
    evaluate_method,
    format_table,
    training_data,
)
from moviematch.recommender.evaluation.served import ServedModel, ServedStars
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig
from moviematch.recommender.training import train
from tests.recommender.planted import taste_groups

#: A small, quick model for the planted data (the protocol is what is under test).
SMALL = TrainConfig(
    mf=MFConfig(n_factors=8, n_epochs=20, seed=0),
    ranker=RankerConfig(l2=0.1, dropout=1.0, top_k=20, min_item_ratings=1),
)


@pytest.fixture(scope="module")
def ratings() -> Ratings:
    return taste_groups()


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


def test_time_reveal_takes_the_users_first_ratings() -> None:
    base = taste_groups()
    # Each user's ratings in a shuffled order of time.
    rng = np.random.default_rng(2)
    times = rng.permutation(len(base)).astype(np.int64) * 1000
    timed = Ratings(base.user_ids, base.movie_ids, base.values, times)
    split = split_users(timed, seed=0)
    by_pair = {
        (u, m): t
        for u, m, t in zip(
            timed.user_ids.tolist(), timed.movie_ids.tolist(), times.tolist(), strict=True
        )
    }
    users = reveal_users(split, make_strategy("time", split, n_reveal=10))
    assert users
    for user in users:
        ids = split.catalogue.external
        first = [by_pair[(user.user_id, m)] for m in ids(user.revealed_rows).tolist()]
        later = [by_pair[(user.user_id, m)] for m in ids(user.heldout_rows).tolist()]
        assert len(first) == 10
        assert max(first) < min(later)
    assert TimeReveal(3).reveal(np.array([5, 2, 9]), np.ones(3, np.float32), rng, None)[
        0
    ].tolist() == [1, 0, 2]


class CatalogueOrder:
    """Stands in for ``Model.onboarding``: proposes films in catalogue order, never twice."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids.tolist()
        self.calls: list[tuple[int, int]] = []

    def onboarding(self, n=20, exclude=(), seed=0, *, rated=(), skipped=()):  # type: ignore[no-untyped-def]
        self.calls.append((n, seed))
        answered = set(rated) | set(skipped) | set(exclude)
        return [m for m in self.ids if m not in answered][:n]


def test_picker_reveal_rates_only_own_films_within_budget(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    picker = CatalogueOrder(split.catalogue.ids)
    users = reveal_users(split, PickerReveal(picker, split.catalogue, n=10, budget=25, page=10))
    for user in users:
        rows, _ = split.held_out[user.user_id]
        own = set(rows.tolist())
        hits = [r for r in range(25) if r in own]
        assert user.revealed_rows.tolist() == hits[:10]
        # The visitor stops at the tenth rating, mid-page if need be.
        assert user.proposals == (hits[9] + 1 if len(hits) >= 10 else 25)
        assert sorted([*user.revealed_rows, *user.heldout_rows]) == sorted(rows)
    assert max(n for n, _ in picker.calls) == 10
    # One seed per visitor, as the site seeds the picker by user: pages differ only by answers.
    seeds = [seed for _, seed in picker.calls]
    assert len(set(seeds)) > 1
    with pytest.raises(ValueError, match="picker reveal needs"):
        make_strategy("picker", split, n_reveal=10)


Served = tuple[Model, UserSplit, list[TestUser]]


@pytest.fixture(scope="module")
def served(ratings: Ratings) -> Served:
    split = split_users(ratings, seed=0)
    model = train(split.train, SMALL)
    users = reveal_users(split, RandomReveal(10), seed=0)
    return model, split, users


def test_methods_rank_the_planted_taste_above_popularity(served: Served) -> None:
    model, split, users = served
    data = training_data(split)
    baselines = [Popularity(), BiasOnly(), Ease(l2=20.0), ImplicitAls(8, 0.1, 1.0)]
    for baseline in baselines:
        baseline.fit(data)
    methods = [*baselines, ServedStars(model, split.catalogue), ServedModel(model, split.catalogue)]
    results = {m.name: evaluate_method(m, users, split) for m in methods}
    assert results["ours"].ndcg[10] > results["popularity"].ndcg[10] + 0.1
    assert results["ease"].ndcg[10] > results["popularity"].ndcg[10]
    assert results["implicit-als"].ndcg[10] > results["popularity"].ndcg[10]
    assert np.isnan(results["popularity"].rmse)
    # The ranker only orders: ours shows the same stars as the fold-in.
    assert results["ours"].rmse == results["mf-stars"].rmse
    table = format_table(list(results.values()))
    assert "NDCG@10" in table
    assert len(table.splitlines()) == 2 + len(methods)


def test_ours_is_the_served_model_through_its_public_api(served: Served) -> None:
    model, split, users = served
    ours = ServedModel(model, split.catalogue)
    for user in users[:10]:
        answer = ours.answer(user, 20)
        profile = model.fold_in(split.catalogue.external(user.revealed_rows), user.revealed_stars)
        listed = [r.movie_id for r in model.recommend(profile, n=20)]
        assert split.catalogue.external(answer.ranked).tolist() == listed
        expected = model.predict(profile, split.catalogue.external(user.heldout_rows))
        np.testing.assert_array_equal(answer.heldout_stars, expected)
    stars = ServedStars(model, split.catalogue).answer(users[0], 10)
    profile = model.fold_in(
        split.catalogue.external(users[0].revealed_rows), users[0].revealed_stars
    )
    predicted = model.predict_all(profile)
    predicted[users[0].revealed_rows] = -np.inf
    assert (
        stars.ranked.tolist() == np.lexsort((np.arange(len(predicted)), -predicted))[:10].tolist()
    )


def test_a_change_to_model_recommend_moves_the_figures(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, split, users = served
    before = evaluate_method(ServedModel(model, split.catalogue), users, split).ndcg[10]
    served_recommend = Model.recommend

    def worst_first(self, profile, n=20, exclude=(), *, adventurous=0.5):  # type: ignore[no-untyped-def]
        everything = served_recommend(self, profile, n=len(self.items), exclude=exclude)
        return everything[::-1][:n]

    monkeypatch.setattr(Model, "recommend", worst_first)
    after = evaluate_method(ServedModel(model, split.catalogue), users, split).ndcg[10]
    assert after < before - 0.2


def test_run_experiment_evaluates_the_trained_model_and_its_variants(ratings: Ratings) -> None:
    config = ExperimentConfig(train=SMALL, reveal="picker", ks=(10,), adventurous=(0.0, 1.0))
    result = run_experiment(
        ratings,
        config,
        variants=lambda chosen: {"ours-no-floor": dataclasses.replace(chosen, min_stars=0.0)},
    )
    by = result.by_method()
    assert set(by) == {
        "popularity",
        "bias-only",
        "ease",
        "implicit-als",
        "mf-stars",
        "ours",
        "ours-no-floor",
        "ours-a0.00",
        "ours-a1.00",
    }
    # Every method carries the beyond-accuracy figures of its top 10; the adventurous end
    # recommends less popular films than the familiar one.
    for method in by.values():
        assert set(method.beyond) >= {"ckl", "popularity", "diversity", "contradiction"}
        assert 0 <= method.beyond["popularity"] <= 1
    assert by["ours-a1.00"].beyond["popularity"] < by["ours-a0.00"].beyond["popularity"]
    paired = result.as_json()["ours_minus"]
    assert set(paired) == set(by) - {"ours"}
    gap = by["ours"].ndcg[10] - by["ease"].ndcg[10]
    assert paired["ease"]["mean"] == pytest.approx(gap, abs=1e-6)  # rounded in the JSON
    # A variant is the served model with one setting changed: it keeps the content-taste
    # term (the similarity slot it reads) unless the variant turns the term off.
    for name in ("ours", "ours-no-floor"):
        ranker = result.models[name].components["ranker"]
        assert isinstance(ranker, ItemItemRanker)
        assert ranker.content_vectors_.shape[1] > 0, name
    assert result.ranker_config == SMALL.ranker  # not tuned
    assert sorted(result.models) == ["ours", "ours-no-floor"]
    ours = result.models["ours"]
    assert ours.components["ranker"].config == SMALL.ranker  # type: ignore[attr-defined]
    # The picker reveal asked the evaluated model's own onboarding.
    assert 0 < result.summary["mean_revealed"] <= 10
    assert result.summary["mean_proposals"] >= result.summary["mean_revealed"]
    assert result.as_json()["split"]["evaluated_test_users"] == len(result.users)
    # Ours measured by run_experiment is ServedModel of that model on those users.
    assert result.split is not None
    again = evaluate_method(
        ServedModel(ours, result.split.catalogue), result.users, result.split, ks=(10,)
    )
    assert again.ndcg[10] == by["ours"].ndcg[10]


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
    result = evaluate_method(bias, users, split)
    held = np.concatenate([u.heldout_stars for u in users])
    assert result.rmse < 0.25 * float(np.std(held))


class Oracle:
    """Puts each user's relevant held-out films first: every list metric is perfect."""

    name = "oracle"

    def __init__(self, n_items: int) -> None:
        self.n_items = n_items

    def answer(self, user, n):  # type: ignore[no-untyped-def]
        out = np.zeros(self.n_items)
        out[user.heldout_rows[user.heldout_stars >= 4]] = 10.0
        out[user.revealed_rows] = 100.0  # rated rows must never be answered
        stars = np.full(self.n_items, 3.0)
        stars[user.heldout_rows] = user.heldout_stars
        return answer_from_scores(user, n, out, stars)


class Cheat:
    """Answers a revealed movie: the runner refuses it."""

    name = "cheat"

    def answer(self, user, n):  # type: ignore[no-untyped-def]
        return Answer(user.revealed_rows[:n], None)


def test_runner_excludes_revealed_and_scores_an_oracle_perfectly(ratings: Ratings) -> None:
    split = split_users(ratings, seed=0)
    users = reveal_users(split, RandomReveal(10), seed=0)
    result = evaluate_method(Oracle(len(split.catalogue)), users, split, ks=(5,))
    assert result.ndcg[5] == pytest.approx(1.0)
    assert result.hit_rate[5] == pytest.approx(1.0)
    assert result.rmse == pytest.approx(0.0)
    assert result.users == sum(1 for u in users if (u.heldout_stars >= 4).any())
    with pytest.raises(ValueError, match="revealed"):
        evaluate_method(Cheat(), users, split)


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
