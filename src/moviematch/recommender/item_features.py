"""Content feature blocks of movies: user tags, tag genome, genres and MF item factors.

Every block is a matrix with one row per catalogue movie, each non-empty row L2-normalised,
plus an *evidence* vector in [0, 1] saying how much that row can be trusted. The similarity
index (``similarity.py``) blends the blocks; missing or weak blocks are imputed from the
others (``impute_blocks``) so every movie lives in the same space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from moviematch.recommender.blas_threads import one_blas_thread
from moviematch.recommender.data import Genome, MovieInfo, TagApplications, normalize_tag
from moviematch.recommender.vocab import MISSING, Vocabulary

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Block:
    """One feature block.

    Attributes
    ----------
    name : str
        ``"tags"``, ``"genres"`` or ``"factors"``.
    values : float32 array of shape (n_movies, width)
        Rows L2-normalised, or all zero where the movie has no data for the block.
    evidence : float32 array of shape (n_movies,)
        Trust in each row, 0 (no data) to 1 (plenty).
    """

    name: str
    values: FloatMatrix
    evidence: npt.NDArray[np.float32]


def l2_normalize(matrix: npt.NDArray[np.floating]) -> FloatMatrix:
    """Rows scaled to unit length; all-zero rows stay zero. Returns float32."""
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _normalize_sparse(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def _idf(document_frequency: npt.NDArray[np.float64], n_documents: int) -> np.ndarray:
    # Smoothed idf: a term in every document still weighs 1, a rare one up to ~1 + log(n).
    return np.log((1.0 + n_documents) / (1.0 + document_frequency)) + 1.0


def tag_matrix(
    vocab: Vocabulary,
    tags: TagApplications | None,
    genome: Genome | None,
    *,
    min_movies: int,
    tag_prior: float,
    genome_weight: float,
    genome_top: int,
) -> tuple[sp.csr_matrix, npt.NDArray[np.float32]]:
    """Sparse tag profile of every movie over one shared vocabulary of normalised tags.

    User tags give a TF-IDF row: term frequency = number of distinct users who applied the
    tag (sublinear, ``1 + log tf``), idf over the tagged movies; tags on fewer than
    ``min_movies`` movies are dropped unless the genome also names them. Genome relevance
    scores are centred per tag (minus the tag's mean over genome movies) and clipped at 0, so
    only tags *more* relevant than usual count, then placed on the columns of the same
    normalised names, which lets a genome movie match a movie that only has user tags.

    Parameters
    ----------
    vocab : Vocabulary
        The catalogue's movie ids; applications for other movies are ignored.
    tags, genome : optional
        ``tags.user_ids`` (int64, one per application) is used when present to count
        distinct users; otherwise each application counts as one user.
    min_movies : int
        Document-frequency floor for user tags.
    tag_prior : float
        Number of distinct taggers at which user-tag evidence reaches 0.5.
    genome_weight : float
        Weight of the (unit) genome row against the (unit, evidence-scaled) user-tag row.
    genome_top : int
        Only each movie's ``genome_top`` most (excess-)relevant genome tags are kept: the
        long tail of small positive scores otherwise makes all genome movies look alike.

    Returns
    -------
    matrix : scipy CSR of shape (n_movies, n_terms), rows L2-normalised (or empty)
    evidence : float32 array of shape (n_movies,)
        1 for genome movies, ``n / (n + tag_prior)`` for n distinct taggers otherwise.
    """
    n = len(vocab)
    genome_names: list[str] = []
    if genome is not None:
        genome_names = [normalize_tag(name) for name in genome.tag_names]

    # Distinct (user, movie, tag) triples after normalisation.
    triples: set[tuple[int, int, str]] = set()
    if tags is not None and len(tags.tags):
        rows = vocab.rows(tags.movie_ids)
        user_ids = tags.user_ids
        users = (
            np.asarray(user_ids, dtype=np.int64)
            if user_ids is not None
            else np.arange(len(tags.tags), dtype=np.int64)  # each application its own user
        )
        for row, user, raw in zip(rows.tolist(), users.tolist(), tags.tags, strict=True):
            term = normalize_tag(raw)
            if row != MISSING and term:
                triples.add((user, row, term))

    counts: dict[tuple[int, str], int] = {}
    for _user, row, term in triples:
        counts[(row, term)] = counts.get((row, term), 0) + 1
    movies_per_term: dict[str, int] = {}
    for _row, term in counts:
        movies_per_term[term] = movies_per_term.get(term, 0) + 1
    genome_set = set(genome_names)
    kept_terms = sorted(
        t for t, df in movies_per_term.items() if df >= min_movies or t in genome_set
    )
    terms = sorted(set(kept_terms) | genome_set)
    column = {t: j for j, t in enumerate(terms)}

    taggers = np.zeros(n, dtype=np.float64)
    data, indptr_rows, cols = [], [], []
    kept = set(kept_terms)
    tagged_rows = {row for (row, term) in counts if term in kept}
    df = np.zeros(len(terms), dtype=np.float64)
    for (_row, term), _c in counts.items():
        if term in kept:
            df[column[term]] += 1
    idf = _idf(df, max(len(tagged_rows), 1))
    for (row, term), c in counts.items():
        if term in kept:
            indptr_rows.append(row)
            cols.append(column[term])
            data.append((1.0 + np.log(c)) * idf[column[term]])
    for _user, row, term in triples:
        if term in kept:
            taggers[row] += 1
    user_part = _normalize_sparse(
        sp.csr_matrix((data, (indptr_rows, cols)), shape=(n, len(terms)), dtype=np.float64)
    )
    evidence = (taggers / (taggers + tag_prior)).astype(np.float32)
    user_part = sp.csr_matrix(sp.diags(evidence.astype(np.float64)) @ user_part)

    if genome is not None and len(genome.movie_ids):
        g_rows = vocab.rows(genome.movie_ids)
        known = g_rows != MISSING
        scores = np.asarray(genome.scores, dtype=np.float64)
        centred = np.clip(scores - scores.mean(axis=0, keepdims=True), 0.0, None)[known]
        if genome_top < centred.shape[1]:
            cutoff = -np.partition(-centred, genome_top - 1, axis=1)[:, genome_top - 1]
            centred[centred < cutoff[:, None]] = 0.0
        # Sparse from here on: with tens of thousands of user-tag terms a dense movies × terms
        # matrix would take gigabytes, and each movie keeps only its genome_top scores.
        term_of = np.array([column[name] for name in genome_names], dtype=np.int64)
        local, genome_col = np.nonzero(centred)
        values = centred[local, genome_col]
        at_term = term_of[genome_col]
        # Several raw genome names may normalise to one term: keep the strongest.
        order = np.lexsort((-values, at_term, local))
        local, at_term, values = local[order], at_term[order], values[order]
        first = np.ones(len(local), dtype=bool)
        first[1:] = (local[1:] != local[:-1]) | (at_term[1:] != at_term[:-1])
        local, at_term, values = local[first], at_term[first], values[first]
        norms = np.sqrt(np.bincount(local, weights=values**2, minlength=centred.shape[0]))
        values = (values / norms[local]).astype(np.float32).astype(np.float64) * genome_weight
        genome_rows = g_rows[known]
        genome_part = sp.csr_matrix(
            (values, (genome_rows[local], at_term)), shape=(n, len(terms)), dtype=np.float64
        )
        user_part = user_part + genome_part
        evidence[genome_rows[np.unique(local)]] = 1.0
    return _normalize_sparse(sp.csr_matrix(user_part)), evidence


def genre_block(vocab: Vocabulary, movies: MovieInfo) -> Block:
    """Genres one-hot, idf-weighted (sharing "Film-Noir" says more than sharing "Drama").

    Movies absent from ``movies`` or with no genres get a zero row and evidence 0.
    """
    names = sorted({g for gs in movies.genres for g in gs})
    column = {g: j for j, g in enumerate(names)}
    values = np.zeros((len(vocab), len(names)), dtype=np.float64)
    rows = vocab.rows(movies.movie_ids)
    for row, genres in zip(rows.tolist(), movies.genres, strict=True):
        if row != MISSING:
            for g in genres:
                values[row, column[g]] = 1.0
    if names:
        values *= _idf(values.sum(axis=0), len(vocab))[None, :]
    evidence = (values.sum(axis=1) > 0).astype(np.float32)
    return Block("genres", l2_normalize(values), evidence)


def factor_block(
    item_factors: npt.NDArray[np.floating],
    rating_counts: npt.ArrayLike | None,
    rating_prior: float,
) -> Block:
    """MF item factors, each row normalised; evidence ``n / (n + rating_prior)``.

    Without counts, every non-zero factor row has evidence 1. Normalising a rarely rated
    item's (small, noisy) factor row blows up noise, which is why the evidence matters.
    """
    factors = np.asarray(item_factors, dtype=np.float64)
    nonzero = np.linalg.norm(factors, axis=1) > 0
    if rating_counts is None:
        evidence = nonzero.astype(np.float32)
    else:
        counts = np.asarray(rating_counts, dtype=np.float64)
        evidence = (np.where(nonzero, counts / (counts + rating_prior), 0.0)).astype(np.float32)
    return Block("factors", l2_normalize(factors), evidence)


def truncated_projection(
    matrix: sp.spmatrix | np.ndarray, k: int, seed: int
) -> npt.NDArray[np.float64]:
    """Rows of ``matrix`` projected on its top-k right singular vectors (no centring).

    Without centring, dot products between rows are preserved up to the discarded
    spectrum, which is what cosine similarity needs. Dense LAPACK for small inputs,
    ARPACK (seeded start vector) for large sparse ones.

    Returns
    -------
    float64 array of shape (n_rows, min(k, rank bound))
    """
    n_rows, n_cols = matrix.shape
    sparse = not isinstance(matrix, np.ndarray)
    if n_cols <= k or min(n_rows, n_cols) <= 4 * k or not sparse:
        dense = sp.csr_matrix(matrix).toarray() if sparse else np.asarray(matrix, np.float64)
        if n_cols <= k:
            return dense
        with one_blas_thread():
            _u, _s, vt = np.linalg.svd(dense, full_matrices=False)
        return dense @ vt[:k].T
    v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, size=min(n_rows, n_cols))
    with one_blas_thread():
        _u, _s, vt = spla.svds(sp.csr_matrix(matrix, dtype=np.float64), k=k, v0=v0)
    return np.asarray(matrix @ vt.T)


def impute_blocks(blocks: list[Block], ridge: float) -> list[FloatMatrix]:
    """Each block with weak rows shrunk toward a prediction from the other blocks.

    For block k, a ridge regression (with intercept) from the evidence-scaled other blocks
    is fitted on the movies weighted by their block-k evidence ``e``:
    ``W = (Zᵀ E Z + ridge·I)⁻¹ Zᵀ E B``. The blended row is
    ``normalize(e·B + (1 - e)·normalize(Z W))``: a movie with plenty of tags keeps its own
    tag row, one without tags gets the tag row typical of its genres and factors.

    Returns
    -------
    list of float32 arrays, one per block, rows unit length (zero only for movies with no
    evidence in any block).
    """
    any_evidence = np.zeros(len(blocks[0].evidence), dtype=bool)
    for block in blocks:
        any_evidence |= block.evidence > 0
    out = []
    for k, block in enumerate(blocks):
        e = block.evidence.astype(np.float64)
        others = [b.values * b.evidence[:, None] for j, b in enumerate(blocks) if j != k]
        if others and e.sum() > 0 and np.any(e < 1):
            z = np.hstack([*others, np.ones((len(e), 1))]).astype(np.float64)
            gram = (z * e[:, None]).T @ z + ridge * np.eye(z.shape[1])
            weights = np.linalg.solve(gram, (z * e[:, None]).T @ block.values)
            predicted = l2_normalize(z @ weights).astype(np.float64)
            blended = e[:, None] * block.values + (1.0 - e[:, None]) * predicted
        else:
            blended = block.values.astype(np.float64)
        blended[~any_evidence] = 0.0
        out.append(l2_normalize(blended))
    return out
