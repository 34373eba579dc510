"""The block parser of numeric CSV files: values, chunking, line endings, file:line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moviematch.datasets import numeric_csv
from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.numeric_csv import iter_numeric_table, parse_reference

HEADER = ["a", "b", "c"]
KINDS = (False, True, False)


def _write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _read(path: Path, chunk_rows: int = 1000, header: list[str] | None = HEADER):
    tables = list(iter_numeric_table(path, header=header, is_float=KINDS, chunk_rows=chunk_rows))
    ints = np.concatenate([t.ints for t in tables], axis=1) if tables else np.zeros((3, 0))
    floats = np.concatenate([t.floats for t in tables], axis=1) if tables else np.zeros((3, 0))
    return tables, ints, floats


def test_values_lf_and_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    for text in (
        "a,b,c\n1,2.5,3\n-4,0.125,1577836800\n",
        "a,b,c\r\n1,2.5,3\r\n-4,0.125,1577836800\r\n",
        "a,b,c\n1,2.5,3\n-4,0.125,1577836800",
    ):
        _, ints, floats = _read(_write(tmp_path, text))
        np.testing.assert_array_equal(ints[0], [1, -4])
        np.testing.assert_array_equal(ints[2], [3, 1577836800])
        np.testing.assert_array_equal(floats[1], [2.5, 0.125])


def test_decimal_forms(tmp_path: Path) -> None:
    text = (
        "a,b,c\n1,5,1\n1,.5,1\n1,5.,1\n1,1e3,1\n1,2.5E-2,1\n1,-0.75,1\n1,0.028749999999999998,1\n"
    )
    _, _, floats = _read(_write(tmp_path, text))
    np.testing.assert_allclose(
        floats[1], [5, 0.5, 5, 1000, 0.025, -0.75, 0.028749999999999998], rtol=1e-15
    )


def test_chunks_have_requested_size_and_line_numbers(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i / 2},{i * 10}\n" for i in range(1, 26))
    tables, ints, _ = _read(_write(tmp_path, "a,b,c\n" + rows), chunk_rows=10)
    assert [len(t) for t in tables] == [10, 10, 5]
    assert [t.first_line for t in tables] == [2, 12, 22]
    np.testing.assert_array_equal(ints[0], np.arange(1, 26))


def test_block_boundary_inside_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny blocks force lines to straddle reads; values must come out whole.
    monkeypatch.setattr(numeric_csv, "BLOCK_BYTES", 7)
    rows = "".join(f"{i * 1234567},{i}.25,{i}\r\n" for i in range(1, 40))
    _, ints, floats = _read(_write(tmp_path, "a,b,c\r\n" + rows), chunk_rows=6)
    np.testing.assert_array_equal(ints[0], np.arange(1, 40) * 1234567)
    np.testing.assert_array_equal(floats[1], np.arange(1, 40) + 0.25)


def test_empty_file_with_header_yields_nothing(tmp_path: Path) -> None:
    tables, _, _ = _read(_write(tmp_path, "a,b,c\n"))
    assert tables == []


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("1,2,3\n4,5\n", 3, "too few fields"),
        ("1,2,3\n4,5,6,7\n", 3, "too many fields"),
        ("1,2,3\n1,2,3\n1,x,3\n", 4, "not a number"),
        ("1,2,3\n1,2.5,3.5\n", 3, "not a number"),
        ('1,2,3\n"1",2,3\n', 3, "not a number"),
        ("1,2,3\n1, 2,3\n", 3, "not a number"),
        ("1,2,3\n\n", 3, "not a number"),
        ("1,2,3\n1,,3\n", 3, "not a number"),
        ("1,2\r,3\n", 2, "stray carriage return"),
        ("99999999999999999999,1,1\n", 2, "64 bits"),
    ],
)
def test_bad_rows_name_path_and_line(tmp_path: Path, body: str, line: int, reason: str) -> None:
    path = _write(tmp_path, "a,b,c\n" + body)
    with pytest.raises(MalformedRowError, match=reason) as info:
        _read(path)
    assert info.value.line == line
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_wrong_header(tmp_path: Path) -> None:
    with pytest.raises(MalformedRowError, match="expected header") as info:
        _read(_write(tmp_path, "a,c,b\n1,2,3\n"))
    assert info.value.line == 1


def test_headerless_and_tab_delimited(tmp_path: Path) -> None:
    path = _write(tmp_path, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
    (table,) = iter_numeric_table(path, header=None, is_float=(0, 0, 1, 0), delimiter="\t")
    assert table.first_line == 1
    np.testing.assert_array_equal(table.ints[1], [242, 302])
    with pytest.raises(MalformedRowError) as info:
        list(
            iter_numeric_table(
                _write(tmp_path, "1\t2\t3\t4\n1,2,3,4\n"),
                header=None,
                is_float=(0, 0, 1, 0),
                delimiter="\t",
            )
        )
    assert info.value.line == 2


def test_file_without_newlines_fails_early(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(numeric_csv, "BLOCK_BYTES", 64)
    monkeypatch.setattr(numeric_csv, "MAX_LINE_BYTES", 100)
    path = _write(tmp_path, "a,b,c\n1,2,3\n" + "1" * 1000)
    with pytest.raises(MalformedRowError, match="line longer than 100 bytes") as info:
        _read(path)
    assert info.value.line == 3


def test_missing_file_is_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot open"):
        _read(tmp_path / "absent.csv")


_numbers = st.lists(
    st.tuples(
        st.integers(-(10**15), 10**15),
        st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 6)),
        st.integers(0, 2**62),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(rows=_numbers, crlf=st.booleans(), final_newline=st.booleans(), chunk=st.integers(1, 7))
def test_fast_parser_agrees_with_reference(rows, crlf, final_newline, chunk, tmp_path_factory):
    end = "\r\n" if crlf else "\n"
    body = end.join(f"{a},{b!r},{c}" for a, b, c in rows)
    if rows and final_newline:
        body += end
    path = tmp_path_factory.mktemp("h") / "x.csv"
    path.write_text("a,b,c" + end + body, newline="")
    expected = parse_reference(body, KINDS)
    _, ints, floats = _read(path, chunk_rows=chunk)
    assert ints.shape[1] == len(expected) == len(rows)
    for i, (a, b, c) in enumerate(expected):
        assert ints[0, i] == a
        assert ints[2, i] == c
        assert floats[1, i] == pytest.approx(b, rel=1e-15, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(
    good=st.integers(0, 20),
    bad=st.sampled_from(
        ["1,2", "1,2,3,4", "x,1,1", "1,1,1.5", "1,1e,1", "1,-,1", "1;1;1", " 1,1,1"]
    ),
)
def test_first_bad_line_is_reported_like_reference(good, bad, tmp_path_factory):
    body = "".join("7,0.5,9\n" for _ in range(good)) + bad + "\n7,0.5,9\n"
    path = tmp_path_factory.mktemp("h") / "x.csv"
    path.write_text("a,b,c\n" + body)
    with pytest.raises(ValueError, match=f"line {good + 1}:"):
        parse_reference(body, KINDS)
    with pytest.raises(MalformedRowError) as info:
        _read(path)
    assert info.value.line == good + 2  # + the header line
