"""Serving at catalogue scale: one home-page request on a 10k- and a 60k-movie catalogue.

Targets (issue 11): fold-in + rank + group **p99 under 5 ms on one core** for a 10,000-movie
catalogue (as ``bench_serving.py`` measures it) and **under 20 ms** for a 60,000-movie
catalogue; similar movies from a precomputed top-k table, not a dense matrix; the
artifact's size and a serving process's resident memory stated for both.

The request, the workers and the memory walk are ``bench/bench_serving.py``'s (imported, not
copied): fresh subprocesses load the artifact with ``Model.load`` and serve 2,000 visitors
(10 ratings each, drawn by popularity): ``fold_in``, ``recommend(n=40)``, ``group``; pinned
to one CPU with one BLAS thread, and with the default thread pool, two runs each,
alternating; baseline in the same loop, a NumPy argsort of the predicted stars.

Catalogues:

* **10k**: ``bench_serving.synthetic_catalogue(10_000, 10_000)`` trained with
  ``TrainConfig()`` here.
* **60k**: the model ``bench/bench_train_scale.py`` trained on the ML-25M-shaped data
  (59,047 rated movies, 62,423 in the similarity index) with ``TrainConfig()``; run that
  first (``--model60 DIR`` points elsewhere).

Also, in this process: ``similar(movie, k=10)`` latency over 2,000 movies, and the
neighbour table's bytes next to what a dense similarity matrix would take (the baseline
the table replaces).

Run: ``python bench/bench_serving_scale.py`` (10-20 minutes). Results:
``bench/results/serving_scale.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's code, whatever is installed
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import bench_serving  # noqa: E402
from bench_common import run_header, write_results  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "serving_scale.json"
MODELS = ROOT / "var" / "bench-models"
TARGETS_MS = {"10k": 5.0, "60k": 20.0}


def similar_latency(model_dir: Path, n: int = 2000) -> dict[str, Any]:
    """``Model.similar(k=10)`` over ``n`` movies (after a warm-up), and the table's size."""
    from moviematch.recommender import Model

    model = Model.load(model_dir)
    index = model.components["similarity"].index  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    ids = rng.choice(index.vocab.ids, size=n)
    for movie in ids[:100]:
        model.similar(int(movie), 10)
    times = []
    for movie in ids:
        started = time.perf_counter_ns()
        model.similar(int(movie), 10)
        times.append(time.perf_counter_ns() - started)
    us = np.asarray(times) / 1e3
    movies = len(index.vocab.ids)
    table = index.neighbour_rows_.nbytes + index.neighbour_scores_.nbytes
    return {
        "movies": movies,
        "p50_us": round(float(np.percentile(us, 50)), 1),
        "p99_us": round(float(np.percentile(us, 99)), 1),
        "neighbours_per_movie": int(index.neighbour_rows_.shape[1]),
        "table_MB": round(table / 1e6, 2),
        "vectors_MB": round(index.vectors_.nbytes / 1e6, 2),
        "baseline_dense_float32_matrix_MB": round(movies * movies * 4 / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model60", type=Path, default=MODELS / "train-scale")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument(
        "--only-10k", action="store_true", help="the 10k catalogue alone (no 60k model needed)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"{time.perf_counter() - started:6.0f} s  {message}", flush=True)

    have60 = (args.model60 / "meta.json").is_file()
    if not have60 and not args.only_10k:
        print(f"{args.model60}: no model; run bench/bench_train_scale.py first", file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        **run_header(),
        "settings": {"recommend_n": args.n, "requests": args.requests, "runs": args.repeats},
        "engine": bench_serving.engine_source_state(),
    }
    baseline = {f"{k}_MB": v / 1e3 for k, v in bench_serving.bare_import_memory().items()}
    results["baseline_import_numpy_scipy"] = baseline
    MODELS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model10, dir10, info10 = bench_serving.train_or_reuse(
            "synthetic-10k",
            lambda: bench_serving.synthetic_catalogue(10_000, 10_000),
            MODELS,
            log,
        )
        from moviematch.recommender import Model

        catalogues: list[tuple[str, Any, Path, dict[str, Any]]] = [("10k", model10, dir10, info10)]
        if args.only_10k:
            results["60k"] = {"measured": False, "reason": "--only-10k"}
        else:
            model60 = Model.load(args.model60)
            info60 = {"trained_by": "bench/bench_train_scale.py"}
            catalogues.append(("60k", model60, args.model60, info60))
        for name, model, model_dir, info in catalogues:
            section = bench_serving.measure(
                name, model, model_dir, args.n, args.requests, args.repeats, tmp, log
            )
            section["model"] = {
                **info,
                "items": len(model.items),
                "similarity_movies": len(model.components["similarity"].index.vocab.ids),  # type: ignore[attr-defined]
                "metadata": {k: model.metadata.get(k) for k in ("n_items", "stage_seconds")},
            }
            section["similar"] = similar_latency(model_dir)
            one = section["latency_one_core"]["stages_ms"]
            section["verdict"] = {
                "p99_total_ms": one["total"]["p99"],
                "target_ms": TARGETS_MS[name],
                "met": one["total"]["p99"] < TARGETS_MS[name],
                "cpu_time_p99_ms": one["total_cpu_time"]["p99"],
                "baseline_argsort_p99_ms": one["baseline_argsort"]["p99"],
                "artifact_MB": round(section["artifact"]["total_bytes"] / 1e6, 2),
                "peak_rss_MB": section["memory_one_core"]["peak_rss_MB"],
            }
            log(f"[{name}] {section['verdict']}")
            results[name] = section
            del model
    write_results(args.out, results, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
