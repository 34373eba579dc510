"""Ratings generated from a known biased low-rank model, for engine tests with a known answer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import Ratings


@dataclass(frozen=True)
class Planted:
    """True parameters and the ratings drawn from them.

    User u has external id ``1000 + u`` and item i has movie id ``10 * i + 1`` (so rows and
    ids differ, as in MovieLens).
    """

    mu: float
    user_bias: npt.NDArray[np.float64]
    item_bias: npt.NDArray[np.float64]
    user_factors: npt.NDArray[np.float64]
    item_factors: npt.NDArray[np.float64]
    noise: float
    ratings: Ratings
    test: Ratings

    def truth(self, user_rows: npt.ArrayLike, item_rows: npt.ArrayLike) -> npt.NDArray[np.float64]:
        u = np.asarray(user_rows)
        i = np.asarray(item_rows)
        dots = np.einsum("nf,nf->n", self.user_factors[u], self.item_factors[i])
        return self.mu + self.user_bias[u] + self.item_bias[i] + dots


def item_id(row: npt.ArrayLike) -> npt.NDArray[np.int64]:
    return np.asarray(row, dtype=np.int64) * 10 + 1


def make_planted(
    n_users: int = 300,
    n_items: int = 200,
    rank: int = 4,
    density: float = 0.35,
    noise: float = 0.25,
    seed: int = 7,
) -> Planted:
    """Draw a planted model and observe a ``density`` fraction of its cells (+ 10 % test)."""
    rng = np.random.default_rng(seed)
    mu = 3.4
    user_bias = rng.normal(0, 0.3, n_users)
    item_bias = rng.normal(0, 0.4, n_items)
    user_factors = rng.normal(0, 0.6, (n_users, rank))
    item_factors = rng.normal(0, 0.6, (n_items, rank))
    cells = rng.random((n_users, n_items))
    observed = np.argwhere(cells < density)
    held_out = np.argwhere((cells >= density) & (cells < density + 0.1))

    def draw(pairs: npt.NDArray[np.int64]) -> Ratings:
        u, i = pairs[:, 0], pairs[:, 1]
        dots = np.einsum("nf,nf->n", user_factors[u], item_factors[i])
        clean = mu + user_bias[u] + item_bias[i] + dots
        values = np.clip(clean + rng.normal(0, noise, len(u)), 0.5, 5.0)
        return Ratings(1000 + u, item_id(i), values.astype(np.float32))

    return Planted(
        mu, user_bias, item_bias, user_factors, item_factors, noise,
        draw(observed), draw(held_out),
    )  # fmt: skip


def taste_groups(n_users: int = 200, n_items: int = 60, seed: int = 0) -> Ratings:
    """Two taste groups: each user loves (5★) films of their group, dislikes the other's.

    Group g watches mostly films with id % 2 == g; popularity falls with the film id, so
    popularity alone is a weak guess. Some users have few ratings (to exercise skipping).
    """
    rng = np.random.default_rng(seed)
    users, movies, stars = [], [], []
    for u in range(n_users):
        group = u % 2
        n_seen = 8 if u % 25 == 0 else int(rng.integers(20, 35))
        weights = np.where(np.arange(n_items) % 2 == group, 6.0, 1.0) / (1 + np.arange(n_items))
        chosen = rng.choice(n_items, size=n_seen, replace=False, p=weights / weights.sum())
        for i in chosen:
            users.append(1000 + u)
            movies.append(10 * (i + 1))  # external ids are not rows
            stars.append(5.0 if i % 2 == group else float(rng.choice([1.0, 2.0])))
    return Ratings(np.array(users), np.array(movies), np.array(stars, np.float32))
