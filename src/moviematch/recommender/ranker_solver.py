"""The ranker's closed-form solver: P = (G + Λ)⁻¹ and XᵀY, then B formed and pruned in blocks.

``ranker.ItemItemRanker`` is the component; its module docstring states the model. Here
``solve`` builds the binary "seen" matrix X and "liked" matrix Y of the training ratings,
inverts G + Λ (G = XᵀX, Λ = diag(λ + c·G_jj)) and returns the parts the served matrix

    B = B_liked / rms(B_liked) + seen_weight · B_seen / rms(B_seen)
    B_liked = P·XᵀY − P·diag(γ),  γ_j = (P·XᵀY)_jj / P_jj
    B_seen  = −P·diagMat(1/diag P)  (diagonal set to 0)

is made of; ``prune`` forms B a block of rows at a time, keeping each row's ``top_k``
largest |weights| as float32 CSR. ``DenseParts.input_scores`` gives the unpruned scores of
many users at once, which is what tuning the blend weights needs (``tuning``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.linalg import get_blas_funcs, get_lapack_funcs

from moviematch.recommender.blas_threads import one_blas_thread
from moviematch.recommender.errors import ModelFitError

if TYPE_CHECKING:
    from moviematch.recommender.ranker_config import RankerConfig

# Rows of P processed at once when forming B: bounds the temporary dense block to
# _BLOCK × n_items floats whatever the catalogue size.
_BLOCK = 1024

#: Catalogues up to this many modelled films are solved in float64, larger ones in float32
#: (half the memory and about twice the speed; the system is a well-conditioned ridge).
FLOAT64_MAX_ITEMS = 4096
# Users who rated at least this share of the modelled films enter G and XᵀY through dense
# BLAS blocks (SYRK for G, GEMM for XᵀY: about 3·n² flops per user at the BLAS rate), the
# others through the co-rating kernel (``ranker_kernels``: about n_u² counting steps of ~1 ns).
# Measured at ML-25M's scale (10k films): break-even near n_u = n/5; the 949 users above it
# hold 57 % of Σ n_u² (2.3·10¹⁰ pairs).
_DENSE_USER_SHARE = 1 / 5
_USER_BLOCK = 1024


def solve(
    user_rows: npt.ArrayLike,
    item_rows: npt.ArrayLike,
    stars: npt.ArrayLike,
    n_items: int,
    config: RankerConfig,
) -> DenseParts:
    """The unpruned parts of B for training ratings given as dense rows.

    Parameters
    ----------
    user_rows, item_rows : int array (n,)
        User rows (any non-negative ints) and item rows in ``[0, n_items)``.
    stars : float array (n,)
        Ratings in stars (only compared with ``config.like_threshold``).
    n_items : int
        Catalogue size; score vectors have this length.
    config : RankerConfig
        ``l2``, ``dropout``, ``like_threshold``, ``seen_weight``, ``min_item_ratings`` are used.

    Raises
    ------
    ModelFitError
        No ratings, mismatched lengths, item rows out of range, no item with
        ``min_item_ratings`` ratings, or a singular system.
    """
    users = np.asarray(user_rows, dtype=np.int64)
    items = np.asarray(item_rows, dtype=np.int64)
    values = np.asarray(stars, dtype=np.float64)
    if len(values) == 0:
        raise ModelFitError("ranker: cannot fit on an empty set of ratings")
    if not len(users) == len(items) == len(values):
        raise ModelFitError("ranker: user_rows, item_rows and stars differ in length")
    if items.min() < 0 or items.max() >= n_items or users.min() < 0:
        raise ModelFitError(f"ranker: item rows must lie in [0, {n_items})")
    counts = np.bincount(items, minlength=n_items)
    kept = modelled_rows(counts, config.min_item_ratings, config.max_items)
    if len(kept) == 0:
        raise ModelFitError(
            f"ranker: no movie has the {config.min_item_ratings} training ratings "
            "min_item_ratings asks for"
        )
    local = np.full(n_items, -1, dtype=np.int64)
    local[kept] = np.arange(len(kept))
    mask = local[items] >= 0
    _, user_local = np.unique(users, return_inverse=True)
    n_users = int(user_local.max()) + 1
    shape = (n_users, len(kept))
    x = sp.csr_matrix((np.ones(mask.sum()), (user_local[mask], local[items[mask]])), shape=shape)
    # Duplicate (user, item) pairs would sum to 2; "seen" is binary.
    x.data[:] = 1.0
    liked = mask & (values >= config.like_threshold)
    y = sp.csr_matrix((np.ones(liked.sum()), (user_local[liked], local[items[liked]])), shape=shape)
    y.data[:] = 1.0
    dtype = np.float64 if len(kept) <= FLOAT64_MAX_ITEMS else np.float32
    gram, xty = _products(x, y, dtype)
    diag = np.diag(gram).copy()
    gram[np.diag_indices_from(gram)] += config.l2 * n_users + config.dropout * diag
    p = _spd_inverse(gram)
    return DenseParts(p, xty, config.seen_weight, kept, n_items, np.log1p(counts))


def modelled_rows(
    counts: npt.NDArray[np.int64], min_item_ratings: int, max_items: int
) -> npt.NDArray[np.int64]:
    """Rows inside the item-item model: ≥ ``min_item_ratings`` ratings, the ``max_items``
    most-rated of them (ties → lower row), in increasing row order (int64)."""
    eligible = np.flatnonzero(counts >= min_item_ratings)
    if len(eligible) > max_items:
        order = np.lexsort((eligible, -counts[eligible]))
        eligible = np.sort(eligible[order[:max_items]])
    return eligible.astype(np.int64)


def _products(
    x: sp.csr_matrix, y: sp.csr_matrix, dtype: type[np.floating]
) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating]]:
    """G = XᵀX (its upper triangle; the lower one is zero) and XᵀY, dense C-ordered ``dtype``.

    Both are exact: they count co-ratings. The solve needs only G's upper triangle (the
    Cholesky factorisation reads one). Users with ratings of at least ``_DENSE_USER_SHARE`` of
    the films are added ``_USER_BLOCK`` at a time as dense rows through BLAS (SYRK, GEMM),
    accumulating in place; the others by the numba co-rating kernel.
    """
    n = x.shape[1]
    per_user = np.diff(x.indptr)
    dense = per_user >= _DENSE_USER_SHARE * n
    heavy, light = np.flatnonzero(dense), np.flatnonzero(~dense)
    gram = np.zeros((n, n), dtype=dtype)
    xty = np.zeros((n, n), dtype=dtype)
    if len(light):
        # numba is loaded here, at training time only (serving reads the pruned weights).
        from moviematch.recommender.ranker_kernels import co_counts

        # The kernel counts stored entries: X and Y are binary, so drop explicit zeros.
        x_light, y_light = x[light], y[light]
        for part in (x_light, y_light):
            part.eliminate_zeros()
            part.sort_indices()
        # Column a of X with, for each user in it, a's position in that user's sorted row.
        positions = np.arange(x_light.nnz, dtype=np.int64) - np.repeat(
            x_light.indptr[:-1].astype(np.int64), np.diff(x_light.indptr)
        )
        columns = sp.csr_matrix(
            (positions, x_light.indices, x_light.indptr), shape=x_light.shape
        ).tocsc()
        co_counts(
            x_light.indptr.astype(np.int64), x_light.indices.astype(np.int32, copy=False),
            y_light.indptr.astype(np.int64), y_light.indices.astype(np.int32, copy=False),
            columns.indptr.astype(np.int64), columns.indices.astype(np.int32, copy=False),
            columns.data, gram, xty,
        )  # fmt: skip
    # BLAS works on the Fortran-ordered views: G's lower triangle there is our upper one, and
    # YᵀX there is XᵀY here.
    gram_f, ytx_f = gram.T, xty.T
    syrk, gemm = get_blas_funcs(("syrk", "gemm"), dtype=dtype)
    for start in range(0, len(heavy), _USER_BLOCK):
        rows = heavy[start : start + _USER_BLOCK]
        xd = np.asfortranarray(x[rows].toarray(), dtype=dtype)
        yd = np.asfortranarray(y[rows].toarray(), dtype=dtype)
        gram_f = syrk(1.0, xd, beta=1.0, c=gram_f, trans=1, lower=1, overwrite_c=1)
        ytx_f = gemm(1.0, yd, xd, beta=1.0, c=ytx_f, trans_a=1, overwrite_c=1)
    return np.ascontiguousarray(gram_f.T), np.ascontiguousarray(ytx_f.T)


def _spd_inverse(matrix: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Inverse of a symmetric positive-definite matrix, in place (Cholesky, LAPACK potri).

    Only the upper triangle of ``matrix`` is read. No second n×n buffer: at 12k films in
    float32 that is 576 MB saved over ``np.linalg.inv``. ``matrix`` is overwritten and
    returned holding the inverse.
    """
    potrf, potri = get_lapack_funcs(("potrf", "potri"), (matrix,))
    # LAPACK works on the Fortran-ordered view: its lower triangle is our upper one.
    with one_blas_thread():
        factor, info = potrf(matrix.T, lower=True, overwrite_a=True, clean=False)
        if info != 0:  # pragma: no cover - Λ > 0 keeps G + Λ definite
            raise ModelFitError(f"ranker: item-item system is not positive definite ({info})")
        inverse, info = potri(factor, lower=True, overwrite_c=True)
    if info != 0:  # pragma: no cover
        raise ModelFitError(f"ranker: singular item-item system ({info})")
    out = inverse.T  # C-ordered again, upper triangle valid
    n = len(out)
    for start in range(0, n, _BLOCK):
        stop = min(n, start + _BLOCK)
        # Mirror the upper triangle into the lower one, a block of rows at a time.
        block = out[start:stop, :stop]
        upper = out[:stop, start:stop].T
        lower = np.tril(np.ones((stop - start, stop), dtype=bool), k=start - 1)
        block[lower] = upper[lower]
    return np.ascontiguousarray(out)


class DenseParts:
    """B = B_liked/rms + seen_weight·B_seen/rms, produced a block of rows at a time.

    ``input_scores`` gives both parts' item scores for many users at once, which is what
    tuning the blend weights needs.

    Holding P and XᵀY (2·n² floats) but never the full B avoids a third and fourth dense
    n×n matrix, which matters at 10k items.

    Attributes
    ----------
    kept : int64 array (m,)
        Catalogue rows inside the item-item model (``modelled`` as indices).
    modelled : bool array (n_items,)
        Rows with at least ``min_item_ratings`` training ratings.
    log_popularity : float32 array (n_items,)
        log(1 + training ratings) per row.
    """

    def __init__(
        self,
        p: npt.NDArray[np.floating],
        xty: npt.NDArray[np.floating],
        seen_weight: float,
        kept: npt.NDArray[np.int64],
        n_items: int,
        log_popularity: npt.NDArray[np.floating],
    ) -> None:
        self.p = p
        self.xty = xty
        self.kept = kept
        self.n_items = n_items
        self.modelled = np.zeros(n_items, dtype=np.bool_)
        self.modelled[kept] = True
        self.log_popularity = np.asarray(log_popularity, dtype=np.float32)
        self.p_diag = np.diag(p).copy()
        # diag(P·XᵀY) without forming the product: Σ_k P_jk (XᵀY)_kj.
        c_diag = np.einsum("jk,kj->j", p, xty)
        self.gamma = c_diag / self.p_diag
        self.seen_weight = seen_weight
        self.scale_liked, self.scale_seen = self._scales()

    def _raw_block(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating]]:
        p_rows = self.p[rows]
        liked = p_rows @ self.xty - p_rows * self.gamma[None, :]
        seen = -p_rows / self.p_diag[None, :]
        local = np.arange(len(rows))
        # Both constraints hold analytically; set the diagonal exactly to remove rounding.
        liked[local, rows] = 0.0
        seen[local, rows] = 0.0
        return liked, seen

    def _scales(self) -> tuple[float, float]:
        # RMS of each part over an evenly spread sample of rows: only the ratio matters
        # (seen_weight is tuned against it), so a sample is as good as the whole.
        n = len(self.p_diag)
        sample = np.unique(np.linspace(0, n - 1, num=min(n, 256)).astype(np.int64))
        liked, seen = self._raw_block(sample)
        rms_l = float(np.sqrt((liked**2).mean()))
        rms_s = float(np.sqrt((seen**2).mean()))
        return max(rms_l, 1e-300), max(rms_s, 1e-300)

    def input_scores(
        self,
        inputs: list[npt.NDArray[np.int64]],
        weights: list[npt.NDArray[np.float64]] | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Unpruned liked and seen scores (each RMS-scaled) of several users.

        Parameters
        ----------
        inputs : list of int64 arrays
            Each user's rated *catalogue* rows; rows outside the model are ignored.
        weights : list of float64 arrays, optional
            Each user's input weight per rated row (``ranker.input_weights``); 1 if omitted.

        Returns
        -------
        liked, seen : float64 arrays (n_users, n_items)
            Zero in columns of unmodelled items.
        """
        local = np.full(self.n_items, -1, dtype=np.int64)
        local[self.kept] = np.arange(len(self.kept))
        x = np.zeros((len(inputs), len(self.kept)), dtype=self.p.dtype)
        for u, rows in enumerate(inputs):
            rows_local = local[np.asarray(rows, dtype=np.int64)]
            w = np.ones(len(rows_local)) if weights is None else weights[u]
            x[u, rows_local[rows_local >= 0]] = w[rows_local >= 0]
        xp = x @ self.p
        liked_local = (xp @ self.xty - xp * self.gamma[None, :]).astype(np.float64)
        seen_local = (-xp / self.p_diag[None, :]).astype(np.float64)
        # Zero diagonal of B: liked's diagonal is zero by the choice of γ; seen's is −1
        # before the constraint, so add the inputs back.
        seen_local += x.astype(np.float64)
        liked = np.zeros((len(inputs), self.n_items))
        seen = np.zeros((len(inputs), self.n_items))
        liked[:, self.kept] = liked_local / self.scale_liked
        seen[:, self.kept] = seen_local / self.scale_seen
        return liked, seen

    def blocks(self) -> Iterator[tuple[int, npt.NDArray[np.floating]]]:
        """Yield (start, dense block of combined B rows) in local item numbering."""
        n = len(self.p_diag)
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            liked, seen = self._raw_block(np.arange(start, stop))
            combined = liked / self.scale_liked
            if self.seen_weight:
                combined += (self.seen_weight / self.scale_seen) * seen
            yield start, combined


def prune(dense: DenseParts, top_k: int) -> sp.csr_matrix:
    """Keep each row's ``top_k`` largest |weights| (0 = all) as a float32 CSR matrix."""
    kept = dense.kept
    n_items = dense.n_items
    rows_out: list[npt.NDArray[np.int64]] = []
    cols_out: list[npt.NDArray[np.int64]] = []
    vals_out: list[npt.NDArray[np.float32]] = []
    for start, block in dense.blocks():
        n_local = block.shape[1]
        k = n_local if top_k == 0 else min(top_k, n_local)
        if k < n_local:
            top = np.argpartition(-np.abs(block), k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(n_local), block.shape)
        vals = np.take_along_axis(block, top, axis=1)
        local_rows = np.repeat(np.arange(start, start + block.shape[0]), top.shape[1])
        nonzero = vals.ravel() != 0.0
        rows_out.append(kept[local_rows[nonzero]])
        cols_out.append(kept[top.ravel()[nonzero]])
        vals_out.append(vals.ravel()[nonzero].astype(np.float32))
    rows = np.concatenate(rows_out) if rows_out else np.empty(0, np.int64)
    cols = np.concatenate(cols_out) if cols_out else np.empty(0, np.int64)
    vals = np.concatenate(vals_out) if vals_out else np.empty(0, np.float32)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n_items, n_items), dtype=np.float32)
    matrix.sort_indices()
    return matrix
