"""Vocabulary: external ids ⇄ rows, unknown ids as MISSING."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from moviematch.recommender.vocab import MISSING, Vocabulary


def test_ids_are_sorted_and_unique() -> None:
    vocab = Vocabulary([30, 10, 20, 10])
    assert vocab.ids.tolist() == [10, 20, 30]
    assert vocab.ids.dtype == np.int64
    assert len(vocab) == 3


def test_rows_and_external_are_inverse_and_unknown_is_missing() -> None:
    vocab = Vocabulary([5, 1, 9])
    rows = vocab.rows([9, 1, 4, 5, 100, -3])
    assert rows.tolist() == [2, 0, MISSING, 1, MISSING, MISSING]
    assert vocab.external([2, 0, 1]).tolist() == [9, 1, 5]


def test_split_known_and_membership() -> None:
    vocab = Vocabulary([5, 1, 9])
    rows, known = vocab.split_known(np.array([[1, 2], [9, 10]]))
    assert rows.shape == (2, 2)
    assert known.tolist() == [[True, False], [True, False]]
    assert 9 in vocab
    assert 2 not in vocab
    assert "9" not in vocab


def test_empty_vocabulary_knows_nothing() -> None:
    vocab = Vocabulary([])
    assert vocab.rows([1, 2]).tolist() == [MISSING, MISSING]


@given(st.lists(st.integers(-(2**40), 2**40), max_size=50), st.lists(st.integers(), max_size=20))
def test_round_trip_property(ids: list[int], probes: list[int]) -> None:
    vocab = Vocabulary(ids)
    rows = vocab.rows(ids)
    assert (rows != MISSING).all()
    assert vocab.external(rows).tolist() == ids
    probes = [p for p in probes if -(2**63) <= p < 2**63]
    for probe, row in zip(probes, vocab.rows(np.array(probes, dtype=np.int64)), strict=True):
        assert (row != MISSING) == (probe in set(ids))


def test_long_inputs_through_the_dense_table_match_the_sorted_path() -> None:
    # At least _DENSE_QUERY ids spanning less than _DENSE_SPAN: the one-pass table path.
    rng = np.random.default_rng(0)
    ids = rng.integers(1_000, 300_000, size=200_000)
    vocab = Vocabulary(ids)
    assert vocab.ids.tolist() == np.unique(ids).tolist()
    probes = np.concatenate([ids, rng.integers(-5, 400_000, size=100_000)])
    pos = np.searchsorted(vocab.ids, probes).clip(0, len(vocab) - 1)
    reference = np.where(vocab.ids[pos] == probes, pos, MISSING)
    assert vocab.rows(probes).tolist() == reference.tolist()
    assert vocab.rows(ids).tolist() == reference[: len(ids)].tolist()  # all inside the range


def test_long_inputs_with_a_wide_span_fall_back_to_sorting() -> None:
    ids = np.concatenate([np.arange(150_000), [10**12]])
    vocab = Vocabulary(ids)
    assert len(vocab) == 150_001
    assert vocab.rows(ids).tolist() == list(range(150_001))
