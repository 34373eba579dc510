"""Full-scale training benchmark: ``train(ratings, TrainConfig())`` at MovieLens-25M's size.

Targets (issue 11): the shipped configuration trains every component (MF, ranker,
similarity with the genre table for grouping, onboarding picker) on 25M ratings of ~59k
movies in **under 10 minutes** and **under 8 GB** peak on the 2-core development machine.

What runs, in one invocation:

* Data: ``moviematch.datasets.synthetic_archive`` writes an ML-25M-shaped dataset (162,541
  users, 59,047 rated of 62,423 movies, 25,000,095 ratings, 1.09M tag applications, a
  13,816 × 1,128 tag genome; real titles/genres from ``shared/datasets/ml-25m-partial``
  when present) under ``var/bench-data`` (kept for the next run). It is read with the
  dataset readers, as the CLI does; reading is not part of the timed training.
* A fresh worker process (limited with ``RLIMIT_AS`` so that an oversized allocation fails
  with ``MemoryError`` instead of waking the OOM killer on a shared machine) trains
  ``TrainConfig()`` with all catalogue features. ``train``'s ``on_stage`` callback reports
  each stage's wall time; after each stage the worker reads its peak resident memory
  (``VmHWM``) and resets it (``/proc/self/clear_refs``), so each stage has its own peak.
  The model is saved (artifact bytes; ``bench_serving_scale.py`` serves it).
* Baselines in the same run: the same worker at a tenth of the size (how time and memory
  scale), and the resident memory of the worker once the data is loaded, before training
  (what the input alone costs).

Run: ``python bench/bench_train_scale.py [--scale 1.0] [--keep-model DIR]`` (about 15
minutes on the shared machine, most of it generating the data the first time). Results:
``bench/results/train_scale.json``; ``--quick`` runs at 2 % without writing results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's code, whatever is installed
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import generator_digest, run_header, write_results  # noqa: E402

DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "train_scale.json"
DATA_ROOT = ROOT / "var" / "bench-data"
TARGET_SECONDS = 600.0
TARGET_PEAK_GB = 8.0
MB = 1e6


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in kB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def reset_peak() -> None:
    """Start a new VmHWM measurement (Linux: writing 5 to clear_refs resets the peak)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def dataset(scale: float, seed: int, log: Any) -> Path:
    """The generated dataset directory at ``scale`` (written on first use)."""
    from moviematch.datasets.synthetic import ML25M
    from moviematch.datasets.synthetic_archive import ArchiveSpec, write_directory

    real = DATASETS / "ml-25m-partial"
    titles = "-real-titles" if real.is_dir() else ""
    name = f"ml25m-x{scale:g}-seed{seed}{titles}-{generator_digest()}"
    directory = DATA_ROOT / name / "ml-25m"
    if (directory / "README.txt").is_file():
        log(f"reusing {directory}")
        return directory
    log(f"generating {directory} ...")
    started = time.perf_counter()
    spec = ArchiveSpec(
        shape=ML25M.scaled(scale), movies_from=real if real.is_dir() else None, seed=seed
    )
    written = write_directory(spec, DATA_ROOT / name)
    log(f"generated in {time.perf_counter() - started:.0f} s: {written.files}")
    return written.path


# --------------------------------------------------------------------------- worker
def worker(directory: Path, out: Path, save: Path | None) -> None:
    """Load the dataset, train TrainConfig() stage by stage, write the figures to ``out``."""
    from moviematch.datasets import movielens
    from moviematch.recommender import TrainConfig, train

    figures: dict[str, Any] = {"rss_start_MB": proc_status()["VmRSS"] / 1e3}
    started = time.perf_counter()
    ratings = movielens.load_ratings(directory)
    features = movielens.load_features(directory)
    figures["load_seconds"] = round(time.perf_counter() - started, 1)
    figures["rss_after_load_MB"] = round(proc_status()["VmRSS"] / 1e3, 1)
    figures["data"] = {
        "ratings": len(ratings),
        "users": len(set(ratings.user_ids[:: max(1, len(ratings) // 2_000_000)])),
        "movies_in_movie_info": len(features.movies.movie_ids) if features.movies else 0,
        "tag_applications": len(features.tags.tags) if features.tags else 0,
        "genome": list(features.genome.scores.shape) if features.genome else None,
    }
    reset_peak()
    stages: dict[str, dict[str, float]] = {}
    partial = out.with_suffix(".partial.json")

    def on_stage(report: Any) -> None:
        status = proc_status()
        stages[report.stage] = {
            "seconds": round(report.seconds, 1),
            "peak_rss_MB": round(status["VmHWM"] / 1e3, 1),
            "rss_after_MB": round(status["VmRSS"] / 1e3, 1),
        }
        print(f"  {report.stage}: {report.seconds:.1f} s, peak {status['VmHWM'] / 1e6:.2f} GB")
        sys.stdout.flush()
        # What a run stopped by --timeout-minutes still reports: the stages done so far.
        partial.write_text(json.dumps({**figures, "stages": stages}), encoding="utf-8")
        reset_peak()

    load = os.getloadavg()[0]
    started = time.perf_counter()
    model = train(ratings, TrainConfig(), **features._asdict(), on_stage=on_stage)
    figures["train_seconds"] = round(time.perf_counter() - started, 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time next to wall time: on the shared machine the gap is other people's load.
    figures["cpu_seconds_process"] = round(usage.ru_utime + usage.ru_stime, 1)
    figures["stages"] = stages
    figures["peak_rss_MB"] = max(s["peak_rss_MB"] for s in stages.values())
    figures["load_average_before"] = round(load, 2)
    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    figures["model"] = {
        "items": len(model.items),
        "similarity_movies": len(model.components["similarity"].index.vocab.ids),
        "ranker": model.components["ranker"].config_dict(),
        "ranker_modelled_items": int(model.components["ranker"].modelled_.sum()),
    }
    if save is not None:
        model.save(save)
        figures["artifact_bytes"] = sum(f.stat().st_size for f in save.iterdir())
    out.write_text(json.dumps(figures), encoding="utf-8")


def run_worker(
    directory: Path, save: Path | None, limit_gb: float, log: Any, timeout: float | None = None
) -> dict[str, Any]:
    """One worker subprocess; its figures, or how it failed (after ``timeout`` seconds: the
    stages it had finished and how long it ran)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(directory)]
        cmd += ["--out", str(out)] + (["--save", str(save)] if save else [])
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        limit = int(limit_gb * 1e9)

        def limit_memory() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        started = time.perf_counter()
        try:
            done = subprocess.run(
                cmd, env=env, preexec_fn=limit_memory, capture_output=True, text=True,
                check=False, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired as expired:
            wall = time.perf_counter() - started
            output = expired.stdout or b""
            text = output.decode() if isinstance(output, bytes) else output
            for line in text.splitlines():
                log(line)
            partial = out.with_suffix(".partial.json")
            reached = json.loads(partial.read_text(encoding="utf-8")) if partial.is_file() else {}
            log(f"worker stopped after {wall:.0f} s (--timeout-minutes)")
            return {"failed": True, "timed_out": True, "timeout_seconds": timeout,
                    "wall_seconds": round(wall, 1), **reached,
                    "stages_finished": list(reached.get("stages", {}))}  # fmt: skip
        wall = time.perf_counter() - started
        for line in done.stdout.splitlines():
            log(line)
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-12:]
            log("worker failed:\n" + "\n".join(tail))
            return {"failed": True, "returncode": done.returncode, "stderr_tail": tail,
                    "wall_seconds": round(wall, 1)}  # fmt: skip
        figures = json.loads(out.read_text(encoding="utf-8"))
        figures["wall_seconds"] = round(wall, 1)
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help="share of ML-25M's size (1)")
    parser.add_argument("--baseline-scale", type=float, default=0.1, help="baseline size (0.1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-gb", type=float, default=14.0, help="address-space limit")
    parser.add_argument(
        "--keep-model",
        type=Path,
        default=ROOT / "var" / "bench-models" / "train-scale",
        help="where the full-size model is saved (for bench_serving_scale.py)",
    )
    parser.add_argument(
        "--timeout-minutes",
        type=float,
        default=None,
        help="stop the full-size worker after this long and record the stages it finished",
    )
    parser.add_argument("--quick", action="store_true", help="2 %% of the size, no results")
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker, args.out, args.save)
        return 0

    def log(line: str) -> None:
        print(line, flush=True)

    scale = 0.02 if args.quick else args.scale
    results: dict[str, Any] = {
        **run_header(),
        "config": "TrainConfig() (the shipped defaults), MF backend numba",
        "targets": {"seconds": TARGET_SECONDS, "peak_GB": TARGET_PEAK_GB},
        "address_space_limit_GB": args.limit_gb,
    }
    full = dataset(scale, args.seed, log)
    results["data"] = (
        f"moviematch.datasets.synthetic_archive, ML25M.scaled({scale:g}), seed {args.seed}: {full}"
    )
    baseline_dir = dataset(args.baseline_scale * scale, args.seed, log)
    log(f"baseline: training at {args.baseline_scale * scale:g} of ML-25M ...")
    results["baseline_tenth"] = run_worker(baseline_dir, None, args.limit_gb, log)
    log(f"training at {scale:g} of ML-25M ...")
    save = None if args.quick else args.keep_model
    if save is not None and save.exists():
        import shutil

        shutil.rmtree(save)
    timeout = None if args.timeout_minutes is None else args.timeout_minutes * 60
    results["full"] = run_worker(full, save, args.limit_gb, log, timeout)
    full_run = results["full"]
    if not full_run.get("failed"):
        results["verdict"] = {
            "seconds_met": full_run["train_seconds"] < TARGET_SECONDS,
            "peak_met": full_run["peak_rss_MB"] < TARGET_PEAK_GB * 1e3,
        }
        log(
            f"train {full_run['train_seconds']:.0f} s (target {TARGET_SECONDS:.0f}), peak "
            f"{full_run['peak_rss_MB'] / 1e3:.2f} GB (target {TARGET_PEAK_GB:g}); data alone "
            f"{full_run['rss_after_load_MB'] / 1e3:.2f} GB; stages "
            + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in full_run["stages"].items())
        )
    else:
        stages = full_run.get("stages", {})
        results["verdict"] = {
            "seconds_met": False,
            "peak_met": None,  # unknown: the unfinished stage's peak was not read
            "peak_of_finished_stages_MB": max(
                (s["peak_rss_MB"] for s in stages.values()), default=None
            ),
            "failed": True,
            "note": "timed out (--timeout-minutes)" if full_run.get("timed_out") else "failed",
        }
    if args.quick:
        log("(--quick: results not written)")
        return 0
    write_results(RESULTS, results, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
