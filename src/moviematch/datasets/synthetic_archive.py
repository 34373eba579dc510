"""A generated MovieLens release with ML-25M's exact file layout and formats.

``write_archive`` writes ``<name>.zip`` (one top folder ``<name>/`` holding
``genome-scores.csv``, ``genome-tags.csv``, ``links.csv``, ``movies.csv``, ``ratings.csv``,
``README.txt`` and ``tags.csv``, deflated, as GroupLens ships ``ml-25m.zip``) and
``<name>.zip.md5`` (``MD5 (<name>.zip) = <hex>``); ``write_directory`` writes the same files
unzipped. Formats follow the real files: UTF-8, header rows, RFC 4180 quoting; CRLF line
endings in ``movies.csv``, ``links.csv`` and the genome files (as in the real copies under
``shared/datasets/ml-25m-partial``), LF elsewhere; ratings sorted by (userId, movieId) with
half stars printed ``4.0``/``3.5``; genome relevances printed at full float precision
(``0.028749999999999998``, now and then ``1.0000000000000002``).

Contents (the ratings are ``synthetic.synthetic_ratings``'s):

* **Movies**: with ``movies_from`` (a folder holding the real ML-25M ``movies.csv`` and
  ``links.csv``, e.g. ``shared/datasets/ml-25m-partial``), the real titles, genres and links,
  read at run time and never stored in this repository; otherwise made-up titles with
  MovieLens' quirks (trailing articles, commas and quotes, no year, ``(no genres listed)``)
  and made-up links. Of ML-25M's 62,423 movies, 59,047 are rated; the popularity ranks go
  at random to the rated movies, except that movies without a year or an IMDb/TMDb link are
  the least rated (in the real data they are obscure).
* **Tag genome**: ML-25M's 1,128 genome tags (their names from ``movies_from``'s
  ``genome-tags.csv`` when it has one, else made up) for the 13,816 (scaled) most-rated
  movies: relevance ``sigmoid(tag offset + movie taste · tag vector + genre boost + noise)``,
  so that the genome follows the same tastes as the ratings; mean about 0.1 like the real one.
* **User tags**: 1,093,360 (scaled) applications by about 9 % of the users (a few very
  active taggers), mostly a movie's strongest genome tags, else a genre or a free word,
  in varying case and spelling.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from moviematch.datasets import csv_format
from moviematch.datasets.synthetic import (
    FIRST_TIMESTAMP,
    LAST_TIMESTAMP,
    ML25M,
    SyntheticRatings,
    SyntheticShape,
    synthetic_ratings,
)
from moviematch.datasets.text_csv import iter_csv_rows
from moviematch.datasets.titles import parse_title

GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
NO_GENRES = "(no genres listed)"
#: ML-25M's counts, to scale with the ratings.
ML25M_MOVIES = 62_423
ML25M_GENOME_MOVIES = 13_816
ML25M_GENOME_TAGS = 1_128
ML25M_TAG_APPLICATIONS = 1_093_360
_STAR_TEXT = [f"{s / 2:.1f}" for s in range(11)]
_ROWS_PER_BLOCK = 500_000
_WORDS = (
    "Night", "City", "Love", "Return", "Last", "Dark", "Summer", "Man", "Woman", "Story",
    "House", "River", "King", "Secret", "Road", "Blue", "War", "Ghost", "Song", "Day",
)  # fmt: skip
_FREE_TAGS = (
    "atmospheric", "Atmospheric", "twist ending", "Twist Ending", "dark comedy", "sci-fi",
    "Sci Fi", "based on a book", "visually appealing", "funny", "BORING", "cult film",
    'so bad it\'s "good"', "slow, but worth it", "time travel", "time-travel", "netflix",
)  # fmt: skip


@dataclass(frozen=True)
class ArchiveSpec:
    """What to generate.

    Attributes
    ----------
    name : str
        Dataset name: the zip's name and its top folder (``ml-25m``, ``ml-latest``).
    shape : SyntheticShape
        Users, rated movies and ratings (default: ML-25M's full size).
    movies_from : Path, optional
        A folder with the real ML-25M ``movies.csv`` and ``links.csv`` (and optionally
        ``genome-tags.csv``) to take titles, genres, links and genome tag names from.
    n_movies, n_genome_movies, n_tag_applications : int, optional
        Default: ML-25M's counts scaled like ``shape.n_items`` (ratings for the tags).
    seed : int
    """

    name: str = "ml-25m"
    shape: SyntheticShape = ML25M
    movies_from: Path | None = None
    n_movies: int | None = None
    n_genome_movies: int | None = None
    n_tag_applications: int | None = None
    seed: int = 0

    def movies(self) -> int:
        return self.n_movies or max(
            self.shape.n_items, round(self.shape.n_items * ML25M_MOVIES / ML25M.n_items)
        )

    def genome_movies(self) -> int:
        default = round(self.shape.n_items * ML25M_GENOME_MOVIES / ML25M.n_items)
        return min(self.shape.n_items, self.n_genome_movies or max(1, default))

    def tag_applications(self) -> int:
        if self.n_tag_applications is not None:
            return self.n_tag_applications
        return round(self.shape.n_ratings * ML25M_TAG_APPLICATIONS / ML25M.n_ratings)


@dataclass
class Archive:
    """What was written: paths, files with their rows and bytes, and the catalogue's facts."""

    path: Path
    md5_path: Path | None
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    movies: int = 0
    rated_movies: int = 0
    genome_movies: int = 0
    ratings_per_movie: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    eligible: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, np.bool_))


@dataclass(frozen=True)
class _Movie:
    movie_id: int
    title: str
    genres: str
    imdb: str
    tmdb: str
    year: bool


def write_archive(spec: ArchiveSpec, out_dir: Path | str) -> Archive:
    """Write ``out_dir/<name>.zip`` and ``out_dir/<name>.zip.md5``; return what was written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{spec.name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:

        def member(filename: str) -> IO[bytes]:
            info = zipfile.ZipInfo(f"{spec.name}/{filename}", time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            return bundle.open(info, "w", force_zip64=True)

        archive = _write_members(spec, member, path)
    digest = hashlib.md5()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    archive.md5_path = out_dir / f"{spec.name}.zip.md5"
    archive.md5_path.write_text(f"MD5 ({path.name}) = {digest.hexdigest()}\n", encoding="ascii")
    return archive


def write_directory(spec: ArchiveSpec, out_dir: Path | str) -> Archive:
    """Write the files unzipped into ``out_dir/<name>/``; return what was written."""
    directory = Path(out_dir) / spec.name
    directory.mkdir(parents=True, exist_ok=True)
    return _write_members(spec, lambda filename: (directory / filename).open("wb"), directory)


def _write_members(
    spec: ArchiveSpec, open_member: Callable[[str], IO[bytes]], path: Path
) -> Archive:
    rng = np.random.default_rng(spec.seed + 1)
    movies = _catalogue(spec, rng)
    rated, rank = _rated_movies(spec, movies, rng)
    genres = np.array(
        [[g in movies[i].genres.split("|") for g in GENRES] for i in rated], dtype=np.bool_
    )
    data = synthetic_ratings(
        spec.shape,
        item_ids=[movies[i].movie_id for i in rated],
        item_genres=genres,
        popularity_rank=rank,
        seed=spec.seed,
    )
    tag_names = _genome_tag_names(spec)
    genome_ids, relevance = _genome_relevance(spec, data, movies, tag_names, rng)
    archive = Archive(path=path, md5_path=None)
    archive.movies = len(movies)
    archive.rated_movies = len(data.item_ids)
    writers: list[tuple[str, Callable[[], Iterator[str | bytes]], bytes]] = [
        ("movies.csv", lambda: _movies_lines(movies), b"\r\n"),
        ("links.csv", lambda: _links_lines(movies), b"\r\n"),
        ("ratings.csv", lambda: _ratings_lines(data), b"\n"),
        ("tags.csv", lambda: _tags_lines(spec, data, genres, tag_names, relevance, rng), b"\n"),
        ("genome-tags.csv", lambda: _genome_tags_lines(tag_names), b"\r\n"),
        ("genome-scores.csv", lambda: _genome_lines(genome_ids, relevance), b"\r\n"),
        ("README.txt", lambda: _readme_lines(spec, archive), b"\n"),
    ]
    for filename, lines, newline in writers:
        with contextlib.closing(open_member(filename)) as handle:
            rows = size = 0
            for block in lines():
                encoded = block.encode("utf-8") if isinstance(block, str) else block
                if newline != b"\n":
                    encoded = encoded.replace(b"\n", newline)
                handle.write(encoded)
                rows += encoded.count(b"\n")
                size += len(encoded)
            archive.files[filename] = {"lines": rows, "bytes": size}
    counts = np.bincount(np.searchsorted(data.item_ids, data.ratings.movie_ids))
    by_id = {m.movie_id: i for i, m in enumerate(movies)}
    archive.ratings_per_movie = np.zeros(len(movies), dtype=np.int64)
    archive.ratings_per_movie[[by_id[int(m)] for m in data.item_ids]] = counts
    archive.eligible = np.array([m.year and m.imdb != "" and m.tmdb != "" for m in movies])
    archive.genome_movies = len(genome_ids)
    return archive


# ----------------------------------------------------------------------------- catalogue
def _catalogue(spec: ArchiveSpec, rng: np.random.Generator) -> list[_Movie]:
    n = spec.movies()
    if spec.movies_from is not None:
        real = _real_movies(Path(spec.movies_from))
        if n > len(real):
            raise ValueError(f"{spec.movies_from} has {len(real)} movies, {n} asked for")
        chosen = np.sort(rng.choice(len(real), size=n, replace=False)) if n < len(real) else None
        return real if chosen is None else [real[i] for i in chosen.tolist()]
    return _made_up_movies(n, rng)


def _real_movies(directory: Path) -> list[_Movie]:
    links = {
        int(row[0]): (row[1], row[2])
        for _line, row in iter_csv_rows(directory / "links.csv", ["movieId", "imdbId", "tmdbId"])
    }
    movies = []
    for _line, row in iter_csv_rows(directory / "movies.csv", ["movieId", "title", "genres"]):
        movie_id = int(row[0])
        imdb, tmdb = links.get(movie_id, ("", ""))
        has_year = parse_title(row[1]).year is not None
        movies.append(_Movie(movie_id, row[1], row[2], imdb, tmdb, has_year))
    return movies


def _made_up_movies(n: int, rng: np.random.Generator) -> list[_Movie]:
    # Sparse increasing ids, as MovieLens' grow with gaps.
    ids = np.cumsum(rng.integers(1, 5, n))
    movies = []
    for k, movie_id in enumerate(ids.tolist()):
        words = " ".join(_WORDS[j] for j in rng.choice(len(_WORDS), rng.integers(1, 4)))
        kind = k % 50
        if kind == 0:
            title = f"{words}, The"  # MovieLens moves leading articles to the end
        elif kind == 1:
            title = f'"{words}" Again'
        elif kind == 2:
            title = f"{words}, Part {k % 7 + 2}"
        else:
            title = words
        has_year = k % 150 != 3
        if has_year:
            title += f" ({int(rng.integers(1920, 2020))})"
        n_genres = int(rng.integers(0, 4))
        genres = "|".join(sorted(rng.choice(GENRES, size=n_genres, replace=False))) or NO_GENRES
        # Distinct by construction (MovieLens' links are, almost); a few are missing.
        imdb = "" if k % 700 == 5 else f"{100_000 + 37 * k:07d}"
        tmdb = "" if k % 500 == 7 else str(11 + 13 * k)
        movies.append(_Movie(movie_id, title, genres, imdb, tmdb, has_year))
    return movies


def _rated_movies(
    spec: ArchiveSpec, movies: list[_Movie], rng: np.random.Generator
) -> tuple[list[int], npt.NDArray[np.int64]]:
    """Which movies are rated (their indices, in id order) and each one's popularity rank."""
    n_items = spec.shape.n_items
    if n_items > len(movies):
        raise ValueError(f"{n_items} rated movies asked for, the catalogue has {len(movies)}")
    rated = np.sort(rng.choice(len(movies), size=n_items, replace=False))
    eligible = np.array([movies[i].year and movies[i].imdb and movies[i].tmdb for i in rated])
    # Eligible movies take the top ranks in random order, the others the tail.
    noise = rng.random(n_items) + np.where(eligible, 0.0, 1.0)
    rank = np.empty(n_items, dtype=np.int64)
    rank[np.argsort(noise)] = np.arange(n_items)
    return rated.tolist(), rank


def _genome_tag_names(spec: ArchiveSpec) -> list[str]:
    if spec.movies_from is not None and (Path(spec.movies_from) / "genome-tags.csv").is_file():
        path = Path(spec.movies_from) / "genome-tags.csv"
        return [row[1] for _line, row in iter_csv_rows(path, ["tagId", "tag"])]
    genre_words = [g.lower() for g in GENRES]
    made_up = [f"{_WORDS[k % 20].lower()} {k}" for k in range(ML25M_GENOME_TAGS)]
    return (genre_words + made_up)[:ML25M_GENOME_TAGS]


# ----------------------------------------------------------------------------- files
def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _movies_lines(movies: list[_Movie]) -> Iterator[str | bytes]:
    yield "movieId,title,genres\n"
    for start in range(0, len(movies), _ROWS_PER_BLOCK):
        chunk = movies[start : start + _ROWS_PER_BLOCK]
        yield _csv_text([[str(m.movie_id), m.title, m.genres] for m in chunk])


def _links_lines(movies: list[_Movie]) -> Iterator[str | bytes]:
    yield "movieId,imdbId,tmdbId\n"
    yield "".join(f"{m.movie_id},{m.imdb},{m.tmdb}\n" for m in movies)


def _ratings_lines(data: SyntheticRatings) -> Iterator[str | bytes]:
    r = data.ratings
    stars = [text.encode("ascii") for text in _STAR_TEXT]
    yield b"userId,movieId,rating,timestamp\n"
    for start in range(0, len(r), _ROWS_PER_BLOCK):
        stop = start + _ROWS_PER_BLOCK
        half = np.rint(r.values[start:stop] * 2).astype(np.int64)
        yield csv_format.rows(
            [
                csv_format.int_field(r.user_ids[start:stop]),
                csv_format.int_field(r.movie_ids[start:stop]),
                csv_format.table_field(half, stars),
                csv_format.int_field(r.timestamps[start:stop]),
            ]
        )


def _genome_tags_lines(names: list[str]) -> Iterator[str | bytes]:
    yield "tagId,tag\n"
    yield _csv_text([[str(k + 1), name] for k, name in enumerate(names)])


def _genome_movies(spec: ArchiveSpec, data: SyntheticRatings) -> npt.NDArray[np.int64]:
    """Rows of the most-rated items (by popularity rank), in id order."""
    return np.sort(np.flatnonzero(data.popularity_rank < spec.genome_movies()))


def _genome_relevance(
    spec: ArchiveSpec,
    data: SyntheticRatings,
    movies: list[_Movie],
    names: list[str],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    rows = _genome_movies(spec, data)
    taste = data.item_taste[rows].astype(np.float64)
    vectors = rng.normal(0.0, 1.0, (taste.shape[1], len(names)))
    offset = rng.normal(-3.0, 0.8, len(names))
    logits = offset[None, :] + 2.5 * taste @ vectors / np.sqrt(taste.shape[1])
    logits += rng.normal(0.0, 0.6, logits.shape)
    by_id = {m.movie_id: m for m in movies}
    lowered = [n.lower() for n in names]
    for g in GENRES:
        if g.lower() in lowered:
            has = np.array([g in by_id[int(m)].genres.split("|") for m in data.item_ids[rows]])
            logits[:, lowered.index(g.lower())] += np.where(has, 4.5, 0.0)
    relevance = 1.0 / (1.0 + np.exp(-logits))
    # Printed like the real file: multiples of 1/4000 carrying float noise (0.0287499…98).
    quantised = np.clip(np.round(relevance * 4000) / 4000, 0.00025, 1.0)
    noise = rng.integers(-2, 3, quantised.shape) * np.spacing(quantised)
    values = quantised + noise
    return data.item_ids[rows], values


def _genome_lines(
    movie_ids: npt.NDArray[np.int64], relevance: npt.NDArray[np.float64]
) -> Iterator[bytes]:
    yield b"movieId,tagId,relevance\n"
    # A few thousand distinct values (quarter-thousandths with float noise): each one's
    # repr is printed once and looked up.
    values, codes = np.unique(relevance, return_inverse=True)
    texts = [repr(v).encode("ascii") for v in values.tolist()]
    codes = codes.reshape(relevance.shape)
    n_tags = relevance.shape[1]
    per_block = max(1, _ROWS_PER_BLOCK // max(1, n_tags))
    for start in range(0, len(movie_ids), per_block):
        stop = start + per_block
        block = codes[start:stop]
        yield csv_format.rows(
            [
                csv_format.int_field(np.repeat(movie_ids[start:stop], n_tags)),
                csv_format.int_field(np.tile(np.arange(1, n_tags + 1), len(block))),
                csv_format.table_field(block.ravel(), texts),
            ]
        )


def _tags_lines(
    spec: ArchiveSpec,
    data: SyntheticRatings,
    genres: npt.NDArray[np.bool_],
    names: list[str],
    relevance: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> Iterator[str | bytes]:
    yield "userId,movieId,tag,timestamp\n"
    n = spec.tag_applications()
    if n == 0:
        return
    n_users = spec.shape.n_users
    taggers = rng.choice(n_users, size=max(1, round(n_users * 0.09)), replace=False) + 1
    activity = 1.0 / np.arange(1, len(taggers) + 1) ** 1.1
    users = rng.choice(taggers, size=n, p=activity / activity.sum())
    counts = np.bincount(np.searchsorted(data.item_ids, data.ratings.movie_ids))
    popularity = counts.astype(np.float64) ** 0.8
    items = rng.choice(len(data.item_ids), size=n, p=popularity / popularity.sum())
    genome_rows = _genome_movies(spec, data)
    top = min(10, len(names))
    strongest = np.argpartition(-relevance, top - 1, axis=1)[:, :top]
    in_genome = np.full(len(data.item_ids), -1)
    in_genome[genome_rows] = np.arange(len(genome_rows))
    kind = rng.random(n)
    pick = rng.integers(0, strongest.shape[1], n)
    genre_pick = rng.random(n)
    free_pick = rng.integers(0, len(_FREE_TAGS), n)
    upper = rng.random(n) < 0.2
    # Each application's text, as an index into the vocabulary: a strong genome tag of a
    # genome movie (60 %), else one of the movie's genres (85 % in all), else a free word.
    vocabulary = [*names, *GENRES, *_FREE_TAGS]
    g = in_genome[items]
    n_own = genres.sum(axis=1)[items]
    own = np.argsort(~genres, axis=1, kind="stable")  # each row's genres first, in order
    genre_k = np.floor(genre_pick * n_own).astype(np.int64)
    word = len(names) + len(GENRES) + free_pick
    from_genre = (kind < 0.85) & (n_own > 0)
    word = np.where(from_genre, len(names) + own[items, genre_k], word)
    from_genome = (g >= 0) & (kind < 0.6)
    word = np.where(from_genome, strongest[np.maximum(g, 0), pick], word)
    word += np.where(upper, len(vocabulary), 0)
    texts = [_csv_field(text) for text in vocabulary] + [
        _csv_field(text.title()) for text in vocabulary
    ]
    stamps = rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP, n)
    order = np.lexsort((data.item_ids[items], users))
    for start in range(0, n, _ROWS_PER_BLOCK):
        rows = order[start : start + _ROWS_PER_BLOCK]
        yield csv_format.rows(
            [
                csv_format.int_field(users[rows]),
                csv_format.int_field(data.item_ids[items[rows]]),
                csv_format.table_field(word[rows], texts),
                csv_format.int_field(stamps[rows]),
            ]
        )


def _csv_field(text: str) -> bytes:
    """``text`` as one field of a CSV row (quoted if it must be)."""
    line = _csv_text([["0", text]])
    return line[2:-1].encode("utf-8")


def _readme_lines(spec: ArchiveSpec, archive: Archive) -> Iterator[str | bytes]:
    s = spec.shape
    yield (
        f"Summary\n=======\n\nThis dataset ({spec.name}) is SYNTHETIC. It was generated by "
        "moviematch (moviematch.datasets.synthetic_archive) with the file layout and formats\n"
        "of the MovieLens 25M release, for testing at scale.\n"
        "It contains no GroupLens rating or tag.\n\n"
        f"{s.n_ratings} ratings by {s.n_users} users of {s.n_items} of {archive.movies} movies; "
        f"{spec.tag_applications()} tag applications; a tag genome of {spec.genome_movies()} "
        f"movies x {ML25M_GENOME_TAGS} tags. Seed {spec.seed}.\n"
        + (
            f"Titles, genres and links were taken from {spec.movies_from}.\n"
            if spec.movies_from
            else "Titles, genres and links are made up.\n"
        )
    )
