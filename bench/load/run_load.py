"""Load test of the real visit: gunicorn on loopback, a fresh data directory with the real
ml-latest-small catalogue, locust's 50 users for 60 s, then every acknowledged rating checked
in the database.

    python bench/load/run_load.py                         # SQLite
    .ci/with-postgres python bench/load/run_load.py       # PostgreSQL (DATABASE_URL is set)

Options: ``--users 50 --duration 60 --workers N --movielens DIR --out FILE``. Writes
``bench/results/load_<database>.json`` and prints the table of README "Figures". Targets:
0 errors, home p99 < 300 ms, every acknowledged rating in the database with its value.
Only 127.0.0.1 is contacted; the run ends by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.production_site import site_env  # noqa: E402

DEFAULT_MOVIELENS = ROOT.parent / "shared" / "datasets" / "ml-latest-small"
HOME_P99_TARGET_MS = 300

_CHECK = """
import json, sys, django
django.setup()
from moviematch.ratings.models import Rating
acks = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
stored = {
    (u, m): float(s)
    for u, m, s in Rating.objects.values_list("user__username", "movie_id", "stars")
}
missing = [a for a in acks if (a["username"], a["movie_id"]) not in stored]
wrong = [
    a for a in acks
    if (a["username"], a["movie_id"]) in stored
    and stored[(a["username"], a["movie_id"])] != a["stars"]
]
print(json.dumps({
    "acknowledged": len(acks), "in_database_with_that_value": len(acks) - len(missing) - len(wrong),
    "missing": len(missing), "wrong_value": len(wrong), "ratings_in_database": len(stored),
    "examples": (missing + wrong)[:5],
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def _cpu_seconds(pid: int) -> float:
    """CPU time of the gunicorn master, its live workers and its reaped ones (seconds)."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: int) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    master = fields(pid)
    total = sum(int(v) for v in master[11:15])  # utime, stime, cutime, cstime
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):
            total += sum(int(v) for v in fields(int(child))[11:13])
    return total / tick


def _postgres_info(env: dict[str, str]) -> str:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    return (
        f"postgresql {version[0] if version else '?'} on loopback (.ci/with-postgres), "
        f"fsync={fsync[0] if fsync else '?'}"
    )


def _env(data_dir: Path, workers: int, port: int) -> dict[str, str]:
    """The test suite's production server environment (its DATABASE_URL kept: under
    .ci/with-postgres the site runs on PostgreSQL); every visitor comes from 127.0.0.1, so
    the per-address limits are off there."""
    return site_env(
        data_dir,
        PYTHONPATH=str(ROOT / "src"),
        MOVIEMATCH_SECRET_KEY="load-test-" + "x" * 50,
        MOVIEMATCH_BIND=f"127.0.0.1:{port}",
        MOVIEMATCH_WORKERS=str(workers),
    )


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn not healthy after {timeout} s")


def _stats(csv_path: Path) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with csv_path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 1),
            }
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    work = Path(tempfile.mkdtemp(prefix="moviematch-load-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(work / "var", args.workers, port)
    try:
        t0 = time.monotonic()
        _manage(env, "setup", "--from", str(args.movielens), "--no-eval")
        _manage(env, "collectstatic", "--noinput", "-v0")
        setup_s = time.monotonic() - t0
        log = (work / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, server)
            load_before = _load()
            cpu_before = _cpu_seconds(server.pid)
            acks = work / "acks.jsonl"
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench" / "load" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.spawn_rate),
                    "--run-time",
                    f"{args.duration}s",
                    "--host",
                    url,
                    "--csv",
                    str(work / "locust"),
                    "--only-summary",
                    "--stop-timeout",
                    "10",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=ROOT,
                env={**env, "MOVIEMATCH_LOAD_ACKS": str(acks)},
                timeout=args.duration + 120,
            )
            load_after = _load()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust_cpu_s = (after.ru_utime + after.ru_stime) - (
                children.ru_utime + children.ru_stime
            )
            server_cpu_s = _cpu_seconds(server.pid) - cpu_before
            workers_alive = len(
                Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
        if locust.returncode != 0:
            raise SystemExit(f"locust failed ({locust.returncode})")
        check = subprocess.run(
            [sys.executable, "-c", _CHECK, str(acks)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        verified = json.loads(check.stdout.splitlines()[-1])
        pages = _stats(work / "locust_stats.csv")
        errors = (work / "locust_failures.csv").read_text(encoding="utf-8").splitlines()[1:]
        total = pages.pop("Aggregated")
        home = pages.get("home", {})
        return {
            "benchmark": "load test of the real visit (bench/load/run_load.py)",
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "config": {
                "database": database if database == "sqlite" else _postgres_info(env),
                "db_conn_max_age_s": 60,
                "server": f"gunicorn, {args.workers} sync workers, preload (gunicorn.conf.py)",
                "users": args.users,
                "spawn_rate_per_s": args.spawn_rate,
                "duration_s": args.duration,
                "think_time_s": "0.5-1.5 after every page and every rating (locustfile.py)",
                "data": f"{args.movielens.name}, manage.py setup --no-eval ({setup_s:.0f} s)",
                "machine": f"{os.cpu_count()} cores, {platform.python_version()}",
                "load_average_before": load_before,
                "load_average_after": load_after,
            },
            "total": total,
            "pages": pages,
            "errors": errors,
            # Independent of the other processes on the machine: what the server itself spent.
            "server_cpu_s": round(server_cpu_s, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu_s / max(1, total["requests"]), 1),
            # The load generator shares the two cores with the server.
            "locust_cpu_s": round(locust_cpu_s, 1),
            "workers_alive_at_end": workers_alive,
            "acknowledged_ratings": verified,
            "targets": {
                "errors": {"target": 0, "got": total["failures"], "met": total["failures"] == 0},
                "home_p99_ms": {
                    "target": f"< {HOME_P99_TARGET_MS}",
                    "got": home.get("p99_ms"),
                    "met": home.get("p99_ms", 1e9) < HOME_P99_TARGET_MS,
                },
                "acknowledged_in_database": {
                    "target": verified["acknowledged"],
                    "got": verified["in_database_with_that_value"],
                    "met": verified["missing"] == 0 and verified["wrong_value"] == 0,
                },
            },
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def table(result: dict[str, Any]) -> str:
    lines = [
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in [*result["pages"].items(), ("all", result["total"])]:
        lines.append(
            f"| {name} | {row['requests']} | {row['requests_per_s']} | {row['p50_ms']:.0f} "
            f"| {row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {row['failures']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--movielens", type=Path, default=DEFAULT_MOVIELENS)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    args = parser.parse_args()
    result = run(args)
    database = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    out = args.out or ROOT / "bench" / "results" / f"load_{database}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(json.dumps({"acknowledged_ratings": result["acknowledged_ratings"]}))
    print(f"server CPU: {result['server_cpu_ms_per_request']} ms per request")
    print(json.dumps(result["targets"]))
    print(f"wrote {out}")
    return 0 if all(t["met"] for t in result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
