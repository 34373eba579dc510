"""Beyond-accuracy figures of a top 10: calibration, popularity, diversity, contradictions."""

from __future__ import annotations

import numpy as np
import pytest

from moviematch.recommender.evaluation.beyond import (
    Catalogue,
    contradiction,
    diversity,
    list_figures,
    miscalibration,
)

# Genres: 0 Comedy, 1 Horror, 2 Drama. Rows 0-3 Comedy, 4-7 Horror, 8-9 Comedy+Drama.
GENRES = np.zeros((10, 3), dtype=bool)
GENRES[:4, 0] = True
GENRES[4:8, 1] = True
GENRES[8:, [0, 2]] = True
COUNTS = np.array([50, 40, 30, 20, 10, 9, 8, 7, 6, 6])


def test_popularity_percentile_ranks_training_counts() -> None:
    catalogue = Catalogue(GENRES, COUNTS)
    assert catalogue.percentile[0] == 1.0
    assert catalogue.percentile[8] == catalogue.percentile[9] == pytest.approx(0.5 / 9)


def test_miscalibration_is_steck_kl_with_smoothing() -> None:
    catalogue = Catalogue(GENRES, COUNTS)
    # Liked: two comedies and two horror films → p = (½, ½, 0); a pure-comedy list.
    value = miscalibration(catalogue, np.array([0, 1, 2, 3]), np.array([0, 1, 4, 5]))
    q_tilde = np.array([0.99 + 0.005, 0.005])
    assert value == pytest.approx(0.5 * np.log(0.5 / q_tilde[0]) + 0.5 * np.log(0.5 / q_tilde[1]))
    same = miscalibration(catalogue, np.array([0, 4, 1, 5]), np.array([0, 1, 4, 5]))
    assert same == pytest.approx(0.0, abs=1e-12)
    assert miscalibration(catalogue, np.array([0]), np.array([], np.int64)) is None


def test_diversity_is_mean_pairwise_genre_cosine_distance() -> None:
    catalogue = Catalogue(GENRES, COUNTS)
    assert diversity(catalogue, np.array([0, 1, 2])) == pytest.approx(0.0)
    assert diversity(catalogue, np.array([0, 4])) == pytest.approx(1.0)
    # Comedy vs Comedy+Drama: cosine 1/√2.
    assert diversity(catalogue, np.array([0, 8])) == pytest.approx(1 - 1 / np.sqrt(2))
    assert diversity(catalogue, np.array([0])) is None


def test_contradiction_counts_disliked_genres_predicted_under_four() -> None:
    catalogue = Catalogue(GENRES, COUNTS)
    revealed = np.array([4, 5, 0])  # two horror films rated 1★, a comedy 5★
    stars = np.array([1.0, 1.5, 5.0], np.float32)
    predicted = np.full(10, 3.0, np.float32)
    predicted[7] = 4.5
    top = np.array([6, 7, 1, 2, 8])
    # 6 is horror predicted 3★: a contradiction; 7 is horror but predicted 4.5★: not.
    assert contradiction(catalogue, top, revealed, stars, predicted) == pytest.approx(1 / 5)
    # A genre rated low once only does not count; nor does a genre also rated high.
    assert contradiction(catalogue, top, revealed[1:], stars[1:], predicted) is None
    both = np.array([4, 5, 6])  # horror 1, 1.5 and 5 → mean 2.5: not low
    assert contradiction(catalogue, top, both, np.array([1.0, 1.5, 5.0]), predicted) is None


def test_list_figures_use_the_referee_for_predictions() -> None:
    calls = []

    def referee(rows: np.ndarray, stars: np.ndarray) -> np.ndarray:
        calls.append(rows.tolist())
        return np.full(10, 2.0, np.float32)

    catalogue = Catalogue(GENRES, COUNTS, referee)
    figures = list_figures(
        catalogue,
        np.array([6, 7]),
        np.array([4, 5]),
        np.array([1.0, 1.0], np.float32),
        np.array([0]),
    )
    assert calls == [[4, 5]]
    assert figures.contradiction == 1.0
    assert figures.diversity == pytest.approx(0.0)
    no_referee = list_figures(
        Catalogue(GENRES, COUNTS),
        np.array([6, 7]),
        np.array([4, 5]),
        np.array([1.0, 1.0], np.float32),
        np.array([0]),
    )
    assert no_referee.contradiction is None
