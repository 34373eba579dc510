"""``setup --dataset ml-25m`` end to end at full size: time and peak memory of each step.

Targets (issue 11): the whole ``setup`` on ML-25M-sized data in **under 15 minutes** and
**under 6 GB** peak resident memory, on the 2-core development machine.

The real ML-25M cannot be had here, so the data is a generated archive with ML-25M's exact
layout and formats (``moviematch.datasets.synthetic_archive``: 25,000,095 ratings of 59,047
of 62,423 movies by 162,541 users, 1,093,360 tag applications, a 13,816 × 1,128 genome;
real titles, genres and links from ``shared/datasets/ml-25m-partial`` when present), zipped
like ``ml-25m.zip`` with its ``.md5``, and served from a loopback HTTP server, so the
download path (md5 check, unzip) runs as it would against GroupLens.

Two runs, each in a fresh data directory (SQLite):

1. **Step by step**: ``migrate``, ``download_data ml-25m`` (from the loopback server),
   ``import_movielens``, ``filter_catalog`` and ``train_model`` (cold-start evaluation
   included, as ``setup`` runs it), each as its own ``manage.py`` process, timed, with its
   peak resident memory from ``wait4``'s rusage.
2. **Whole**: ``manage.py setup --dataset ml-25m`` as one process (its own per-step line
   is recorded), then ``setup`` again (everything skipped).

Baseline in the same run: a ``manage.py check`` process (Django start-up alone) and the
time to read the 25M-row ``ratings.csv`` with the fast reader (what any pipeline must pay).

Run: ``python bench/bench_setup.py`` (about 25 minutes on the shared machine, plus 4 to
generate the archive the first time: it is kept in ``var/bench-data``). Results:
``bench/results/setup.json``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's code, whatever is installed
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import generator_digest, run_header, write_results  # noqa: E402

DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "setup.json"
DATA_ROOT = ROOT / "var" / "bench-data"
WORK = ROOT / "var" / "bench-setup"
TARGET_SECONDS = 15 * 60.0
TARGET_PEAK_GB = 6.0


def archive(scale: float, seed: int, log: Any) -> Path:
    """The generated ``ml-25m.zip`` (+ ``.md5``) at ``scale``, written on first use and kept
    under ``var/bench-data`` (named by scale, seed and the generator's source digest)."""
    from moviematch.datasets.synthetic import ML25M
    from moviematch.datasets.synthetic_archive import ArchiveSpec, write_archive

    real = DATASETS / "ml-25m-partial"
    titles = "-real-titles" if real.is_dir() else ""
    folder = DATA_ROOT / f"ml25m-zip-x{scale:g}-seed{seed}{titles}-{generator_digest()}"
    if (folder / "ml-25m.zip.md5").is_file():  # the md5 is written last
        log(f"reusing {folder}")
        return folder
    log(f"generating {folder} ...")
    started = time.perf_counter()
    spec = ArchiveSpec(
        shape=ML25M.scaled(scale), movies_from=real if real.is_dir() else None, seed=seed
    )
    write_archive(spec, folder)
    log(f"generated in {time.perf_counter() - started:.0f} s")
    return folder


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A loopback HTTP server publishing ``folder`` (like files.grouplens.org/.../movielens)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run(
    args: list[str], env: dict[str, str], log: Any, timeout: float | None = None
) -> dict[str, Any]:
    """``manage.py ARGS`` as a child: wall time, peak RSS (``wait4``'s rusage), output;
    killed after ``timeout`` seconds if given (``timed_out`` then says so)."""
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer is not None:
            timer.start()
        # wait4, not Popen.wait: it returns this child's own resource usage (its peak RSS).
        _pid, status, usage = os.wait4(child.pid, 0)
        timed_out = timer is not None and not timer.is_alive()
        if timer is not None:
            timer.cancel()
        wall = time.perf_counter() - started
        child.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result = {
        "command": " ".join(["manage.py", *args]),
        "seconds": round(wall, 1),
        "peak_rss_MB": round(usage.ru_maxrss / 1e3, 1),
        "exit_code": code,
        "load_average_before": round(load, 2),
        "stdout_tail": text.strip().splitlines()[-14:],
    }
    if args[0] == "setup":  # its own timing of each step comes first
        result["stdout_head"] = text.strip().splitlines()[:2]
    if timed_out:
        result["timed_out"] = True
        result["timeout_seconds"] = timeout
    log(f"{result['command']}: {wall:.1f} s, peak {usage.ru_maxrss / 1e6:.2f} GB, exit {code}")
    if code != 0:
        result["stderr_tail"] = errors.strip().splitlines()[-10:]
        log("\n".join(result["stderr_tail"]))
    return result


def environment(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVIEMATCH_")}
    env.update(
        {
            "MOVIEMATCH_DATA_DIR": str(data_dir),
            "MOVIEMATCH_MOVIELENS_URL": url,
            "PYTHONPATH": str(ROOT / "src"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "2"),
        }
    )
    return env


def ratings_read_seconds(directory: Path) -> float:
    """Baseline: stream the 25M-row ratings.csv with the fast reader, nothing else."""
    from moviematch.datasets.movielens import iter_ratings

    started = time.perf_counter()
    total = sum(len(chunk) for chunk in iter_ratings(directory))
    assert total > 0
    return round(time.perf_counter() - started, 1)


#: Set in the environment when the benchmark re-executes itself after generating the data.
RESTARTED = "MOVIEMATCH_BENCH_SETUP_RESTARTED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of ML-25M's size (1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 %% of the size, no results")
    parser.add_argument(
        "--whole-only",
        action="store_true",
        help="skip the step-by-step run (setup's own output still times each step)",
    )
    parser.add_argument(
        "--steps-only",
        action="store_true",
        help="only the step-by-step run (no whole setup, no rerun)",
    )
    parser.add_argument(
        "--timeout-minutes",
        type=float,
        default=None,
        help="kill the whole setup after this long (with --steps-only: the step running then)",
    )
    args = parser.parse_args(argv)
    timeout = None if args.timeout_minutes is None else args.timeout_minutes * 60
    scale = 0.02 if args.quick else args.scale

    def log(line: str) -> None:
        print(line, flush=True)

    folder = archive(scale, args.seed, log)
    restarted = os.environ.get(RESTARTED) == "1"
    if not restarted and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 500_000:
        # Generating took GBs: a child's peak (wait4's ru_maxrss) starts at this process's
        # resident size when it forks, so start afresh; the archive is found this time. The
        # process's own ru_maxrss survives the exec: the variable says it has restarted.
        log("restarting, so that the steps' peaks are their own")
        os.environ[RESTARTED] = "1"
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])
    server, url = serve(folder)
    log(f"serving {folder} at {url}")
    results: dict[str, Any] = {
        **run_header(),
        "data": f"generated ml-25m.zip ({(folder / 'ml-25m.zip').stat().st_size:,} bytes), "
        f"moviematch.datasets.synthetic_archive, ML25M.scaled({scale:g}), seed {args.seed}, "
        "served from a loopback HTTP server",
        "database": "SQLite (the default)",
        "targets": {"seconds": TARGET_SECONDS, "peak_GB": TARGET_PEAK_GB},
    }
    try:
        shutil.rmtree(WORK, ignore_errors=True)
        steps_dir, whole_dir = WORK / "steps", WORK / "whole"
        steps_dir.mkdir(parents=True)  # migrate alone does not create the data directory
        whole_dir.mkdir(parents=True)
        env = environment(steps_dir, url)
        results["baseline_django_start"] = run(["check"], env, log)
        steps = [
            ["migrate", "--verbosity", "0"],
            ["download_data", "ml-25m"],
            ["import_movielens", str(steps_dir / "datasets" / "ml-25m")],
            ["filter_catalog"],
            ["train_model"],
        ]
        if not args.whole_only:
            results["steps"] = []
            started = time.perf_counter()
            for step in steps:
                left = None if timeout is None else timeout - (time.perf_counter() - started)
                results["steps"].append(run(step, env, log, left))
                if results["steps"][-1]["exit_code"] != 0:
                    break
            if (steps_dir / "datasets" / "ml-25m" / "ratings.csv").is_file():
                results["baseline_ratings_read_seconds"] = ratings_read_seconds(
                    steps_dir / "datasets" / "ml-25m"
                )
        if args.steps_only:
            results["whole"] = {"measured": False, "reason": "--steps-only"}
            return _finish(results, args.quick, log)
        env = environment(whole_dir, url)
        results["whole"] = run(["setup", "--dataset", "ml-25m"], env, log, timeout)
        if results["whole"]["exit_code"] == 0:
            results["rerun"] = run(["setup", "--dataset", "ml-25m"], env, log)
    finally:
        server.shutdown()
        server.server_close()
    return _finish(results, args.quick, log)


def _finish(results: dict[str, Any], quick: bool, log: Any) -> int:
    """The verdict, then the results file (not with --quick)."""
    whole = results["whole"]
    if not whole.get("measured", True):
        steps = results.get("steps", [])
        done = all(s["exit_code"] == 0 for s in steps) and len(steps) == 5
        whole = {
            "exit_code": 0 if done else 1,
            "seconds": sum(s["seconds"] for s in steps),
            "peak_rss_MB": max((s["peak_rss_MB"] for s in steps), default=0.0),
        }
    results["verdict"] = {
        "seconds_met": whole["exit_code"] == 0 and whole["seconds"] < TARGET_SECONDS,
        "peak_met": whole["exit_code"] == 0 and whole["peak_rss_MB"] < TARGET_PEAK_GB * 1e3,
    }
    if "steps" in results:
        results["verdict"]["sum_of_steps_seconds"] = round(
            sum(s["seconds"] for s in results["steps"]), 1
        )
        results["verdict"]["max_step_peak_MB"] = max(s["peak_rss_MB"] for s in results["steps"])
    log(json.dumps(results["verdict"]))
    if quick:
        log("(--quick: results not written)")
        return 0
    write_results(RESULTS, results, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
