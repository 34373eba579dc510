"""The numba kernels of MF training (see ``mf`` for the maths and the visiting order).

Kept apart so that importing the engine to *serve* a model does not load numba.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt


@numba.njit(cache=True, fastmath=False, nogil=True)
def sgd_epoch(
    order: npt.NDArray[np.int64],
    user_rows: npt.NDArray[np.int32],
    item_rows: npt.NDArray[np.int32],
    values: npt.NDArray[np.float32],
    mu: float,
    bu: npt.NDArray[np.float64],
    bi: npt.NDArray[np.float64],
    pu: npt.NDArray[np.float64],
    qi: npt.NDArray[np.float64],
    lr: float,
    reg: float,
    reg_bias: float,
) -> float:
    """One SGD pass in the given order, updating bu, bi, pu, qi in place; returns Σe²."""
    n_factors = pu.shape[1]
    n_unrolled = n_factors - n_factors % 4
    sq_err = 0.0
    for j in range(order.shape[0]):
        idx = order[j]
        u = user_rows[idx]
        i = item_rows[idx]
        p = pu[u]
        q = qi[i]
        # Four partial sums break the add-latency chain of a sequential dot product
        # (fastmath is off, so LLVM may not do this itself); element f goes to sum f % 4,
        # which the reference reproduces exactly.
        d0 = 0.0
        d1 = 0.0
        d2 = 0.0
        d3 = 0.0
        for f in range(0, n_unrolled, 4):
            d0 += p[f] * q[f]
            d1 += p[f + 1] * q[f + 1]
            d2 += p[f + 2] * q[f + 2]
            d3 += p[f + 3] * q[f + 3]
        for f in range(n_unrolled, n_factors):
            if f % 4 == 0:
                d0 += p[f] * q[f]
            elif f % 4 == 1:
                d1 += p[f] * q[f]
            else:
                d2 += p[f] * q[f]
        dot = (d0 + d1) + (d2 + d3)
        err = np.float64(values[idx]) - (mu + bu[u] + bi[i] + dot)
        sq_err += err * err
        bu[u] += lr * (err - reg_bias * bu[u])
        bi[i] += lr * (err - reg_bias * bi[i])
        for f in range(n_factors):
            puf = p[f]
            qif = q[f]
            p[f] = puf + lr * (err * qif - reg * puf)
            q[f] = qif + lr * (err * puf - reg * qif)
    return sq_err


@numba.njit(cache=True, nogil=True)
def epoch_order(
    user_ptr: npt.NDArray[np.int64], user_perm: npt.NDArray[np.int64], seed: int
) -> npt.NDArray[np.int64]:
    """Visiting order of one epoch over user-sorted ratings.

    Users come in the order ``user_perm``; the ratings of user u (positions
    ``user_ptr[u]:user_ptr[u + 1]``) come in a Fisher-Yates-shuffled order drawn from
    numba's own generator seeded with ``seed`` (NumPy's global state is not touched).
    """
    # Inside njit this seeds numba's generator (the legacy API is all numba offers there).
    np.random.seed(seed)  # noqa: NPY002
    order = np.empty(user_ptr[-1], dtype=np.int64)
    pos = 0
    for u in user_perm:
        start = user_ptr[u]
        k = user_ptr[u + 1] - start
        for j in range(k):
            order[pos + j] = start + j
        for j in range(k - 1, 0, -1):
            r = np.random.randint(0, j + 1)  # noqa: NPY002
            tmp = order[pos + j]
            order[pos + j] = order[pos + r]
            order[pos + r] = tmp
        pos += k
    return order
