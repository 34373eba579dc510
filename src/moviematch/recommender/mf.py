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
kernel on small data. The kernel runs single-threaded (``parallel=False``): lock-free
parallel SGD ("Hogwild") would make results depend on thread timing, and determinism for
a given seed is worth more than the second core of a 2-core machine. ``fastmath`` is off so
that LLVM neither reorders the floating-point sums nor fuses multiply-adds.

Visiting order: each epoch visits the users in a new random order and, within a user, that
user's ratings in a new random order. Compared with a uniformly shuffled order this keeps
p_u in cache while its ratings are processed (the kernel is bound by memory latency, not
arithmetic): at MovieLens-25M scale an epoch took 5.5 s against 26.4 s, 4.8 times faster
(``bench/bench_mf.py``, ``bench/results/mf.json`` → ``scale``). It made no measurable
difference to accuracy on ML-100K (validation RMSE 0.9089 vs 0.9085 at the defaults;
0.9345 vs 0.9344 at Surprise's defaults; docs/engine.md, section 1). Surprise itself visits
users in a fixed order without shuffling.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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
    """

    n_factors: int = 100
    n_epochs: int = 30
    lr: float = 0.015
    reg: float = 0.07
    reg_bias: float = 0.02
    init_std: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_factors < 1 or self.n_epochs < 0:
            raise ValueError("MFConfig: n_factors must be >= 1 and n_epochs >= 0")
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
    """Fitted parameters of ``train_mf``.

    Attributes
    ----------
    global_mean_ : float
        μ, the mean training rating (stars).
    user_bias_ : float64 array (n_users,)
    item_bias_ : float64 array (n_items,)
    user_factors_ : float64 array (n_users, n_factors)
    item_factors_ : float64 array (n_items, n_factors)
    epoch_rmse_ : float64 array (n_epochs,)
        On-the-fly training RMSE of each epoch (see ``EpochReport``).
    """

    global_mean_: float
    user_bias_: npt.NDArray[np.float64]
    item_bias_: npt.NDArray[np.float64]
    user_factors_: npt.NDArray[np.float64]
    item_factors_: npt.NDArray[np.float64]
    epoch_rmse_: npt.NDArray[np.float64]

    def predict(
        self, user_rows: npt.ArrayLike, item_rows: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Unclipped r̂ for aligned arrays of user and item rows."""
        u = np.asarray(user_rows, dtype=np.int64)
        i = np.asarray(item_rows, dtype=np.int64)
        dots = np.einsum("nf,nf->n", self.user_factors_[u], self.item_factors_[i])
        return self.global_mean_ + self.user_bias_[u] + self.item_bias_[i] + dots


def _sgd_epoch_reference(
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
    """Plain NumPy transcription of ``mf_kernels.sgd_epoch``, for tests (slow: a Python loop)."""
    sq_err = 0.0
    for idx in order:
        u = int(user_rows[idx])
        i = int(item_rows[idx])
        p_old = pu[u].copy()
        q_old = qi[i].copy()
        partial = [0.0, 0.0, 0.0, 0.0]
        for f, (a, b) in enumerate(zip(p_old.tolist(), q_old.tolist(), strict=True)):
            partial[f % 4] += a * b
        dot = (partial[0] + partial[1]) + (partial[2] + partial[3])
        err = float(values[idx]) - (mu + bu[u] + bi[i] + dot)
        sq_err += err * err
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
    """Fit biased MF by SGD with the numba kernel.

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
    _check_inputs(users, items, stars, n_users, n_items)

    # Sort by user once so that each user's ratings are contiguous (see "Visiting order").
    by_user = np.argsort(users, kind="stable")
    users, items, stars = users[by_user], items[by_user], stars[by_user]
    user_ptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=n_users), out=user_ptr[1:])
    del by_user

    rng = np.random.default_rng(config.seed)
    mu = float(stars.mean(dtype=np.float64))
    bu = np.zeros(n_users, dtype=np.float64)
    bi = np.zeros(n_items, dtype=np.float64)
    pu = rng.normal(0.0, config.init_std, size=(n_users, config.n_factors))
    qi = rng.normal(0.0, config.init_std, size=(n_items, config.n_factors))
    epoch_rmse = np.empty(config.n_epochs, dtype=np.float64)

    from moviematch.recommender.mf_kernels import epoch_order  # see train_mf

    for epoch in range(config.n_epochs):
        started = time.perf_counter()
        order = epoch_order(user_ptr, rng.permutation(n_users), int(rng.integers(0, 2**31 - 1)))
        sq_err = epoch_fn(
            order,
            users,
            items,
            stars,
            mu,
            bu,
            bi,
            pu,
            qi,
            float(config.lr),
            float(config.reg),
            float(config.reg_bias),
        )
        _check_finite(epoch, bu, bi, pu, qi)
        epoch_rmse[epoch] = np.sqrt(sq_err / len(stars))
        if progress is not None:
            progress(
                EpochReport(
                    epoch=epoch + 1,
                    n_epochs=config.n_epochs,
                    train_rmse=float(epoch_rmse[epoch]),
                    seconds=time.perf_counter() - started,
                )
            )
    return MFFit(mu, bu, bi, pu, qi, epoch_rmse)


def _check_inputs(
    users: npt.NDArray[np.int32],
    items: npt.NDArray[np.int32],
    stars: npt.NDArray[np.float32],
    n_users: int,
    n_items: int,
) -> None:
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


def _check_finite(epoch: int, *arrays: npt.NDArray[np.float64]) -> None:
    for array in arrays:
        if not np.all(np.isfinite(array)):
            raise ModelFitError(
                f"training diverged at epoch {epoch + 1}: parameters became NaN or infinite "
                "(lower the learning rate or raise the regularisation)"
            )
