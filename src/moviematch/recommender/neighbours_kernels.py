"""The numba kernel that selects every movie's top-k neighbours when an index is built.

``neighbours.top_k_rows`` (NumPy: ``argpartition``, then an exact redo of rows tied at the
k-th score) defines the result; this kernel gives the same rows and scores, tested equal,
in one pass over each row of scores with a k-sized heap: once it is full, most chunks of 32
scores are rejected at once (their maximum is below the heap's worst), where
``argpartition`` and the tie check cost several passes (at 60k movies building the lists
took minutes with NumPy). Kept apart so that
serving, which only reads the precomputed lists, never loads numba.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

# Scores scanned per chunk by the skip test in ``top_k_block``.
_CHUNK = 32


@numba.njit(cache=True, nogil=True, inline="always")
def _worse(score_a: float, row_a: int, score_b: float, row_b: int) -> bool:
    """Is (score_a, row_a) after (score_b, row_b) in the order score desc, row asc?"""
    return score_a < score_b or (score_a == score_b and row_a > row_b)


@numba.njit(cache=True, nogil=True)
def _sift_down(scores: np.ndarray, rows: np.ndarray, start: int, size: int) -> None:
    # A heap whose root is the *worst* kept neighbour.
    i = start
    while True:
        left = 2 * i + 1
        if left >= size:
            return
        worst = left
        right = left + 1
        if right < size and _worse(scores[right], rows[right], scores[left], rows[left]):
            worst = right
        if not _worse(scores[worst], rows[worst], scores[i], rows[i]):
            return
        scores[i], scores[worst] = scores[worst], scores[i]
        rows[i], rows[worst] = rows[worst], rows[i]
        i = worst


@numba.njit(cache=True, nogil=True, parallel=True)
def top_k_block(
    scores: npt.NDArray[np.float32], query_rows: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Each row's k best columns (score desc, column asc), skipping the query's own column.

    Scores are clipped to [-1, 1] first, as ``top_k_rows`` does. ``k`` must be at most the
    number of columns minus one.
    """
    q, n = scores.shape
    out_rows = np.empty((q, k), dtype=np.int32)
    out_scores = np.empty((q, k), dtype=np.float32)
    for i in numba.prange(q):
        heap_scores = np.empty(k, dtype=np.float32)
        heap_rows = np.empty(k, dtype=np.int64)
        size = 0
        own = query_rows[i]
        for chunk in range(0, n, _CHUNK):
            stop = min(n, chunk + _CHUNK)
            if size == k:
                # Once the heap is full, a chunk whose best score is below the worst kept
                # one holds nothing to keep (a tie could: it is scanned): skip it with one
                # vectorised max instead of a comparison per score.
                best = scores[i, chunk]
                for j in range(chunk + 1, stop):
                    best = max(best, scores[i, j])
                if min(max(best, np.float32(-1.0)), np.float32(1.0)) < heap_scores[0]:
                    continue
            for j in range(chunk, stop):
                if j == own:
                    continue
                s = min(max(scores[i, j], np.float32(-1.0)), np.float32(1.0))
                if size < k:
                    heap_scores[size] = s
                    heap_rows[size] = j
                    size += 1
                    if size == k:
                        for start in range(k // 2 - 1, -1, -1):
                            _sift_down(heap_scores, heap_rows, start, k)
                elif _worse(heap_scores[0], heap_rows[0], s, j):
                    heap_scores[0] = s
                    heap_rows[0] = j
                    _sift_down(heap_scores, heap_rows, 0, k)
        # Best first: repeatedly move the root (the worst) to the end of the heap.
        for end in range(k - 1, -1, -1):
            out_scores[i, end] = heap_scores[0]
            out_rows[i, end] = heap_rows[0]
            heap_scores[0] = heap_scores[end]
            heap_rows[0] = heap_rows[end]
            _sift_down(heap_scores, heap_rows, 0, end)
    return out_rows, out_scores
