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

Scoring a user with rated rows R and stars s_r: each rated film votes with a signed,
centred weight w_r = (s_r − mean s)/max(std s, 0.5) + 1 (every film counts +1 for a user
who rated all alike; one they rated below their own average counts less, down to a negative
vote that pushes its neighbours away), s_ii = Σ_{r∈R} w_r B[r, :], and the blend is

    z(s_ii) + stars_weight · z(predicted stars) + popularity_weight(a) · z(log(1 + n_ratings))
            + content_weight(a) · f_u · z(Σ_{r∈R} w_r v_r · v_j)

where z standardises across the modelled items (the item-item part) or every item (the side
terms), v are the similarity component's unit content vectors (tags, genome, genres and MF
factors reduced by SVD: the *content taste*, what the tag similarity says about the user's
rated films) and a ∈ [0, 1] is the per-request "adventurous" setting (0.5 by default;
``popularity_weight(a) = popularity_weight + familiarity·(1 − 2a)``, ``content_weight(a) =
content_weight·(0.5 + a)``; f_u ≥ 1 is the visitor's *coherence factor*, larger when the
films they liked are more alike than most training users' are: ``coherence``). Items with
fewer than ``min_item_ratings`` training ratings, or beyond the ``max_items`` most-rated
ones, are outside the item-item model and rank below all modelled items (ordered among
themselves by the same blend without s_ii). The list is then
re-ranked for calibration (``calibration``: Steck's greedy rule over the ``calibration_pool``
best films, weight λ(a) = calibration·(0.5 + a)), so that its genre mix follows the mix of
the films the user rated well (shrunk toward the mix of all training ratings by
``calibration_prior`` films' worth). Before that, the *taste guard* ranks last the films of a genre
the user rated low and of none they rated high, unless predicted at 4★ or more.

Serving size: B is dense n×n (400 MB in float32 for 10k items); each row keeps only its
``top_k`` largest-magnitude weights, stored as CSR (float32 weights, int32 columns).
``bench/bench_coldstart.py`` measures what that pruning costs in NDCG.

This module holds the fitted component (fit, ``score``, ``order``, persistence);
``ranker_config`` the config, ``ranker_blend`` the blend (``blend_scores``, shared by
``score`` and the tuning's many-users fast path), ``ranker_solver`` the closed-form solution
and the pruning, ``calibration`` the re-ranking.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from moviematch.recommender.calibration import (
    candidate_pool,
    catalogue_mix,
    genre_affinity,
    genre_distribution,
    greedy_order,
    ratings_mix,
    shrunk_target,
    target_distribution,
)
from moviematch.recommender.coherence import LEVELS, coherence_table, content_boost, taste_coherence
from moviematch.recommender.errors import CorruptModelError, ModelFitError
from moviematch.recommender.ranker_blend import (
    BlendConstants,
    blend_scores,
    content_scores,
    damped_share,
    damping_strength,
    demote,
    disliked_genre_films,
    input_weights,
    row_sum,
)
from moviematch.recommender.ranker_config import RankerConfig, check_adventurous
from moviematch.recommender.ranker_solver import prune, solve

__all__ = ["ItemItemRanker", "RankerConfig", "blend_scores", "input_weights"]


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
        Items inside the item-item model.
    genres_ : bool array (n_items, n_genres)
        Genre membership (what calibration and explanations use); may have 0 columns.
    genre_names_ : tuple of str (n_genres,)
    content_vectors_ : float32 array (n_items, d)
        The similarity component's unit vectors in item rows (the content-taste term); d = 0
        when the ranker was fitted without them or with ``content_weight = 0``.
    coherence_ : float32 array (101,) or (0,)
        Percentiles of the training users' taste coherence (``coherence.coherence_table``):
        where a visitor's coherence places them sets their content weight; empty without
        content vectors (no factor).
    """

    def __init__(self, config: RankerConfig | None = None) -> None:
        self.config = config or RankerConfig()
        self.weights_: sp.csr_matrix | None = None
        self.log_popularity_: npt.NDArray[np.float32] | None = None
        self.modelled_: npt.NDArray[np.bool_] | None = None
        self.genres_: npt.NDArray[np.bool_] = np.zeros((0, 0), dtype=np.bool_)
        self.genre_names_: tuple[str, ...] = ()
        self._distribution_cache: npt.NDArray[np.float64] | None = None
        self._catalogue_mix: npt.NDArray[np.float64] = np.zeros(0)
        self._ratings_mix: npt.NDArray[np.float64] = np.zeros(0)
        self.content_vectors_: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self.coherence_: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        # BlendConstants of (log_popularity_, modelled_), kept with the arrays it is of.
        self._constants: tuple[np.ndarray, np.ndarray, BlendConstants] | None = None

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        user_rows: npt.ArrayLike,
        item_rows: npt.ArrayLike,
        stars: npt.ArrayLike,
        n_items: int,
        *,
        genres: npt.ArrayLike | None = None,
        genre_names: tuple[str, ...] = (),
        vectors: npt.ArrayLike | None = None,
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
        genres : bool array (n_items, n_genres), optional
            Genre membership of every item (calibration); none by default.
        genre_names : tuple of str (n_genres,)
        vectors : float array (n_items, d), optional
            Unit content vectors in item rows (the content-taste term); none by default.

        Raises
        ------
        ModelFitError
            No ratings, mismatched lengths, item rows out of range, or a singular system.
        """
        parts = solve(user_rows, item_rows, stars, n_items, self.config)
        self.weights_ = prune(parts, self.config.top_k)
        self.log_popularity_ = parts.log_popularity
        self.modelled_ = parts.modelled
        members = np.zeros((n_items, 0), np.bool_) if genres is None else np.asarray(genres)
        if members.shape != (n_items, len(genre_names)):
            raise ModelFitError("ranker: genres must have shape (n_items, len(genre_names))")
        self._set_genres(members.astype(np.bool_), tuple(genre_names))
        content = np.zeros((n_items, 0)) if vectors is None else np.asarray(vectors)
        if content.ndim != 2 or content.shape[0] != n_items or not np.isfinite(content).all():
            raise ModelFitError("ranker: vectors must be finite of shape (n_items, d)")
        self.content_vectors_ = np.ascontiguousarray(content, dtype=np.float32)
        self.coherence_ = coherence_table(
            self.content_vectors_,
            np.asarray(user_rows),
            np.asarray(item_rows),
            np.asarray(stars, dtype=np.float32),
            self.config.like_threshold,
        )
        return self

    def _set_genres(self, members: npt.NDArray[np.bool_], names: tuple[str, ...]) -> None:
        self.genres_ = members
        self.genre_names_ = names
        self._distribution_cache = None
        distribution = genre_distribution(members)
        self._catalogue_mix = catalogue_mix(distribution)
        # Set after log_popularity_ (fit, from_arrays): the calibration target's prior.
        assert self.log_popularity_ is not None
        self._ratings_mix = ratings_mix(distribution, self.log_popularity_)

    @property
    def _distribution(self) -> npt.NDArray[np.float64]:
        """p(g|i) of every item, formed only when the genre prior needs it (genre_weight > 0):
        calibration reads the candidates' rows only, and a serving process then holds no
        n_items × n_genres float64 table (9 MB at 59k films)."""
        if self._distribution_cache is None:
            self._distribution_cache = genre_distribution(self.genres_)
        return self._distribution_cache

    # ------------------------------------------------------------------ scoring
    def score(
        self,
        rated_rows: npt.ArrayLike,
        rated_stars: npt.ArrayLike,
        predicted_stars: npt.ArrayLike,
        *,
        adventurous: float = 0.5,
    ) -> npt.NDArray[np.float32]:
        """Blend score of every item for one user (higher = better), before calibration.

        Parameters
        ----------
        rated_rows : int64 array (k,)
            Rows the user rated (rows outside the model are ignored by the item-item part).
        rated_stars : float32 array (k,)
            Their stars: they set each rated film's vote (``input_weights``).
        predicted_stars : float32 array (n_items,)
            The fold-in's predicted stars for every item (NaN allowed: treated as the mean).
        adventurous : float
            a ∈ [0, 1]: less (a → 1) or more (a → 0) weight on popularity.

        Returns
        -------
        float32 array (n_items,)
            The caller removes the rated rows; they are not excluded here.
        """
        if self.weights_ is None or self.log_popularity_ is None or self.modelled_ is None:
            raise ModelFitError("ranker: score() called before fit()")
        adventurous = check_adventurous(adventurous)
        rows = np.asarray(rated_rows, dtype=np.int64)
        stars = np.asarray(rated_stars, dtype=np.float64)
        if rows.shape != stars.shape:
            raise ValueError("rated_rows and rated_stars differ in shape")
        n_items = len(self.modelled_)
        predicted = np.asarray(predicted_stars, dtype=np.float64)
        if predicted.shape != (n_items,):
            raise ValueError(f"predicted_stars must have shape ({n_items},)")
        inside = (rows >= 0) & (rows < n_items)
        rows, stars = rows[inside], stars[inside]
        votes = input_weights(stars, self.config.centred_input)
        modelled = self.modelled_[rows]
        item_item = np.zeros((1, n_items))
        if modelled.any():
            item_item[0] = row_sum(self.weights_, rows[modelled], votes[modelled], n_items)
        content = boost = None
        if self.config.content_weight > 0 and self.content_vectors_.shape[1] > 0:
            content = content_scores(self.content_vectors_, rows, votes)[None, :]
            boost = np.array([self.content_boost(rows, stars)])
        genre = None
        if self.config.genre_weight > 0:
            genre = genre_affinity(self._distribution, self._catalogue_mix, rows, stars)[None, :]
        constants = self._serving_constants()
        popularity = constants.log_popularity
        damping = damping_strength(
            popularity, self.modelled_, rows, self.config, modelled_stats=constants.modelled_stats
        )
        scores = blend_scores(
            item_item,
            np.array([modelled.any()]),
            predicted[None, :],
            modelled=self.modelled_,
            log_popularity=popularity,
            config=self.config,
            adventurous=adventurous,
            content=content,
            genre=genre,
            damping=np.array([damping]),
            constants=constants,
            content_boost=boost,
        )
        if self.config.taste_guard:
            guard = disliked_genre_films(self.genres_, rows, stars, predicted)
            demote(scores, guard[None, :])
        return scores[0].astype(np.float32)

    def content_boost(self, rated_rows: npt.ArrayLike, rated_stars: npt.ArrayLike) -> float:
        """The factor on this visitor's content weight (``coherence``): 1 unless the films
        they liked are more alike than ``coherence_onset`` of the training users'."""
        rows = np.asarray(rated_rows, dtype=np.int64)
        coherence = taste_coherence(
            self.content_vectors_, rows, np.asarray(rated_stars), self.config.like_threshold
        )
        return content_boost(
            coherence, self.coherence_, self.config.coherent_content, self.config.coherence_onset
        )

    def _serving_constants(self) -> BlendConstants:
        """The per-model numbers every request's blend needs, computed once per model (and
        again if ``log_popularity_`` or ``modelled_`` is replaced)."""
        popularity, modelled = self.log_popularity_, self.modelled_
        assert popularity is not None
        assert modelled is not None
        cached = self._constants
        if cached is None or cached[0] is not popularity or cached[1] is not modelled:
            constants = BlendConstants.of(popularity, modelled)
            cached = self._constants = (popularity, modelled, constants)
        return cached[2]

    def order(
        self,
        scores: npt.ArrayLike,
        rated_rows: npt.ArrayLike,
        rated_stars: npt.ArrayLike,
        n: int,
        *,
        adventurous: float = 0.5,
    ) -> npt.NDArray[np.int64]:
        """The top ``n`` rows by ``scores`` (−inf = not allowed), calibrated to the user.

        Returns int64 rows, best first (``calibration.calibrated_order``; without genres or
        with ``calibration = 0``, plain score order with ties to the lower row).
        """
        if self.log_popularity_ is None or self.modelled_ is None:
            raise ModelFitError("ranker: order() called before fit()")
        rows = np.asarray(rated_rows, dtype=np.int64)
        # p(g|i) of the rated films and of the candidates only: row by row the same numbers
        # as the whole catalogue's (``genre_distribution``), without an (n_items × genres)
        # float64 table in every serving process (9 MB at 59k films).
        rated = genre_distribution(self.genres_[rows])
        target = shrunk_target(
            target_distribution(
                rated, np.arange(len(rows)), np.asarray(rated_stars, dtype=np.float64)
            ),
            self._ratings_mix,
            len(rows),
            self.config.calibration_prior,
        )
        candidates, values = candidate_pool(
            np.asarray(scores, dtype=np.float64), n, self.config.calibration_pool
        )
        return greedy_order(
            candidates,
            values,
            genre_distribution(self.genres_[candidates]),
            target,
            n,
            weight=self.config.calibration_at(
                check_adventurous(adventurous),
                damped_share(
                    self.log_popularity_,
                    self.modelled_,
                    rows,
                    self.config,
                    self._serving_constants().modelled_stats,
                ),
            ),
            depth=self.config.calibration_depth,
        )

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
            "genres": self.genres_,
            "genre_names": np.array(self.genre_names_, dtype=np.str_),
            "content_vectors": self.content_vectors_,
            "coherence": self.coherence_,
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
            # Artifacts written before calibration have no genres: they load without it.
            genres = np.asarray(arrays.get("genres", np.zeros((len(modelled), 0), np.bool_)))
            names = np.asarray(arrays.get("genre_names", np.zeros(0, dtype=np.str_)))
            # Nor content vectors before the content-taste term: it then adds nothing.
            vectors = np.asarray(
                arrays.get("content_vectors", np.zeros((len(modelled), 0), np.float32))
            )
            # Nor a coherence table before the per-visitor content weight: no factor.
            coherence = np.asarray(arrays.get("coherence", np.zeros(0, np.float32)))
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
            and genres.dtype == np.bool_
            and names.ndim == 1
            and (names.dtype.kind == "U" or len(names) == 0)
            and genres.shape == (n, len(names))
            and vectors.dtype == np.float32
            and vectors.ndim == 2
            and vectors.shape[0] == n
            and bool(np.all(np.isfinite(vectors)))
            and coherence.dtype == np.float32
            and coherence.shape in ((0,), (len(LEVELS),))
            and bool(np.all(np.isfinite(coherence)))
            and bool(np.all(np.diff(coherence) >= 0))
        )
        if not valid:
            raise CorruptModelError("ranker arrays have inconsistent shapes or values")
        ranker.weights_ = sp.csr_matrix((weights, indices, indptr), shape=(n, n))
        ranker.log_popularity_ = log_pop
        ranker.modelled_ = modelled
        ranker._set_genres(genres, tuple(str(g) for g in names))
        ranker.content_vectors_ = np.ascontiguousarray(vectors)
        ranker.coherence_ = coherence
        return ranker

    @property
    def nbytes(self) -> int:
        """Bytes the fitted arrays occupy (what serving keeps in memory)."""
        return int(sum(a.nbytes for a in self.to_arrays().values()))
