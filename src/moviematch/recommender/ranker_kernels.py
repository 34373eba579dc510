"""The numba kernel that counts co-ratings for the ranker's solve (``ranker_solver._products``).

G = XᵀX and XᵀY count, for each pair of films (a, b), the users who rated both (and, for
XᵀY, liked b). For users who rated a small share of the films this is cheaper than a dense
GEMM over all n films: the kernel visits only each user's pairs (Σ n_u² steps instead of
n² per user). Row a of both matrices is built by one thread from the users who rated a
(column a of X), so the increments stay in that row (cached) and no two threads write the
same row: the counts are exact and do not depend on the number of threads. Kept apart so
that serving, which only reads the pruned weights, never loads numba.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

# Rows are dealt to threads round-robin in this many interleaved chunks: how many users
# rated a film varies a lot (and with the row, e.g. older films are more rated), so
# contiguous chunks would leave one thread with most of the work.
_CHUNKS = 64


@numba.njit(cache=True, nogil=True, parallel=True)
def co_counts(
    x_indptr: npt.NDArray[np.int64],
    x_indices: npt.NDArray[np.int32],
    y_indptr: npt.NDArray[np.int64],
    y_indices: npt.NDArray[np.int32],
    col_ptr: npt.NDArray[np.int64],
    col_users: npt.NDArray[np.int32],
    col_pos: npt.NDArray[np.int64],
    gram: npt.NDArray[np.floating],
    xty: npt.NDArray[np.floating],
) -> None:
    """Add the users' co-rating counts to ``gram`` (upper triangle only) and ``xty``.

    Parameters
    ----------
    x_indptr, x_indices : CSR of X (users × n), column indices sorted within each row
    y_indptr, y_indices : CSR of Y (the liked subset of X), sorted likewise
    col_ptr, col_users, col_pos : CSC of X: the users who rated film a are
        ``col_users[col_ptr[a]:col_ptr[a + 1]]``, and ``col_pos`` the position of a in each
        one's row of ``x_indices``
    gram, xty : C-ordered (n, n) accumulators; ``gram[a, b]`` for b ≥ a gets Σ_u x_ua x_ub,
        ``xty[a, b]`` gets Σ_u x_ua y_ub.
    """
    n = gram.shape[0]
    for chunk in numba.prange(_CHUNKS):
        for a in range(chunk, n, _CHUNKS):
            g = gram[a]
            c = xty[a]
            for t in range(col_ptr[a], col_ptr[a + 1]):
                u = col_users[t]
                # Sorted rows: the films from a's own position on are the b ≥ a.
                for q in range(x_indptr[u] + col_pos[t], x_indptr[u + 1]):
                    g[x_indices[q]] += 1.0
                for q in range(y_indptr[u], y_indptr[u + 1]):
                    c[y_indices[q]] += 1.0
