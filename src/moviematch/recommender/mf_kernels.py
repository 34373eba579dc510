"""The numba kernels of MF training (see ``mf`` for the maths, the strata and the visiting order).

Kept apart so that importing the engine to *serve* a model does not load numba.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

# Reassociation lets LLVM vectorise the dot product (8 float32 lanes) and fuse multiply-adds;
# NaN/∞ stay IEEE (no "nnan"/"ninf"), so a diverging run still shows up in ``mf._check_finite``.
_FASTMATH = {"reassoc", "contract", "nsz"}
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a well-mixed 64-bit value from a counter."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def shuffled_positions(
    start: int, count: int, seed: int, user: int, out: npt.NDArray[np.int64]
) -> None:
    """``out[:count]`` = a Fisher-Yates permutation of ``start … start + count - 1``.

    The random stream is a function of (``seed``, ``user``) only, so a block's order does not
    depend on which thread runs it or when.
    """
    state = _mix(np.uint64(seed) ^ (np.uint64(user) * _GOLDEN))
    for j in range(count):
        out[j] = start + j
    for j in range(count - 1, 0, -1):
        state = state + _GOLDEN
        r = np.int64(_mix(state) % np.uint64(j + 1))
        tmp = out[j]
        out[j] = out[r]
        out[r] = tmp


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def sgd_block(
    users: npt.NDArray[np.int64],
    user_ptr: npt.NDArray[np.int64],
    item_rows: npt.NDArray[np.int32],
    values: npt.NDArray[np.float32],
    mu: np.float32,
    bu: npt.NDArray[np.float32],
    bi: npt.NDArray[np.float32],
    pu: npt.NDArray[np.float32],
    qi: npt.NDArray[np.float32],
    lr: np.float32,
    reg: np.float32,
    reg_bias: np.float32,
    seed: int,
) -> float:
    """SGD over one block: ``users`` in that order, each user's ratings of the block (positions
    ``user_ptr[u]:user_ptr[u + 1]`` of ``item_rows``/``values``) in a shuffled order.

    Updates bu, bi, pu, qi in place; returns Σe² (accumulated in float64).
    """
    n_factors = pu.shape[1]
    longest = 0
    for u in users:
        longest = max(longest, user_ptr[u + 1] - user_ptr[u])
    order = np.empty(longest, dtype=np.int64)
    sq_err = 0.0
    for u in users:
        start = user_ptr[u]
        count = user_ptr[u + 1] - start
        if count == 0:
            continue
        shuffled_positions(start, count, seed, u, order)
        p = pu[u]
        for j in range(count):
            idx = order[j]
            i = item_rows[idx]
            q = qi[i]
            dot = np.float32(0.0)
            for f in range(n_factors):
                dot += p[f] * q[f]
            err = values[idx] - (mu + bu[u] + bi[i] + dot)
            sq_err += np.float64(err) * np.float64(err)
            bu[u] += lr * (err - reg_bias * bu[u])
            bi[i] += lr * (err - reg_bias * bi[i])
            for f in range(n_factors):
                puf = p[f]
                qif = q[f]
                p[f] = puf + lr * (err * qif - reg * puf)
                q[f] = qif + lr * (err * puf - reg * qif)
    return sq_err


@numba.njit(cache=True, nogil=True, parallel=True)
def sgd_epoch(
    group_users: npt.NDArray[np.int64],
    group_ptr: npt.NDArray[np.int64],
    strata_order: npt.NDArray[np.int64],
    user_ptr: npt.NDArray[np.int64],
    item_rows: npt.NDArray[np.int32],
    values: npt.NDArray[np.float32],
    mu: np.float32,
    bu: npt.NDArray[np.float32],
    bi: npt.NDArray[np.float32],
    pu: npt.NDArray[np.float32],
    qi: npt.NDArray[np.float32],
    lr: np.float32,
    reg: np.float32,
    reg_bias: np.float32,
    seed: int,
) -> float:
    """One epoch: for each sub-epoch s in ``strata_order``, the blocks (a, (a + s) mod P) of
    user group a and item group (a + s) mod P, a = 0 … P-1, run in parallel.

    Group a's users, in visiting order, are ``group_users[group_ptr[a]:group_ptr[a + 1]]``;
    ``user_ptr[b]`` indexes the ratings of item group b, sorted by user. The blocks of one
    sub-epoch share no user and no item, so the result is that of running them one after the
    other: it does not depend on the number of threads. Returns Σe² (float64, summed in a
    fixed order).
    """
    n_strata = user_ptr.shape[0]
    sq_err = 0.0
    for s in strata_order:
        part = np.zeros(n_strata)
        for a in numba.prange(n_strata):
            b = (a + s) % n_strata
            users = group_users[group_ptr[a] : group_ptr[a + 1]]
            part[a] = sgd_block(
                users, user_ptr[b], item_rows, values, mu, bu, bi, pu, qi,
                lr, reg, reg_bias, seed * n_strata + b,
            )  # fmt: skip
        for a in range(n_strata):
            sq_err += part[a]
    return sq_err
