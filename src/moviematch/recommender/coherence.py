"""How alike the films a visitor liked are: the ranker's per-visitor content weight.

A visitor whose liked films are close together in content space (eight Pixar films, or
eight science-fiction classics) has told us a specific taste, and films like theirs are
the better guess; one who liked a spread of films has not, and the neighbours' ratings
are. The ranker weighs its content-taste term by that:

* the *coherence* of a visitor is the mean pairwise cosine similarity of the content
  vectors of the films they rated at least ``like_threshold`` (``taste_coherence``);
* at fit, the coherence of up to ``TABLE_USERS`` training users, each as if they had
  revealed ``TABLE_REVEAL`` random ratings, is summarised as its 101 percentiles
  (``coherence_table``): the scale depends on the features (ML-100K's are genres alone,
  ml-latest-small's tags too), so the visitor is placed among the training users;
* the content weight is multiplied by 1 + γ·clip((p − onset)/(1 − onset), 0, 1) for the
  visitor's percentile p (``content_boost``; γ = ``RankerConfig.coherent_content``,
  onset = ``RankerConfig.coherence_onset``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: Training users whose coherence makes the table (seeded sample).
TABLE_USERS = 5_000
#: Ratings each of them reveals for it (as a visitor rates 10 films to start).
TABLE_REVEAL = 10
#: Fewer liked films than this say too little about a taste (two films of one genre are
#: alike by chance): no factor, and no place in the table.
MIN_LIKED = 4
#: The table's levels: percentiles 0, 1, …, 100.
LEVELS = np.linspace(0.0, 1.0, 101)


def taste_coherence(
    vectors: npt.NDArray[np.floating],
    rows: npt.NDArray[np.int64],
    stars: npt.NDArray[np.floating],
    like_threshold: float,
) -> float:
    """Mean pairwise cosine of the liked films' unit vectors; NaN with fewer than
    ``MIN_LIKED``.

    (‖Σ v‖² − Σ ‖v‖²) / (k(k − 1)) over the k liked films: every pair once each way,
    without forming the k × k matrix (a film without features has a zero vector).
    """
    liked = rows[np.asarray(stars) >= like_threshold]
    k = len(liked)
    if k < max(2, MIN_LIKED) or vectors.shape[1] == 0:
        return float("nan")
    v = vectors.take(liked, axis=0).astype(np.float64)
    total = np.add.reduce(v, axis=0)
    squares = float(np.add.reduce((v * v).ravel()))
    return (float(total @ total) - squares) / (k * (k - 1))


def coherence_table(
    vectors: npt.NDArray[np.floating],
    user_rows: npt.NDArray[np.integer],
    item_rows: npt.NDArray[np.integer],
    stars: npt.NDArray[np.floating],
    like_threshold: float,
    *,
    seed: int = 0,
) -> npt.NDArray[np.float32]:
    """The 101 percentiles of the training users' coherence (float32 (101,)); empty
    (0,) without vectors, or when fewer than two users liked ``MIN_LIKED`` films among
    their sample."""
    if vectors.shape[1] == 0 or len(user_rows) == 0:
        return np.zeros(0, np.float32)
    users = np.unique(user_rows)
    rng = np.random.default_rng(seed)
    if len(users) > TABLE_USERS:
        users = np.sort(rng.choice(users, TABLE_USERS, replace=False))
    mine = np.flatnonzero(np.isin(user_rows, users))
    mine = mine[np.argsort(user_rows[mine], kind="stable")]
    bounds = np.flatnonzero(np.diff(user_rows[mine])) + 1
    values = []
    for ratings in np.split(mine, bounds):
        if len(ratings) > TABLE_REVEAL:
            ratings = rng.choice(ratings, TABLE_REVEAL, replace=False)
        rows = np.asarray(item_rows[ratings], np.int64)
        value = taste_coherence(vectors, rows, stars[ratings], like_threshold)
        if np.isfinite(value):
            values.append(value)
    if len(values) < 2:
        return np.zeros(0, np.float32)
    return np.quantile(np.asarray(values), LEVELS).astype(np.float32)


def content_boost(
    coherence: float, table: npt.NDArray[np.floating], gamma: float, onset: float
) -> float:
    """The content weight's factor for a visitor of this coherence: 1 without a table, a
    NaN coherence (fewer than ``MIN_LIKED`` liked films) or γ = 0."""
    if gamma <= 0 or len(table) == 0 or not math.isfinite(coherence):
        return 1.0
    if coherence <= table[int(onset * (len(LEVELS) - 1))]:
        return 1.0  # at or below the onset's percentile (most visitors): no interpolation
    percentile = float(np.interp(coherence, table, LEVELS))
    return 1.0 + gamma * min(1.0, max(0.0, (percentile - onset) / (1.0 - onset)))
