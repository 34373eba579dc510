"""NumPy-built CSV rows print what Python's own formatting prints."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from moviematch.datasets import csv_format


def test_integers_print_like_str() -> None:
    values = np.array([0, 7, 9, 10, 99, 100, 101, 1_000_000, 1_574_327_703, 2**40], np.int64)
    rng = np.random.default_rng(0)
    values = np.concatenate([values, rng.integers(0, 10**12, 5000)])
    text = csv_format.rows([csv_format.int_field(values)])
    assert text.decode("ascii") == "".join(f"{v}\n" for v in values.tolist())


def test_a_row_joins_numbers_and_texts_with_separators() -> None:
    texts = [b"0.5", b'"slow, but worth it"', b"", b"Sci-Fi"]
    text = csv_format.rows(
        [
            csv_format.int_field([3, 120, 4]),
            csv_format.table_field([1, 2, 3], texts),
            csv_format.int_field([0, 5, 60]),
        ]
    )
    assert text == b'3,"slow, but worth it",0\n120,,5\n4,Sci-Fi,60\n'
    parsed = list(csv.reader(io.StringIO(text.decode())))
    assert parsed == [["3", "slow, but worth it", "0"], ["120", "", "5"], ["4", "Sci-Fi", "60"]]


def test_no_rows_give_no_text() -> None:
    assert csv_format.rows([csv_format.int_field([]), csv_format.table_field([], [b"x"])]) == b""


def test_negative_numbers_and_misaligned_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        csv_format.int_field([1, -2])
    with pytest.raises(ValueError, match="different numbers of rows"):
        csv_format.rows([csv_format.int_field([1, 2]), csv_format.int_field([1])])
