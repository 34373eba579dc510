"""The per-visitor content weight: taste coherence, its table and the factor it sets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.recommender.coherence import (
    LEVELS,
    MIN_LIKED,
    coherence_table,
    content_boost,
    taste_coherence,
)
from moviematch.recommender.errors import CorruptModelError
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig


def unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_coherence_is_the_mean_pairwise_cosine_of_the_liked_films() -> None:
    rng = np.random.default_rng(0)
    vectors = unit(rng, 30, 8)
    vectors[29] = 0.0  # a film without features
    rows = np.array([1, 4, 7, 9, 12, 29, 20])
    stars = np.array([5, 4, 4.5, 5, 2, 4, 1], np.float32)
    liked = rows[stars >= 4]
    cosines = vectors[liked] @ vectors[liked].T
    pairs = cosines[~np.eye(len(liked), dtype=bool)]
    assert taste_coherence(vectors, rows, stars, 4.0) == pytest.approx(pairs.mean(), abs=1e-6)
    # Alike films: 1; films at right angles: 0.
    same = np.tile(np.array([[1.0, 0.0]], np.float32), (6, 1))
    assert taste_coherence(same, np.arange(6), np.full(6, 5.0), 4.0) == pytest.approx(1.0)
    eye = np.eye(6, dtype=np.float32)
    assert taste_coherence(eye, np.arange(6), np.full(6, 5.0), 4.0) == pytest.approx(0.0)


def test_too_few_liked_films_or_no_features_give_no_coherence() -> None:
    vectors = np.ones((10, 3), np.float32) / np.sqrt(3)
    few = np.arange(MIN_LIKED - 1)
    assert np.isnan(taste_coherence(vectors, few, np.full(len(few), 5.0), 4.0))
    # Enough films, but too few of them liked.
    rows = np.arange(8)
    stars = np.array([5, 5, 5] + [3] * 5, np.float32)
    assert np.isnan(taste_coherence(vectors, rows, stars, 4.0))
    assert not np.isnan(taste_coherence(vectors, rows, np.full(8, 5.0), 4.0))
    assert np.isnan(taste_coherence(np.zeros((10, 0), np.float32), rows, np.full(8, 5.0), 4.0))


def test_the_table_places_a_visitor_among_the_training_users() -> None:
    # 200 users: half like films of one cluster only (coherent), half films of anything.
    rng = np.random.default_rng(1)
    n_items = 100
    vectors = unit(rng, n_items, 16)
    vectors[:20] = vectors[0] + 0.05 * rng.normal(size=(20, 16)).astype(np.float32)
    vectors[:20] /= np.linalg.norm(vectors[:20], axis=1, keepdims=True)
    users, items = [], []
    for u in range(200):
        films = rng.choice(20 if u % 2 else n_items, 12, replace=False)
        users += [u] * 12
        items += films.tolist()
    user_rows, item_rows = np.array(users), np.array(items)
    stars = np.full(len(users), 5.0, np.float32)
    table = coherence_table(vectors, user_rows, item_rows, stars, 4.0)
    assert table.shape == LEVELS.shape
    assert table.dtype == np.float32
    assert np.all(np.diff(table) >= 0)
    assert table[25] < 0.3 < 0.9 < table[75]  # the two halves
    assert np.array_equal(table, coherence_table(vectors, user_rows, item_rows, stars, 4.0))
    assert coherence_table(vectors[:, :0], user_rows, item_rows, stars, 4.0).shape == (0,)
    # The factor: 1 up to the onset percentile, 1 + γ at the most coherent, linear between.
    assert content_boost(float(table[50]), table, 4.0, 0.9) == 1.0
    assert content_boost(float(table[-1]) + 0.01, table, 4.0, 0.9) == pytest.approx(5.0)
    at_95 = content_boost(float(table[95]), table, 4.0, 0.9)
    assert 1.0 < at_95 < 5.0
    assert content_boost(float("nan"), table, 4.0, 0.9) == 1.0
    assert content_boost(1.0, table, 0.0, 0.9) == 1.0
    assert content_boost(1.0, np.zeros(0, np.float32), 4.0, 0.9) == 1.0


def test_a_coherent_visitor_gets_the_content_term_weighed_up() -> None:
    rng = np.random.default_rng(2)
    n_items, n_users = 60, 120
    vectors = unit(rng, n_items, 8)
    vectors[:10] = vectors[0]  # ten films that look alike
    spread = np.array([11, 23, 35, 47, 52, 59])  # six that point every way (coherence −0.2)
    signs = np.array([[1.0], [-1.0]] * 3, np.float32)
    vectors[spread] = np.repeat(np.eye(8, dtype=np.float32)[:3], 2, axis=0) * signs
    users = np.repeat(np.arange(n_users), 10)
    items = np.concatenate([rng.choice(n_items, 10, replace=False) for _ in range(n_users)])
    stars = rng.choice([2.0, 3.0, 4.0, 5.0], len(users)).astype(np.float32)
    config = RankerConfig(coherent_content=3.0, coherence_onset=0.9, min_stars=0.0)
    ranker = ItemItemRanker(config).fit(users, items, stars, n_items, vectors=vectors)
    assert ranker.coherence_.shape == LEVELS.shape
    predicted = np.full(n_items, 3.5, np.float32)
    alike = np.arange(6)
    five = np.full(6, 5.0, np.float32)
    assert ranker.content_boost(alike, five) == pytest.approx(4.0)
    assert ranker.content_boost(spread, five) == 1.0
    # The same scores as a ranker whose content weight is that much larger, for everyone.
    boosted = ItemItemRanker.from_arrays(
        ranker.to_arrays(),
        {**ranker.config_dict(), "coherent_content": 0.0, "content_weight": 4 * 0.75},
    )
    plain = ItemItemRanker.from_arrays(
        ranker.to_arrays(), {**ranker.config_dict(), "coherent_content": 0.0}
    )
    assert_allclose(
        ranker.score(alike, five, predicted), boosted.score(alike, five, predicted), rtol=1e-6
    )
    assert_allclose(ranker.score(spread, five, predicted), plain.score(spread, five, predicted))
    # Stored with the ranker; one saved before the factor loads with none.
    arrays = ranker.to_arrays()
    clone = ItemItemRanker.from_arrays(arrays, ranker.config_dict())
    assert np.array_equal(clone.coherence_, ranker.coherence_)
    old = ItemItemRanker.from_arrays(
        {k: v for k, v in arrays.items() if k != "coherence"}, ranker.config_dict()
    )
    assert old.content_boost(alike, five) == 1.0
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays(
            dict(arrays, coherence=arrays["coherence"][::-1].copy()), ranker.config_dict()
        )
    with pytest.raises(CorruptModelError):
        ItemItemRanker.from_arrays(
            dict(arrays, coherence=arrays["coherence"][:5]), ranker.config_dict()
        )


def test_the_factor_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="coherent_content"):
        RankerConfig(coherent_content=-1.0)
    with pytest.raises(ValueError, match="coherence_onset"):
        RankerConfig(coherence_onset=1.0)
    config = RankerConfig()
    assert config.content_weight_at(0.5, 2.0) == 2 * config.content_weight_at(0.5)
    assert dataclasses.replace(config, coherent_content=0.0).coherent_content == 0.0
