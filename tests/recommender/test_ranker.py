"""The item-item ranker on planted data with a known answer, and its maths and storage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.recommender.errors import CorruptModelError, ModelFitError
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig, input_weights

PLAIN = RankerConfig(
    l2=0.05,
    dropout=0.0,
    seen_weight=0.0,
    stars_weight=0.0,
    popularity_weight=0.0,
    top_k=0,
    min_stars=0.0,
)


def block_ratings(
    n_users_per_block: int = 30, block: int = 10, n_blocks: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Users of block b rate (5 stars) a random 80% of items [b*block, (b+1)*block)."""
    rng = np.random.default_rng(seed)
    users, items, stars = [], [], []
    for b in range(n_blocks):
        for u in range(n_users_per_block):
            uid = b * n_users_per_block + u
            chosen = np.flatnonzero(rng.random(block) < 0.8) + b * block
            users += [uid] * len(chosen)
            items += chosen.tolist()
            stars += [5.0] * len(chosen)
    return (
        np.array(users, np.int64),
        np.array(items, np.int64),
        np.array(stars, np.float32),
        block * n_blocks,
    )


def ranked(ranker: ItemItemRanker, rows: list[int], stars: list[float] | None = None) -> list[int]:
    rows_a = np.array(rows, np.int64)
    stars_a = np.array(stars if stars is not None else [5.0] * len(rows), np.float32)
    n = len(ranker.modelled_)  # type: ignore[arg-type]
    scores = ranker.score(rows_a, stars_a, np.full(n, 3.5, np.float32)).astype(np.float64)
    scores[rows_a] = -np.inf
    return np.argsort(-scores, kind="stable").tolist()


def test_withheld_item_of_the_users_block_comes_back_first() -> None:
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    # A new user who watched nine of block 0's ten films: the tenth must come first,
    # and all of block 1 after it.
    order = ranked(ranker, list(range(9)))
    assert order[0] == 9
    order = ranked(ranker, [10, 11, 12, 13])
    assert set(order[:6]) == set(range(14, 20))


def test_liked_target_puts_liked_films_above_merely_watched_ones() -> None:
    # Everyone watched films 0-9, but loved 0-4 (5 stars) and disliked 5-9 (1 star).
    rng = np.random.default_rng(1)
    users, items, stars = [], [], []
    for u in range(60):
        chosen = np.flatnonzero(rng.random(10) < 0.7)
        users += [u] * len(chosen)
        items += chosen.tolist()
        stars += [5.0 if i < 5 else 1.0 for i in chosen]
    args = (np.array(users), np.array(items), np.array(stars, np.float32), 10)
    ours = ItemItemRanker(PLAIN).fit(*args)
    order = ranked(ours, [0, 5, 6])
    assert set(order[:4]) == {1, 2, 3, 4}
    # Plain seen-EASE (seen_weight only, liked part vanishing in comparison) cannot tell
    # the two halves apart as clearly: its top-4 mixes in disliked films.
    seen_only = ItemItemRanker(dataclasses.replace(PLAIN, seen_weight=1e6)).fit(*args)
    assert set(ranked(seen_only, [0, 5, 6])[:4]) != {1, 2, 3, 4}


def test_predicted_stars_steer_the_order_when_weighted() -> None:
    users, items, stars, n = block_ratings()
    config = dataclasses.replace(PLAIN, stars_weight=100.0)
    ranker = ItemItemRanker(config).fit(users, items, stars, n)
    predicted = np.full(n, 3.0, np.float32)
    predicted[17] = 5.0  # the fold-in is sure about a film of the *other* block
    scores = ranker.score(np.arange(5), np.full(5, 5.0, np.float32), predicted)
    scores[:5] = -np.inf
    assert int(np.argmax(scores)) == 17
    # With weight 0 the same prediction changes nothing.
    plain = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    a = plain.score(np.arange(5), np.full(5, 5.0, np.float32), predicted)
    b = plain.score(np.arange(5), np.full(5, 5.0, np.float32), np.full(n, 3.0, np.float32))
    assert_allclose(a, b)


def test_films_predicted_below_the_floor_rank_after_all_others() -> None:
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(dataclasses.replace(PLAIN, min_stars=3.0)).fit(users, items, stars, n)
    rated = np.arange(5)
    predicted = np.full(n, 4.0, np.float32)
    predicted[5:8] = [2.9, 1.0, 2.0]  # the rest of the user's own block: predicted to disappoint
    scores = ranker.score(rated, np.full(5, 1.0, np.float32), predicted).astype(np.float64)
    scores[rated] = -np.inf
    order = np.argsort(-scores, kind="stable")[: n - 5].tolist()
    assert set(order[-3:]) == {5, 6, 7}
    # Among themselves they keep the item-item order; without the floor they lead the list.
    unfloored = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    raw = unfloored.score(rated, np.full(5, 1.0, np.float32), predicted)
    assert order[-3:] == sorted([5, 6, 7], key=lambda r: -raw[r])
    assert set(np.argsort(-np.where(np.isin(np.arange(n), rated), -np.inf, raw))[:3]) & {5, 6, 7}
    with pytest.raises(ValueError, match="min_stars"):
        RankerConfig(min_stars=6.0)


def test_dense_weights_match_the_closed_form() -> None:
    rng = np.random.default_rng(3)
    n_users, n_items = 40, 12
    dense = rng.random((n_users, n_items)) < 0.4
    dense[:, 0] = True
    u, i = np.nonzero(dense)
    stars = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=len(u)).astype(np.float32)
    config = RankerConfig(l2=0.3, dropout=2.0, seen_weight=0.0, stars_weight=0.0, top_k=0)
    ranker = ItemItemRanker(config).fit(u, i, stars, n_items)

    x = dense.astype(np.float64)
    y = np.zeros_like(x)
    y[u[stars >= 4], i[stars >= 4]] = 1.0
    g = x.T @ x
    lam = np.diag(0.3 * n_users + 2.0 * np.diag(g))
    p = np.linalg.inv(g + lam)
    c = p @ x.T @ y
    b = c - p * (np.diag(c) / np.diag(p))[None, :]
    assert_allclose(np.diag(b), 0.0, atol=1e-12)
    # The weights solve the constrained problem: the gradient of ‖Y − XB‖² + ‖Λ½B‖² is
    # nonzero only on the diagonal (the Lagrange multipliers).
    grad = (g + lam) @ b - x.T @ y
    off = grad - np.diag(np.diag(grad))
    assert_allclose(off, 0.0, atol=1e-9)
    stored = ranker.weights_.toarray()  # type: ignore[union-attr]
    scale = np.sqrt((b**2).mean())
    assert_allclose(stored, b / scale, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_pruning_keeps_the_k_largest_weights_per_row(k: int) -> None:
    users, items, stars, n = block_ratings()
    dense = ItemItemRanker(PLAIN).fit(users, items, stars, n).weights_.toarray()  # type: ignore[union-attr]
    pruned = ItemItemRanker(dataclasses.replace(PLAIN, top_k=k)).fit(users, items, stars, n)
    sparse = pruned.weights_.toarray()  # type: ignore[union-attr]
    assert (np.count_nonzero(sparse, axis=1) <= k).all()
    for row in range(n):
        kept = np.flatnonzero(sparse[row])
        assert_allclose(sparse[row, kept], dense[row, kept], rtol=1e-6)
        threshold = np.sort(np.abs(dense[row]))[::-1][k - 1]
        assert (np.abs(dense[row, kept]) >= threshold - 1e-6).all()
    assert pruned.weights_.dtype == np.float32  # type: ignore[union-attr]


def test_rare_items_rank_below_modelled_ones_and_empty_input_falls_back_to_popularity() -> None:
    users, items, stars, _ = block_ratings()
    # Item 20 is rated once: outside a model with min_item_ratings=2.
    users = np.append(users, 0)
    items = np.append(items, 20)
    stars = np.append(stars, np.float32(5.0))
    config = dataclasses.replace(PLAIN, min_item_ratings=2)
    ranker = ItemItemRanker(config).fit(users, items, stars, 21)
    assert not ranker.modelled_[20]  # type: ignore[index]
    order = ranked(ranker, [0, 1])
    assert order[-3] == 20  # last of the candidates; the two rated rows sort after it
    empty = ranker.score(np.array([], np.int64), np.array([], np.float32), np.full(21, 3.0))
    counts = np.bincount(items, minlength=21)
    modelled = np.flatnonzero(counts >= 2)
    best = modelled[np.argmax(empty[modelled])]
    assert counts[best] == counts[modelled].max()


def test_round_trip_through_arrays_gives_identical_scores() -> None:
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(RankerConfig(top_k=5)).fit(users, items, stars, n)
    arrays = ranker.to_arrays()
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    clone = ItemItemRanker.from_arrays(arrays, ranker.config_dict())
    predicted = np.linspace(2, 4, n).astype(np.float32)
    rows = np.array([1, 2, 12]), np.array([4.0, 5.0, 2.0], np.float32)
    assert_allclose(clone.score(*rows, predicted), ranker.score(*rows, predicted))
    assert clone.config == ranker.config
    assert ranker.nbytes == sum(a.nbytes for a in arrays.values())


def test_corrupt_arrays_are_rejected() -> None:
    users, items, stars, n = block_ratings()
    arrays = ItemItemRanker(RankerConfig(top_k=5)).fit(users, items, stars, n).to_arrays()
    config = dataclasses.asdict(RankerConfig(top_k=5))
    broken = dict(arrays, indices=arrays["indices"] + n)
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays(broken, config)
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays({k: v for k, v in arrays.items() if k != "weights"}, config)
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays(arrays, {**config, "l2": -1.0})


def test_bad_input_raises_clear_errors() -> None:
    with pytest.raises(ModelFitError, match="empty"):
        ItemItemRanker().fit([], [], [], 3)
    with pytest.raises(ModelFitError, match="rows must lie"):
        ItemItemRanker().fit([0], [5], [4.0], 3)
    with pytest.raises(ModelFitError, match="before fit"):
        ItemItemRanker().score(np.array([0]), np.array([4.0]), np.zeros(3))
    with pytest.raises(ValueError, match="l2"):
        RankerConfig(l2=0.0)
    with pytest.raises(ModelFitError, match="min_item_ratings"):
        ItemItemRanker(RankerConfig(min_item_ratings=5)).fit([0, 1], [0, 1], [4.0, 3.0], 2)
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    with pytest.raises(ValueError, match="predicted_stars"):
        ranker.score(np.array([0]), np.array([4.0]), np.zeros(n + 1))


def test_a_film_rated_below_the_users_average_votes_against_its_neighbours() -> None:
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    # Rated films 0-3 of block 0 (loved) and 10-13 of block 1 (hated).
    rows = np.array([0, 1, 2, 3, 10, 11, 12, 13])
    votes = np.array([5.0] * 4 + [1.0] * 4, np.float32)
    scores = ranker.score(rows, votes, np.full(n, 3.5, np.float32)).astype(np.float64)
    scores[rows] = -np.inf
    order = np.argsort(-scores, kind="stable").tolist()
    assert set(order[:6]) == set(range(4, 10))  # the loved block first
    # Unsigned (every rated film +1), both blocks would be equally likely.
    unsigned = ItemItemRanker(dataclasses.replace(PLAIN, centred_input=False)).fit(
        users, items, stars, n
    )
    flat = unsigned.score(rows, votes, np.full(n, 3.5, np.float32)).astype(np.float64)
    assert abs(flat[4:10].mean() - flat[14:20].mean()) < 0.2 * abs(
        scores[4:10].mean() - scores[14:20].mean()
    )
    # The votes: centred, scaled by the spread (at least 0.5), shifted by one.
    assert_allclose(input_weights([5.0, 1.0]), [2.0, 0.0])
    assert_allclose(input_weights([4.0, 4.0, 4.0]), [1.0, 1.0, 1.0])
    assert_allclose(input_weights([4.0, 3.5]), [1.5, 0.5])  # std 0.25 → 0.5


def test_max_items_keeps_the_most_rated_films_in_the_model() -> None:
    users, items, stars, n = block_ratings()
    counts = np.bincount(items, minlength=n)
    capped = ItemItemRanker(dataclasses.replace(PLAIN, max_items=12)).fit(users, items, stars, n)
    assert capped.modelled_ is not None
    assert capped.modelled_.sum() == 12
    assert counts[capped.modelled_].min() >= counts[~capped.modelled_].max()
    # The films left out still get a score, below every modelled one.
    scores = capped.score(np.array([0, 1]), np.array([5.0, 4.0], np.float32), np.full(n, 3.5))
    assert scores[~capped.modelled_].max() < scores[capped.modelled_].min()


def test_float32_solve_of_a_wide_catalogue_matches_float64(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moviematch.recommender import ranker_solver

    rng = np.random.default_rng(5)
    n_users, n = 400, 300
    dense = rng.random((n_users, n)) < 0.1
    u, i = np.nonzero(dense)
    stars = rng.choice([1.0, 3.0, 4.0, 5.0], size=len(u)).astype(np.float32)
    config = dataclasses.replace(PLAIN, top_k=0, dropout=3.0, seen_weight=0.5, l2=0.5)
    wide = ItemItemRanker(config).fit(u, i, stars, n)
    monkeypatch.setattr(ranker_solver, "FLOAT64_MAX_ITEMS", 10)
    narrow = ItemItemRanker(config).fit(u, i, stars, n)
    assert wide.weights_ is not None
    assert narrow.weights_ is not None
    a, b = wide.weights_.toarray(), narrow.weights_.toarray()
    assert_allclose(b, a, rtol=0, atol=1e-4 * np.abs(a).max())


def test_adventurous_trades_popularity_for_personal_fit() -> None:
    users, items, stars, n = block_ratings()
    # Make block 1 far more popular than block 0 (more users watched it).
    extra_u = np.repeat(np.arange(100, 160), 10)
    extra_i = np.tile(np.arange(10, 20), 60)
    fit_args = (
        np.concatenate([users, extra_u]),
        np.concatenate([items, extra_i]),
        np.concatenate([stars, np.full(len(extra_u), 4.0, np.float32)]),
        n,
    )
    config = dataclasses.replace(PLAIN, familiarity=2.0)
    ranker = ItemItemRanker(config).fit(*fit_args)
    rows, votes = np.array([0, 1, 2]), np.full(3, 5.0, np.float32)
    popularity = np.asarray(ranker.log_popularity_)
    means = []
    for adventurous in (0.0, 0.5, 1.0):
        scores = ranker.score(rows, votes, np.full(n, 3.5, np.float32), adventurous=adventurous)
        top = ranker.order(np.where(np.isin(np.arange(n), rows), -np.inf, scores), rows, votes, 5)
        means.append(popularity[top].mean())
    assert means[0] > means[1] > means[2]
    with pytest.raises(ValueError, match="adventurous"):
        ranker.score(rows, votes, np.full(n, 3.5, np.float32), adventurous=1.5)
    assert config.popularity_weight_at(0.5) == config.popularity_weight
    assert config.calibration_at(0.5) == config.calibration


def test_the_taste_guard_ranks_a_disliked_genre_last_unless_predicted_four_stars() -> None:
    users, items, stars, n = block_ratings()
    genres = np.zeros((n, 2), dtype=bool)
    genres[:10, 0] = True  # block 0: "Comedy"
    genres[10:, 1] = True  # block 1: "Horror"
    named = {"genres": genres, "genre_names": ("C", "H")}
    ranker = ItemItemRanker(PLAIN).fit(users, items, stars, n, **named)  # type: ignore[arg-type]
    # Loved two comedies, hated two horror films; yet co-rating pushes horror (its block
    # is what the hated films' neighbours are) — the guard must keep it down.
    rows = np.array([0, 1, 10, 11])
    votes = np.array([5.0, 5.0, 1.0, 1.5], np.float32)
    predicted = np.full(n, 3.5, np.float32)
    predicted[15] = 4.5  # confident about one horror film
    scores = ranker.score(rows, votes, predicted).astype(np.float64)
    scores[rows] = -np.inf
    order = np.argsort(-scores, kind="stable")[: n - 4].tolist()
    horror_kept = [r for r in order if r >= 10 and r != 15]
    assert order.index(15) < min(order.index(r) for r in horror_kept)
    assert max(order.index(r) for r in range(2, 10)) < min(order.index(r) for r in horror_kept)
    # A genre rated low once does not count; nor without genres; nor with the guard off.
    once = ranker.score(rows[:3], votes[:3], predicted)
    off = ItemItemRanker(dataclasses.replace(PLAIN, taste_guard=False)).fit(
        users, items, stars, n, genres=genres, genre_names=("C", "H")
    )
    plain = off.score(rows[:3], votes[:3], predicted)
    assert_allclose(once, plain)


def test_the_calibration_prior_lets_a_few_films_leave_room_for_the_other_genres() -> None:
    # Block 1 ("Horror") has three times block 0's ratings: the training ratings' mix is
    # mostly horror. A visitor who rated three comedies gets a comedy-only target without
    # the prior; with it, horror films enter the calibrated top 10, more as m grows.
    users, items, stars, n = block_ratings(block=20)
    extra = np.repeat(np.arange(100, 160), 20), np.tile(np.arange(20, 40), 60)
    genres = np.zeros((n, 2), dtype=bool)
    genres[:20, 0] = True
    genres[20:, 1] = True
    fit = (
        np.concatenate([users, extra[0]]),
        np.concatenate([items, extra[1]]),
        np.concatenate([stars, np.full(1200, 5.0, np.float32)]),
        n,
    )
    rows, votes = np.array([0, 1, 2]), np.full(3, 5.0, np.float32)
    horror = []
    for m in (0.0, 3.0, 30.0):
        config = dataclasses.replace(PLAIN, calibration=0.9, calibration_prior=m)
        ranker = ItemItemRanker(config).fit(*fit, genres=genres, genre_names=("C", "H"))
        scores = ranker.score(rows, votes, np.full(n, 3.5, np.float32)).astype(np.float64)
        scores[rows] = -np.inf
        horror.append(int(genres[ranker.order(scores, rows, votes, 10), 1].sum()))
    assert horror[0] == 0
    assert horror[0] < horror[1] < horror[2]
    with pytest.raises(ValueError, match="calibration_prior"):
        RankerConfig(calibration_prior=-1.0)


def test_a_ranker_saved_before_calibration_still_loads_without_genres() -> None:
    users, items, stars, n = block_ratings()
    ranker = ItemItemRanker(PLAIN).fit(users, items, stars, n)
    arrays = {k: v for k, v in ranker.to_arrays().items() if k not in ("genres", "genre_names")}
    old = ItemItemRanker.from_arrays(arrays, ranker.config_dict())
    assert old.genres_.shape == (n, 0)
    rows, votes = np.array([0, 1]), np.array([5.0, 4.0], np.float32)
    assert_allclose(
        old.score(rows, votes, np.full(n, 3.5)), ranker.score(rows, votes, np.full(n, 3.5))
    )


def test_content_taste_pulls_up_films_whose_vectors_resemble_the_loved_ones() -> None:
    # Two blocks nobody crosses; the item-item part cannot tell block 1's films apart for a
    # user of block 0. Content vectors can: film 15 "looks like" block 0 (its vector is
    # block 0's), so with the content term it rises above the rest of block 1.
    users, items, stars, n = block_ratings()
    vectors = np.zeros((n, 2), np.float32)
    vectors[:10, 0] = 1.0
    vectors[10:, 1] = 1.0
    vectors[15] = (1.0, 0.0)
    config = dataclasses.replace(PLAIN, content_weight=1.0)
    with_content = ItemItemRanker(config).fit(users, items, stars, n, vectors=vectors)
    without = ItemItemRanker(config).fit(users, items, stars, n)
    assert without.content_vectors_.shape == (n, 0)
    user = list(range(9))
    assert ranked(with_content, user)[1] == 15
    assert ranked(without, user)[1] != 15
    # A film rated below the user's average votes against its look-alikes: after a 1★ for
    # film 12, film 13 (block 1's vector) scores below film 15 (block 0's).
    low = with_content.score(
        np.array([0, 1, 12]), np.array([5.0, 5.0, 1.0], np.float32), np.full(n, 3.5, np.float32)
    )
    assert low[13] < low[15]
    # Its weight follows the adventurous setting: content_weight·(0.5 + a).
    assert config.content_weight_at(0.0) == 0.5
    assert config.content_weight_at(1.0) == 1.5
    # Stored with the ranker; a ranker saved before the term loads without it.
    arrays = with_content.to_arrays()
    clone = ItemItemRanker.from_arrays(arrays, with_content.config_dict())
    rows, votes = np.array([0, 1]), np.array([5.0, 4.0], np.float32)
    assert_allclose(
        clone.score(rows, votes, np.full(n, 3.5)), with_content.score(rows, votes, np.full(n, 3.5))
    )
    old_arrays = {k: v for k, v in arrays.items() if k != "content_vectors"}
    old = ItemItemRanker.from_arrays(old_arrays, with_content.config_dict())
    assert_allclose(
        old.score(rows, votes, np.full(n, 3.5)), without.score(rows, votes, np.full(n, 3.5))
    )
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays(dict(arrays, content_vectors=vectors[:5]), config.__dict__)
    with pytest.raises(ModelFitError, match="vectors"):
        ItemItemRanker(config).fit(users, items, stars, n, vectors=vectors[:5])
    with pytest.raises(ValueError, match="content_weight"):
        RankerConfig(content_weight=-1.0)


def test_the_damping_grows_with_how_popular_the_rated_films_are() -> None:
    from moviematch.recommender.ranker_blend import damping_strength

    # 90 ordinary films (z = −1/3) and 10 famous ones (z = 3).
    log_pop = np.concatenate([np.zeros(90), np.full(10, 5.0)])
    modelled = np.ones(100, dtype=np.bool_)
    config = RankerConfig(popularity_damping=0.8, damping_onset=0.5)
    assert damping_strength(log_pop, modelled, np.arange(5), config) == 0.0
    assert damping_strength(log_pop, modelled, np.arange(90, 95), config) == pytest.approx(0.8)
    # One famous and two ordinary films: z̄ = (3 − 2/3)/3 = 7/9, 7/9 − 0.5 of the way.
    mixed = np.array([0, 1, 95])
    assert damping_strength(log_pop, modelled, mixed, config) == pytest.approx(0.8 * (7 / 9 - 0.5))
    assert damping_strength(log_pop, modelled, np.array([], np.int64), config) == 0.0
    off = dataclasses.replace(config, popularity_damping=0.0)
    assert damping_strength(log_pop, modelled, np.arange(90, 95), off) == 0.0


def test_a_visitor_of_famous_films_gets_less_popular_neighbours_with_the_damping() -> None:
    users, items, stars, n = block_ratings()
    # Block 1's films are watched by many more users: they are the famous ones.
    extra_u = np.repeat(np.arange(100, 160), 10)
    extra_i = np.tile(np.arange(10, 20), 60)
    fit_args = (
        np.concatenate([users, extra_u]),
        np.concatenate([items, extra_i]),
        np.concatenate([stars, np.full(len(extra_u), 4.0, np.float32)]),
        n,
    )
    rows, votes = np.array([10, 11, 12, 3]), np.full(4, 5.0, np.float32)
    popularity = []
    for damping in (0.0, 0.8):
        config = dataclasses.replace(PLAIN, popularity_damping=damping, damping_onset=0.0)
        ranker = ItemItemRanker(config).fit(*fit_args)
        scores = ranker.score(rows, votes, np.full(n, 3.5, np.float32)).astype(np.float64)
        scores[rows] = -np.inf
        top = np.argsort(-scores, kind="stable")[:5]
        popularity.append(np.asarray(ranker.log_popularity_)[top].mean())
    assert popularity[1] < popularity[0]
