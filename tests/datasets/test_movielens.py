"""MovieLens readers on tiny files written here in the publishers' exact formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moviematch.datasets import movielens as ml
from moviematch.datasets.errors import DatasetError, MalformedRowError


def write(directory: Path, name: str, text: str, *, crlf: bool = False, encoding="utf-8") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode(encoding))
    return path


MOVIES = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    '11,"American President, The (1995)",Comedy|Drama|Romance\n'
    '3,"Crows, ""Birds"" and a Comma (a.k.a. Crows) (2001) ",Drama\n'
    "4,Babylon 5,(no genres listed)\n"
)


@pytest.mark.parametrize("crlf", [False, True])
def test_read_movies_quoting_and_quirks(tmp_path: Path, crlf: bool) -> None:
    write(tmp_path, "movies.csv", MOVIES, crlf=crlf)
    movies = ml.read_movies(tmp_path)
    assert [m.movie_id for m in movies] == [1, 11, 3, 4]
    assert movies[1].title == "American President, The"
    assert movies[1].display_title == "The American President"
    assert movies[1].genres == ("Comedy", "Drama", "Romance")
    assert movies[2].title == 'Crows, "Birds" and a Comma (a.k.a. Crows)'
    assert movies[2].year == 2001
    assert movies[2].alternative_titles == ("Crows",)
    assert (movies[3].year, movies[3].genres) == (None, ())
    info = ml.movie_info(movies)
    np.testing.assert_array_equal(info.movie_ids, [1, 11, 3, 4])
    np.testing.assert_array_equal(info.years, [1995, 1995, 2001, 0])
    assert info.years.dtype == np.int32
    assert info.titles[1] == "The American President"
    assert info.genres[3] == ()


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("movieId,name,genres\n1,A (1999),Drama\n", 1, "expected header"),
        ("movieId,title,genres\n1,A (1999),Drama\n2,B (1999)\n", 3, "expected 3 fields"),
        ("movieId,title,genres\n1,A (1999),Drama\nx,B (1999),Drama\n", 3, "not an integer"),
        ("movieId,title,genres\n1,A (1999),Drama\n1,B (1999),Drama\n", 3, "duplicate movieId"),
        ('movieId,title,genres\n1,A (1999),Drama\n2,"B" x (1999),Drama\n', 3, "quoting"),
        ('movieId,title,genres\n1,A (1999),Drama\n2,"B (1999),Drama\n', 3, "quoting"),
    ],
)
def test_read_movies_errors(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = write(tmp_path, "movies.csv", text)
    with pytest.raises(MalformedRowError, match=reason) as info:
        ml.read_movies(tmp_path)
    assert (info.value.path, info.value.line) == (path, line)


def test_read_movies_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "movies.csv"
    path.write_bytes(b"movieId,title,genres\n1,A (1999),Drama\n2,Caf\xe9 (1999),Drama\n")
    with pytest.raises(MalformedRowError, match="not valid utf-8") as info:
        ml.read_movies(tmp_path)
    assert info.value.path == path


@pytest.mark.parametrize("bad_line", [3, 67, 5000])
def test_bad_utf8_is_reported_on_its_own_line(tmp_path: Path, bad_line: int) -> None:
    rows = [f"{i},Film {i} (1999),Drama\n".encode() for i in range(1, 6000)]
    rows[bad_line - 2] = f"{bad_line - 1},Caf\xe9 (1999),Drama\n".encode("latin-1")
    (tmp_path / "movies.csv").write_bytes(b"movieId,title,genres\n" + b"".join(rows))
    with pytest.raises(MalformedRowError, match="byte 0xe9") as info:
        ml.read_movies(tmp_path)
    assert info.value.line == bad_line


def test_read_links(tmp_path: Path) -> None:
    write(
        tmp_path,
        "links.csv",
        "movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,\n3,,5\n4,1234567,8\n5,12345678,9\n",
        crlf=True,
    )
    links = ml.read_links(tmp_path)
    assert links[1] == ml.LinkRecord(1, "tt0114709", 862)
    assert links[2].tmdb_id is None
    assert links[3].imdb_id is None
    assert links[5].imdb_id == "tt12345678"
    write(tmp_path, "links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n2,tt0113497,1\n")
    with pytest.raises(MalformedRowError, match="imdbId") as info:
        ml.read_links(tmp_path)
    assert info.value.line == 3


def test_read_tags_and_tag_applications(tmp_path: Path) -> None:
    write(tmp_path, "movies.csv", "movieId,title,genres\n")
    write(
        tmp_path,
        "tags.csv",
        "userId,movieId,tag,timestamp\n2,60756,funny,1445714994\n"
        '2,60756,"dark, ""gritty""",1445714996\n7,1,  ,1\n',
    )
    tags = ml.read_tags(tmp_path)
    assert tags[1] == ml.TagRecord(2, 60756, 'dark, "gritty"', 1445714996)
    applications = ml.tag_applications(tags)
    np.testing.assert_array_equal(applications.movie_ids, [60756, 60756])
    assert applications.tags == ["funny", 'dark, "gritty"']
    write(tmp_path, "tags.csv", "userId,movieId,tag,timestamp\n1,2,ok,3\n1,2,bad,soon\n")
    with pytest.raises(MalformedRowError, match="timestamp") as info:
        ml.read_tags(tmp_path)
    assert info.value.line == 3


def test_missing_optional_files(tmp_path: Path) -> None:
    write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n")
    assert ml.read_tags(tmp_path) == []
    assert ml.read_genome(tmp_path) is None
    with pytest.raises(DatasetError, match=r"links\.csv"):
        ml.read_links(tmp_path)


RATINGS = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,0.5,964981247\n2,1,5,1\n"


@pytest.mark.parametrize("crlf", [False, True])
def test_load_and_iter_ratings(tmp_path: Path, crlf: bool) -> None:
    write(tmp_path, "ratings.csv", RATINGS, crlf=crlf)
    ratings = ml.load_ratings(tmp_path)
    np.testing.assert_array_equal(ratings.user_ids, [1, 1, 2])
    np.testing.assert_array_equal(ratings.movie_ids, [1, 3, 1])
    np.testing.assert_array_equal(ratings.values, np.array([4.0, 0.5, 5.0], np.float32))
    np.testing.assert_array_equal(ratings.timestamps, [964982703, 964981247, 1])
    chunks = list(ml.iter_ratings(tmp_path, chunk_rows=2))
    assert [len(c) for c in chunks] == [2, 1]
    np.testing.assert_array_equal(np.concatenate([c.movie_ids for c in chunks]), [1, 3, 1])


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1,1,5.5,1", "outside 0.5-5"),
        ("1,1,0,1", "outside 0.5-5"),
        ("0,1,3,1", "userId 0"),
        ("1,-2,3,1", "movieId -2"),
        ("1,1,3", "too few fields"),
        ("1,1,3,1,1", "too many fields"),
        ("1,1,three,1", "not a number"),
        ("1,7,3.3,1", "not a whole or half star"),
        ("3,7,4.25,1", "not a whole or half star"),
        ("1,3,4.0,1", r"user 1 rated movie 3 again \(first on line 3\)"),
        ("4294967297,1,3,1", "userId 4294967297 is too large"),
    ],
)
def test_ratings_errors(tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, "ratings.csv", RATINGS + row + "\n2,2,2,2\n")
    with pytest.raises(MalformedRowError, match=reason) as info:
        ml.load_ratings(tmp_path)
    assert (info.value.path, info.value.line) == (path, 5)


def test_a_truncated_last_line_is_refused(tmp_path: Path) -> None:
    # "2,1,5,1" cut short still parses as numbers; a file without a final newline is suspect
    path = write(tmp_path, "ratings.csv", RATINGS + "2,2,4.5,96498")
    with pytest.raises(MalformedRowError, match="may be truncated") as info:
        ml.load_ratings(tmp_path)
    assert (info.value.path, info.value.line) == (path, 5)


def test_carriage_return_only_line_ends_get_a_short_message(tmp_path: Path) -> None:
    body = RATINGS.replace("\n", "\r") * 20_000  # over a megabyte without a newline
    (tmp_path / "ratings.csv").write_bytes(body.encode() + b"\n")
    with pytest.raises(MalformedRowError, match="carriage return only") as info:
        ml.load_ratings(tmp_path)
    assert len(str(info.value)) < 300


def test_ratings_wrong_header_and_missing(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no ratings\.csv or u\.data"):
        ml.load_ratings(tmp_path)
    write(tmp_path, "ratings.csv", "userId,itemId,rating,timestamp\n1,1,1,1\n")
    with pytest.raises(MalformedRowError, match="expected header") as info:
        ml.load_ratings(tmp_path)
    assert info.value.line == 1


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 300_000),
            st.integers(1, 300_000),
            st.integers(1, 10).map(lambda h: h / 2),
            st.integers(0, 2_000_000_000),
        ),
        max_size=50,
        unique_by=lambda row: (row[0], row[1]),  # one rating per user and movie
    ),
    crlf=st.booleans(),
)
def test_ratings_round_trip_through_csv_writer(rows, crlf, tmp_path_factory) -> None:
    directory = tmp_path_factory.mktemp("r")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(ml.RATINGS_HEADER)
    writer.writerows(rows)
    (directory / "ratings.csv").write_text(buffer.getvalue(), newline="")
    ratings = ml.load_ratings(directory)
    assert len(ratings) == len(rows)
    for i, (u, m, r, t) in enumerate(rows):
        assert (ratings.user_ids[i], ratings.movie_ids[i], ratings.timestamps[i]) == (u, m, t)
        assert ratings.values[i] == np.float32(r)


@settings(max_examples=40, deadline=None)
@given(
    titles=st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=20,
    ),
    crlf=st.booleans(),
)
def test_movies_round_trip_through_csv_writer(titles, crlf, tmp_path_factory) -> None:
    directory = tmp_path_factory.mktemp("m")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(ml.MOVIES_HEADER)
    for i, title in enumerate(titles, start=1):
        writer.writerow([i, f"{title} (1999)", "Drama|Comedy"])
    (directory / "movies.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")
    movies = ml.read_movies(directory)
    assert [m.movie_id for m in movies] == list(range(1, len(titles) + 1))
    for movie, title in zip(movies, titles, strict=True):
        assert movie.genres == ("Drama", "Comedy")
        if title.strip():
            assert movie.year == 1999
            assert movie.title == title.strip()


# ---- ML-100K -------------------------------------------------------------------------------

GENRES = "unknown|0\nAction|1\nChildren's|2\nComedy|3\n\n"
ITEMS = (
    "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"
    "|0|0|1|1\n"
    "2|Café au lait (Métisse) (1993)|01-Jan-1993||http://x|0|0|0|1\n"
    '3|Seven Years\' Tale "Quoted"|01-Jan-1977||http://x|0|1|0|0\n'
    "267|unknown||||1|0|0|0\n"
)


def make_100k(directory: Path) -> None:
    write(directory, "u.genre", GENRES, encoding="latin-1")
    write(directory, "u.item", ITEMS, encoding="latin-1")
    write(directory, "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")


def test_ml_100k_layout(tmp_path: Path) -> None:
    make_100k(tmp_path)
    assert ml.detect_layout(tmp_path) == "100k"
    movies = ml.read_movies(tmp_path)
    assert [m.movie_id for m in movies] == [1, 2, 3, 267]
    assert movies[0].genres == ("Children's", "Comedy")
    assert movies[1].title == "Café au lait (Métisse)"
    assert movies[1].display_title == "Café au lait"
    assert movies[2].title == 'Seven Years\' Tale "Quoted"'
    assert movies[2].year == 1977  # from the release-date column
    assert (movies[3].year, movies[3].genres) == (None, ())
    assert ml.read_links(tmp_path) == {}
    assert ml.read_tags(tmp_path) == []
    ratings = ml.load_ratings(tmp_path)
    np.testing.assert_array_equal(ratings.movie_ids, [242, 302])


def test_ml_100k_bad_flags_and_width(tmp_path: Path) -> None:
    make_100k(tmp_path)
    path = write(
        tmp_path, "u.item", ITEMS + "4|X (1990)|01-Jan-1990||u|0|2|0|0\n", encoding="latin-1"
    )
    with pytest.raises(MalformedRowError, match="0 or 1") as info:
        ml.read_movies(tmp_path)
    assert (info.value.path, info.value.line) == (path, 5)
    write(tmp_path, "u.item", "1|X (1990)|01-Jan-1990||u|0|0\n", encoding="latin-1")
    with pytest.raises(MalformedRowError, match="expected 9 fields"):
        ml.read_movies(tmp_path)


def test_detect_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a directory"):
        ml.detect_layout(tmp_path / "nope")
    with pytest.raises(DatasetError, match="is it a MovieLens dataset"):
        ml.detect_layout(tmp_path)
    write(tmp_path, "movies.csv", "movieId,title,genres\n")
    assert ml.detect_layout(tmp_path) == "csv"


# ---- tag genome ----------------------------------------------------------------------------

GENOME_TAGS = "tagId,tag\n1,007\n2,007 (series)\n3,18th century\n"


def genome_scores(rows: list[tuple[int, int, str]]) -> str:
    return "movieId,tagId,relevance\n" + "".join(f"{m},{t},{r}\n" for m, t, r in rows)


def test_read_genome(tmp_path: Path) -> None:
    write(tmp_path, "genome-tags.csv", GENOME_TAGS, crlf=True)
    rows = [(5, t, f"0.{t}5") for t in (3, 1, 2)] + [
        (2, 1, "0.028749999999999998"),
        (2, 2, "1.0000000000000002"),
        (2, 3, "0"),
    ]
    write(tmp_path, "genome-scores.csv", genome_scores(rows), crlf=True)
    genome = ml.read_genome(tmp_path)
    assert genome is not None
    np.testing.assert_array_equal(genome.movie_ids, [2, 5])
    assert genome.tag_names == ["007", "007 (series)", "18th century"]
    assert genome.scores.dtype == np.float32
    np.testing.assert_allclose(genome.scores, [[0.02875, 1.0, 0.0], [0.15, 0.25, 0.35]], rtol=1e-6)


@pytest.mark.parametrize(
    ("rows", "error", "match", "line"),
    [
        ([(1, 1, "0.1"), (1, 2, "0.2"), (1, 9, "0.3")], MalformedRowError, "tagId 9", 4),
        ([(1, 1, "0.1"), (1, 2, "1.5"), (1, 3, "0.3")], MalformedRowError, "relevance", 3),
        (
            [(1, 1, "0.1"), (1, 2, "0.2"), (1, 3, "0.3"), (1, 2, "0.4")],
            MalformedRowError,
            "duplicate score for movie 1, tag 2",
            5,
        ),
        (
            [(1, 1, "0.1"), (1, 2, "0.2"), (1, 3, "0.3"), (2, 1, "0.4")],
            DatasetError,
            "movie 2 has 1 of 3",
            None,
        ),
    ],
)
def test_genome_errors(tmp_path: Path, rows, error, match, line) -> None:
    write(tmp_path, "genome-tags.csv", GENOME_TAGS)
    write(tmp_path, "genome-scores.csv", genome_scores(rows))
    with pytest.raises(error, match=match) as info:
        ml.read_genome(tmp_path)
    if line is not None:
        assert info.value.line == line


def test_genome_needs_both_files(tmp_path: Path) -> None:
    write(tmp_path, "genome-tags.csv", GENOME_TAGS)
    with pytest.raises(DatasetError, match=r"genome-scores\.csv: missing"):
        ml.read_genome(tmp_path)
