"""MF engine benchmark: accuracy against Surprise, training time at MovieLens-25M scale,
fold-in latency and artifact size. Writes ``bench/results/mf.json`` and prints a table.

Sections, all in one run:

(a) ML-100K, 5-fold cross-validation on the same folds: our ``train_mf`` and
    ``surprise.SVD`` with the same factors/epochs/learning rate/regularisation, at Surprise's
    defaults (100 factors, 20 epochs, lr 0.005, reg 0.02) and at our tuned defaults
    (``MFConfig()``). RMSE, MAE and fit seconds per fold (averaged).
(b) A synthetic dataset with the shape of MovieLens-25M (162,541 users, 59,047 items,
    25,000,095 ratings, long-tailed item popularity and user activity, planted rank-10
    structure, half-star ratings): wall time of ``model.train`` with ``TrainConfig()``,
    which includes building the vocabularies, the fingerprint and the single-threaded
    numba SGD. Target: under 10 minutes on the 2-core development machine. Baseline in
    the same run: seconds per epoch of the same kernel in a uniformly shuffled order.
(c) A 10,000-item model (100 factors): ``Model.fold_in`` latency for 1,000 users with
    k = 10 ratings (p50/p99, microseconds), ``recommend`` latency, and artifact bytes.

``--tune`` additionally prints the validation grid the defaults were chosen from
(ML-100K, one 80/20 split of the ratings with seed 12345; see docs/engine.md).

Run: ``python bench/bench_mf.py [--quick] [--tune]``; ``--quick`` replaces the 25M-rating
dataset by a 2.5M-rating one of the same shape (for trying the script, not for the target).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Serving is measured as a web worker runs it: one BLAS thread. (With OpenBLAS's default
# thread pool, a 10k×100 mat-vec on a busy 2-core machine waits on thread hand-offs and
# recommend() latency goes from ~0.5 ms to 3-15 ms.) Must be set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from moviematch.datasets.movielens import load_ratings
from moviematch.recommender import TrainConfig, train
from moviematch.recommender.data import Ratings
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.mf_kernels import sgd_epoch
from moviematch.recommender.vocab import Vocabulary

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "mf.json"
ML25M_SHAPE = (162_541, 59_047, 25_000_095)
SURPRISE_DEFAULTS = MFConfig(
    n_factors=100, n_epochs=20, lr=0.005, reg=0.02, reg_bias=0.02, init_std=0.1
)


def _rmse_mae(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    err = np.clip(pred, 0.5, 5.0) - truth
    return float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))


def cross_validate(ratings: Ratings, configs: dict[str, MFConfig]) -> dict[str, Any]:
    """Section (a): ours and Surprise's SVD on the same five folds."""
    import surprise

    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    u, i, v = users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values
    folds = np.array_split(np.random.default_rng(0).permutation(len(ratings)), 5)
    dataset = surprise.Dataset(surprise.Reader(rating_scale=(0.5, 5.0)))
    raw = list(
        zip(
            ratings.user_ids.tolist(),
            ratings.movie_ids.tolist(),
            v.astype(float).tolist(),
            [None] * len(v),
            strict=True,
        )
    )
    out: dict[str, Any] = {}
    for label, config in configs.items():
        rows: dict[str, list[tuple[float, float, float]]] = {"ours": [], "surprise": []}
        for k, test in enumerate(folds):
            mask = np.ones(len(v), dtype=bool)
            mask[test] = False
            started = time.perf_counter()
            fit = train_mf(u[mask], i[mask], v[mask], len(users), len(items), config)
            seconds = time.perf_counter() - started
            rows["ours"].append((*_rmse_mae(fit.predict(u[test], i[test]), v[test]), seconds))

            trainset = dataset.construct_trainset([raw[j] for j in np.flatnonzero(mask)])
            algo = surprise.SVD(
                n_factors=config.n_factors,
                n_epochs=config.n_epochs,
                lr_all=config.lr,
                reg_bu=config.reg_bias,
                reg_bi=config.reg_bias,
                reg_pu=config.reg,
                reg_qi=config.reg,
                init_std_dev=config.init_std,
                random_state=k,
            )
            started = time.perf_counter()
            algo.fit(trainset)
            seconds = time.perf_counter() - started
            pred = np.array([algo.predict(raw[j][0], raw[j][1]).est for j in test])
            rows["surprise"].append((*_rmse_mae(pred, v[test]), seconds))
        out[label] = {
            "config": dataclasses.asdict(config),
            **{
                name: {
                    "rmse": float(np.mean([r[0] for r in res])),
                    "rmse_folds": [round(r[0], 4) for r in res],
                    "mae": float(np.mean([r[1] for r in res])),
                    "fit_seconds": float(np.mean([r[2] for r in res])),
                }
                for name, res in rows.items()
            },
        }
    return out


def synthetic_ratings(n_users: int, n_items: int, n_ratings: int, seed: int = 0) -> Ratings:
    """Ratings with MovieLens-like long tails and a planted rank-10 structure.

    Item popularity is Zipf-Mandelbrot, w_k ∝ 1/(k + 300)², which at ML-25M's size gives
    the most-rated film 0.33 % of all ratings (ML-25M: 81,491 of 25M) and a median of about
    9 ratings per film; every item gets at least one rating, as in ML-25M. User activity is
    20 ratings plus a log-normal excess, as MovieLens keeps users with at least 20 ratings.
    Pairs are drawn independently, so a few (user, item) pairs repeat; SGD treats them as
    separate ratings, which does not change the cost per rating.
    """
    rng = np.random.default_rng(seed)
    item_weight = 1.0 / (np.arange(1, n_items + 1) + 300.0) ** 2
    item_weight = rng.permutation(item_weight / item_weight.sum())
    activity = 20 + rng.lognormal(0.0, 1.2, n_users)
    counts = np.floor(activity / activity.sum() * n_ratings).astype(np.int64)
    counts[: n_ratings - counts.sum()] += 1
    user_rows = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    item_rows = np.concatenate(
        [np.arange(n_items), rng.choice(n_items, size=n_ratings - n_items, p=item_weight)]
    )
    item_rows = rng.permutation(item_rows)
    p = rng.normal(0, 0.3, (n_users, 10)).astype(np.float32)
    q = rng.normal(0, 0.3, (n_items, 10)).astype(np.float32)
    values = 3.5 + rng.normal(0, 0.3, n_users)[user_rows] + rng.normal(0, 0.4, n_items)[item_rows]
    for start in range(0, n_ratings, 5_000_000):  # chunks keep the temporary small
        end = min(start + 5_000_000, n_ratings)
        values[start:end] += np.einsum("nf,nf->n", p[user_rows[start:end]], q[item_rows[start:end]])
    values += rng.normal(0, 0.5, n_ratings)
    values = np.clip(np.round(values * 2) / 2, 0.5, 5.0).astype(np.float32)
    return Ratings(user_rows + 1, item_rows + 1, values)


def training_time(shape: tuple[int, int, int]) -> dict[str, Any]:
    """Section (b)."""
    n_users, n_items, n_ratings = shape
    started = time.perf_counter()
    ratings = synthetic_ratings(n_users, n_items, n_ratings)
    generated = time.perf_counter() - started
    epochs: list[float] = []

    def progress(report: Any) -> None:
        epochs.append(report.seconds)
        print(f"  epoch {report.epoch}/{report.n_epochs}: {report.seconds:.1f} s", flush=True)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    model = train(ratings, TrainConfig(), progress=progress)
    seconds = time.perf_counter() - started
    counts = np.sort(model.item_count_)[::-1]
    baseline = uniform_order_epoch_seconds(ratings, model.items)
    return {
        "n_users": n_users,
        "n_items": n_items,
        "n_ratings": n_ratings,
        "items_with_ratings": len(model.items),
        "top_item_ratings": int(counts[0]),
        "median_item_ratings": float(np.median(counts)),
        "generate_seconds": round(generated, 1),
        "train_seconds": round(seconds, 1),
        "epoch_seconds_mean": round(float(np.mean(epochs)), 2),
        "epochs": len(epochs),
        "target_seconds": 600,
        "meets_target": seconds < 600,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "train_rmse": model.metadata["metrics"]["train_rmse"],
        "baseline_uniform_order_epoch_seconds": round(baseline, 2),
    }


def uniform_order_epoch_seconds(ratings: Ratings, items: Vocabulary, epochs: int = 2) -> float:
    """Baseline for (b): the same kernel visiting ratings in a uniformly shuffled order
    (plain SGD as usually written) instead of user by user; mean seconds per epoch."""
    config = MFConfig()
    users = Vocabulary(ratings.user_ids)
    u = users.rows(ratings.user_ids).astype(np.int32)
    i = items.rows(ratings.movie_ids).astype(np.int32)
    rng = np.random.default_rng(0)
    bu, bi = np.zeros(len(users)), np.zeros(len(items))
    pu = rng.normal(0, config.init_std, (len(users), config.n_factors))
    qi = rng.normal(0, config.init_std, (len(items), config.n_factors))
    mu = float(ratings.values.mean(dtype=np.float64))
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        order = rng.permutation(len(ratings))
        sgd_epoch(order, u, i, ratings.values, mu, bu, bi, pu, qi,
                   config.lr, config.reg, config.reg_bias)  # fmt: skip
        seconds.append(time.perf_counter() - started)
    return float(np.mean(seconds))


def serving(n_items: int = 10_000, n_users: int = 1_000, k: int = 10) -> dict[str, Any]:
    """Section (c)."""
    ratings = synthetic_ratings(20_000, n_items, 1_000_000, seed=1)
    model = train(ratings, TrainConfig())
    rng = np.random.default_rng(2)
    popularity = model.item_count_ / model.item_count_.sum()
    fold_us, rec_us = [], []
    for _ in range(n_users):
        rows = rng.choice(len(model.items), size=k, replace=False, p=popularity)
        ids = model.items.ids[rows]
        stars = rng.integers(1, 11, k) / 2
        started = time.perf_counter()
        profile = model.fold_in(ids, stars)
        fold_us.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        model.recommend(profile, n=20)
        rec_us.append((time.perf_counter() - started) * 1e6)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "model")
        size = sum(f.stat().st_size for f in (Path(tmp) / "model").iterdir())
        started = time.perf_counter()
        type(model).load(Path(tmp) / "model")
        load_ms = (time.perf_counter() - started) * 1e3
    return {
        "n_items": len(model.items),
        "n_factors": model.n_factors,
        "k": k,
        "fold_in_us_p50": round(float(np.percentile(fold_us, 50)), 1),
        "fold_in_us_p99": round(float(np.percentile(fold_us, 99)), 1),
        "recommend_us_p50": round(float(np.percentile(rec_us, 50)), 1),
        "recommend_us_p99": round(float(np.percentile(rec_us, 99)), 1),
        "artifact_bytes": int(size),
        "load_ms": round(load_ms, 1),
    }


def tune(ratings: Ratings) -> list[dict[str, Any]]:
    """The validation grid behind ``MFConfig``'s defaults (one 80/20 split, seed 12345)."""
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    u, i, v = users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values
    perm = np.random.default_rng(12345).permutation(len(v))
    val, tr = perm[: len(v) // 5], perm[len(v) // 5 :]
    rows = []
    grid = itertools.product([50, 100, 200], [20, 30], [0.005, 0.015], [0.02, 0.05, 0.07, 0.1],
                             [0.01, 0.1])  # fmt: skip
    for f, e, lr, reg, init_std in grid:
        config = MFConfig(n_factors=f, n_epochs=e, lr=lr, reg=reg, init_std=init_std)
        fit = train_mf(u[tr], i[tr], v[tr], len(users), len(items), config)
        rmse = _rmse_mae(fit.predict(u[val], i[val]), v[val])[0]
        rows.append({"n_factors": f, "n_epochs": e, "lr": lr, "reg": reg,
                     "init_std": init_std, "val_rmse": round(rmse, 4)})  # fmt: skip
    rows.sort(key=lambda r: r["val_rmse"])
    for row in rows[:15]:
        print("  ", row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2.5M instead of 25M ratings")
    parser.add_argument("--tune", action="store_true", help="also print the tuning grid")
    args = parser.parse_args(argv)

    ml100k = DATASETS / "ml-100k"
    if not ml100k.is_dir():
        print(f"ML-100K not found under {DATASETS} (set MOVIEMATCH_DATASETS)", file=sys.stderr)
        return 2
    ratings = load_ratings(ml100k)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.tune:
        print("(tuning) ML-100K validation grid, best 15:")
        results["tuning_top"] = tune(ratings)[:15]

    print("(a) ML-100K 5-fold CV, ours vs surprise.SVD ...", flush=True)
    cv = cross_validate(ratings, {"surprise_defaults": SURPRISE_DEFAULTS, "ours": MFConfig()})
    results["ml100k_cv"] = cv
    print("(c) fold-in latency and artifact size, 10k items ...", flush=True)
    results["serving"] = serving()
    shape = ML25M_SHAPE if not args.quick else tuple(x // 10 for x in ML25M_SHAPE)
    print(f"(b) training on a synthetic {shape[2]:,}-rating dataset ...", flush=True)
    results["scale"] = training_time(shape)  # type: ignore[arg-type]

    print()
    print(f"{'ML-100K 5-fold':<32}{'RMSE':>8}{'MAE':>8}{'fit s':>8}")
    for label, row in cv.items():
        for name in ("ours", "surprise"):
            r = row[name]
            print(f"{label + ' / ' + name:<32}{r['rmse']:>8.4f}{r['mae']:>8.4f}"
                  f"{r['fit_seconds']:>8.2f}")  # fmt: skip
    s = results["scale"]
    print(f"\nsynthetic {s['n_ratings']:,} ratings, {s['n_users']:,} users, {s['n_items']:,} "
          f"items: train {s['train_seconds']:.0f} s ({s['epochs']} epochs, "
          f"{s['epoch_seconds_mean']:.1f} s/epoch, uniformly shuffled order "
          f"{s['baseline_uniform_order_epoch_seconds']:.1f} s/epoch; target 600 s: "
          f"{'met' if s['meets_target'] else 'MISSED'})")  # fmt: skip
    c = results["serving"]
    print(f"fold-in k={c['k']}, f={c['n_factors']}, {c['n_items']:,} items: "
          f"p50 {c['fold_in_us_p50']:.0f} µs, p99 {c['fold_in_us_p99']:.0f} µs; "
          f"recommend p50 {c['recommend_us_p50']:.0f} µs; artifact {c['artifact_bytes']:,} B, "
          f"load {c['load_ms']:.0f} ms")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
