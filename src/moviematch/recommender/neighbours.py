"""Exact top-k cosine neighbours with deterministic tie-breaking."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def top_k_rows(
    vectors: npt.NDArray[np.float32], query_rows: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Top-k cosine neighbours of the query rows, excluding each row itself.

    Ties are broken by row (= ascending movie id), so results are deterministic.

    Parameters
    ----------
    vectors : float32 array of shape (n, d), rows unit length or zero
    query_rows : int64 array of shape (q,)
    k : int, at most n - 1

    Returns
    -------
    rows : int32 array of shape (q, k)
    scores : float32 array of shape (q, k), in [-1, 1], non-increasing along each row
    """
    q, n = len(query_rows), vectors.shape[0]
    if k <= 0:
        return np.empty((q, 0), dtype=np.int32), np.empty((q, 0), dtype=np.float32)
    scores = vectors[query_rows] @ vectors.T
    np.clip(scores, -1.0, 1.0, out=scores)
    scores[np.arange(q), query_rows] = -np.inf
    if k < n - 1:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.lexsort((part, -part_scores), axis=1)
        out_rows = np.take_along_axis(part, order, axis=1).astype(np.int32)
        # argpartition picks arbitrarily among scores tied with the k-th one; redo those
        # rows exactly so ties always go to the lowest row (= lowest movie id).
        kth = part_scores.min(axis=1)
        at_least = (scores >= kth[:, None]).sum(axis=1)
        for i in np.flatnonzero(at_least > k):
            candidates = np.flatnonzero(scores[i] >= kth[i])
            best = np.lexsort((candidates, -scores[i, candidates]))[:k]
            out_rows[i] = candidates[best]
    else:
        ranks = np.broadcast_to(np.arange(n), scores.shape)
        out_rows = np.lexsort((ranks, -scores), axis=1)[:, :k].astype(np.int32)
    out_scores = np.take_along_axis(scores, out_rows.astype(np.int64), axis=1)
    return out_rows, out_scores.astype(np.float32)
