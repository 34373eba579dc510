"""MovieLens file readers.

Two layouts are understood:

* the CSV releases (``ml-latest-small``, ``ml-latest``, ``ml-20m``, ``ml-25m``):
  ``ratings.csv`` with header ``userId,movieId,rating,timestamp``;
* ML-100K: ``u.data``, tab-separated ``user item rating timestamp`` without a header.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.recommender.data import MAX_STARS, MIN_STARS, Ratings

RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]


def load_ratings(directory: Path | str) -> Ratings:
    """Read all ratings of a MovieLens dataset directory.

    Raises
    ------
    DatasetError
        When the directory holds neither ``ratings.csv`` nor ``u.data``.
    MalformedRowError
        On the first row that is not four valid fields (file and line in the message).
    """
    directory = Path(directory)
    if (directory / "ratings.csv").is_file():
        return _read_ratings(directory / "ratings.csv", delimiter=",", header=RATINGS_HEADER)
    if (directory / "u.data").is_file():
        return _read_ratings(directory / "u.data", delimiter="\t", header=None)
    raise DatasetError(f"{directory}: no ratings.csv or u.data found (is it a MovieLens dataset?)")


def _read_ratings(path: Path, *, delimiter: str, header: list[str] | None) -> Ratings:
    users: list[int] = []
    movies: list[int] = []
    stars: list[float] = []
    times: list[int] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        if header is not None:
            first = next(reader, None)
            if first != header:
                raise MalformedRowError(path, 1, f"expected header {','.join(header)}, got {first}")
        for row in reader:
            line = reader.line_num
            if len(row) != 4:
                raise MalformedRowError(path, line, f"expected 4 fields, got {len(row)}")
            try:
                user, movie, value, stamp = int(row[0]), int(row[1]), float(row[2]), int(row[3])
            except ValueError as exc:
                raise MalformedRowError(path, line, f"not a number: {exc}") from None
            if not MIN_STARS <= value <= MAX_STARS:
                raise MalformedRowError(path, line, f"rating {value} outside 0.5-5 stars")
            users.append(user)
            movies.append(movie)
            stars.append(value)
            times.append(stamp)
    return Ratings(
        np.array(users, dtype=np.int64),
        np.array(movies, dtype=np.int64),
        np.array(stars, dtype=np.float32),
        np.array(times, dtype=np.int64),
    )
