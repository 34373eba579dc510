"""Property tests of the MovieLens readers (``ratings.csv``, ``movies.csv``, ``tags.csv``):
any file content is read exactly or refused with a :class:`DatasetError` naming the file
(and, for a bad row, its line); nothing else ever escapes.

Files are made of valid rows with at most one spoilt (a bad id, rating or timestamp, a field
too many or too few, broken quoting, a repeated key), so the line of the error is known;
arbitrary bytes must be refused the same clean way.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from moviematch.datasets import movielens as ml
from moviematch.datasets.errors import DatasetError, MalformedRowError

FAST = settings(max_examples=80, deadline=None)

RATING_SPOILERS = [
    (0, "abc"),
    (0, "0"),
    (1, "-3"),
    (1, str(2**31)),
    (1, "9" * 30),
    (2, "6"),
    (2, "0.3"),
    (2, "3.3"),
    (2, "nan"),
    (2, ""),
    (3, "x"),
    (3, "1.5"),
    (4, "extra"),  # a fifth field
    (-1, ""),  # a field short
]
MOVIE_SPOILERS = [(0, "abc"), (0, "0"), (0, "-1"), (0, "dup"), (3, "extra"), (-1, "")]
TAG_SPOILERS = [(0, "x"), (1, "0"), (3, "t"), (3, "1.5"), (4, "extra"), (-1, "")]

ratings_rows = st.lists(
    st.tuples(
        st.integers(1, 2**31 - 1),
        st.integers(1, 2**31 - 1),
        st.integers(1, 10).map(lambda h: h / 2),
        st.integers(0, 2**40),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: (r[0], r[1]),
)
text_field = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=15
)


def _csv(header: list[str], rows: list[list[str]], crlf: bool) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def _end_line(header: list[str], rows: list[list[str]], index: int, crlf: bool) -> int:
    """The physical line on which row ``index`` ends (a quoted field may hold line breaks):
    the line the readers name, as :mod:`csv` counts."""
    return _csv(header, rows[: index + 1], crlf).count(b"\n")


def _spoil(rows: list[list[str]], index: int, spoiler: tuple[int, str]) -> None:
    column, value = spoiler
    row = rows[index]
    if column == -1:
        row.pop()
    elif column >= len(row):
        row.append(value)
    elif value == "dup" and index > 0:
        row[column] = rows[index - 1][column]
    elif value == "dup":
        row[column] = "0"
    else:
        row[column] = value


def _refused_at(directory: Path, name: str, line: int, read: Any) -> None:
    with pytest.raises(MalformedRowError) as refused:
        read(directory)
    assert refused.value.path == directory / name
    assert str(refused.value).startswith(f"{directory / name}:{line}: ")
    assert refused.value.line == line


@FAST
@given(
    rows=ratings_rows,
    spoil=st.none() | st.tuples(st.integers(0, 11), st.sampled_from(RATING_SPOILERS)),
    crlf=st.booleans(),
    duplicate=st.booleans(),
)
def test_ratings_are_read_exactly_or_the_bad_line_is_named(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[Any],
    spoil: Any,
    crlf: bool,
    duplicate: bool,
) -> None:
    directory = tmp_path_factory.mktemp("ratings")
    text_rows = [[str(u), str(m), str(r), str(t)] for u, m, r, t in rows]
    bad_line = None
    if spoil is not None:
        index = spoil[0] % len(rows)
        _spoil(text_rows, index, spoil[1])
        bad_line = index + 2
    elif duplicate and len(rows) > 1:  # the same user and movie again, on the last line
        text_rows.append([*text_rows[0][:2], "3.0", "1"])
        bad_line = len(text_rows) + 1
    (directory / "ratings.csv").write_bytes(_csv(ml.RATINGS_HEADER, text_rows, crlf))
    if bad_line is not None:
        _refused_at(directory, "ratings.csv", bad_line, ml.load_ratings)
        return
    ratings = ml.load_ratings(directory)
    assert ratings.user_ids.tolist() == [u for u, _, _, _ in rows]
    assert ratings.movie_ids.tolist() == [m for _, m, _, _ in rows]
    assert np.array_equal(ratings.values, np.array([r for _, _, r, _ in rows], np.float32))
    assert ratings.timestamps.tolist() == [t for _, _, _, t in rows]


@FAST
@given(
    movies=st.lists(
        st.tuples(st.integers(1, 10**6), text_field, st.lists(text_field, max_size=3)),
        min_size=1,
        max_size=8,
        unique_by=lambda m: m[0],
    ),
    spoil=st.none() | st.tuples(st.integers(0, 7), st.sampled_from(MOVIE_SPOILERS)),
    crlf=st.booleans(),
)
def test_movies_are_read_exactly_or_the_bad_line_is_named(
    tmp_path_factory: pytest.TempPathFactory, movies: list[Any], spoil: Any, crlf: bool
) -> None:
    directory = tmp_path_factory.mktemp("movies")
    rows = [
        [str(m), title, "|".join(g for g in genres if "|" not in g)] for m, title, genres in movies
    ]
    bad_line = None
    if spoil is not None:
        index = spoil[0] % len(rows)
        _spoil(rows, index, spoil[1])
        bad_line = _end_line(ml.MOVIES_HEADER, rows, index, crlf)
    (directory / "movies.csv").write_bytes(_csv(ml.MOVIES_HEADER, rows, crlf))
    (directory / "ratings.csv").write_bytes(_csv(ml.RATINGS_HEADER, [], crlf))
    if bad_line is not None:
        _refused_at(directory, "movies.csv", bad_line, ml.read_movies)
        return
    records = ml.read_movies(directory)
    assert [r.movie_id for r in records] == [m for m, _, _ in movies]
    for record, row in zip(records, rows, strict=True):
        assert set(record.genres) == {g for g in row[2].split("|") if g and g != ml.NO_GENRES}


@FAST
@given(
    tags=st.lists(
        st.tuples(st.integers(1, 10**6), st.integers(1, 10**6), text_field, st.integers(0, 2**40)),
        min_size=1,
        max_size=8,
    ),
    spoil=st.none() | st.tuples(st.integers(0, 7), st.sampled_from(TAG_SPOILERS)),
    crlf=st.booleans(),
)
def test_tags_are_read_exactly_or_the_bad_line_is_named(
    tmp_path_factory: pytest.TempPathFactory, tags: list[Any], spoil: Any, crlf: bool
) -> None:
    directory = tmp_path_factory.mktemp("tags")
    rows = [[str(u), str(m), tag, str(t)] for u, m, tag, t in tags]
    bad_line = None
    if spoil is not None:
        index = spoil[0] % len(rows)
        _spoil(rows, index, spoil[1])
        bad_line = _end_line(ml.TAGS_HEADER, rows, index, crlf)
    (directory / "tags.csv").write_bytes(_csv(ml.TAGS_HEADER, rows, crlf))
    if bad_line is not None:
        _refused_at(directory, "tags.csv", bad_line, ml.read_tags)
        return
    records = ml.read_tags(directory)
    assert [(r.user_id, r.movie_id, r.tag, r.timestamp) for r in records] == tags


@settings(max_examples=150, deadline=None)
@example(content=b'",\r,\r,1', name="movies.csv", with_header=False)  # lone CRs: line 3
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.lists(
            st.sampled_from(["1", "0", "-1", "4.5", "x", "", '"', '"a,b"', "\r", "\x00", "é"]),
            max_size=30,
        ).map(lambda parts: ",".join(parts).encode("utf-8", "surrogatepass")),
    ),
    name=st.sampled_from(["ratings.csv", "movies.csv", "tags.csv"]),
    with_header=st.booleans(),
)
def test_any_bytes_are_read_or_refused_with_the_file_named(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, name: str, with_header: bool
) -> None:
    directory = tmp_path_factory.mktemp("any")
    header = {
        "ratings.csv": ml.RATINGS_HEADER,
        "movies.csv": ml.MOVIES_HEADER,
        "tags.csv": ml.TAGS_HEADER,
    }[name]
    prefix = (",".join(header) + "\n").encode() if with_header else b""
    (directory / name).write_bytes(prefix + content)
    if name != "ratings.csv":
        (directory / "ratings.csv").write_bytes(b"userId,movieId,rating,timestamp\n")
    read = {"ratings.csv": ml.load_ratings, "movies.csv": ml.read_movies, "tags.csv": ml.read_tags}
    refused: DatasetError | None = None
    try:
        read[name](directory)
    except DatasetError as exc:
        refused = exc
    if isinstance(refused, MalformedRowError):
        assert refused.path == directory / name
        data = prefix + content  # csv counts a lone CR as a line break too
        assert 1 <= refused.line <= data.count(b"\n") + data.count(b"\r") + 2
        assert str(refused).startswith(f"{directory / name}:{refused.line}: ")
    elif refused is not None:
        assert str(directory / name) in str(refused)
