"""MF engine benchmark: accuracy against Surprise, training time at MovieLens-25M scale,
fold-in latency and artifact size. Writes ``bench/results/mf.json`` and prints a table.

Sections, all in one run:

(a) ML-100K, 5-fold cross-validation on the same folds: our ``train_mf`` and
    ``surprise.SVD`` with the same factors/epochs/learning rate/regularisation, at Surprise's
    defaults (100 factors, 20 epochs, lr 0.005, reg 0.02) and at our tuned defaults
    (``MFConfig()``). RMSE, MAE and fit seconds per fold (averaged). Then, on ML-100K and
    ml-latest-small, the shipped two-strata SGD against the same kernel with one stratum
    (plain sequential SGD, ``n_strata=1``), seeds 0 and 1 on the same folds: what training
    in parallel costs in accuracy.
(b) MF alone at the scale of MovieLens-25M: ``train_mf`` with ``MFConfig()`` (the
    two-strata numba SGD, 30 epochs) on ``moviematch.datasets.synthetic``'s ML-25M-shaped
    ratings (162,541 users, 59,047 items, 25,000,095 ratings). Baseline in the same run:
    seconds per epoch with one stratum (sequential, one thread). The whole
    ``train(ratings, TrainConfig())`` (MF, ranker, similarity, onboarding) at this scale is
    ``bench/bench_train_scale.py``.
(c) A 10,000-item model (100 factors): ``Model.fold_in`` latency for 1,000 users with
    k = 10 ratings (p50/p99, microseconds), ``recommend`` latency, and artifact bytes.

``--tune`` additionally prints the validation grid the defaults were chosen from
(ML-100K, one 80/20 split of the ratings with seed 12345; see docs/engine.md).

Run: ``python bench/bench_mf.py [--quick] [--tune] [--sections a,b,c]``; ``--quick``
replaces the 25M-rating dataset by a 2.5M-rating one of the same shape (for trying the
script, not for the target); ``--sections`` runs only some sections and updates their
entries of the existing JSON (each entry keeps its own date).
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # this checkout's code

import numpy as np

from moviematch.datasets.movielens import load_ratings
from moviematch.datasets.synthetic import ML25M, SyntheticShape, synthetic_ratings
from moviematch.recommender import TrainConfig, train
from moviematch.recommender.data import Ratings
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.vocab import Vocabulary

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "mf.json"
SURPRISE_DEFAULTS = MFConfig(
    n_factors=100, n_epochs=20, lr=0.005, reg=0.02, reg_bias=0.02, init_std=0.1
)


def _rmse_mae(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    err = np.clip(pred, 0.5, 5.0) - truth
    return float(np.sqrt(np.mean(err**2))), float(np.mean(np.abs(err)))


def strata_cv(ratings: Ratings, seeds: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    """Section (a), second part: 5-fold RMSE of ``MFConfig()`` with 2 strata and with 1."""
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    u, i, v = users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values
    folds = np.array_split(np.random.default_rng(0).permutation(len(ratings)), 5)
    out: dict[str, Any] = {}
    for n_strata in (2, 1):
        rmses = []
        for seed in seeds:
            config = MFConfig(seed=seed, n_strata=n_strata)
            for test in folds:
                mask = np.ones(len(v), dtype=bool)
                mask[test] = False
                fit = train_mf(u[mask], i[mask], v[mask], len(users), len(items), config)
                rmses.append(_rmse_mae(fit.predict(u[test], i[test]), v[test])[0])
        out[f"n_strata={n_strata}"] = {
            "rmse": float(np.mean(rmses)),
            "rmse_by_seed": [
                round(float(np.mean(rmses[k * 5 : k * 5 + 5])), 5) for k in range(len(seeds))
            ],
        }
    out["difference"] = out["n_strata=2"]["rmse"] - out["n_strata=1"]["rmse"]
    out["seeds"] = list(seeds)
    return out


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


def training_time(shape: SyntheticShape) -> dict[str, Any]:
    """Section (b): MF alone on ML-25M-shaped ratings, and the one-stratum baseline."""
    started = time.perf_counter()
    ratings = synthetic_ratings(shape).ratings
    generated = time.perf_counter() - started
    epochs: list[float] = []

    def progress(report: Any) -> None:
        epochs.append(report.seconds)
        print(f"  epoch {report.epoch}/{report.n_epochs}: {report.seconds:.1f} s", flush=True)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    cpu = time.process_time()
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    fit = train_mf(
        users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values,
        len(users), len(items), MFConfig(), progress=progress,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    counts = np.sort(np.bincount(items.rows(ratings.movie_ids)))[::-1]
    cpu = time.process_time()
    baseline = sequential_epoch_seconds(ratings)
    baseline_cpu = time.process_time() - cpu
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "what": "train_mf(MFConfig()) alone (vocabularies + 30 numba SGD epochs, 2 strata)",
        "data": "moviematch.datasets.synthetic.synthetic_ratings(ML25M), seed 0",
        "n_users": shape.n_users,
        "n_items": shape.n_items,
        "n_ratings": shape.n_ratings,
        "items_with_ratings": len(items),
        "top_item_ratings": int(counts[0]),
        "median_item_ratings": float(np.median(counts)),
        "generate_seconds": round(generated, 1),
        "mf_seconds": round(seconds, 1),
        "epoch_seconds_mean": round(float(np.mean(epochs)), 2),
        "epochs": len(epochs),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "train_rmse": float(fit.epoch_rmse_[-1]),
        "cpu_seconds_process": round(cpu_seconds, 1),
        "baseline_one_stratum_epoch_seconds": round(baseline, 2),
        "baseline_one_stratum_cpu_seconds_3_epochs": round(baseline_cpu, 1),
    }


def sequential_epoch_seconds(ratings: Ratings, epochs: int = 3) -> float:
    """Baseline for (b): the same kernel with one stratum (plain sequential SGD on one
    thread); mean seconds per epoch."""
    users, items = Vocabulary(ratings.user_ids), Vocabulary(ratings.movie_ids)
    seconds: list[float] = []
    train_mf(
        users.rows(ratings.user_ids), items.rows(ratings.movie_ids), ratings.values,
        len(users), len(items), MFConfig(n_epochs=epochs, n_strata=1),
        progress=lambda report: seconds.append(report.seconds),
    )  # fmt: skip
    return float(np.mean(seconds))


def serving(n_items: int = 10_000, n_users: int = 1_000, k: int = 10) -> dict[str, Any]:
    """Section (c)."""
    shape = SyntheticShape(n_users=20_000, n_items=n_items, n_ratings=1_000_000)
    model = train(synthetic_ratings(shape, seed=1).ratings, TrainConfig())
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
    parser.add_argument(
        "--sections",
        default="a,b,c",
        help="comma-separated sections to run (others keep their last results)",
    )
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))

    ml100k = DATASETS / "ml-100k"
    if (sections & {"a"} or args.tune) and not ml100k.is_dir():
        print(f"ML-100K not found under {DATASETS} (set MOVIEMATCH_DATASETS)", file=sys.stderr)
        return 2
    results: dict[str, Any] = {}
    if RESULTS.is_file() and sections != {"a", "b", "c"}:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    results["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if args.tune:
        print("(tuning) ML-100K validation grid, best 15:")
        results["tuning_top"] = tune(load_ratings(ml100k))[:15]

    if "a" in sections:
        print("(a) ML-100K 5-fold CV, ours vs surprise.SVD ...", flush=True)
        configs = {"surprise_defaults": SURPRISE_DEFAULTS, "ours": MFConfig()}
        results["ml100k_cv"] = cross_validate(load_ratings(ml100k), configs)
        print("(a) 2 strata vs 1, ML-100K and ml-latest-small ...", flush=True)
        results["strata_cv"] = {
            name: strata_cv(load_ratings(DATASETS / name))
            for name in ("ml-100k", "ml-latest-small")
        }
        results["strata_cv"]["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        results["strata_cv"]["load_average"] = round(os.getloadavg()[0], 2)
    if "c" in sections:
        print("(c) fold-in latency and artifact size, 10k items ...", flush=True)
        results["serving"] = serving()
    if "b" in sections:
        shape = ML25M if not args.quick else ML25M.scaled(0.1)
        print(f"(b) MF on a synthetic {shape.n_ratings:,}-rating dataset ...", flush=True)
        results["scale"] = training_time(shape)

    print()
    print(f"{'ML-100K 5-fold':<32}{'RMSE':>8}{'MAE':>8}{'fit s':>8}")
    for name, row in results.get("strata_cv", {}).items():
        if isinstance(row, dict):
            print(f"{name}: RMSE 2 strata {row['n_strata=2']['rmse']:.5f}, "
                  f"1 stratum {row['n_strata=1']['rmse']:.5f}")  # fmt: skip
    for label, row in results.get("ml100k_cv", {}).items():
        for name in ("ours", "surprise"):
            r = row[name]
            print(f"{label + ' / ' + name:<32}{r['rmse']:>8.4f}{r['mae']:>8.4f}"
                  f"{r['fit_seconds']:>8.2f}")  # fmt: skip
    if "b" in sections:
        s = results["scale"]
        print(f"\nsynthetic {s['n_ratings']:,} ratings, {s['n_users']:,} users, "
              f"{s['n_items']:,} items: MF {s['mf_seconds']:.0f} s ({s['epochs']} epochs, "
              f"{s['epoch_seconds_mean']:.1f} s/epoch, one stratum "
              f"{s['baseline_one_stratum_epoch_seconds']:.1f} s/epoch)")  # fmt: skip
    if "c" in sections:
        c = results["serving"]
        print(f"fold-in k={c['k']}, f={c['n_factors']}, {c['n_items']:,} items: "
              f"p50 {c['fold_in_us_p50']:.0f} µs, p99 {c['fold_in_us_p99']:.0f} µs; "
              f"recommend p50 {c['recommend_us_p50']:.0f} µs; artifact "
              f"{c['artifact_bytes']:,} B, load {c['load_ms']:.0f} ms")  # fmt: skip
    if args.quick:
        print("(--quick: results not written)")
        return 0
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
