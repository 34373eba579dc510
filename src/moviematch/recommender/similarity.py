"""Similar movies: tag / genome / genre / MF-factor features → reduced vectors → cosine top-k.

How the vectors are made (details and figures in ``docs/similarity.md``):

1. Blocks (``item_features``): a tag profile (TF-IDF of normalised user tags, merged with
   centred tag-genome relevance on the same vocabulary) reduced by truncated SVD (LSA); idf-
   weighted genres; normalised MF item factors. Each row carries an evidence in [0, 1].
2. Blend: a block row with weak evidence is shrunk toward a ridge prediction of it from the
   other blocks, so a movie without tags still gets a tag-space row typical of its genres and
   factors and stays comparable with well-tagged movies.
3. The unit blocks are concatenated with weights ``sqrt(w_k)`` (so a dot product is the
   weighted mean of the block cosines), reduced to ``dim`` by truncated SVD and L2-normalised.
4. The top ``neighbours`` of every movie are precomputed (int32 rows, float32 cosines);
   ``similar(k)`` beyond that falls back to one matrix-vector product + argpartition.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from moviematch.recommender.artifact import are_sorted_ids, require_arrays
from moviematch.recommender.data import Genome, MovieInfo, TagApplications
from moviematch.recommender.errors import CorruptModelError, UnknownMovieError
from moviematch.recommender.item_features import (
    Block,
    factor_block,
    genre_block,
    impute_blocks,
    l2_normalize,
    tag_matrix,
    truncated_projection,
)
from moviematch.recommender.neighbours import top_k_rows
from moviematch.recommender.vocab import MISSING, Vocabulary


@dataclass(frozen=True)
class SimilarityConfig:
    """Hyperparameters of the similarity index.

    Attributes
    ----------
    dim : int
        Dimensions of the final movie vectors (truncated SVD of the blended blocks).
    tag_dim : int
        Dimensions of the tag block after LSA (truncated SVD of the TF-IDF matrix).
    tag_weight, genre_weight, factor_weight : float
        Relative weight of each block in the cosine; a block with no data at all is dropped.
    genome_weight : float
        Weight of a movie's genome row against its user-tag row inside the tag block.
    genome_top : int
        Genome tags kept per movie (its most relevant ones, relative to the tag's mean).
    tag_prior : float
        Distinct taggers at which user-tag evidence reaches 0.5 (``n / (n + prior)``).
    rating_prior : float
        Ratings at which MF-factor evidence reaches 0.5 (needs ``rating_counts``).
    min_tag_movies : int
        A user tag must be applied to at least this many movies to become a feature.
    ridge : float
        L2 penalty of the regressions that impute weak blocks from the other blocks.
    confidence_floor : float
        Scores are shrunk by ``sqrt(c_a * c_b)`` with ``c = floor + (1 - floor) * evidence``,
        so a barely documented movie (imputed vector) does not crowd the neighbour lists of
        well-documented ones; 1 disables the shrinkage (plain cosine).
    neighbours : int
        Precomputed neighbours per movie (0 disables; ``similar`` then always scans).
    seed : int
        Start vector of the sparse SVD solver.
    """

    dim: int = 64
    tag_dim: int = 64
    tag_weight: float = 1.0
    genre_weight: float = 1.0
    factor_weight: float = 1.0
    genome_weight: float = 1.0
    genome_top: int = 40
    tag_prior: float = 3.0
    rating_prior: float = 10.0
    min_tag_movies: int = 2
    ridge: float = 1.0
    confidence_floor: float = 0.3
    neighbours: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dim < 1 or self.tag_dim < 1 or self.genome_top < 1:
            raise ValueError("SimilarityConfig: dim, tag_dim and genome_top must be >= 1")
        weights = (self.tag_weight, self.genre_weight, self.factor_weight, self.genome_weight)
        if min(weights) < 0 or self.tag_prior <= 0 or self.rating_prior <= 0:
            raise ValueError("SimilarityConfig: weights must be >= 0 and priors > 0")
        if not 0.0 <= self.confidence_floor <= 1.0:
            raise ValueError("SimilarityConfig: confidence_floor must be in [0, 1]")
        if self.neighbours < 0 or self.min_tag_movies < 1 or self.ridge <= 0:
            raise ValueError("SimilarityConfig: neighbours >= 0, min_tag_movies >= 1, ridge > 0")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SimilarityConfig:
        """Config from ``config_dict()`` output; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise CorruptModelError(f"unknown similarity config keys: {sorted(unknown)}")
        return cls(**values)


class SimilarityIndex:
    """Movie vectors and their precomputed nearest neighbours.

    Attributes
    ----------
    vocab : Vocabulary
        Movie ids of the index (sorted); row i of every array is ``vocab.ids[i]``.
    vectors_ : float32 array of shape (n_movies, d)
        Unit-length movie vectors (zero only for a movie with no data at all).
    neighbour_rows_ : int32 array of shape (n_movies, K)
    neighbour_scores_ : float32 array of shape (n_movies, K)
    confidence_ : float32 array of shape (n_movies,)
        ``confidence_floor + (1 - floor) * evidence``, where evidence is the block-weighted
        mean of the movie's own tag / genre / factor evidence; 0 for a movie with no data.
        Scores are ``cos(a, b) * sqrt(confidence_a * confidence_b)``.
    """

    def __init__(
        self,
        config: SimilarityConfig,
        movie_ids: npt.ArrayLike,
        vectors: npt.NDArray[np.float32],
        neighbour_rows: npt.NDArray[np.int32],
        neighbour_scores: npt.NDArray[np.float32],
        confidence: npt.NDArray[np.float32],
    ) -> None:
        self.config = config
        self.vocab = Vocabulary(movie_ids)
        self.vectors_ = vectors
        self.neighbour_rows_ = neighbour_rows
        self.neighbour_scores_ = neighbour_scores
        self.confidence_ = confidence
        # The vectors scaled by √confidence have the shrunk score as dot product; they are
        # formed only when a scan needs them (k beyond the lists), not kept: at 60k movies
        # a second copy of the vectors would be 15 MB of every serving process.
        self._root_confidence = np.sqrt(confidence).astype(np.float32)

    @classmethod
    def build(
        cls,
        movie_ids: npt.ArrayLike,
        movies: MovieInfo,
        tags: TagApplications | None = None,
        genome: Genome | None = None,
        item_factors: npt.NDArray[np.floating] | None = None,
        config: SimilarityConfig | None = None,
        *,
        rating_counts: npt.ArrayLike | None = None,
    ) -> SimilarityIndex:
        """Fit the index for a catalogue.

        Parameters
        ----------
        movie_ids : int array of shape (n,)
            The catalogue, unique MovieLens ids, in the row order of ``item_factors``.
        movies : MovieInfo
            Genres (movies missing from it have no genre data).
        tags, genome : optional
            User tag applications and tag-genome scores; movies outside the catalogue are
            ignored.
        item_factors : float array of shape (n, f), optional
            MF item factors aligned with ``movie_ids`` (biases excluded).
        config : SimilarityConfig, optional
        rating_counts : int array of shape (n,), optional
            Ratings per movie, aligned with ``movie_ids``; scales trust in the factors.

        Raises
        ------
        ValueError
            Duplicate ids, or factor/count arrays not aligned with ``movie_ids``.
        """
        config = config or SimilarityConfig()
        ids = np.asarray(movie_ids, dtype=np.int64)
        vocab = Vocabulary(ids)
        if len(vocab) != len(ids):
            raise ValueError("SimilarityIndex.build: movie_ids contains duplicates")
        if len(ids) < 2:
            raise ValueError("SimilarityIndex.build: need at least two movies")
        order = vocab.rows(ids)  # input row i → sorted row order[i]

        blocks: list[Block] = []
        weights: list[float] = []
        tag_sparse, tag_evidence = tag_matrix(
            vocab,
            tags,
            genome,
            min_movies=config.min_tag_movies,
            tag_prior=config.tag_prior,
            genome_weight=config.genome_weight,
            genome_top=config.genome_top,
        )
        if tag_sparse.nnz and config.tag_weight > 0:
            reduced = l2_normalize(truncated_projection(tag_sparse, config.tag_dim, config.seed))
            blocks.append(Block("tags", reduced, tag_evidence))
            weights.append(config.tag_weight)
        genres = genre_block(vocab, movies)
        if genres.evidence.any() and config.genre_weight > 0:
            blocks.append(genres)
            weights.append(config.genre_weight)
        if item_factors is not None and config.factor_weight > 0:
            factors = np.asarray(item_factors)
            if factors.ndim != 2 or factors.shape[0] != len(ids):
                raise ValueError(
                    f"item_factors has shape {factors.shape}, expected ({len(ids)}, f)"
                )
            counts = None
            if rating_counts is not None:
                counts = np.empty(len(ids))
                counts[order] = np.asarray(rating_counts, dtype=np.float64)
            sorted_factors = np.empty_like(factors, dtype=np.float64)
            sorted_factors[order] = factors
            block = factor_block(sorted_factors, counts, config.rating_prior)
            if block.evidence.any():
                blocks.append(block)
                weights.append(config.factor_weight)

        if blocks:
            blended = impute_blocks(blocks, config.ridge)
            total = sum(weights)
            joined = np.hstack(
                [np.sqrt(w / total) * b for w, b in zip(weights, blended, strict=True)]
            )
            vectors = l2_normalize(truncated_projection(joined, config.dim, config.seed))
            evidence = sum(w * b.evidence for w, b in zip(weights, blocks, strict=True)) / total
            confidence = np.where(
                np.linalg.norm(vectors, axis=1) > 0,
                config.confidence_floor + (1.0 - config.confidence_floor) * evidence,
                0.0,
            )
        else:
            vectors = np.zeros((len(ids), 1), dtype=np.float32)
            confidence = np.zeros(len(ids))
        return cls.from_vectors(vocab.ids, vectors, config, confidence.astype(np.float32))

    @classmethod
    def from_vectors(
        cls,
        movie_ids: npt.NDArray[np.int64],
        vectors: npt.NDArray[np.float32],
        config: SimilarityConfig,
        confidence: npt.NDArray[np.float32] | None = None,
    ) -> SimilarityIndex:
        """Index over given unit vectors (sorted ids), with neighbour lists precomputed.

        ``confidence`` defaults to 1 for every non-zero vector (plain cosine).
        """
        n = len(movie_ids)
        vectors = np.asarray(vectors, dtype=np.float32)
        if confidence is None:
            confidence = (np.linalg.norm(vectors, axis=1) > 0).astype(np.float32)
        scaled = np.ascontiguousarray(vectors * np.sqrt(confidence)[:, None], dtype=np.float32)
        k = max(0, min(config.neighbours, n - 1))
        rows = np.empty((n, k), dtype=np.int32)
        scores = np.empty((n, k), dtype=np.float32)
        if k:
            # numba is loaded here, at build time only (serving reads the lists).
            from moviematch.recommender.neighbours_kernels import top_k_block

            # Blocks of queries bound the temporary block × n score matrix (64 MB); the
            # transposed copy makes the products contiguous (1.7× faster GEMM at 59k).
            columns = np.ascontiguousarray(scaled.T)
            step = max(1, 16_000_000 // max(n, 1))
            for start in range(0, n, step):
                query = np.arange(start, min(n, start + step), dtype=np.int64)
                rows[query], scores[query] = top_k_block(scaled[query] @ columns, query, k)
        return cls(config, movie_ids, vectors, rows, scores, confidence.astype(np.float32))

    def __len__(self) -> int:
        return len(self.vocab)

    def _row(self, movie_id: int) -> int:
        row = int(self.vocab.rows(np.array([movie_id]))[0])
        if row == MISSING:
            raise UnknownMovieError([movie_id])
        return row

    def similar(self, movie_id: int, k: int = 10) -> list[tuple[int, float]]:
        """The k most similar movies, most similar first.

        Parameters
        ----------
        movie_id : int
            A movie of the index.
        k : int
            How many neighbours (capped at the catalogue size minus one).

        Returns
        -------
        list of (movie_id, cosine) with cosine in [-1, 1]; the movie itself never appears;
        equal cosines are ordered by ascending movie id.

        Raises
        ------
        UnknownMovieError
            The id is not in the index.
        ValueError
            k < 0.
        """
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        row = self._row(movie_id)
        k = min(k, len(self.vocab) - 1)
        if k <= self.neighbour_rows_.shape[1]:
            rows = self.neighbour_rows_[row, :k]
            scores = self.neighbour_scores_[row, :k]
        else:
            scaled = self.vectors_ * self._root_confidence[:, None]
            found, found_scores = top_k_rows(scaled, np.array([row]), k)
            rows, scores = found[0], found_scores[0]
        ids = self.vocab.ids[rows]
        return [(int(m), float(s)) for m, s in zip(ids, scores, strict=True)]

    def vectors_for(self, movie_ids: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Unit vectors of the given movies, float32 of shape (len(movie_ids), d).

        Raises
        ------
        UnknownMovieError
            Listing every id not in the index.
        """
        query = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        rows, known = self.vocab.split_known(query)
        if not known.all():
            raise UnknownMovieError(query[~known].tolist())
        return self.vectors_[rows]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Fitted arrays for the ``.npz`` artifact (numeric dtypes only)."""
        return {
            "movie_ids": self.vocab.ids,
            "vectors": self.vectors_,
            "neighbour_rows": self.neighbour_rows_,
            "neighbour_scores": self.neighbour_scores_,
            "confidence": self.confidence_,
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
            A key is missing, or shapes/dtypes/values are inconsistent.
        """
        required = ("movie_ids", "vectors", "neighbour_rows", "neighbour_scores", "confidence")
        require_arrays(arrays, required, "similarity")
        ids = np.asarray(arrays["movie_ids"])
        vectors = np.asarray(arrays["vectors"])
        rows = np.asarray(arrays["neighbour_rows"])
        scores = np.asarray(arrays["neighbour_scores"])
        n = len(ids)
        confidence = np.asarray(arrays["confidence"])
        problems = []
        if not are_sorted_ids(ids):
            problems.append("movie_ids must be strictly increasing integers")
        if vectors.ndim != 2 or vectors.shape[0] != n or not np.isfinite(vectors).all():
            problems.append(f"vectors must be finite of shape ({n}, d), got {vectors.shape}")
        if rows.ndim != 2 or rows.shape[0] != n or rows.shape != scores.shape:
            problems.append("neighbour arrays must both have shape (n_movies, K)")
        elif rows.size and (rows.min() < 0 or rows.max() >= n):
            problems.append("neighbour_rows out of range")
        if confidence.shape != (n,) or np.any(~(np.abs(confidence - 0.5) <= 0.5)):
            problems.append("confidence must have shape (n_movies,) and values in [0, 1]")
        if problems:
            raise CorruptModelError("similarity index: " + "; ".join(problems))
        # copy=False: the loaded arrays already have these dtypes; copies would double the
        # index's memory while loading.
        return cls(
            SimilarityConfig.from_dict(config),
            ids.astype(np.int64, copy=False),
            vectors.astype(np.float32, copy=False),
            rows.astype(np.int32, copy=False),
            scores.astype(np.float32, copy=False),
            confidence.astype(np.float32, copy=False),
        )
