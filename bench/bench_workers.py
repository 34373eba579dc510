"""Memory of the gunicorn workers: the model loaded once in the master before the workers
are forked (``MOVIEMATCH_PRELOAD=1``, copy-on-write) against once per worker (``=0``).

    python bench/bench_workers.py                       # sets up ml-latest-small in a temp dir
    python bench/bench_workers.py --data-dir var        # or uses a data directory set up already

For each mode: gunicorn with the committed ``gunicorn.conf.py`` on loopback, warmed by
concurrent API requests (guest sign-in, ratings, recommendations, similar movies) until every
worker has answered some, then PSS, RSS and private memory of the master and of each worker
from ``/proc/PID/smaps_rollup``. PSS divides each shared page among the processes sharing it,
so the sum of PSS is what the server really costs. Writes ``bench/results/workers.json``.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.production_site import site_env  # noqa: E402

DEFAULT_MOVIELENS = ROOT.parent / "shared" / "datasets" / "ml-latest-small"
MOVIES = [1, 2, 32, 47, 50, 110, 260, 296, 318, 356, 480, 527, 589, 593, 858, 1196, 2571, 2959]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, port: int, workers: int, preload: bool) -> dict[str, str]:
    """The test suite's production server environment (SQLite, whatever DATABASE_URL says)."""
    env = site_env(
        data_dir,
        PYTHONPATH=str(ROOT / "src"),
        MOVIEMATCH_SECRET_KEY="workers-bench-" + "x" * 50,
        MOVIEMATCH_BIND=f"127.0.0.1:{port}",
        MOVIEMATCH_WORKERS=str(workers),
        MOVIEMATCH_PRELOAD="1" if preload else "0",
    )
    env.pop("DATABASE_URL", None)
    return env


def _call(url: str, method: str = "GET", body: Any = None, token: str = "") -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:  # e.g. a movie without similar ones: still served
        return {"status": exc.code}


def _memory(pid: int) -> dict[str, float]:
    """PSS, RSS, private and shared (clean + dirty) memory of ``pid``, in MB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    mb = 1024.0
    return {
        "pss_mb": round(fields["Pss"] / mb, 1),
        "rss_mb": round(fields["Rss"] / mb, 1),
        "private_mb": round((fields["Private_Clean"] + fields["Private_Dirty"]) / mb, 1),
        "shared_mb": round((fields["Shared_Clean"] + fields["Shared_Dirty"]) / mb, 1),
    }


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _warm(url: str, tokens: list[str], requests_per_thread: int, threads: int) -> int:
    """Concurrent API traffic, so that every worker serves (and touches the model)."""
    served = [0]
    lock = threading.Lock()

    def visitor(index: int) -> None:
        token = tokens[index % len(tokens)]
        for n in range(requests_per_thread):
            movie = MOVIES[(index + n) % len(MOVIES)]
            _call(f"{url}/api/me/ratings/{movie}/", "PUT", {"stars": 4.0}, token)
            _call(url + "/api/me/recommendations/", token=token)
            _call(f"{url}/api/movies/{movie}/similar/", token=token)
            with lock:
                served[0] += 3

    pool = [threading.Thread(target=visitor, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return served[0]


def measure(
    data_dir: Path, workers: int, preload: bool, log: Path, tokens: list[str]
) -> dict[str, Any]:
    """One server; ``tokens`` (API guests) are created on first use and kept for the next
    (the API allows 20 guest sign-ins an hour per address)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(data_dir, port, workers, preload)
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                        if r.status == 200 and len(_children(server.pid)) == workers:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.5)
            started = set(_children(server.pid))
            while len(tokens) < 2 * workers:
                tokens.append(_call(url + "/api/auth/guest/", "POST")["token"])
            served = _warm(url, tokens, requests_per_thread=8, threads=4 * workers)
            time.sleep(1.0)
            pids = _children(server.pid)
            if set(pids) != started:
                raise SystemExit("a worker was replaced during the measurement")
            master = _memory(server.pid)
            each = [_memory(p) for p in pids]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    total_pss = master["pss_mb"] + sum(w["pss_mb"] for w in each)
    return {
        "preload": preload,
        "workers": workers,
        "requests_served": served,
        "master": master,
        "workers_memory": each,
        "worker_pss_mb_mean": round(sum(w["pss_mb"] for w in each) / len(each), 1),
        "worker_private_mb_mean": round(sum(w["private_mb"] for w in each) / len(each), 1),
        "total_pss_mb": round(total_pss, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory set up already")
    parser.add_argument("--movielens", type=Path, default=DEFAULT_MOVIELENS)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "workers.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="moviematch-workers-"))
    try:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = work / "var"
            env = _env(data_dir, 0, args.workers, True)
            subprocess.run(
                [sys.executable, "manage.py", "setup", "--from", str(args.movielens), "--no-eval"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        data_dir = data_dir.resolve()
        artifact = data_dir / "model" / (data_dir / "model" / "CURRENT").read_text().strip()
        artifact_mb = sum(f.stat().st_size for f in artifact.iterdir()) / 2**20
        load_before = Path("/proc/loadavg").read_text().strip()
        tokens: list[str] = []
        runs = [
            measure(data_dir, args.workers, p, work / "gunicorn.log", tokens) for p in (True, False)
        ]
        load_after = Path("/proc/loadavg").read_text().strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    preloaded, per_worker = runs
    result = {
        "benchmark": "worker memory, model preloaded vs per worker (bench/bench_workers.py)",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "config": {
            "server": f"gunicorn.conf.py, {args.workers} sync workers, SQLite",
            "data": f"{args.movielens.name} (manage.py setup --no-eval)",
            "model_artifact_mb": round(artifact_mb, 1),
            "warm_up": "4 threads per worker (2 guests per worker), each 8 × (PUT a rating, "
            "recommendations, similar movies) through the API",
            "measure": "/proc/PID/smaps_rollup of the master and each worker after the warm-up",
            "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        "preloaded_in_master": preloaded,
        "loaded_per_worker": per_worker,
        "total_pss_saved_mb": round(per_worker["total_pss_mb"] - preloaded["total_pss_mb"], 1),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for run in runs:
        print(
            f"preload={run['preload']}: worker PSS {run['worker_pss_mb_mean']} MB "
            f"(private {run['worker_private_mb_mean']} MB), master PSS {run['master']['pss_mb']} "
            f"MB, total PSS {run['total_pss_mb']} MB"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
