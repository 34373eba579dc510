"""Small readers of MovieLens movies/tags/genome CSVs for the similarity/onboarding tests.

The dataset readers of ``moviematch.datasets`` cover ratings; these few lines parse the
metadata files the similarity tests need (formats: shared/datasets/README.md). The benchmark
``bench/bench_similarity.py`` imports them too.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications

_YEAR = re.compile(r"\((\d{4})\)\s*$")


@dataclass(frozen=True)
class UserTagApplications(TagApplications):
    """TagApplications plus the tagging user, so distinct users per tag can be counted."""

    user_ids: npt.NDArray[np.int64]


def read_movies(path: Path) -> MovieInfo:
    ids, titles, years, genres = [], [], [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ids.append(int(row["movieId"]))
            title = row["title"].strip()
            titles.append(title)
            match = _YEAR.search(title)
            years.append(int(match.group(1)) if match else 0)
            g = row["genres"]
            genres.append(() if g == "(no genres listed)" else tuple(g.split("|")))
    return MovieInfo(np.array(ids, np.int64), titles, np.array(years, np.int32), genres)


def read_tags(path: Path) -> UserTagApplications:
    users, movies, tags = [], [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            users.append(int(row["userId"]))
            movies.append(int(row["movieId"]))
            tags.append(row["tag"])
    return UserTagApplications(np.array(movies, np.int64), tags, np.array(users, np.int64))


def read_genome(directory: Path) -> Genome:
    with (directory / "genome-tags.csv").open(newline="", encoding="utf-8") as handle:
        names = {int(r["tagId"]): r["tag"] for r in csv.DictReader(handle)}
    tag_ids = sorted(names)
    column = {t: j for j, t in enumerate(tag_ids)}
    raw = np.loadtxt(directory / "genome-scores.csv", delimiter=",", skiprows=1)
    movie_ids = np.unique(raw[:, 0].astype(np.int64))
    rows = np.searchsorted(movie_ids, raw[:, 0].astype(np.int64))
    cols = np.array([column[int(t)] for t in raw[:, 1]])
    scores = np.zeros((len(movie_ids), len(tag_ids)), dtype=np.float32)
    scores[rows, cols] = raw[:, 2]
    return Genome(movie_ids, [names[t] for t in tag_ids], scores)


def svd_item_factors(
    ratings: Ratings, movie_ids: npt.NDArray[np.int64], rank: int = 32
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Stand-in for MF item factors: truncated SVD of the user-centred rating matrix.

    Returns factors of shape (len(movie_ids), rank) (zero rows for unrated movies) and the
    rating count of each movie.
    """
    users, user_rows = np.unique(ratings.user_ids, return_inverse=True)
    cols = np.searchsorted(movie_ids, ratings.movie_ids)
    means = np.bincount(user_rows, ratings.values) / np.bincount(user_rows)
    values = ratings.values - means[user_rows]
    matrix = sp.csr_matrix((values, (user_rows, cols)), shape=(len(users), len(movie_ids)))
    v0 = np.random.default_rng(0).uniform(-1, 1, size=min(matrix.shape))
    _u, s, vt = spla.svds(matrix, k=rank, v0=v0)
    factors = (vt.T * np.sqrt(s)).astype(np.float32)
    counts = np.bincount(cols, minlength=len(movie_ids)).astype(np.int64)
    return factors, counts


def read_ratings(directory: Path) -> Ratings:
    """ratings.csv (CSV releases) or u.data (ML-100K) of a dataset directory."""
    if (directory / "ratings.csv").is_file():
        raw = np.loadtxt(directory / "ratings.csv", delimiter=",", skiprows=1)
    else:
        raw = np.loadtxt(directory / "u.data", delimiter="\t")
    return Ratings(
        raw[:, 0].astype(np.int64),
        raw[:, 1].astype(np.int64),
        raw[:, 2].astype(np.float32),
        raw[:, 3].astype(np.int64),
    )
