"""Metrics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.recommender.evaluation.metrics import (
    coverage,
    list_metrics,
    mae,
    novelty,
    rmse,
    self_information,
    top_k,
)


def test_list_metrics_by_hand() -> None:
    # Hits at ranks 2 and 4; three relevant items, so the ideal list has three hits.
    m = list_metrics([3, 1, 7, 9], [1, 9, 20], k=4)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.precision == pytest.approx(0.5)
    assert m.recall == pytest.approx(2 / 3)
    assert m.ndcg == pytest.approx(dcg / idcg)
    assert m.ndcg == pytest.approx(0.498190, abs=1e-6)
    assert m.hit == 1.0


def test_list_metrics_cut_off_and_misses() -> None:
    m = list_metrics([5, 6, 1], [1], k=2)  # the hit is at rank 3, beyond k
    assert (m.precision, m.recall, m.ndcg, m.hit) == (0.0, 0.0, 0.0, 0.0)
    perfect = list_metrics([1, 2], [2, 1], k=2)
    assert perfect.ndcg == pytest.approx(1.0)
    # A short list still divides precision by k.
    assert list_metrics([1], [1, 2], k=5).precision == pytest.approx(0.2)
    with pytest.raises(ValueError, match="relevant"):
        list_metrics([1], [], k=1)


def test_top_k_breaks_ties_by_index_and_excludes() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0, np.nan])
    assert top_k(scores, 2).tolist() == [1, 2]
    assert top_k(scores, 2, exclude=[1]).tolist() == [2, 3]
    assert top_k(scores, 10, exclude=[0]).tolist() == [1, 2, 3, 4]
    assert top_k(scores, 3, exclude=[0, 1, 2, 3, 4]).tolist() == []


def test_error_metrics() -> None:
    assert rmse([1, 2], [2, 4]) == pytest.approx(math.sqrt(2.5))
    assert mae([1, 2], [2, 4]) == pytest.approx(1.5)
    assert math.isnan(rmse([], []))
    with pytest.raises(ValueError, match="shape"):
        mae([1], [1, 2])


def test_coverage_and_novelty() -> None:
    assert coverage([np.array([0, 1]), np.array([1, 2])], 10) == pytest.approx(0.3)
    info = self_information([4, 1, 8, 0], 8)
    assert_allclose(info, [1.0, 3.0, 0.0, 3.0])
    assert novelty([np.array([0, 1]), np.array([2])], info) == pytest.approx(4 / 3)
