"""ranker_solver's products: BLAS blocks for heavy users, the co-rating kernel for the others."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from moviematch.recommender import ranker_solver


def _binary(rng: np.random.Generator, density: np.ndarray, n_items: int) -> sp.csr_matrix:
    dense = rng.random((len(density), n_items)) < density[:, None]
    return sp.csr_matrix(dense.astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("share", [0.0, 0.2, 2.0])  # all dense, mixed, all by the kernel
def test_products_equal_the_sparse_reference(
    monkeypatch: pytest.MonkeyPatch, dtype: type[np.floating], share: float
) -> None:
    rng = np.random.default_rng(0)
    # Users from nearly empty to nearly full rows, so both paths get some.
    density = np.concatenate([rng.uniform(0.0, 0.1, 300), rng.uniform(0.3, 0.9, 100)])
    x = _binary(rng, density, 150)
    y = x.multiply(rng.random(x.shape) < 0.5).tocsr()
    monkeypatch.setattr(ranker_solver, "_DENSE_USER_SHARE", share)
    monkeypatch.setattr(ranker_solver, "_USER_BLOCK", 37)
    monkeypatch.setattr(ranker_solver, "_BLOCK", 64)
    gram, xty = ranker_solver._products(x, y, dtype)
    assert gram.dtype == dtype
    assert xty.dtype == dtype
    assert gram.flags.c_contiguous
    # Only the upper triangle of G is formed (the Cholesky factorisation reads no other).
    np.testing.assert_array_equal(gram, np.triu((x.T @ x).toarray()))
    np.testing.assert_array_equal(xty, (x.T @ y).toarray())
