"""The two MF trainers on the same data: numba SGD on this machine vs Apache Spark.

For each dataset the ratings are split once at random, 80 % to train and 20 % to test
(seed 0; both trainers get the very same split and rows), and each trainer fits biased MF
with the shipped ``MFConfig()`` (100 factors; Spark: biases by damped means, then MLlib
ALS with ``regParam`` = ``MFConfig.reg`` on the residuals, 15 iterations). Reported:
test RMSE (predictions clipped to 0.5-5) and fit seconds; for Spark also ``reg`` 0.1 and
0.15 (ALS regularises differently per iteration than SGD, so the best value differs), and
the JVM start-up (a ``SparkSession`` start, paid once per training run) measured apart.
Baseline in the same run: the global mean's RMSE and the bias-only model's (Spark's own
damped-mean biases, before ALS).

Datasets: ML-100K and ml-latest-small (real, from ``MOVIEMATCH_DATASETS``) and, with
``--synthetic SCALE``, the ML-25M-shaped generator at that scale (0.1 = 2.5M ratings).

Run: ``python bench/bench_spark.py [--master local[2]] [--synthetic 0.1]`` (needs the
``spark`` extra and Java). Results: ``bench/results/spark.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's code, whatever is installed
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from bench_common import run_header, write_results  # noqa: E402
from moviematch.datasets.movielens import load_ratings  # noqa: E402
from moviematch.datasets.synthetic import ML25M, synthetic_ratings  # noqa: E402
from moviematch.recommender.data import Ratings  # noqa: E402
from moviematch.recommender.mf import MFConfig, MFFit, train_mf  # noqa: E402
from moviematch.recommender.mf_spark import SparkConfig, train_mf_spark  # noqa: E402
from moviematch.recommender.vocab import Vocabulary  # noqa: E402

DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "spark.json"
SPARK_REGS = (0.07, 0.1, 0.15)


def rmse(fit: MFFit, users: np.ndarray, items: np.ndarray, stars: np.ndarray) -> float:
    predicted = np.clip(fit.predict(users, items), 0.5, 5.0)
    return float(np.sqrt(np.mean((predicted - stars) ** 2)))


def compare(name: str, ratings: Ratings, session: Any, master: str, log: Any) -> dict[str, Any]:
    """numba vs Spark on one 80/20 split of ``ratings``."""
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    u, i, v = users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values
    test = np.random.default_rng(0).random(len(v)) < 0.2
    train_rows = (u[~test], i[~test], v[~test], len(users), len(items))
    mean = float(v[~test].mean(dtype=np.float64))
    out: dict[str, Any] = {
        "ratings": len(v),
        "train": int((~test).sum()),
        "test": int(test.sum()),
        "users": len(users),
        "items": len(items),
        "baseline_global_mean_rmse": round(float(np.sqrt(np.mean((v[test] - mean) ** 2))), 4),
    }
    config = MFConfig()
    started = time.perf_counter()
    fit = train_mf(*train_rows, config)
    seconds = time.perf_counter() - started
    out["numba"] = {
        "config": dataclasses.asdict(config),
        "rmse": round(rmse(fit, u[test], i[test], v[test]), 4),
        "fit_seconds": round(seconds, 2),
    }
    log(f"[{name}] numba: RMSE {out['numba']['rmse']:.4f} in {seconds:.1f} s")
    out["spark"] = []
    for reg in SPARK_REGS:
        spark_config = SparkConfig(master=master)
        mf = dataclasses.replace(config, reg=reg)
        started = time.perf_counter()
        fit = train_mf_spark(*train_rows, mf, spark_config, spark=session)
        seconds = time.perf_counter() - started
        biases_only = dataclasses.replace(
            fit, user_factors_=np.zeros_like(fit.user_factors_), item_factors_=fit.item_factors_
        )
        row = {
            "reg": reg,
            "als_iterations": spark_config.als_iterations,
            "rmse": round(rmse(fit, u[test], i[test], v[test]), 4),
            "bias_only_rmse": round(rmse(biases_only, u[test], i[test], v[test]), 4),
            "fit_seconds": round(seconds, 1),
        }
        out["spark"].append(row)
        log(f"[{name}] spark reg {reg}: RMSE {row['rmse']:.4f} in {seconds:.1f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]", help="Spark master (local[2])")
    parser.add_argument("--synthetic", type=float, default=0.0, help="also ML25M.scaled(X)")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, flush=True)

    data: dict[str, Ratings] = {}
    for name in ("ml-100k", "ml-latest-small"):
        if (DATASETS / name).is_dir():
            data[name] = load_ratings(DATASETS / name)
        else:
            log(f"{name} not found under {DATASETS} (set MOVIEMATCH_DATASETS); skipped")
    if args.synthetic:
        data[f"synthetic ML-25M x{args.synthetic:g}"] = synthetic_ratings(
            ML25M.scaled(args.synthetic)
        ).ratings
    from moviematch.recommender.mf_spark import spark_session

    results: dict[str, Any] = {
        **run_header(),
        "master": args.master,
        "split": "80/20 of the ratings at random, seed 0, the same rows for both trainers",
        "datasets": {},
    }
    started = time.perf_counter()
    with spark_session(SparkConfig(master=args.master), app="moviematch-bench") as session:
        jvm_seconds = time.perf_counter() - started
        log(f"Spark session ({args.master}) started in {jvm_seconds:.1f} s")
        results["spark_session_start_seconds"] = round(jvm_seconds, 1)
        for name, ratings in data.items():
            results["datasets"][name] = compare(name, ratings, session, args.master, log)
    write_results(RESULTS, results, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
