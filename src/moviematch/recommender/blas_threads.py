"""One BLAS thread around the LAPACK factorisations of training.

OpenBLAS's threaded LAPACK routines (``potrf``, the ``lauum`` inside ``potri``, the dense
SVD) hand work between their threads many times per call and wait for each other by
spinning. On the shared 2-core development machine, with other jobs running, a second
thread then mostly waits: the ranker's 10k-film inverse and the similarity's dense SVD took
more CPU time *and* more wall time with two threads than with one. BLAS-3 products (GEMM,
SYRK), which split into large independent tiles, keep the whole pool; only the
factorisations run under ``one_blas_thread``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit every loaded BLAS library (NumPy's and SciPy's OpenBLAS) to one thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
