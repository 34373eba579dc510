"""Synthetic ratings with the shape of MovieLens-25M, at any scale.

The real ML-25M ratings cannot be had on the development machine, and no test can wait for
them, so scale is exercised on generated data whose *shape* is ML-25M's: 162,541 users,
59,047 rated movies, 25,000,095 ratings between 1995-01-09 and 2019-11-21, calibrated on
the statistics GroupLens and LensKit publish for ML-25M:

* **Item popularity**: Zipf-Mandelbrot, ``w_k ∝ 1 / (k + b)^a`` over the popularity rank k,
  with a = 1.8 and b = 0.42 % of the items (247 at full size). At full size it gives the
  most-rated film 0.33 % of all ratings (ML-25M: 81,491 of 25M), an item Gini of 0.94
  (LensKit's ML-25M description: 0.942) and a mean of 423 ratings per film (ML-25M: 423.4);
  every film is rated at least once, as every movie in ML-25M's ratings is.
* **User activity**: LensKit's fit of ML-25M's ratings per user, a shifted log-normal
  ``18.636 + 39.862 · exp(1.589 Z)``, at least 20 (MovieLens kept users with 20 ratings),
  at most 32,202 (ML-25M's most active user) scaled by the catalogue size, then scaled to
  the requested total. One rating per (user, movie), as in the real files.
* **Stars**: the half-star distribution of the real ml-latest-small ratings (the same
  MovieLens population; ML-25M's own counts are not available here), reached exactly by
  mapping a latent preference through its quantiles. The latent preference is a planted
  structure: user and item biases (popular films rated a little higher), a rank-10 taste
  that follows the films' genres, and noise.
* **Timestamps**: each user starts at a uniformly drawn time of ML-25M's span and rates
  over a log-normal period (median two days: most people rate in a few sittings).

``item_taste`` (the planted rank-10 item vectors) is returned too, so that a generated tag
genome (``synthetic_archive``) can follow the same tastes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import Ratings

#: Ratings of each half star 0.5, 1.0, …, 5.0 in the real ml-latest-small (100,836 ratings).
STAR_COUNTS = (1370, 2811, 1791, 7551, 5550, 20047, 13136, 26818, 8551, 13211)
STARS: npt.NDArray[np.float32] = (np.arange(1, 11) / 2).astype(np.float32)
#: ML-25M's first and last rating (UTC): 1995-01-09 11:46:49 and 2019-11-21 09:15:03.
FIRST_TIMESTAMP = 789_652_009
LAST_TIMESTAMP = 1_574_327_703
TASTE_RANK = 10
_MAX_ROUNDS = 8
#: Users expected to need more draws than this many per rating are sampled by Gumbel top-k.
_GUMBEL_DRAWS = 3.0


@dataclass(frozen=True)
class SyntheticShape:
    """Size and shape parameters of a generated ratings set (defaults: ML-25M's shape).

    Attributes
    ----------
    n_users, n_items, n_ratings : int
        Users, rated movies and ratings. ``n_ratings`` must lie between 20 per user and
        what ``max_activity_share`` allows.
    popularity_exponent : float
        a of the Zipf-Mandelbrot popularity curve.
    top_share : float
        Share of all ratings that go to the most-rated film (ML-25M: 81,491 of 25,000,095);
        fixes b of the curve, so that at any scale the top film is rated by about half of
        the users, as in ML-25M.
    activity_loc, activity_scale, activity_sigma : float
        Shifted log-normal of ratings per user (before scaling to ``n_ratings``).
    min_activity : int
        Fewest ratings of a user.
    max_activity_share : float
        Most ratings of a user, as a share of ``n_items`` (ML-25M: 32,202 of 59,047).
    """

    n_users: int = 162_541
    n_items: int = 59_047
    n_ratings: int = 25_000_095
    popularity_exponent: float = 1.8
    top_share: float = 81_491 / 25_000_095
    activity_loc: float = 18.636
    activity_scale: float = 39.862
    activity_sigma: float = 1.589
    min_activity: int = 20
    max_activity_share: float = 32_202 / 59_047

    def __post_init__(self) -> None:
        if min(self.n_users, self.n_items) < 1:
            raise ValueError("SyntheticShape: n_users and n_items must be >= 1")
        low = self.n_users * min(self.min_activity, self.n_items)
        high = self.n_users * self.max_activity(self.n_items)
        if not max(low, self.n_items) <= self.n_ratings <= high:
            raise ValueError(
                f"SyntheticShape: n_ratings {self.n_ratings} must lie in "
                f"[{max(low, self.n_items)}, {high}] for {self.n_users} users and "
                f"{self.n_items} items"
            )

    def max_activity(self, n_items: int) -> int:
        return max(self.min_activity, int(self.max_activity_share * n_items))

    def scaled(self, factor: float) -> SyntheticShape:
        """The same shape with users, items and ratings multiplied by ``factor``.

        Users keep ML-25M's 154 ratings on average, so below about 1 % the catalogue is too
        small for them (``ValueError``); the top film keeps its share of the ratings, so at
        small sizes popularity is flatter (a film cannot have more raters than there are
        users).
        """
        return dataclasses.replace(
            self,
            n_users=max(1, round(self.n_users * factor)),
            n_items=max(1, round(self.n_items * factor)),
            n_ratings=max(1, round(self.n_ratings * factor)),
        )


#: MovieLens-25M's shape at full size.
ML25M = SyntheticShape()


@dataclass(frozen=True)
class SyntheticRatings:
    """A generated ratings set.

    Attributes
    ----------
    ratings : Ratings
        Sorted by (userId, movieId) like ML-25M's ``ratings.csv``; user ids 1..n_users.
    item_ids : int64 array (n_items,)
        The rated movie ids, ascending (row r of ``item_taste`` is ``item_ids[r]``).
    popularity_rank : int64 array (n_items,)
        Each item's rank in the popularity curve (0 = most popular).
    item_taste : float32 array (n_items, 10)
        The planted taste vectors of the items.
    """

    ratings: Ratings
    item_ids: npt.NDArray[np.int64]
    popularity_rank: npt.NDArray[np.int64]
    item_taste: npt.NDArray[np.float32]


def popularity_curve(shape: SyntheticShape) -> npt.NDArray[np.float64]:
    """Target number of ratings of the item at each popularity rank (at least one each).

    ``1 + (n_ratings - n_items) · w_k`` with ``w_k ∝ 1 / (k + b)^a``, b chosen (bisection)
    so that the top item gets ``top_share`` of the ratings; capped at every user.
    """
    ranks = np.arange(1, shape.n_items + 1, dtype=np.float64)
    spare = shape.n_ratings - shape.n_items

    def curve(offset: float) -> npt.NDArray[np.float64]:
        weights = 1.0 / (ranks + offset) ** shape.popularity_exponent
        return 1.0 + weights / weights.sum() * spare

    low, high = 0.0, float(shape.n_items)
    top = shape.top_share * shape.n_ratings
    for _ in range(100):  # the top item's share falls as the offset grows
        middle = (low + high) / 2
        low, high = (middle, high) if curve(middle)[0] > top else (low, middle)
    return np.minimum(curve(low), shape.n_users)


def user_activity(shape: SyntheticShape, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Ratings per user, between the shape's bounds and summing to ``shape.n_ratings``."""
    low, high = min(shape.min_activity, shape.n_items), shape.max_activity(shape.n_items)
    raw = shape.activity_loc + shape.activity_scale * np.exp(
        shape.activity_sigma * rng.standard_normal(shape.n_users)
    )
    excess = np.maximum(raw - low, 0.0)

    def counts_at(factor: float) -> npt.NDArray[np.int64]:
        return np.clip(np.floor(low + excess * factor), low, high).astype(np.int64)

    # The largest factor whose total does not exceed the target (bisection).
    below, above = 0.0, 1.0
    while counts_at(above).sum() <= shape.n_ratings and above < 1e12:
        above *= 2
    for _ in range(100):
        middle = (below + above) / 2
        below, above = (
            (middle, above)
            if counts_at(middle).sum() <= shape.n_ratings
            else (
                below,
                middle,
            )
        )
    counts = counts_at(below)
    # Hand out the rounding remainder, one more rating to random users with room.
    while (short := shape.n_ratings - int(counts.sum())) > 0:
        room = np.flatnonzero(counts < high)
        counts[rng.choice(room, size=min(short, len(room)), replace=False)] += 1
    return counts


def draw_weights(
    target: npt.NDArray[np.float64], counts: npt.NDArray[np.int64], iterations: int = 40
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per-draw item weights under which each item's expected number of raters is ``target``.

    A user draws items with replacement until ``counts[u]`` of them are distinct, so a
    popular film can count once per user however often it is drawn: drawing with the
    target shares themselves would flatten the top of the curve (the most-rated film would
    get 45k ratings instead of 81k at ML-25M's size). With m draws, item i is among a
    user's films with probability ``1 - exp(-v_i m)`` (Poisson approximation), where m
    solves ``Σ_i (1 - exp(-v_i m)) = counts[u]``. The weights v are found by the fixed
    point ``v_i ← v_i · target_i / expected_i`` over users grouped into activity bins.

    Returns
    -------
    weights : float64 (n_items,), summing to 1
    draws : float64 (n_users,), the expected number of draws m of each user
    """
    edges = np.unique(np.geomspace(counts.min(), counts.max() + 1, 64).astype(np.int64))
    bins = np.clip(np.searchsorted(edges, counts, side="right") - 1, 0, len(edges) - 1)
    users_per_bin = np.bincount(bins, minlength=len(edges)).astype(np.float64)
    occupied = users_per_bin > 0
    activity = np.bincount(bins, counts, minlength=len(edges))[occupied] / users_per_bin[occupied]
    users_per_bin = users_per_bin[occupied]
    weights = target / target.sum()
    draws = activity.copy()
    for _ in range(iterations):
        for _newton in range(4):
            seen = -np.expm1(-np.outer(draws, weights))
            slope = (weights[None, :] * (1.0 - seen)).sum(axis=1)
            draws = np.maximum(draws - (seen.sum(axis=1) - activity) / slope, activity)
        expected = users_per_bin @ -np.expm1(-np.outer(draws, weights))
        # Damped (square root) steps: the full step overshoots for films near saturation.
        weights = weights * np.sqrt(target / expected)
        weights /= weights.sum()
    return weights, np.interp(counts, activity, draws)


def sample_pairs(
    counts: npt.NDArray[np.int64],
    target: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct (user row, item row) pairs: ``counts[u]`` per user, every item at least once.

    Item i gets about ``target[i]`` raters (see ``draw_weights``). Each item first gets one
    rater drawn by activity, so none is left unrated. Then each user draws films with
    replacement until enough are distinct (duplicates are dropped and redrawn, in rounds).
    That is successive weighted sampling without replacement, which the most active users,
    who would need many draws to reach the rarely drawn films, get directly by Gumbel top-k.

    Returns
    -------
    user_rows, item_rows : int64 arrays, sorted by user then item
    """
    n_users, n_items = len(counts), len(target)
    weights, expected_draws = draw_weights(target, counts)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    # One rating slot per rating; n_items distinct slots give each item a first rater, drawn
    # by activity and never more of them than the user has ratings.
    slots = rng.choice(int(counts.sum()), size=n_items, replace=False)
    reserved_users = np.searchsorted(np.cumsum(counts), slots, side="right")
    keys = np.sort((reserved_users.astype(np.int64) << 32) | np.arange(n_items))
    have = np.bincount(keys >> 32, minlength=n_users)
    heavy = expected_draws > _GUMBEL_DRAWS * counts
    keys = _merge(
        keys, _without_replacement(np.flatnonzero(heavy), counts, have, keys, weights, rng)
    )
    have = np.bincount(keys >> 32, minlength=n_users)
    draws = np.ceil(expected_draws * 1.05).astype(np.int64) - have
    for _ in range(_MAX_ROUNDS):
        short = np.flatnonzero(counts > have)
        if len(short) == 0:
            break
        users = np.repeat(short, np.maximum(draws[short], 1))
        items = np.minimum(np.searchsorted(cdf, rng.random(len(users))), n_items - 1)
        keys = _merge(keys, np.unique((users << 32) | items))
        gained = np.bincount(keys >> 32, minlength=n_users) - have
        have += gained
        # Next round: the draws that gave one new film this round, for each film still missing.
        rate = np.maximum(draws, 1) / np.maximum(gained, 1)
        draws = np.ceil(np.maximum(counts - have, 0) * rate * 1.1).astype(np.int64) + 1
    short = np.flatnonzero(counts > have)
    keys = _merge(keys, _without_replacement(short, counts, have, keys, weights, rng))
    # Drop each user's surplus at random, never an item's first rater (every item stays rated).
    priority = rng.random(len(keys))
    priority[
        np.searchsorted(keys, (reserved_users.astype(np.int64) << 32) | np.arange(n_items))
    ] = -1
    user_of = keys >> 32
    order = np.lexsort((priority, user_of))
    starts = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(user_of, minlength=n_users), out=starts[1:])
    rank = np.arange(len(keys)) - starts[user_of[order]]
    kept = np.sort(keys[order[rank < counts[user_of[order]]]])
    return kept >> 32, kept & 0xFFFFFFFF


def _merge(keys: npt.NDArray[np.int64], new: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The sorted distinct union of two sorted key arrays."""
    if len(new) == 0:
        return keys
    # Two sorted runs: the stable sort (timsort) merges them in linear time.
    merged = np.sort(np.concatenate([keys, new]), kind="stable")
    return merged[np.concatenate([[True], merged[1:] != merged[:-1]])]


def _without_replacement(
    users: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    have: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """More films for ``users`` (up to ``counts``), by weight among those they have not rated.

    Gumbel top-k: the k largest ``log w_i + Gumbel noise`` are a weighted sample without
    replacement, distributed as successive draws that skip films already drawn.
    """
    out: list[npt.NDArray[np.int64]] = []
    log_weights = np.log(weights)
    for start in range(0, len(users), 64):
        batch = users[start : start + 64]
        score = log_weights[None, :] - np.log(-np.log(rng.random((len(batch), len(weights)))))
        for row, user in enumerate(batch.tolist()):
            lo, hi = np.searchsorted(keys, [user << 32, (user + 1) << 32])
            score[row, keys[lo:hi] & 0xFFFFFFFF] = -np.inf
            need = int(counts[user] - have[user])
            if need > 0:
                chosen = np.argpartition(-score[row], need - 1)[:need]
                out.append(np.sort((np.int64(user) << 32) | chosen.astype(np.int64)))
    return np.sort(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)


def synthetic_ratings(
    shape: SyntheticShape = ML25M,
    *,
    item_ids: npt.ArrayLike | None = None,
    item_genres: npt.NDArray[np.bool_] | None = None,
    popularity_rank: npt.ArrayLike | None = None,
    seed: int = 0,
) -> SyntheticRatings:
    """Generate ratings of ``shape`` (see the module docstring for what is modelled).

    Parameters
    ----------
    shape : SyntheticShape
    item_ids : int array (n_items,), optional
        Movie ids of the items (default 1..n_items); sorted on output.
    item_genres : bool array (n_items, g), optional
        Genres of the items (aligned with ``item_ids``); the planted tastes follow them.
    popularity_rank : int array (n_items,), optional
        A permutation of 0..n_items-1 giving each item's popularity rank (default random).
    seed : int

    Raises
    ------
    ValueError
        Arrays not aligned with ``shape.n_items``, or repeated item ids.
    """
    rng = np.random.default_rng(seed)
    n_users, n_items = shape.n_users, shape.n_items
    ids = np.arange(1, n_items + 1) if item_ids is None else np.asarray(item_ids, np.int64)
    if ids.shape != (n_items,) or len(np.unique(ids)) != n_items:
        raise ValueError(f"item_ids must be {n_items} distinct ids")
    order = np.argsort(ids)
    ids = ids[order]
    if popularity_rank is None:
        rank = rng.permutation(n_items).astype(np.int64)
    else:
        rank = np.asarray(popularity_rank, dtype=np.int64)[order]
        if sorted(rank.tolist()) != list(range(n_items)):
            raise ValueError("popularity_rank must be a permutation of 0..n_items-1")
    target = popularity_curve(shape)[rank]

    counts = user_activity(shape, rng)
    user_rows, item_rows = sample_pairs(counts, target, rng)

    genres = None if item_genres is None else np.asarray(item_genres, dtype=np.float32)[order]
    taste = rng.normal(0.0, 0.25, (n_items, TASTE_RANK)).astype(np.float32)
    if genres is not None and genres.size:
        loading = rng.normal(0.0, 0.35, (genres.shape[1], TASTE_RANK)).astype(np.float32)
        taste += genres @ loading
    user_taste = rng.normal(0.0, 0.35, (n_users, TASTE_RANK)).astype(np.float32)
    item_bias = 0.35 * rng.standard_normal(n_items) + 0.15 * _zscore(np.log(target))
    latent = (
        0.3 * rng.standard_normal(n_users)[user_rows]
        + item_bias[item_rows]
        + 0.5 * rng.standard_normal(len(user_rows))
    ).astype(np.float32)
    for start in range(0, len(latent), 4_000_000):  # chunks keep the temporary small
        stop = start + 4_000_000
        latent[start:stop] += np.einsum(
            "nf,nf->n", user_taste[user_rows[start:stop]], taste[item_rows[start:stop]]
        )
    stars = _quantile_stars(latent)
    del latent

    starts = rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP, n_users)
    span = np.minimum(np.exp(rng.normal(np.log(2 * 86_400), 2.5, n_users)), 20 * 365 * 86_400)
    span = np.minimum(span, LAST_TIMESTAMP - starts)
    stamps = starts[user_rows] + (rng.random(len(user_rows)) * span[user_rows]).astype(np.int64)
    ratings = Ratings(user_rows + 1, ids[item_rows], stars, stamps)
    return SyntheticRatings(ratings, ids, rank, taste)


def _zscore(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    std = values.std()
    return (values - values.mean()) / (std if std > 0 else 1.0)


def _quantile_stars(latent: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Map preferences to half stars so that the star shares are exactly ``STAR_COUNTS``'."""
    shares = np.asarray(STAR_COUNTS, dtype=np.float64)
    cumulative = np.cumsum(shares / shares.sum())[:-1]
    # Thresholds at the exact order statistics, so the shares hold up to ties at a threshold.
    thresholds = np.quantile(latent, cumulative)
    return STARS[np.searchsorted(thresholds, latent)]
