"""A stand-in for MF item factors in the similarity tests and benchmark.

The similarity index is tested apart from MF, so these tests take item factors from a
truncated SVD of the user-centred rating matrix: cheap, deterministic and of the same kind.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from moviematch.recommender.data import Ratings


def svd_item_factors(
    ratings: Ratings, movie_ids: npt.NDArray[np.int64], rank: int = 32
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Stand-in for MF item factors: truncated SVD of the user-centred rating matrix.

    Returns factors of shape (len(movie_ids), rank) (zero rows for unrated movies) and the
    rating count of each movie.
    """
    users, user_rows = np.unique(ratings.user_ids, return_inverse=True)
    cols = np.searchsorted(movie_ids, ratings.movie_ids)
    means = np.bincount(user_rows, ratings.values) / np.bincount(user_rows)
    values = ratings.values - means[user_rows]
    matrix = sp.csr_matrix((values, (user_rows, cols)), shape=(len(users), len(movie_ids)))
    v0 = np.random.default_rng(0).uniform(-1, 1, size=min(matrix.shape))
    _u, s, vt = spla.svds(matrix, k=rank, v0=v0)
    factors = (vt.T * np.sqrt(s)).astype(np.float32)
    counts = np.bincount(cols, minlength=len(movie_ids)).astype(np.int64)
    return factors, counts
