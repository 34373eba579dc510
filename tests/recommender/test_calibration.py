"""Steck's calibrated re-ranking: the list's genre mix follows the user's, at a price."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.recommender.calibration import (
    calibrated_order,
    genre_distribution,
    kl_divergence,
    ratings_mix,
    shrunk_target,
    target_distribution,
)

#: 40 films: rows 0-29 Comedy (scored highest), 30-39 Horror (scored a little lower than
#: the 10th comedy).
MEMBERS = np.zeros((40, 2), dtype=bool)
MEMBERS[:30, 0] = True
MEMBERS[30:, 1] = True
SCORES = np.concatenate([np.linspace(10, 5, 30), np.linspace(8.4, 8.0, 10)])


def test_distribution_spreads_each_film_over_its_genres() -> None:
    members = np.array([[True, True], [True, False], [False, False]])
    assert_allclose(genre_distribution(members), [[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])


def test_target_weights_loved_films_and_barely_counts_disliked_ones() -> None:
    dist = genre_distribution(MEMBERS)
    # Two horror films rated 5, two comedies rated 1: mostly horror.
    p = target_distribution(dist, np.array([30, 31, 0, 1]), np.array([5.0, 5.0, 1.0, 1.0]))
    assert_allclose(p, [0.2 / 6.4, 6.2 / 6.4])  # 5★ weighs 3.1, 1★ 0.1
    assert not target_distribution(dist, np.array([], np.int64), np.array([])).any()


def test_the_ratings_mix_weighs_each_film_by_its_number_of_ratings() -> None:
    members = np.array([[True, True], [True, False], [False, False]])
    # 3, 1 and 7 training ratings, kept as log(1 + n) like the ranker's log_popularity_.
    log_popularity = np.log1p(np.array([3.0, 1.0, 7.0], np.float32))
    # 3 ratings split over both genres, 1 comedy, the 7 ratings of a film without genre
    # count nowhere: (1.5 + 1, 1.5) / 4.
    assert_allclose(ratings_mix(genre_distribution(members), log_popularity), [0.625, 0.375])
    assert not ratings_mix(genre_distribution(members[2:]), log_popularity[2:]).any()


def test_the_shrunk_target_counts_the_prior_as_m_more_rated_films() -> None:
    target, prior = np.array([1.0, 0.0]), np.array([0.25, 0.75])
    # 2 rated films and m = 3: (2·target + 3·prior) / 5.
    assert_allclose(shrunk_target(target, prior, 2, 3.0), [0.55, 0.45])
    # The more films rated, the less the prior moves the target.
    assert shrunk_target(target, prior, 20, 3.0)[0] > shrunk_target(target, prior, 5, 3.0)[0]
    assert shrunk_target(target, prior, 2, 0.0) is target
    # No target (no rated film has a genre) stays no target: calibration stays off.
    assert not shrunk_target(np.zeros(2), prior, 2, 3.0).any()
    assert shrunk_target(target, np.zeros(2), 2, 3.0) is target


def test_no_weight_or_no_target_keeps_the_score_order() -> None:
    dist = genre_distribution(MEMBERS)
    plain = calibrated_order(SCORES, dist, np.array([0.5, 0.5]), 10, weight=0.0)
    assert plain.tolist() == list(range(10))
    assert calibrated_order(SCORES, dist, np.zeros(2), 10, weight=0.9).tolist() == list(range(10))


def test_calibration_brings_the_list_toward_the_target_mix() -> None:
    dist = genre_distribution(MEMBERS)
    target = np.array([0.5, 0.5])
    before = calibrated_order(SCORES, dist, target, 10, weight=0.0)
    after = calibrated_order(SCORES, dist, target, 10, weight=0.5)
    q_before = dist[before].mean(axis=0)
    q_after = dist[after].mean(axis=0)
    assert kl_divergence(target, q_after) < kl_divergence(target, q_before)
    assert int(MEMBERS[after, 1].sum()) >= 2  # horror films now in the top 10
    strong = calibrated_order(SCORES, dist, target, 10, weight=0.9)
    assert 4 <= int(MEMBERS[strong, 1].sum()) <= 6  # a strong weight: about half
    # Within a genre the score order is kept, and excluded rows never appear.
    comedies = [r for r in after.tolist() if r < 30]
    assert comedies == sorted(comedies)
    blocked = SCORES.copy()
    blocked[[30, 31]] = -np.inf
    assert not {30, 31} & set(calibrated_order(blocked, dist, target, 10, weight=0.5).tolist())


def test_depth_limits_the_re_ranked_positions() -> None:
    dist = genre_distribution(MEMBERS)
    order = calibrated_order(SCORES, dist, np.array([0.5, 0.5]), 20, weight=0.5, depth=4)
    assert len(order) == 20
    assert len(set(order.tolist())) == 20
    # After position 4 the remaining candidates follow the score.
    tail = order[4:].tolist()
    assert tail == sorted(tail, key=lambda r: -SCORES[r])


@pytest.mark.parametrize("n", [0, 1, 39, 40, 50])
def test_list_length_is_bounded_by_the_allowed_rows(n: int) -> None:
    dist = genre_distribution(MEMBERS)
    order = calibrated_order(SCORES, dist, np.array([0.2, 0.8]), n, weight=0.7, pool=100)
    assert len(order) == min(n, 40)
    assert len(set(order.tolist())) == len(order)
