"""MovieLens file readers.

Two layouts are understood (:func:`detect_layout`):

* ``"csv"``: the CSV releases (``ml-latest-small``, ``ml-latest``, ``ml-20m``, ``ml-25m``):
  ``ratings.csv``, ``movies.csv``, ``links.csv``, ``tags.csv``, ``genome-tags.csv`` and
  ``genome-scores.csv``, UTF-8 with a header row, LF or CRLF line endings, RFC 4180 quoting;
* ``"100k"``: ML-100K: ``u.data`` (tab-separated ``user item rating timestamp``, no header),
  ``u.item`` and ``u.genre`` (``|``-separated, Latin-1). It has no links, tags or genome.

The tag genome reader lives in :mod:`moviematch.datasets.genome` and is re-exported here as
:func:`read_genome`. Numeric files go through the block parser of
:mod:`moviematch.datasets.numeric_csv`; text files through :mod:`csv` in strict mode. Every
error names the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from moviematch.datasets import movielens_100k
from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.genome import read_genome
from moviematch.datasets.numeric_csv import NumericTable, iter_numeric_table
from moviematch.datasets.text_csv import iter_csv_rows, parse_int
from moviematch.datasets.titles import parse_title
from moviematch.recommender.data import (
    MAX_STARS,
    MIN_STARS,
    Genome,
    MovieInfo,
    Ratings,
    TagApplications,
)

RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]
MOVIES_HEADER = ["movieId", "title", "genres"]
LINKS_HEADER = ["movieId", "imdbId", "tmdbId"]
TAGS_HEADER = ["userId", "movieId", "tag", "timestamp"]
NO_GENRES = "(no genres listed)"

Layout = Literal["csv", "100k"]

__all__ = [
    "Features",
    "LinkRecord",
    "MovieRecord",
    "TagRecord",
    "detect_layout",
    "iter_ratings",
    "load_features",
    "load_ratings",
    "movie_info",
    "read_genome",
    "read_links",
    "read_movies",
    "read_tags",
    "tag_applications",
]


@dataclass(frozen=True)
class MovieRecord:
    """One movie of ``movies.csv`` / ``u.item``.

    Attributes
    ----------
    movie_id : int
        MovieLens movieId (ML-100K: its own item id space).
    title : str
        Title without the year, in MovieLens' form (``"Matrix, The"``); see
        :mod:`moviematch.datasets.titles`.
    year : int or None
        Release year; None when the title carries none.
    genres : tuple of str
        Genre names in file order; empty for ``(no genres listed)``.
    display_title : str
        Title for people (``"The Matrix"``), without alternative titles.
    alternative_titles : tuple of str
        ``a.k.a.`` and original-language titles from the raw title.
    """

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    display_title: str = ""
    alternative_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkRecord:
    """Identifiers of a movie elsewhere: ``imdb_id`` like ``"tt0114709"``, TMDb's integer id."""

    movie_id: int
    imdb_id: str | None
    tmdb_id: int | None


@dataclass(frozen=True)
class TagRecord:
    """One tag application of ``tags.csv``; ``timestamp`` in Unix seconds."""

    user_id: int
    movie_id: int
    tag: str
    timestamp: int


def detect_layout(directory: Path | str) -> Layout:
    """Tell which MovieLens layout a directory holds.

    Raises
    ------
    DatasetError
        When it is not a directory or holds neither layout's files.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DatasetError(f"{directory}: not a directory")
    if any((directory / name).is_file() for name in ("ratings.csv", "movies.csv")):
        return "csv"
    if any((directory / name).is_file() for name in ("u.data", "u.item")):
        return "100k"
    raise DatasetError(
        f"{directory}: neither ratings.csv/movies.csv nor u.data/u.item found "
        "(is it a MovieLens dataset?)"
    )


def _ratings_file(directory: Path) -> tuple[Path, list[str] | None, str]:
    if (directory / "ratings.csv").is_file():
        return directory / "ratings.csv", RATINGS_HEADER, ","
    if (directory / "u.data").is_file():
        return directory / "u.data", None, "\t"
    raise DatasetError(f"{directory}: no ratings.csv or u.data found (is it a MovieLens dataset?)")


def iter_ratings(directory: Path | str, chunk_rows: int = 1_000_000) -> Iterator[Ratings]:
    """Stream the ratings of a dataset in chunks of `chunk_rows` rows (the last may be shorter).

    Reads ``ratings.csv`` (or ``u.data``) in 16 MiB byte blocks, so memory stays at a few
    chunks whatever the file size. About 8M rows/s on one core (see docs/data.md).

    Raises
    ------
    DatasetError
        When the directory holds neither ``ratings.csv`` nor ``u.data``.
    MalformedRowError
        Wrong header; or the first row with a wrong field count, a non-numeric field, a
        non-positive id, or a rating outside 0.5-5 stars.
    """
    path, header, delimiter = _ratings_file(Path(directory))
    _check_complete(path)
    tables = iter_numeric_table(
        path,
        header=header,
        is_float=(False, False, True, False),
        delimiter=delimiter,
        chunk_rows=chunk_rows,
    )
    keys: list[npt.NDArray[np.int64]] = []
    first_line = None
    for table in tables:
        first_line = table.first_line if first_line is None else first_line
        chunk = _ratings_from_table(path, table)
        keys.append((chunk.user_ids << 32) | chunk.movie_ids)
        yield chunk
    if keys and first_line is not None:
        _check_unique_pairs(path, np.concatenate(keys), first_line)


def _check_complete(path: Path) -> None:
    """A ratings file ends with a line break: otherwise its last line may be cut short."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) != b"\n":
            lines = _count_lines(path)
            raise MalformedRowError(
                path,
                lines,
                "the file does not end with a line break, so its last line may be truncated "
                "(an interrupted download or copy?); fetch the file again",
            )


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) + 1


def _check_unique_pairs(path: Path, keys: npt.NDArray[np.int64], first_line: int) -> None:
    """One rating per (user, movie): name the line of the first repeated pair."""
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order[1:]] == keys[order[:-1]])
    if repeated.size:
        later = order[repeated + 1]  # stable sort: the later of each equal pair
        j = int(np.argmin(later))
        row, first = int(later[j]), int(order[repeated[j]])
        user, movie = int(keys[row] >> 32), int(keys[row] & 0xFFFFFFFF)
        raise MalformedRowError(
            path,
            first_line + row,
            f"user {user} rated movie {movie} again (first on line {first_line + first}); "
            "a dataset has one rating per user and movie",
        )


def _ratings_from_table(path: Path, table: NumericTable) -> Ratings:
    users, movies, stamps = table.ints[0], table.ints[1], table.ints[3]
    stars = table.floats[2]
    for name, ids in (("userId", users), ("movieId", movies)):
        bad = np.flatnonzero(ids <= 0)
        if bad.size:
            at = int(bad[0])
            raise MalformedRowError(path, table.first_line + at, f"{name} {ids[at]} is not >= 1")
    for name, ids in (("userId", users), ("movieId", movies)):
        bad = np.flatnonzero(ids >= 1 << 31)
        if bad.size:
            at = int(bad[0])
            raise MalformedRowError(path, table.first_line + at, f"{name} {ids[at]} is too large")
    bad = np.flatnonzero(~((stars >= MIN_STARS) & (stars <= MAX_STARS)))
    if bad.size:
        at = int(bad[0])
        raise MalformedRowError(
            path, table.first_line + at, f"rating {stars[at]} outside 0.5-5 stars"
        )
    # MovieLens ratings are whole or half stars (ML-100K: whole stars only).
    bad = np.flatnonzero(stars * 2 != np.round(stars * 2))
    if bad.size:
        at = int(bad[0])
        raise MalformedRowError(
            path, table.first_line + at, f"rating {stars[at]} is not a whole or half star"
        )
    return Ratings(users.copy(), movies.copy(), stars.astype(np.float32), stamps.copy())


def load_ratings(directory: Path | str) -> Ratings:
    """Read all ratings of a MovieLens dataset directory (the chunks of :func:`iter_ratings`).

    Raises
    ------
    DatasetError
        When the directory holds neither ``ratings.csv`` nor ``u.data``.
    MalformedRowError
        On the first row that is not four valid fields (file and line in the message).
    """
    chunks = list(iter_ratings(directory, chunk_rows=4_000_000))
    if not chunks:
        return Ratings(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    if len(chunks) == 1:
        return chunks[0]
    return Ratings(
        np.concatenate([c.user_ids for c in chunks]),
        np.concatenate([c.movie_ids for c in chunks]),
        np.concatenate([c.values for c in chunks]),
        np.concatenate([c.timestamps for c in chunks]),
    )


def read_movies(directory: Path | str) -> list[MovieRecord]:
    """Read ``movies.csv`` (or ML-100K's ``u.item``) into records, in file order.

    Raises
    ------
    DatasetError
        When the file is missing or undecodable.
    MalformedRowError
        Wrong header, field count, a non-integer or duplicate movieId, or bad quoting.
    """
    directory = Path(directory)
    if detect_layout(directory) == "100k":
        return [
            make_movie_record(item.movie_id, item.raw_title, item.genres, item.release_year)
            for item in movielens_100k.read_items(directory)
        ]
    path = directory / "movies.csv"
    records: list[MovieRecord] = []
    seen: set[int] = set()
    for line, row in iter_csv_rows(path, MOVIES_HEADER):
        movie_id = parse_int(path, line, row[0], "movieId", minimum=1)
        if movie_id in seen:
            raise MalformedRowError(path, line, f"duplicate movieId {movie_id}")
        seen.add(movie_id)
        genres = tuple(g for g in row[2].split("|") if g and g != NO_GENRES)
        records.append(make_movie_record(movie_id, row[1], genres))
    return records


def make_movie_record(
    movie_id: int, raw_title: str, genres: tuple[str, ...], fallback_year: int | None = None
) -> MovieRecord:
    """Build a :class:`MovieRecord` from a raw MovieLens title (year parsed out of it)."""
    parsed = parse_title(raw_title)
    return MovieRecord(
        movie_id=movie_id,
        title=parsed.title,
        year=parsed.year if parsed.year is not None else fallback_year,
        genres=genres,
        display_title=parsed.display_title,
        alternative_titles=parsed.alternative_titles,
    )


def read_links(directory: Path | str) -> dict[int, LinkRecord]:
    """Read ``links.csv`` into ``{movieId: LinkRecord}``; ``{}`` for ML-100K (no links file).

    IMDb ids are zero-padded text in the file (``0114709``) and become ``"tt0114709"``;
    empty ``imdbId``/``tmdbId`` fields become None.

    Raises
    ------
    DatasetError
        When a CSV-layout directory has no ``links.csv``.
    MalformedRowError
        Wrong header or field count, non-numeric ids, a duplicate movieId.
    """
    directory = Path(directory)
    path = directory / "links.csv"
    if not path.is_file():
        if detect_layout(directory) == "100k":
            return {}
        raise DatasetError(f"{path}: missing (every CSV MovieLens release has links.csv)")
    links: dict[int, LinkRecord] = {}
    for line, row in iter_csv_rows(path, LINKS_HEADER):
        movie_id = parse_int(path, line, row[0], "movieId", minimum=1)
        if movie_id in links:
            raise MalformedRowError(path, line, f"duplicate movieId {movie_id}")
        imdb = row[1].strip()
        if imdb and not imdb.isdigit():
            raise MalformedRowError(path, line, f"imdbId {imdb!r} is not a number")
        tmdb = row[2].strip()
        links[movie_id] = LinkRecord(
            movie_id=movie_id,
            imdb_id=f"tt{int(imdb):07d}" if imdb else None,
            tmdb_id=parse_int(path, line, tmdb, "tmdbId", minimum=1) if tmdb else None,
        )
    return links


def read_tags(directory: Path | str) -> list[TagRecord]:
    """Read ``tags.csv``; ``[]`` when the dataset has no tags file (ML-100K, partial copies).

    Tag text is kept exactly as written (it may contain commas, quotes and any case).

    Raises
    ------
    MalformedRowError
        Wrong header or field count, non-numeric ids or timestamp, bad quoting.
    """
    path = Path(directory) / "tags.csv"
    if not path.is_file():
        return []
    records: list[TagRecord] = []
    for line, row in iter_csv_rows(path, TAGS_HEADER):
        records.append(
            TagRecord(
                user_id=parse_int(path, line, row[0], "userId", minimum=1),
                movie_id=parse_int(path, line, row[1], "movieId", minimum=1),
                tag=row[2],
                timestamp=parse_int(path, line, row[3], "timestamp"),
            )
        )
    return records


def movie_info(records: list[MovieRecord]) -> MovieInfo:
    """Engine metadata from movie records: display titles, years (0 if unknown), genres."""
    return MovieInfo(
        movie_ids=np.array([r.movie_id for r in records], dtype=np.int64),
        titles=[r.display_title or r.title for r in records],
        years=np.array([r.year or 0 for r in records], dtype=np.int32),
        genres=[r.genres for r in records],
    )


def tag_applications(records: list[TagRecord]) -> TagApplications:
    """Engine tag input: one (movie, tag) per application, tag text stripped, empty tags dropped."""
    kept = [r for r in records if r.tag.strip()]
    return TagApplications(
        movie_ids=np.array([r.movie_id for r in kept], dtype=np.int64),
        tags=[r.tag.strip() for r in kept],
        user_ids=np.array([r.user_id for r in kept], dtype=np.int64),
    )


class Features(NamedTuple):
    """A directory's catalogue features, as the engine's ``train`` takes them (keywords)."""

    movies: MovieInfo | None
    tags: TagApplications | None
    genome: Genome | None


def load_features(directory: Path | str) -> Features:
    """Movies (``movies.csv`` or ``u.item``), user tags and the tag genome, when present.

    Each is None when its files are absent (ML-100K has no tags or genome), so
    ``train(ratings, config, **load_features(d)._asdict())`` works for every layout.

    Raises
    ------
    DatasetError
        A file that is present is malformed (see the readers).
    """
    directory = Path(directory)
    has_movies = any((directory / name).is_file() for name in ("movies.csv", "u.item"))
    tags = read_tags(directory)
    return Features(
        movies=movie_info(read_movies(directory)) if has_movies else None,
        tags=tag_applications(tags) if tags else None,
        genome=read_genome(directory),
    )
