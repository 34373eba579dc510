"""Biased matrix factorisation trained by stochastic gradient descent ("Funk SVD").

The model predicts user u's rating of item i as

    r̂(u, i) = μ + b_u + b_i + p_u · q_i

and is fitted by the per-rating update rule popularised by Simon Funk and used by
Surprise's ``SVD``: for every observed rating, in a freshly shuffled order each epoch
(see "Visiting order" below),

    e    = r - r̂(u, i)
    b_u += lr · (e - reg_bias · b_u)
    b_i += lr · (e - reg_bias · b_i)
    p_u += lr · (e · q_i - reg · p_u)        (with the *old* q_i)
    q_i += lr · (e · p_u - reg · q_i)        (with the *old* p_u)

Each update is a gradient step on ``½e² + ½reg_bias(b_u² + b_i²) + ½reg(|p_u|² + |q_i|²)``,
so over a whole epoch user u is regularised ``n_u`` times: the objective SGD approximately
minimises is ``Σ ½e² + Σ_u ½n_u·reg·|p_u|² + …``. ``foldin`` relies on this.

Two implementations share the same arithmetic: a numba kernel (the one used) and a plain
NumPy/Python reference (``train_mf_reference``), which exists so that tests can check the
kernel on small data. Parameters are float32 (half the memory traffic of float64: the kernel
is bound by memory latency at 25M ratings, and it lets the dot product run 8 lanes wide);
the squared errors are summed in float64.

Strata (parallel and deterministic): users and items are each split into ``n_strata``
groups of about equal rating counts, which cuts the ratings into P × P blocks (user group a,
item group b). An epoch is P sub-epochs; sub-epoch s trains the blocks (a, (a + s) mod P),
a = 0 … P-1, at the same time, one thread each (Gemulla et al.'s stratified SGD). Those
blocks share no user and no item, so no two threads ever write the same parameter and the
result is exactly that of running the blocks one after the other: it depends on the seed and
``n_strata``, never on the number of threads or their timing. The default, 2, uses both
cores of the development machine.

Visiting order: each epoch visits the sub-epochs in a new random order; inside a block, the
users in a new random order and each user's ratings of the block in a new random order.
Compared with a uniformly shuffled order this keeps p_u in cache while its ratings are
processed (the kernel is bound by memory latency, not arithmetic): at MovieLens-25M scale
an epoch of the earlier float64 kernel took 5.5 s against 26.4 s, 4.8 times faster
(``bench/bench_mf.py``, ``bench/results/mf.json`` → ``scale``). The user grouping made no
measurable difference to accuracy on ML-100K; two strata against one cost +0.0002 RMSE on
ML-100K and +0.0004 on ml-latest-small, about the seed-to-seed spread (docs/engine.md,
section 5). Surprise itself visits users in a fixed order without shuffling.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.errors import ModelFitError


@dataclass(frozen=True)
class MFConfig:
    """Hyperparameters of biased MF by SGD.

    The defaults were chosen on ML-100K with a held-out validation split (see
    ``docs/engine.md``, "How the defaults were chosen").

    Attributes
    ----------
    n_factors : int
        Length f of the latent vectors p_u and q_i.
    n_epochs : int
        Passes over the training ratings.
    lr : float
        SGD learning rate, shared by biases and factors.
    reg : float
        Per-rating L2 penalty on the factors p_u and q_i.
    reg_bias : float
        Per-rating L2 penalty on the biases b_u and b_i.
    init_std : float
        Standard deviation of the zero-mean normal initialisation of the factors
        (biases start at 0).
    seed : int
        Seeds the initialisation and the per-epoch shuffles; same seed, same model.
    n_strata : int
        P, the user and item groups of stratified SGD (module docstring): up to P threads
        train at once. The model depends on P (not on the number of threads); 1 is plain
        sequential SGD.
    """

    n_factors: int = 100
    n_epochs: int = 30
    lr: float = 0.015
    reg: float = 0.07
    reg_bias: float = 0.02
    init_std: float = 0.01
    seed: int = 0
    n_strata: int = 2

    def __post_init__(self) -> None:
        if self.n_factors < 1 or self.n_epochs < 0 or self.n_strata < 1:
            raise ValueError("MFConfig: n_factors and n_strata must be >= 1, n_epochs >= 0")
        for name in ("lr", "reg", "reg_bias", "init_std"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"MFConfig: {name} must be a finite number >= 0, got {value}")


@dataclass(frozen=True)
class EpochReport:
    """What the progress callback receives after each epoch.

    ``train_rmse`` is measured on the fly, from the error of each rating just before its
    update, so it lags the end-of-epoch parameters slightly.
    """

    epoch: int
    n_epochs: int
    train_rmse: float
    seconds: float


ProgressCallback = Callable[[EpochReport], None]


@dataclass(frozen=True)
class MFFit:
    """Fitted parameters of ``train_mf`` (float32) or ``mf_spark.train_mf_spark`` (float64).

    Attributes
    ----------
    global_mean_ : float
        μ, the mean training rating (stars).
    user_bias_ : float array (n_users,)
    item_bias_ : float array (n_items,)
    user_factors_ : float array (n_users, n_factors)
    item_factors_ : float array (n_items, n_factors)
    epoch_rmse_ : float64 array (n_epochs,)
        On-the-fly training RMSE of each epoch (see ``EpochReport``).
    """

    global_mean_: float
    user_bias_: npt.NDArray[np.floating[Any]]
    item_bias_: npt.NDArray[np.floating[Any]]
    user_factors_: npt.NDArray[np.floating[Any]]
    item_factors_: npt.NDArray[np.floating[Any]]
    epoch_rmse_: npt.NDArray[np.float64]

    def predict(
        self, user_rows: npt.ArrayLike, item_rows: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Unclipped r̂ (float64) for aligned arrays of user and item rows."""
        u = np.asarray(user_rows, dtype=np.int64)
        i = np.asarray(item_rows, dtype=np.int64)
        dots = np.einsum(
            "nf,nf->n",
            self.user_factors_[u].astype(np.float64),
            self.item_factors_[i].astype(np.float64),
        )
        bias = self.user_bias_[u].astype(np.float64) + self.item_bias_[i]
        return np.asarray(self.global_mean_ + bias + dots, dtype=np.float64)


@dataclass(frozen=True)
class Strata:
    """The ratings laid out for stratified SGD (module docstring, "Strata").

    Attributes
    ----------
    user_group, item_group : int64 arrays (n_users,), (n_items,)
        Each row's group in ``[0, n_strata)``.
    user_ptr : int64 array (n_strata, n_users + 1)
        The ratings of item group b by user u are positions ``user_ptr[b, u]:user_ptr[b, u+1]``
        of ``item_rows`` and ``values``.
    item_rows : int32 array (n,)
    values : float32 array (n,)
    """

    user_group: npt.NDArray[np.int64]
    item_group: npt.NDArray[np.int64]
    user_ptr: npt.NDArray[np.int64]
    item_rows: npt.NDArray[np.int32]
    values: npt.NDArray[np.float32]

    @classmethod
    def build(
        cls,
        users: npt.NDArray[np.int32],
        items: npt.NDArray[np.int32],
        stars: npt.NDArray[np.float32],
        n_users: int,
        n_items: int,
        n_strata: int,
    ) -> Strata:
        """Groups balanced by rating count, ratings sorted by (item group, user)."""
        user_group = balanced_groups(np.bincount(users, minlength=n_users), n_strata)
        item_group = balanced_groups(np.bincount(items, minlength=n_items), n_strata)
        key = item_group[items] * n_users + users
        by = np.argsort(key, kind="stable")
        flat = np.zeros(n_strata * n_users + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=n_strata * n_users), out=flat[1:])
        user_ptr = np.stack([flat[b * n_users : (b + 1) * n_users + 1] for b in range(n_strata)])
        return cls(user_group, item_group, user_ptr, items[by], stars[by])

    @property
    def n_strata(self) -> int:
        return int(self.user_ptr.shape[0])

    def epoch_plan(
        self, rng: np.random.Generator
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
        """One epoch's visiting order: (group_users, group_ptr, strata_order, block seed).

        Group a's users in their random order are ``group_users[group_ptr[a]:group_ptr[a+1]]``.
        """
        n_strata = self.n_strata
        perm = rng.permutation(len(self.user_group))
        group_users = perm[np.argsort(self.user_group[perm], kind="stable")]
        group_ptr = np.zeros(n_strata + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.user_group, minlength=n_strata), out=group_ptr[1:])
        strata_order = rng.permutation(n_strata).astype(np.int64)
        return group_users, group_ptr, strata_order, int(rng.integers(0, 2**31 - 1))


def balanced_groups(counts: npt.NDArray[np.integer[Any]], n_groups: int) -> npt.NDArray[np.int64]:
    """Rows dealt to ``n_groups`` groups in snake order of decreasing count (0, 1, …, P-1,
    P-1, …, 0, 0, …; ties by row), so every group gets about the same total count."""
    order = np.lexsort((np.arange(len(counts)), -np.asarray(counts, dtype=np.int64)))
    turn = np.arange(len(counts)) % (2 * n_groups)
    group = np.empty(len(counts), dtype=np.int64)
    group[order] = np.where(turn < n_groups, turn, 2 * n_groups - 1 - turn)
    return group


def _sgd_epoch_reference(
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
    """Plain NumPy transcription of ``mf_kernels.sgd_epoch`` (the blocks of a sub-epoch one
    after the other, float32 arithmetic), for tests; slow: a Python loop."""
    from moviematch.recommender.mf_kernels import shuffled_positions

    n_strata = user_ptr.shape[0]
    sq_err = 0.0
    for s in strata_order:
        for a in range(n_strata):
            b = (a + int(s)) % n_strata
            ptr = user_ptr[b]
            for u in group_users[group_ptr[a] : group_ptr[a + 1]]:
                start, count = int(ptr[u]), int(ptr[u + 1] - ptr[u])
                if count == 0:
                    continue
                order = np.empty(count, dtype=np.int64)
                shuffled_positions(start, count, seed * n_strata + b, int(u), order)
                for idx in order:
                    i = int(item_rows[idx])
                    p_old, q_old = pu[u].copy(), qi[i].copy()
                    dot = np.float32((p_old * q_old).sum(dtype=np.float32))
                    err = values[idx] - (mu + bu[u] + bi[i] + dot)
                    sq_err += float(err) ** 2
                    bu[u] += lr * (err - reg_bias * bu[u])
                    bi[i] += lr * (err - reg_bias * bi[i])
                    pu[u] = p_old + lr * (err * q_old - reg * p_old)
                    qi[i] = q_old + lr * (err * p_old - reg * q_old)
    return sq_err


def train_mf(
    user_rows: npt.ArrayLike,
    item_rows: npt.ArrayLike,
    values: npt.ArrayLike,
    n_users: int,
    n_items: int,
    config: MFConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> MFFit:
    """Fit biased MF by stratified SGD with the numba kernel (``config.n_strata`` threads).

    Parameters
    ----------
    user_rows, item_rows : int array (n,)
        Dense rows in ``[0, n_users)`` and ``[0, n_items)``.
    values : float array (n,)
        Stars.
    n_users, n_items : int
        Sizes of the factor matrices (rows without ratings keep their initial values).
    config : MFConfig, optional
        Hyperparameters; ``MFConfig()`` when omitted.
    progress : callable, optional
        Called with an ``EpochReport`` after every epoch.

    Returns
    -------
    MFFit
        float32 parameters.

    Raises
    ------
    ModelFitError
        No ratings, rows out of range, non-finite ratings, or parameters that became
        NaN/infinite (the learning rate is too high for the data).
    """
    # numba is imported here, not at module level: it adds ~60 MB to a process, and a web
    # worker that only serves a trained model never trains.
    from moviematch.recommender.mf_kernels import sgd_epoch

    return _train(user_rows, item_rows, values, n_users, n_items, config, progress, sgd_epoch)


def train_mf_reference(
    user_rows: npt.ArrayLike,
    item_rows: npt.ArrayLike,
    values: npt.ArrayLike,
    n_users: int,
    n_items: int,
    config: MFConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> MFFit:
    """``train_mf`` with the plain-Python epoch; same inputs, same result up to rounding."""
    return _train(
        user_rows, item_rows, values, n_users, n_items, config, progress, _sgd_epoch_reference
    )


def _train(
    user_rows: npt.ArrayLike,
    item_rows: npt.ArrayLike,
    values: npt.ArrayLike,
    n_users: int,
    n_items: int,
    config: MFConfig | None,
    progress: ProgressCallback | None,
    epoch_fn: Callable[..., float],
) -> MFFit:
    config = config or MFConfig()
    users = np.ascontiguousarray(user_rows, dtype=np.int32)
    items = np.ascontiguousarray(item_rows, dtype=np.int32)
    stars = np.ascontiguousarray(values, dtype=np.float32)
    check_inputs(users, items, stars, n_users, n_items)
    strata = Strata.build(users, items, stars, n_users, n_items, config.n_strata)
    del users, items

    rng = np.random.default_rng(config.seed)
    mu = np.float32(stars.mean(dtype=np.float64))
    n_ratings = len(stars)
    del stars
    bu = np.zeros(n_users, dtype=np.float32)
    bi = np.zeros(n_items, dtype=np.float32)
    pu = rng.normal(0.0, config.init_std, size=(n_users, config.n_factors)).astype(np.float32)
    qi = rng.normal(0.0, config.init_std, size=(n_items, config.n_factors)).astype(np.float32)
    epoch_rmse = np.empty(config.n_epochs, dtype=np.float64)
    lr, reg, reg_bias = (np.float32(x) for x in (config.lr, config.reg, config.reg_bias))

    for epoch in range(config.n_epochs):
        started = time.perf_counter()
        group_users, group_ptr, strata_order, seed = strata.epoch_plan(rng)
        sq_err = epoch_fn(
            group_users, group_ptr, strata_order, strata.user_ptr, strata.item_rows,
            strata.values, mu, bu, bi, pu, qi, lr, reg, reg_bias, seed,
        )  # fmt: skip
        _check_finite(epoch, bu, bi, pu, qi)
        epoch_rmse[epoch] = np.sqrt(sq_err / n_ratings)
        if progress is not None:
            progress(
                EpochReport(
                    epoch=epoch + 1,
                    n_epochs=config.n_epochs,
                    train_rmse=float(epoch_rmse[epoch]),
                    seconds=time.perf_counter() - started,
                )
            )
    return MFFit(float(mu), bu, bi, pu, qi, epoch_rmse)


def check_inputs(
    users: npt.NDArray[np.integer[Any]],
    items: npt.NDArray[np.integer[Any]],
    stars: npt.NDArray[np.floating[Any]],
    n_users: int,
    n_items: int,
) -> None:
    """Refuse what no trainer can fit (``ModelFitError``): shared by every MF backend."""
    if len(stars) == 0:
        raise ModelFitError("cannot train on an empty set of ratings")
    if not (len(users) == len(items) == len(stars)):
        raise ModelFitError(
            f"user_rows, item_rows and values differ in length "
            f"({len(users)}, {len(items)}, {len(stars)})"
        )
    if users.min() < 0 or users.max() >= n_users:
        raise ModelFitError(f"user rows must lie in [0, {n_users})")
    if items.min() < 0 or items.max() >= n_items:
        raise ModelFitError(f"item rows must lie in [0, {n_items})")
    if not np.all(np.isfinite(stars)):
        raise ModelFitError("ratings contain NaN or infinite values")


def _check_finite(epoch: int, *arrays: npt.NDArray[np.floating[Any]]) -> None:
    for array in arrays:
        if not np.all(np.isfinite(array)):
            raise ModelFitError(
                f"training diverged at epoch {epoch + 1}: parameters became NaN or infinite "
                "(lower the learning rate or raise the regularisation)"
            )
