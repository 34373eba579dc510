"""The top-N ranker: a rating-aware item-item model blended with the fold-in stars.

Why not sort by predicted stars? A new user's folded-in MF stars are an honest estimate of
how much they would like a movie *if they watched it*, but ranking by them favours obscure
films with few, enthusiastic ratings; in the cold-start protocol (``docs/evaluation.md``) that
ordering is far behind even popularity. The stars shown to users stay the MF predictions;
this module only decides the order.

The model ("seen → liked" EASE with dropout regularisation)
-----------------------------------------------------------
Let X (users × items) be the binary "has rated" matrix of the training users and Y the
"liked" matrix (rating ≥ ``like_threshold``). EASE (Steck 2019) regresses X on itself; here
the *target* is Y, so a user's set of watched films predicts which other films they liked —
the question a top-N list answers. With G = XᵀX, the penalty

    Λ = diag(λ + c·G_jj),   λ = l2 · n_training_users

adds, on top of EASE's uniform ridge λ, the item-specific term c·G_jj that is exactly the
expected effect of training on inputs where each rating is kept with probability
q = 1/(1+c) (dropout, as in EDLAE): the model learns to predict from a *few* revealed movies,
which is the new-user situation. The weights solve

    min_B ‖Y − XB‖² + ‖Λ^½ B‖²   subject to diag(B) = 0

whose closed form is B = P·XᵀY − P·diag(γ), P = (G + Λ)⁻¹, γ_j = (P·XᵀY)_jj / P_jj.
The same P also gives plain EASE on "seen" (B_seen = −P·diagMat(1/diag P), zero diagonal),
which can be mixed in at no extra inversion cost.

Scoring a user with rated rows R: s_ii = Σ_{r∈R} B[r, :]; the final score is

    z(s_ii) + stars_weight · z(predicted stars) + popularity_weight · z(log(1 + n_ratings))

where z standardises across the modelled items. Items with fewer than
``min_item_ratings`` training ratings are outside the item-item model and rank below all
modelled items (ordered among themselves by the same blend without s_ii).

Serving size: B is dense n×n (400 MB in float32 for 10k items); each row keeps only its
``top_k`` largest-magnitude weights, stored as CSR (float32 weights, int32 columns).
``bench/bench_coldstart.py`` measures what that pruning costs in NDCG.

This module holds the config, the fitted component (fit, ``score``, persistence) and the
blend (``blend_scores``, shared by ``score`` and the tuning's many-users fast path);
``ranker_solver`` holds the closed-form solution and the pruning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from moviematch.recommender.errors import CorruptModelError, ModelFitError
from moviematch.recommender.ranker_solver import prune, solve

if TYPE_CHECKING:
    from moviematch.recommender.components import TrainingContext


@dataclass(frozen=True)
class RankerConfig:
    """Hyperparameters of ``ItemItemRanker`` (``tuning.tune_for_training`` chooses them).

    The defaults come from an earlier tuning run on ML-100K's training users (random
    reveal) and are what the site serves without ``--tune``; what the current grid picks
    per dataset and reveal is in ``bench/results/coldstart.json`` (``ranker_config``).

    Attributes
    ----------
    l2 : float
        Uniform ridge λ per training user: λ = l2 × n_training_users (G's entries grow
        linearly with the number of users, so this keeps the default meaningful across
        dataset sizes). > 0.
    dropout : float
        c in the item-specific penalty c·G_jj; c = (1 − q)/q for an input keep rate q.
        >= 0; 0 is plain ridge.
    like_threshold : float
        Stars at or above which a training rating counts as "liked" (the target).
    seen_weight : float
        Weight of plain EASE-on-seen mixed into B (each part scaled to unit RMS). >= 0.
    stars_weight : float
        Weight of the z-scored fold-in predicted stars in the blend. >= 0.
    popularity_weight : float
        Weight of the z-scored log(1 + training ratings count). Any sign.
    top_k : int
        Neighbours kept per item (row of B); 0 keeps every nonzero (dense, for measuring).
    min_item_ratings : int
        Items with fewer training ratings stay out of the item-item model (they bound the
        size of the matrix to invert: on ml-latest-small 5 keeps 3.6k of 9.7k movies, and
        a film rated by fewer than five people has no co-rating signal worth a row). >= 1.
    min_stars : float
        Films whose predicted stars fall below this rank after every film at or above it
        (their order among themselves is kept). The item-item part knows only *which*
        films a user rated, so someone who rated five comedies one star would otherwise be
        shown more comedies; a site must not recommend what it predicts the user will
        dislike. 0 disables the floor. The NDCG it costs is measured in
        docs/evaluation.md.
    """

    l2: float = 1.0
    dropout: float = 30.0
    like_threshold: float = 4.0
    seen_weight: float = 0.5
    stars_weight: float = 0.1
    popularity_weight: float = 0.0
    top_k: int = 100
    min_item_ratings: int = 5
    min_stars: float = 3.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.l2) and self.l2 > 0):
            raise ValueError(f"RankerConfig: l2 must be > 0, got {self.l2}")
        for name in ("dropout", "seen_weight", "stars_weight"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"RankerConfig: {name} must be finite and >= 0, got {value}")
        if not np.isfinite(self.popularity_weight):
            raise ValueError("RankerConfig: popularity_weight must be finite")
        if not (np.isfinite(self.min_stars) and 0 <= self.min_stars <= 5):
            raise ValueError(f"RankerConfig: min_stars must be in [0, 5], got {self.min_stars}")
        if self.top_k < 0 or self.min_item_ratings < 1:
            raise ValueError("RankerConfig: top_k must be >= 0 and min_item_ratings >= 1")

    def fit(self, context: TrainingContext) -> ItemItemRanker:
        """Fit the ranker during ``model.train`` (the ``ComponentSpec`` protocol)."""
        return ItemItemRanker(self).fit(
            context.user_rows, context.item_rows, context.ratings.values, len(context.items)
        )


def apply_stars_floor(
    scores: npt.NDArray[np.float64], predicted: npt.NDArray[np.float64], min_stars: float
) -> npt.NDArray[np.float64]:
    """Rank films predicted below ``min_stars`` after all others, row by row (one row a user).

    Shapes (n_users, n_items). The films below the floor keep their order among themselves:
    the whole group is shifted below the lowest-scored film at or above it. A row where every
    film (or none) is below the floor is returned unchanged. ``scores`` is modified in place.
    """
    below = predicted < min_stars
    for row in np.flatnonzero(below.any(axis=1) & ~below.all(axis=1)):
        mask = below[row]
        scores[row, mask] -= scores[row, mask].max() - scores[row, ~mask].min() + 1.0
    return scores


def zscore_rows(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row standardised (mean 0, std 1), shape kept; a constant row becomes zeros.

    A constant (or empty) signal carries no order, so it contributes nothing to a blend.
    """
    if values.shape[1] == 0:
        return np.zeros_like(values)
    std = values.std(axis=1, keepdims=True)
    usable = np.isfinite(std) & (std > 0)
    centred = values - values.mean(axis=1, keepdims=True)
    return np.where(usable, centred / np.where(usable, std, 1.0), 0.0)


def blend_scores(
    item_item: npt.NDArray[np.float64],
    has_input: npt.NDArray[np.bool_],
    predicted: npt.NDArray[np.float64],
    *,
    modelled: npt.NDArray[np.bool_],
    log_popularity: npt.NDArray[np.floating],
    config: RankerConfig,
) -> npt.NDArray[np.float64]:
    """The ranking score of every item for several users (one row each): the blend.

    ``z(item-item) + stars_weight·z(predicted) + popularity_weight·z(log popularity)`` over
    the modelled items (a user without a modelled input gets ``z(log popularity)`` as the
    item-item part: the most popular films are the best cold-cold guess); unmodelled items
    below every modelled one, ordered by the side terms; then the ``min_stars`` floor.
    ``ItemItemRanker.score`` calls it with one row, the tuning with many.

    Parameters
    ----------
    item_item : float64 (n_users, n_items)
        Σ_{rated r} B[r, :] per user (only the modelled columns are read).
    has_input : bool (n_users,)
        Whether the user rated at least one modelled item.
    predicted : float64 (n_users, n_items)
        Fold-in predicted stars; NaN is replaced by the row's mean.
    modelled : bool (n_items,)
    log_popularity : float (n_items,)
    config : RankerConfig
        ``stars_weight``, ``popularity_weight`` and ``min_stars`` are used.

    Returns
    -------
    float64 (n_users, n_items)
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    if not np.isfinite(predicted).all():
        fill = np.nanmean(np.where(np.isfinite(predicted), predicted, np.nan), axis=1)
        predicted = np.where(np.isfinite(predicted), predicted, fill[:, None])
    popularity = np.asarray(log_popularity, dtype=np.float64)
    side = config.stars_weight * zscore_rows(predicted) + config.popularity_weight * zscore_rows(
        popularity[None, :]
    )
    inputs = item_item[:, modelled].copy()
    inputs[~has_input] = popularity[modelled][None, :]
    out = np.empty_like(side)
    out[:, modelled] = zscore_rows(inputs) + side[:, modelled]
    if not modelled.all():
        rest = side[:, ~modelled]
        floor = out[:, modelled].min(axis=1, keepdims=True) if modelled.any() else 0.0
        out[:, ~modelled] = floor - 1.0 - (rest.max(axis=1, keepdims=True) - rest)
    return apply_stars_floor(out, predicted, config.min_stars)


def _row_sum(
    weights: sp.csr_matrix, rows: npt.NDArray[np.int64], n_items: int
) -> npt.NDArray[np.float64]:
    """Sum of the given CSR rows as a dense float64 vector.

    Gathers the rows' slices and adds them with one ``bincount``: the same sums as
    ``weights[rows].sum(axis=0)`` about five times faster for a handful of rows, since it
    builds no intermediate sparse matrix (this is on every request's path).
    """
    ptr = weights.indptr
    columns = np.concatenate([weights.indices[ptr[r] : ptr[r + 1]] for r in rows])
    values = np.concatenate([weights.data[ptr[r] : ptr[r + 1]] for r in rows])
    return np.bincount(columns, weights=values, minlength=n_items).astype(np.float64, copy=False)


class ItemItemRanker:
    """Seen→liked item-item ranker (see the module docstring for the maths).

    Parameters
    ----------
    config : RankerConfig, optional

    Attributes
    ----------
    weights_ : scipy.sparse.csr_matrix, float32, shape (n_items, n_items)
        Pruned B: row r holds the items that having rated r votes for.
    log_popularity_ : float32 array (n_items,)
        log(1 + number of training ratings) per item.
    modelled_ : bool array (n_items,)
        Items inside the item-item model (>= ``min_item_ratings`` training ratings).
    """

    def __init__(self, config: RankerConfig | None = None) -> None:
        self.config = config or RankerConfig()
        self.weights_: sp.csr_matrix | None = None
        self.log_popularity_: npt.NDArray[np.float32] | None = None
        self.modelled_: npt.NDArray[np.bool_] | None = None

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        user_rows: npt.ArrayLike,
        item_rows: npt.ArrayLike,
        stars: npt.ArrayLike,
        n_items: int,
    ) -> Self:
        """Fit on training ratings given as dense rows.

        Parameters
        ----------
        user_rows, item_rows : int array (n,)
            User rows (any non-negative ints) and item rows in ``[0, n_items)``.
        stars : float array (n,)
            Ratings in stars (only compared with ``like_threshold``).
        n_items : int
            Catalogue size; the arrays and score vectors have this length.

        Raises
        ------
        ModelFitError
            No ratings, mismatched lengths, item rows out of range, or a singular system.
        """
        parts = solve(user_rows, item_rows, stars, n_items, self.config)
        self.weights_ = prune(parts, self.config.top_k)
        self.log_popularity_ = parts.log_popularity
        self.modelled_ = parts.modelled
        return self

    # ------------------------------------------------------------------ scoring
    def score(
        self,
        rated_rows: npt.ArrayLike,
        rated_stars: npt.ArrayLike,
        predicted_stars: npt.ArrayLike,
    ) -> npt.NDArray[np.float32]:
        """Ranking score of every item for one user (higher = better).

        Parameters
        ----------
        rated_rows : int64 array (k,)
            Rows the user rated (rows outside the model are ignored by the item-item part).
        rated_stars : float32 array (k,)
            Their stars. The item-item part uses only *which* movies were rated (measured:
            weighting the input by stars did not help); the stars act through
            ``predicted_stars``.
        predicted_stars : float32 array (n_items,)
            The fold-in's predicted stars for every item (NaN allowed: treated as the mean).

        Returns
        -------
        float32 array (n_items,)
            The caller removes the rated rows; they are not excluded here.
        """
        if self.weights_ is None or self.log_popularity_ is None or self.modelled_ is None:
            raise ModelFitError("ranker: score() called before fit()")
        rows = np.asarray(rated_rows, dtype=np.int64)
        stars = np.asarray(rated_stars, dtype=np.float64)
        if rows.shape != stars.shape:
            raise ValueError("rated_rows and rated_stars differ in shape")
        n_items = len(self.modelled_)
        predicted = np.asarray(predicted_stars, dtype=np.float64)
        if predicted.shape != (n_items,):
            raise ValueError(f"predicted_stars must have shape ({n_items},)")
        rows = rows[(rows >= 0) & (rows < n_items)]
        inputs = rows[self.modelled_[rows]]
        item_item = np.zeros((1, n_items))
        if len(inputs):
            item_item[0] = _row_sum(self.weights_, inputs, n_items)
        scores = blend_scores(
            item_item,
            np.array([len(inputs) > 0]),
            predicted[None, :],
            modelled=self.modelled_,
            log_popularity=self.log_popularity_,
            config=self.config,
        )
        return scores[0].astype(np.float32)

    # ------------------------------------------------------------------ persistence
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Fitted arrays for the artifact (``ranker_`` prefix left to the caller)."""
        if self.weights_ is None or self.log_popularity_ is None or self.modelled_ is None:
            raise ModelFitError("ranker: to_arrays() called before fit()")
        w = self.weights_
        return {
            "indptr": w.indptr.astype(np.int64),
            "indices": w.indices.astype(np.int32),
            "weights": w.data.astype(np.float32),
            "log_popularity": self.log_popularity_,
            "modelled": self.modelled_,
        }

    def config_dict(self) -> dict[str, Any]:
        """Hyperparameters as JSON-ready values."""
        return dataclasses.asdict(self.config)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], config: dict[str, Any]) -> Self:
        """Rebuild a fitted ranker; raises ``CorruptModelError`` on inconsistent arrays."""
        try:
            ranker = cls(RankerConfig(**config))
            modelled = np.asarray(arrays["modelled"], dtype=np.bool_)
            log_pop = np.asarray(arrays["log_popularity"], dtype=np.float32)
            indptr = np.asarray(arrays["indptr"], dtype=np.int64)
            indices = np.asarray(arrays["indices"], dtype=np.int32)
            weights = np.asarray(arrays["weights"], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptModelError(f"ranker arrays or config invalid: {exc}") from None
        n = len(modelled)
        valid = (
            modelled.ndim == 1
            and log_pop.shape == (n,)
            and indptr.shape == (n + 1,)
            and indptr[0] == 0
            and np.all(np.diff(indptr) >= 0)
            and indptr[-1] == len(indices) == len(weights)
            and (len(indices) == 0 or (indices.min() >= 0 and indices.max() < n))
            and np.all(np.isfinite(weights))
        )
        if not valid:
            raise CorruptModelError("ranker arrays have inconsistent shapes or values")
        ranker.weights_ = sp.csr_matrix((weights, indices, indptr), shape=(n, n))
        ranker.log_popularity_ = log_pop
        ranker.modelled_ = modelled
        return ranker

    @property
    def nbytes(self) -> int:
        """Bytes the fitted arrays occupy (what serving keeps in memory)."""
        return int(sum(a.nbytes for a in self.to_arrays().values()))
