"""The interface of the methods the cold-start protocol compares, and the baselines.

A method answers one new user (``protocol.TestUser``): the top-n catalogue rows it would
recommend (never a revealed one) and, if it predicts ratings, stars for their held-out
rows. The baselines here are fitted on the training users' ratings (in catalogue rows) and
answer from scores over every catalogue item:

* ``Popularity``: training ratings count (no personalisation).
* ``BiasOnly``: μ + b_i + b_u, b_u folded in from the revealed ratings; ranks by stars.
* ``Ease``: Steck's EASE on the binarised training matrix, new user = revealed movies.
* ``ImplicitAls``: Hu-Koren-Volinsky implicit ALS (NumPy), new user folded in by one user
  step from the revealed movies.

"Ours" and "mf-stars" are not re-assembled here: they are the served ``Model`` itself
(``served``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from moviematch.recommender.data import MAX_STARS, MIN_STARS, Ratings
from moviematch.recommender.evaluation.metrics import top_k
from moviematch.recommender.evaluation.protocol import TestUser


@dataclass(frozen=True)
class TrainingData:
    """Training ratings in catalogue rows (what every method's ``fit`` receives).

    Attributes
    ----------
    user_rows : int64 array (n,)
        Dense training-user rows in ``[0, n_users)``.
    item_rows : int64 array (n,)
        Catalogue rows in ``[0, n_items)``.
    stars : float32 array (n,)
    n_users, n_items : int
    movie_ids : int64 array (n_items,)
        External id of each catalogue row (for methods that work in movie ids).
    """

    user_rows: npt.NDArray[np.int64]
    item_rows: npt.NDArray[np.int64]
    stars: npt.NDArray[np.float32]
    n_users: int
    n_items: int
    movie_ids: npt.NDArray[np.int64]

    def ratings(self) -> Ratings:
        """The same ratings as a ``Ratings`` in external movie ids (users keep their rows)."""
        return Ratings(self.user_rows, self.movie_ids[self.item_rows], self.stars)


@dataclass(frozen=True)
class Answer:
    """A method's answer for one user.

    Attributes
    ----------
    ranked : int64 array (≤ n,)
        Catalogue rows recommended, best first; never a revealed row.
    heldout_stars : float64 array (len(user.heldout_rows),) or None
        Predicted stars of the held-out rows, in their order; None if the method predicts
        no ratings.
    """

    ranked: npt.NDArray[np.int64]
    heldout_stars: npt.NDArray[np.float64] | None


class Method(Protocol):
    """A cold-start recommender under evaluation, already fitted or trained."""

    name: str

    def answer(self, user: TestUser, n: int) -> Answer: ...


def answer_from_scores(
    user: TestUser,
    n: int,
    ranking: npt.NDArray[np.float64],
    stars: npt.NDArray[np.float64] | None,
) -> Answer:
    """The answer of a method that scores every catalogue row (higher = better).

    Ties go to the lower row (``metrics.top_k``), as in ``Model.recommend``.
    """
    ranked = top_k(ranking, n, exclude=user.revealed_rows)
    return Answer(ranked, None if stars is None else stars[user.heldout_rows])


class Popularity:
    """Most-rated first; the same list for everyone."""

    name = "popularity"

    def __init__(self) -> None:
        self.counts_: npt.NDArray[np.float64] | None = None

    def fit(self, data: TrainingData) -> None:
        self.counts_ = np.bincount(data.item_rows, minlength=data.n_items).astype(np.float64)

    def answer(self, user: TestUser, n: int) -> Answer:
        assert self.counts_ is not None, "fit() first"
        return answer_from_scores(user, n, self.counts_, None)


class BiasOnly:
    """Baseline predictor μ + b_i + b_u with damped means.

    b_i and the training b_u are fitted by a few rounds of alternating regularised means
    (b_i = Σ(r − μ − b_u)/(n_i + item_reg), likewise b_u); a new user's
    b_u = Σ(r − μ − b_i)/(n + user_reg) over the revealed ratings.
    """

    name = "bias-only"

    def __init__(self, item_reg: float = 10.0, user_reg: float = 5.0, rounds: int = 5) -> None:
        self.item_reg = item_reg
        self.user_reg = user_reg
        self.rounds = rounds
        self.mu_ = 0.0
        self.item_bias_: npt.NDArray[np.float64] | None = None

    def fit(self, data: TrainingData) -> None:
        stars = data.stars.astype(np.float64)
        self.mu_ = float(stars.mean())
        bu = np.zeros(data.n_users)
        bi = np.zeros(data.n_items)
        n_i = np.bincount(data.item_rows, minlength=data.n_items)
        n_u = np.bincount(data.user_rows, minlength=data.n_users)
        for _ in range(self.rounds):
            resid = stars - self.mu_ - bu[data.user_rows]
            bi = np.bincount(data.item_rows, resid, data.n_items) / (n_i + self.item_reg)
            resid = stars - self.mu_ - bi[data.item_rows]
            bu = np.bincount(data.user_rows, resid, data.n_users) / (n_u + self.user_reg)
        self.item_bias_ = bi

    def predict(
        self, rows: npt.NDArray[np.int64], stars: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        assert self.item_bias_ is not None, "fit() first"
        resid = stars.astype(np.float64) - self.mu_ - self.item_bias_[rows]
        bu = resid.sum() / (len(rows) + self.user_reg)
        return np.clip(self.mu_ + self.item_bias_ + bu, MIN_STARS, MAX_STARS)

    def answer(self, user: TestUser, n: int) -> Answer:
        predicted = self.predict(user.revealed_rows, user.revealed_stars)
        return answer_from_scores(user, n, predicted, predicted)


def ease_weights(
    data: TrainingData, l2: float, items: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Steck's EASE on the binarised ratings of the given catalogue rows.

    B = I − P·diagMat(1/diag(P)), P = (XᵀX + λI)⁻¹; returns B (len(items)², float64).
    """
    local = np.full(data.n_items, -1, dtype=np.int64)
    local[items] = np.arange(len(items))
    keep = local[data.item_rows] >= 0
    x = sp.csr_matrix(
        (np.ones(keep.sum()), (data.user_rows[keep], local[data.item_rows[keep]])),
        shape=(data.n_users, len(items)),
    )
    x.data[:] = 1.0
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += l2
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b


def _answer_modelled(
    user: TestUser,
    n: int,
    counts: npt.NDArray[np.float64],
    items: npt.NDArray[np.int64],
    scores: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
) -> Answer:
    """The answer of a model over the catalogue rows ``items`` (the others rank last).

    ``scores(inputs)`` scores the modelled items from the user's revealed ones (in local
    numbering); a user without a modelled revealed film gets the most popular first.
    Unmodelled items sit below every modelled one, ordered by popularity.
    """
    local = np.full(len(counts), -1, dtype=np.int64)
    local[items] = np.arange(len(items))
    inputs = local[user.revealed_rows]
    inputs = inputs[inputs >= 0]
    out = counts / (counts.max() + 1.0) - 2.0
    if len(inputs):
        modelled = scores(inputs)
        out[items] = modelled - modelled.min()
    else:
        out[items] = counts[items]
    return answer_from_scores(user, n, out, None)


class Ease:
    """EASE (binarised), new user = their revealed movies.

    Parameters
    ----------
    l2 : float
        λ, absolute (tuned on training users by ``tuning.tune_ease``).
    min_item_ratings : int
        Items with fewer training ratings are left out of the inversion and rank last
        (by popularity); bounds the matrix size on large catalogues.
    """

    name = "ease"

    def __init__(self, l2: float = 500.0, min_item_ratings: int = 1) -> None:
        self.l2 = l2
        self.min_item_ratings = min_item_ratings
        self.b_: npt.NDArray[np.float64] | None = None
        self.items_: npt.NDArray[np.int64] | None = None
        self.counts_: npt.NDArray[np.float64] | None = None

    def fit(self, data: TrainingData) -> None:
        counts = np.bincount(data.item_rows, minlength=data.n_items)
        self.counts_ = counts.astype(np.float64)
        self.items_ = np.flatnonzero(counts >= self.min_item_ratings)
        self.b_ = ease_weights(data, self.l2, self.items_)

    def answer(self, user: TestUser, n: int) -> Answer:
        if self.b_ is None or self.items_ is None or self.counts_ is None:
            raise RuntimeError("Ease.answer() called before fit()")
        b = self.b_
        return _answer_modelled(user, n, self.counts_, self.items_, lambda x: b[x].sum(axis=0))


def _als_solve(
    rows: sp.csr_matrix,
    other: npt.NDArray[np.float64],
    alpha: float,
    reg: float,
    chunk: int = 1024,
) -> npt.NDArray[np.float64]:
    """One half-step of implicit ALS: every row's factors against fixed ``other`` factors.

    For a row u with observed columns I_u (confidence 1 + α, preference 1; elsewhere
    confidence 1, preference 0), Hu, Koren & Volinsky (ICDM 2008) give

        x_u = (YᵀY + α·Y_(I_u)ᵀY_(I_u) + reg·I)⁻¹ · (1 + α)·Y_(I_u)ᵀ 1

    solved for ``chunk`` rows at a time as one batch of f×f systems.
    """
    f = other.shape[1]
    base = other.T @ other + reg * np.eye(f)
    out = np.zeros((rows.shape[0], f))
    ptr, cols = rows.indptr, rows.indices
    for start in range(0, rows.shape[0], chunk):
        stop = min(rows.shape[0], start + chunk)
        gram = np.empty((stop - start, f, f))
        rhs = np.zeros((stop - start, f))
        for u in range(start, stop):
            y = other[cols[ptr[u] : ptr[u + 1]]]
            gram[u - start] = base + alpha * (y.T @ y)
            rhs[u - start] = (1.0 + alpha) * y.sum(axis=0)
        out[start:stop] = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    return out


class ImplicitAls:
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) on the binarised ratings.

    A NumPy implementation (the ``implicit`` package is not a dependency): confidence
    1 + α for rated films, exact alternating least squares from a seeded N(0, 0.01)
    start. A new user is folded in by the same user step from their revealed films, as
    ``implicit``'s ``recalculate_user`` does; films are ranked by x_u · y_i.

    Parameters
    ----------
    factors, reg, alpha, iterations : ALS hyperparameters (tuned on training users).
    min_item_ratings : int
        Films with fewer training ratings are left out and rank last (by popularity), as
        for EASE and our ranker.
    seed : int
    """

    name = "implicit-als"

    def __init__(
        self,
        factors: int = 64,
        reg: float = 1.0,
        alpha: float = 5.0,
        iterations: int = 10,
        min_item_ratings: int = 1,
        seed: int = 0,
    ) -> None:
        self.factors = factors
        self.reg = reg
        self.alpha = alpha
        self.iterations = iterations
        self.min_item_ratings = min_item_ratings
        self.seed = seed
        self.item_factors_: npt.NDArray[np.float64] | None = None
        self.items_: npt.NDArray[np.int64] | None = None
        self.counts_: npt.NDArray[np.float64] | None = None

    def fit(self, data: TrainingData) -> None:
        counts = np.bincount(data.item_rows, minlength=data.n_items)
        self.counts_ = counts.astype(np.float64)
        self.items_ = np.flatnonzero(counts >= self.min_item_ratings)
        local = np.full(data.n_items, -1, dtype=np.int64)
        local[self.items_] = np.arange(len(self.items_))
        keep = local[data.item_rows] >= 0
        x = sp.csr_matrix(
            (np.ones(keep.sum()), (data.user_rows[keep], local[data.item_rows[keep]])),
            shape=(data.n_users, len(self.items_)),
        )
        x.data[:] = 1.0
        xt = x.T.tocsr()
        rng = np.random.default_rng(self.seed)
        items = rng.normal(0.0, 0.01, (len(self.items_), self.factors))
        for _ in range(self.iterations):
            users = _als_solve(x, items, self.alpha, self.reg)
            items = _als_solve(xt, users, self.alpha, self.reg)
        self.item_factors_ = items

    def answer(self, user: TestUser, n: int) -> Answer:
        if self.item_factors_ is None or self.items_ is None or self.counts_ is None:
            raise RuntimeError("ImplicitAls.answer() called before fit()")
        factors, n_items = self.item_factors_, len(self.items_)

        def scores(inputs: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
            inputs = np.unique(inputs)
            row = sp.csr_matrix(
                (np.ones(len(inputs)), inputs, [0, len(inputs)]), shape=(1, n_items)
            )
            return factors @ _als_solve(row, factors, self.alpha, self.reg)[0]

        return _answer_modelled(user, n, self.counts_, self.items_, scores)
