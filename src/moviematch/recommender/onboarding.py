"""Which movies to ask a new user to rate.

Goal: reach about ten ratings with as few proposals as possible (ask about movies the user
has probably seen), while keeping the ratings informative (movies people disagree about, not
five near-identical sequels).

Model, fitted on the training ratings:

* ``popularity_`` — share of (recently active) users who rated each movie; with timestamps,
  each rating counts ``0.5 ** (age / half_life)`` so that films still being watched beat old
  hits.
* ``cond_`` — over a pool of the most popular movies, ``P(seen j | seen i)`` from co-rating
  counts: people who saw X likely saw Y.
* ``info_`` — each movie's rating standard deviation, shrunk toward the global one and
  divided by it: a film everyone rates 4 stars tells us little.

Proposing: how likely the user has seen j starts from the popularity prior and is updated
by every answer, naive-Bayes style, with the likelihood ratios ``P(j | i) / P(j)`` of each
movie i they rated and ``P(j | not i) / P(j)`` of each one they skipped (damped, see
``seen_score``). Candidates are scored ``seen * info ** info_weight``, perturbed by seeded
Gumbel noise (so two users do not get identical slates), and picked greedily with a
maximal-marginal-relevance penalty on cosine similarity to the slate so far; two proposals
of one slate never exceed ``max_cosine`` unless nothing else is left.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from moviematch.recommender.artifact import are_sorted_ids, require_arrays
from moviematch.recommender.data import Ratings
from moviematch.recommender.errors import CorruptModelError
from moviematch.recommender.item_features import l2_normalize
from moviematch.recommender.vocab import MISSING, Vocabulary

SECONDS_PER_DAY = 86_400.0
# Floor of probabilities inside log-ratios: a pair never co-rated is strong, not infinite,
# evidence (the counts are a sample).
RATIO_FLOOR = 1e-4


@dataclass(frozen=True)
class OnboardingConfig:
    """Hyperparameters of the onboarding picker.

    Attributes
    ----------
    pool_size : int
        Only the ``pool_size`` most popular movies are ever proposed (bounds the co-seen
        matrix: pool² float16).
    half_life_days : float or None
        Recency half-life of a rating's contribution to popularity; None: plain counts.
    evidence_damping : float
        Each answer's log-likelihood ratio is divided by (number of such answers) ** this;
        0 is plain naive Bayes, 1 averages the answers.
    info_weight : float
        Exponent of the informativeness factor (0: pure seen-probability).
    std_prior : float
        Ratings of shrinkage of a movie's rating std toward the global std.
    diversity : float
        MMR penalty: a candidate's score is multiplied by ``1 - diversity * max(0, cos)``
        with its most similar movie already in the slate.
    max_cosine : float
        Hard cap on the cosine between two movies of one slate.
    exploration : float
        Scale of the seeded Gumbel noise added to log-scores (0: deterministic ranking).
    """

    pool_size: int = 1000
    half_life_days: float | None = 1460.0
    evidence_damping: float = 0.5
    info_weight: float = 0.5
    std_prior: float = 10.0
    diversity: float = 0.3
    max_cosine: float = 0.9
    exploration: float = 0.05

    def __post_init__(self) -> None:
        if self.pool_size < 1 or self.std_prior < 0 or not 0 <= self.evidence_damping <= 1:
            raise ValueError(
                "OnboardingConfig: pool_size >= 1, std_prior >= 0, evidence_damping in [0, 1]"
            )
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise ValueError("OnboardingConfig: half_life_days must be > 0 or None")
        if not 0.0 <= self.diversity <= 1.0 or not -1.0 <= self.max_cosine <= 1.0:
            raise ValueError("OnboardingConfig: diversity in [0, 1], max_cosine in [-1, 1]")
        if self.info_weight < 0 or self.exploration < 0:
            raise ValueError("OnboardingConfig: info_weight and exploration must be >= 0")


def _co_seen(seen: sp.csr_matrix, block: int = 8192) -> npt.NDArray[np.float64]:
    """``seenᵀ·seen`` (co-rating counts of the pool's movies), by dense blocks of users.

    The pool holds the most popular films, so the users × pool matrix is dense enough that
    a sparse product costs more than BLAS on dense float32 blocks (ML-25M: 39 s against a
    few). Counts stay exact: float32 holds integers up to 2**24.
    """
    n = seen.shape[1]
    co = np.zeros((n, n), dtype=np.float64)
    for start in range(0, seen.shape[0], block):
        part = seen[start : start + block].toarray().astype(np.float32, copy=False)
        co += part.T @ part
    return co


class OnboardingPicker:
    """Proposes movies for a new user to rate; see the module docstring for the model.

    Attributes
    ----------
    vocab : Vocabulary
        The pool's movie ids (sorted); row i of every array is ``vocab.ids[i]``.
    popularity_ : float32 array of shape (pool,)
        Recency-weighted share of users who rated each movie, in [0, 1].
    seen_counts_ : float32 array of shape (pool,)
        Users who rated each movie (unweighted).
    cond_ : float16 array of shape (pool, pool)
        ``cond_[i, j] = P(seen j | seen i)``.
    info_ : float32 array of shape (pool,)
        Shrunk rating std over the global std.
    vectors_ : float32 array of shape (pool, d)
        Unit similarity vectors for the diversity penalty (zero rows: no penalty).
    n_users_ : int
    """

    def __init__(
        self,
        config: OnboardingConfig,
        movie_ids: npt.ArrayLike,
        popularity: npt.NDArray[np.float32],
        seen_counts: npt.NDArray[np.float32],
        cond: npt.NDArray[np.float16],
        info: npt.NDArray[np.float32],
        vectors: npt.NDArray[np.float32],
        n_users: int,
    ) -> None:
        self.config = config
        self.vocab = Vocabulary(movie_ids)
        self.popularity_ = popularity
        self.seen_counts_ = seen_counts
        self.cond_ = cond
        self.info_ = info
        self.vectors_ = vectors
        self.n_users_ = n_users

    @classmethod
    def build(
        cls,
        ratings: Ratings,
        *,
        vectors: npt.ArrayLike | None = None,
        vector_movie_ids: npt.ArrayLike | None = None,
        config: OnboardingConfig | None = None,
    ) -> OnboardingPicker:
        """Fit the picker on training ratings.

        Parameters
        ----------
        ratings : Ratings
            Timestamps (Unix seconds) enable recency weighting; all-zero means unknown.
        vectors : float array of shape (m, d), optional
            Similarity vectors (or item factors) used to keep slates diverse.
        vector_movie_ids : int array of shape (m,), optional
            Movie id of each row of ``vectors`` (required with ``vectors``).
        config : OnboardingConfig, optional

        Raises
        ------
        ValueError
            No ratings, or ``vectors`` without matching ``vector_movie_ids``.
        """
        config = config or OnboardingConfig()
        if len(ratings) == 0:
            raise ValueError("OnboardingPicker.build: no ratings")
        user_vocab, movie_vocab = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
        users, movies = user_vocab.ids, movie_vocab.ids
        user_rows = user_vocab.rows(ratings.user_ids)
        movie_rows = movie_vocab.rows(ratings.movie_ids)
        # Duplicate (user, movie) rows collapse to one "seen" in the binary matrix below.
        seen = sp.csr_matrix(
            (np.ones(len(ratings), dtype=np.float32), (user_rows, movie_rows)),
            shape=(len(users), len(movies)),
        )
        seen.data[:] = 1.0

        stamps = ratings.timestamps
        if config.half_life_days is not None and np.any(stamps != 0):
            age_days = (stamps.max() - stamps) / SECONDS_PER_DAY
            weight = 0.5 ** (age_days / config.half_life_days)
        else:
            weight = np.ones(len(ratings))
        # Recency-weighted seen share: weighted ratings of the movie over the summed weight
        # of each user's most recent rating (an "active users" count on the same scale).
        user_weight = np.zeros(len(users))
        np.maximum.at(user_weight, user_rows, weight)
        popularity = np.bincount(movie_rows, weight, minlength=len(movies)) / user_weight.sum()

        counts = np.asarray(seen.sum(axis=0)).ravel()
        pool = np.lexsort((movies, -counts, -popularity))[: config.pool_size]
        pool = np.sort(pool)

        co = _co_seen(sp.csr_matrix(seen[:, pool]))
        cond = co / np.maximum(np.diag(co), 1.0)[:, None]

        values = ratings.values.astype(np.float64)
        n = np.bincount(movie_rows, minlength=len(movies)).astype(np.float64)
        mean = np.bincount(movie_rows, values, minlength=len(movies)) / np.maximum(n, 1)
        sq = np.bincount(movie_rows, values**2, minlength=len(movies)) / np.maximum(n, 1)
        var = np.maximum(sq - mean**2, 0.0)
        global_var = float(values.var())
        shrunk = (n * var + config.std_prior * global_var) / (n + config.std_prior)
        info = np.sqrt(shrunk) / max(np.sqrt(global_var), 1e-9)

        pool_vectors = np.zeros((len(pool), 1), dtype=np.float32)
        if vectors is not None:
            if vector_movie_ids is None:
                raise ValueError("OnboardingPicker.build: vectors need vector_movie_ids")
            matrix = np.asarray(vectors, dtype=np.float32)
            vocab = Vocabulary(vector_movie_ids)
            if matrix.ndim != 2 or matrix.shape[0] != len(vocab):
                raise ValueError("OnboardingPicker.build: vectors and vector_movie_ids differ")
            rows = vocab.rows(np.asarray(vector_movie_ids))
            aligned = np.empty_like(matrix)
            aligned[rows] = matrix
            found = vocab.rows(movies[pool])
            pool_vectors = np.zeros((len(pool), matrix.shape[1]), dtype=np.float32)
            pool_vectors[found != MISSING] = aligned[found[found != MISSING]]
            pool_vectors = l2_normalize(pool_vectors)

        return cls(
            config,
            movies[pool],
            popularity[pool].astype(np.float32),
            counts[pool].astype(np.float32),
            cond.astype(np.float16),
            info[pool].astype(np.float32),
            pool_vectors,
            len(users),
        )

    def seen_score(
        self, rated: Iterable[int] = (), skipped: Iterable[int] = ()
    ) -> npt.NDArray[np.float64]:
        """How likely the user is to have seen each pool movie, given their answers.

        A damped naive-Bayes update of the popularity prior: with ``p_j`` the prior, ``b_j``
        the plain seen share and ``D = evidence_damping``,
        ``log s_j = log p_j + Σ_{i∈rated} log(P(j|i) / b_j) / |rated|^D
        + Σ_{i∈skipped} log(P(j|¬i) / b_j) / |skipped|^D``, where
        ``P(j|¬i) = (c_j - P(j|i) c_i) / (N - c_i)``. The damping stands in for the
        independence the naive product wrongly assumes (co-seen evidence is redundant).

        Returns
        -------
        float64 array of shape (pool,), positive; row order of ``vocab.ids``. A relative
        score (equal to the prior without answers), not a calibrated probability.
        """
        rated_rows = self._pool_rows(rated)
        skipped_rows = self._pool_rows(skipped)
        damping = self.config.evidence_damping
        counts = self.seen_counts_.astype(np.float64)
        base = np.clip(counts / self.n_users_, RATIO_FLOOR, 1.0)
        log_score = np.log(np.maximum(self.popularity_.astype(np.float64), RATIO_FLOOR))
        if len(rated_rows):
            given_seen = np.clip(self.cond_[rated_rows].astype(np.float64), RATIO_FLOOR, 1.0)
            log_score += np.log(given_seen / base).sum(axis=0) / len(rated_rows) ** damping
        if len(skipped_rows):
            c_i = counts[skipped_rows][:, None]
            joint = self.cond_[skipped_rows].astype(np.float64) * c_i
            given_unseen = (counts[None, :] - joint) / np.maximum(self.n_users_ - c_i, 1.0)
            given_unseen = np.clip(given_unseen, RATIO_FLOOR, 1.0)
            log_score += np.log(given_unseen / base).sum(axis=0) / len(skipped_rows) ** damping
        return np.exp(log_score)

    def _pool_rows(self, movie_ids: Iterable[int]) -> npt.NDArray[np.int64]:
        rows = self.vocab.rows(np.fromiter((int(m) for m in movie_ids), dtype=np.int64))
        return np.unique(rows[rows != MISSING])

    def propose(
        self,
        n: int,
        *,
        rated: Collection[int] = (),
        skipped: Collection[int] = (),
        exclude: Collection[int] = (),
        seed: int = 0,
    ) -> list[int]:
        """The next ``n`` movies to ask about, best first.

        Parameters
        ----------
        n : int
            Slate size; fewer are returned when the pool runs out.
        rated : collection of int
            Movies the user has rated (seen); never proposed again.
        skipped : collection of int
            Movies the user said they have not seen; never proposed again.
        exclude : collection of int
            Other movies not to propose.
        seed : int
            Seed of the exploration noise; equal inputs and seed give equal slates.

        Raises
        ------
        ValueError
            n < 0.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        cfg = self.config
        score = self.seen_score(rated, skipped) * self.info_.astype(np.float64) ** (cfg.info_weight)
        blocked = np.zeros(len(self.vocab), dtype=bool)
        for ids in (rated, skipped, exclude):
            blocked[self._pool_rows(ids)] = True
        if cfg.exploration > 0:
            noise = np.random.default_rng(seed).gumbel(size=len(score))
            score = score * np.exp(cfg.exploration * noise)
        score[blocked] = -np.inf

        chosen: list[int] = []
        max_cos = np.full(len(score), -np.inf)
        for _ in range(min(n, int((~blocked).sum()))):
            penalty = 1.0 - cfg.diversity * np.clip(max_cos, 0.0, None)
            value = np.where(score > 0, score * penalty, score)
            allowed = value.copy()
            allowed[max_cos > cfg.max_cosine] = -np.inf
            pick_from = allowed if np.isfinite(allowed).any() else value
            best = int(np.argmax(pick_from))
            chosen.append(best)
            score[best] = -np.inf
            max_cos = np.maximum(max_cos, self.vectors_ @ self.vectors_[best])
        return [int(m) for m in self.vocab.ids[chosen]]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Fitted arrays for the ``.npz`` artifact (numeric dtypes only)."""
        return {
            "movie_ids": self.vocab.ids,
            "popularity": self.popularity_,
            "seen_counts": self.seen_counts_,
            "cond": self.cond_,
            "info": self.info_,
            "vectors": self.vectors_,
            "n_users": np.array([self.n_users_], dtype=np.int64),
        }

    def config_dict(self) -> dict[str, Any]:
        """Hyperparameters for the JSON metadata."""
        return asdict(self.config)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], config: dict[str, Any]) -> Self:
        """Inverse of ``to_arrays`` / ``config_dict``.

        Raises
        ------
        CorruptModelError
            Missing keys, inconsistent shapes, or values outside their ranges.
        """
        keys = ("movie_ids", "popularity", "seen_counts", "cond", "info", "vectors", "n_users")
        require_arrays(arrays, keys, "onboarding")
        ids = np.asarray(arrays["movie_ids"])
        m = len(ids)
        cond = np.asarray(arrays["cond"])
        vectors = np.asarray(arrays["vectors"])
        problems = []
        if not are_sorted_ids(ids):
            problems.append("movie_ids must be strictly increasing integers")
        for key in ("popularity", "seen_counts", "info"):
            if np.asarray(arrays[key]).shape != (m,):
                problems.append(f"{key} must have shape ({m},)")
        if cond.shape != (m, m) or not np.all((cond >= 0) & (cond <= 1)):
            problems.append(f"cond must have shape ({m}, {m}) and values in [0, 1]")
        if vectors.ndim != 2 or vectors.shape[0] != m or not np.isfinite(vectors).all():
            problems.append(f"vectors must be finite of shape ({m}, d)")
        if np.asarray(arrays["n_users"]).shape != (1,):
            problems.append("n_users must have shape (1,)")
        if problems:
            raise CorruptModelError("onboarding picker: " + "; ".join(problems))
        try:
            cfg = OnboardingConfig(**config)
        except TypeError as exc:
            raise CorruptModelError(f"onboarding config: {exc}") from None
        return cls(
            cfg,
            ids.astype(np.int64, copy=False),
            np.asarray(arrays["popularity"], dtype=np.float32),
            np.asarray(arrays["seen_counts"], dtype=np.float32),
            cond.astype(np.float16, copy=False),  # no copy of the loaded arrays
            np.asarray(arrays["info"], dtype=np.float32),
            vectors.astype(np.float32, copy=False),
            int(np.asarray(arrays["n_users"])[0]),
        )
