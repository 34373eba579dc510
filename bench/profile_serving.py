"""Where one home-page request spends its CPU time, stage by stage (10k and 60k catalogues).

The request is ``bench_serving.py``'s (fold-in of ten ratings, ``recommend(n=40)``,
``group`` of the list); this script wraps the engine's functions that a request calls
(fold-in, predicted stars, the ranker's votes, item-item sums, content taste, blend,
taste guard, calibration, grouping's linkage and labels) with a CPU-time timer
(``time.thread_time_ns``) and reports each stage's p50/p99 over the requests, in one
process pinned to one CPU with one BLAS thread. The wrappers add about a microsecond per
call, so the stages' sum is a little above the request's own time (also reported).

Each (engine, model) pair runs in a fresh worker process; with ``--before DIR`` (the
``src`` of an older checkout, e.g. ``git worktree add /tmp/base <commit>``) the older
engine is profiled on the same models and requests, alternating with this one, so that a
burst of load from other jobs hits both.

Run: ``python bench/profile_serving.py --model DIR [--model DIR ...] [--before SRC]
[--rounds 2] [--out FILE]`` (models saved by ``bench_serving.py --models`` /
``bench_train_scale.py``; an artifact both engines can read).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
ROOT = Path(__file__).resolve().parents[1]
if "--engine-src" in sys.argv:  # a worker profiling another checkout's engine
    sys.path.insert(0, sys.argv[sys.argv.index("--engine-src") + 1])
else:
    sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from bench_common import run_header  # noqa: E402

#: (module, attribute, stage label): the functions timed, where each is looked up at call
#: time. Missing ones are skipped, so the script runs on older and newer engines alike.
WRAPPED = (
    ("moviematch.recommender.model", "fold_in", "fold_in"),
    ("moviematch.recommender.model.Model", "predict_all", "predict_all"),
    ("moviematch.recommender.ranker.ItemItemRanker", "score", "ranker.score"),
    ("moviematch.recommender.ranker", "input_weights", "  votes"),
    ("moviematch.recommender.ranker", "row_sum", "  item-item sums"),
    ("moviematch.recommender.ranker", "content_scores", "  content taste"),
    ("moviematch.recommender.ranker", "blend_scores", "  blend (z-scores, floor)"),
    ("moviematch.recommender.ranker", "disliked_genre_films", "  taste guard mask"),
    ("moviematch.recommender.ranker", "demote", "  taste guard shift"),
    ("moviematch.recommender.ranker.ItemItemRanker", "order", "ranker.order"),
    ("moviematch.recommender.ranker", "target_distribution", "  target genre mix"),
    ("moviematch.recommender.ranker", "calibrated_order", "  calibrated order"),
    ("moviematch.recommender.ranker", "candidate_pool", "  candidate pool"),
    ("moviematch.recommender.ranker", "greedy_order", "  calibrated greedy"),
    ("moviematch.recommender.model.Model", "group", "group"),
    ("moviematch.recommender.grouping", "linkage", "  linkage"),
    ("moviematch.recommender.grouping", "ward_linkage", "  linkage"),
    ("moviematch.recommender.grouping", "_clusters", "  clusters"),
)


def _resolve(path: str) -> Any:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


def install_timers(times: dict[str, list[int]]) -> None:
    """Replace each function in ``WRAPPED`` by a wrapper adding its CPU time to ``times``."""
    clock = time.thread_time_ns

    def wrap(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                times.setdefault(label, [0])[-1] += clock() - started

        return timed

    for owner_path, name, label in WRAPPED:
        try:
            owner = _resolve(owner_path)
        except (ImportError, AttributeError):
            continue
        if hasattr(owner, name):
            setattr(owner, name, wrap(getattr(owner, name), label))
            times[label] = [0]


def profile(model_dir: Path, n_requests: int, n: int) -> dict[str, Any]:
    import bench_serving
    from moviematch.recommender import Model

    model = Model.load(model_dir)
    visitors = bench_serving.visitor_requests(model, n_requests, k=10, seed=1)
    times: dict[str, list[int]] = {}
    install_timers(times)
    request_ns: list[int] = []
    warmup = 50
    for visitor in range(-warmup, n_requests):
        i = visitor % n_requests
        ids, stars = visitors["movie_ids"][i], visitors["stars"][i]
        started = time.thread_time_ns()
        profile_ = model.fold_in(ids, stars)
        recs = model.recommend(profile_, n=n, exclude=ids)
        model.group([r.movie_id for r in recs])
        spent = time.thread_time_ns() - started
        if visitor < 0:
            for samples in times.values():
                samples[-1] = 0
            continue
        request_ns.append(spent)
        for samples in times.values():
            samples.append(0)

    def pct(values: list[int]) -> dict[str, float]:
        us = np.asarray(values[:n_requests], dtype=np.float64) / 1e3
        return {
            "p50_us": round(float(np.percentile(us, 50)), 1),
            "p99_us": round(float(np.percentile(us, 99)), 1),
            "mean_us": round(float(us.mean()), 1),
        }

    return {
        "model": str(model_dir),
        "items": len(model.items),
        "requests": n_requests,
        "request_cpu": pct(request_ns),
        "stages": {label: pct(samples) for label, samples in times.items()},
    }


def worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine-src", required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    found = profile(args.model, args.requests, args.n)
    args.out.write_text(json.dumps(found), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import subprocess
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", required=True)
    parser.add_argument("--before", type=Path, default=None, help="an older engine's src")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--out", type=Path, default=None, help="write the figures here (JSON)")
    args = parser.parse_args(argv)
    engines = {"this": ROOT / "src"}
    if args.before is not None:
        engines = {"before": args.before, **engines}
    results: dict[str, Any] = {
        **run_header(),
        "engines": {k: str(v) for k, v in engines.items()},
        "rounds": args.rounds,
        "profiles": [],
    }
    for model_dir in args.model:
        for round_ in range(args.rounds):
            for label, src in engines.items():
                with tempfile.TemporaryDirectory() as tmp:
                    out = Path(tmp) / "out.json"
                    load = round(os.getloadavg()[0], 2)
                    cmd = [sys.executable, __file__, "--worker", "--engine-src", str(src)]
                    cmd += ["--model", str(model_dir), "--requests", str(args.requests)]
                    cmd += ["--n", str(args.n), "--out", str(out)]
                    subprocess.run(cmd, check=True)
                    found = json.loads(out.read_text(encoding="utf-8"))
                found.update(engine=label, round=round_ + 1, load_average_before=load)
                results["profiles"].append(found)
                print(f"\n{model_dir} ({found['items']:,} items), engine {label}, round "
                      f"{round_ + 1}, load {load}: CPU time per request, p50 / p99 µs")  # fmt: skip
                request = found["request_cpu"]
                print(f"  {'request':32s} {request['p50_us']:9.1f} {request['p99_us']:9.1f}")
                for name, figures in found["stages"].items():
                    print(f"  {name:32s} {figures['p50_us']:9.1f} {figures['p99_us']:9.1f}")
    results["machine"]["load_average_end"] = round(os.getloadavg()[0], 2)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if "--worker" in sys.argv[1:]:
        worker([a for a in sys.argv[1:] if a != "--worker"])
    else:
        sys.exit(main())
