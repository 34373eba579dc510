"""Biased MF trained on Apache Spark: the same ``MFFit`` as ``mf.train_mf``, for big data.

Model and objective are those of ``mf`` (r̂ = μ + b_u + b_i + p_u·q_i, each factor
regularised in proportion to its number of ratings), fitted in two stages on a Spark
cluster (or ``local[*]``):

1. **Biases** by alternating damped means, ``rounds`` times (DataFrame aggregations):
   b_i = Σ_u (r − μ − b_u) / (n_i + bias_reg_item), b_u = Σ_i (r − μ − b_i) / (n_u + bias_reg_user).
2. **Factors** by MLlib's ALS on the residuals r − μ − b_u − b_i. MLlib scales ``regParam``
   by each user's and item's rating count ("ALS-WR"), which is exactly the objective SGD
   approximately minimises (``mf`` module docstring: user u is regularised n_u times per
   epoch), so ``MFConfig.reg`` means the same on both backends and the fold-in
   (``foldin``), which assumes that objective, serves either model unchanged.

The ratings reach Spark as a CSV of dense rows written to ``spool_dir`` (by default a
temporary directory, fine for ``local`` mode; on a cluster pass a directory every executor
can read, e.g. on HDFS/NFS). pyspark is imported only when this backend runs; it needs a
Java runtime (Debian's ``default-jre-headless``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.errors import ModelFitError
from moviematch.recommender.mf import MFConfig, MFFit, check_inputs

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import SparkSession

_CSV_CHUNK = 1_000_000


@dataclass(frozen=True)
class SparkConfig:
    """Where and how the Spark backend runs.

    Attributes
    ----------
    master : str
        Spark master URL: ``local[*]`` (all cores of this machine), ``local[2]``,
        ``spark://host:7077``, ``yarn`` …
    als_iterations : int
        Alternations of MLlib's ALS (each solves every user, then every item, exactly).
    bias_rounds : int
        Alternations of the damped-mean biases.
    bias_reg_item, bias_reg_user : float
        Pseudo-counts of the damped means (ratings' worth of pull toward 0).
    spool_dir : Path or None
        Directory for the ratings file Spark reads; None for a temporary one (local mode).
    driver_memory : str
        ``spark.driver.memory`` for a session this backend starts itself.
    """

    master: str = "local[*]"
    als_iterations: int = 15
    bias_rounds: int = 3
    bias_reg_item: float = 10.0
    bias_reg_user: float = 5.0
    spool_dir: Path | None = None
    driver_memory: str = "4g"

    def __post_init__(self) -> None:
        if self.als_iterations < 1 or self.bias_rounds < 1:
            raise ValueError("SparkConfig: als_iterations and bias_rounds must be >= 1")
        if min(self.bias_reg_item, self.bias_reg_user) < 0:
            raise ValueError("SparkConfig: bias pseudo-counts must be >= 0")


def train_mf_spark(
    user_rows: npt.ArrayLike,
    item_rows: npt.ArrayLike,
    values: npt.ArrayLike,
    n_users: int,
    n_items: int,
    config: MFConfig | None = None,
    spark_config: SparkConfig | None = None,
    *,
    spark: SparkSession | None = None,
) -> MFFit:
    """Fit biased MF on Spark; same inputs and result type as ``mf.train_mf``.

    Parameters
    ----------
    user_rows, item_rows : int array (n,)
        Dense rows in ``[0, n_users)`` and ``[0, n_items)``.
    values : float array (n,)
        Stars.
    n_users, n_items : int
    config : MFConfig, optional
        ``n_factors``, ``reg`` and ``seed`` are used (``n_epochs``/``lr`` are SGD's).
    spark_config : SparkConfig, optional
    spark : SparkSession, optional
        An existing session (it is left running). Without one, the session already active
        in this process is used (and left running), else one is started on
        ``spark_config.master`` and stopped afterwards.

    Returns
    -------
    MFFit
        ``epoch_rmse_`` holds the training RMSE after the fit (one value).

    Raises
    ------
    ModelFitError
        Empty or inconsistent input, or non-finite fitted parameters.
    ImportError
        pyspark is not installed (``pip install 'moviematch[spark]'``).
    """
    cfg = config or MFConfig()
    sc = spark_config or SparkConfig()
    users = np.asarray(user_rows, dtype=np.int64)
    items = np.asarray(item_rows, dtype=np.int64)
    stars = np.asarray(values, dtype=np.float64)
    check_inputs(users, items, stars, n_users, n_items)
    if n_users >= 2**31 or n_items >= 2**31:
        raise ModelFitError("Spark MF: MLlib ALS needs ids below 2**31")
    mu = float(stars.mean())
    with spark_session(sc, spark) as session, _spooled(users, items, stars, sc.spool_dir) as path:
        frame = _read(session, path)
        user_bias, item_bias = _biases(frame, mu, sc, n_users, n_items)
        user_factors, item_factors = _factors(
            session, frame, mu, user_bias, item_bias, cfg, sc, n_users, n_items
        )
    predicted = (
        mu
        + user_bias[users]
        + item_bias[items]
        + np.einsum("nf,nf->n", user_factors[users], item_factors[items])
    )
    rmse = float(np.sqrt(np.mean((stars - predicted) ** 2)))
    fit = MFFit(
        global_mean_=mu,
        user_bias_=user_bias,
        item_bias_=item_bias,
        user_factors_=user_factors,
        item_factors_=item_factors,
        epoch_rmse_=np.array([rmse]),
    )
    for name in ("user_bias_", "item_bias_", "user_factors_", "item_factors_"):
        if not np.all(np.isfinite(getattr(fit, name))):
            raise ModelFitError(f"Spark MF produced non-finite {name}")
    return fit


@contextlib.contextmanager
def spark_session(
    sc: SparkConfig, existing: SparkSession | None = None, *, app: str = "moviematch-mf"
) -> Iterator[SparkSession]:
    """The session to train in: ``existing``, else the process's active one (both left
    running), else a new one on ``sc.master`` (stopped on exit; no UI, quiet logs)."""
    from pyspark.sql import SparkSession

    existing = existing or SparkSession.getActiveSession()
    if existing is not None:
        yield existing
        return

    session = (
        SparkSession.builder.master(sc.master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", sc.driver_memory)
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@contextlib.contextmanager
def _spooled(
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    stars: npt.NDArray[np.float64],
    spool_dir: Path | None,
) -> Iterator[Path]:
    """The ratings as ``user,item,stars`` CSV lines in a fresh directory Spark can read."""
    parent = None if spool_dir is None else Path(spool_dir)
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moviematch-spark-", dir=parent) as directory:
        path = Path(directory) / "ratings.csv"
        with path.open("w", encoding="ascii") as handle:
            for start in range(0, len(stars), _CSV_CHUNK):
                stop = start + _CSV_CHUNK
                block = np.column_stack((users[start:stop], items[start:stop]))
                lines = [
                    f"{u},{i},{s!r}"
                    for (u, i), s in zip(block.tolist(), stars[start:stop].tolist(), strict=True)
                ]
                handle.write("\n".join(lines) + "\n")
        yield path


def _read(session: SparkSession, path: Path) -> Any:
    return session.read.csv(str(path), schema="u INT, i INT, r DOUBLE").cache()


def _biases(
    frame: Any, mu: float, sc: SparkConfig, n_users: int, n_items: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    from pyspark.sql import functions as sf

    user_bias = np.zeros(n_users)
    item_bias = np.zeros(n_items)
    spark = frame.sparkSession
    users_frame = spark.createDataFrame([(0, 0.0)], "u INT, bu DOUBLE").limit(0)
    for _ in range(sc.bias_rounds):
        with_user = frame.join(sf.broadcast(users_frame), "u", "left").fillna(0.0, ["bu"])
        item_sum = sf.sum(sf.col("r") - mu - sf.col("bu"))
        items_frame = with_user.groupBy("i").agg(
            (item_sum / (sf.count("*") + sc.bias_reg_item)).alias("bi")
        )
        with_item = frame.join(items_frame, "i")
        user_sum = sf.sum(sf.col("r") - mu - sf.col("bi"))
        users_frame = with_item.groupBy("u").agg(
            (user_sum / (sf.count("*") + sc.bias_reg_user)).alias("bu")
        )
        users_frame = users_frame.cache()
    for row in items_frame.collect():
        item_bias[row["i"]] = row["bi"]
    for row in users_frame.collect():
        user_bias[row["u"]] = row["bu"]
    return user_bias, item_bias


def _factors(
    session: SparkSession,
    frame: Any,
    mu: float,
    user_bias: npt.NDArray[np.float64],
    item_bias: npt.NDArray[np.float64],
    cfg: MFConfig,
    sc: SparkConfig,
    n_users: int,
    n_items: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as sf

    ub = session.createDataFrame(
        [(int(u), float(b)) for u, b in enumerate(user_bias.tolist())], "u INT, bu DOUBLE"
    )
    ib = session.createDataFrame(
        [(int(i), float(b)) for i, b in enumerate(item_bias.tolist())], "i INT, bi DOUBLE"
    )
    residual = (
        frame.join(sf.broadcast(ub), "u")
        .join(sf.broadcast(ib), "i")
        .select("u", "i", (sf.col("r") - mu - sf.col("bu") - sf.col("bi")).alias("e"))
    )
    als = ALS(
        rank=cfg.n_factors,
        maxIter=sc.als_iterations,
        regParam=cfg.reg,
        userCol="u",
        itemCol="i",
        ratingCol="e",
        nonnegative=False,
        implicitPrefs=False,
        coldStartStrategy="nan",
        seed=cfg.seed,
    )
    model = als.fit(residual)
    user_factors = np.zeros((n_users, cfg.n_factors))
    item_factors = np.zeros((n_items, cfg.n_factors))
    for row in model.userFactors.collect():
        user_factors[row["id"]] = row["features"]
    for row in model.itemFactors.collect():
        item_factors[row["id"]] = row["features"]
    return user_factors, item_factors
