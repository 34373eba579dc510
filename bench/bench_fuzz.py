"""The long schemathesis pass: the REST API fuzzed against the schema the running server serves.

Targets (from the issue), each printed with PASS/FAIL: 0 responses with a status of 500 or
more, and 0 schema violations (every check of ``tests/api/schemathesis.toml`` passes, in all
four phases: examples, coverage, fuzzing, stateful).

What runs: the production-like site of the test suite (``tests/production_site.py``: planted
MovieLens files imported, the catalogue filtered, a model trained, static files collected;
SQLite, or PostgreSQL when ``DATABASE_URL`` is set) served by gunicorn with the committed
``gunicorn.conf.py`` and ``tests.api.fuzz_settings`` (the account endpoints' throttles
opened). Schemathesis reads ``/api/schema/`` from the server and sends its requests with a
guest's token; the statuses are counted from its event stream. The short pass of the test
suite (``tests/production/test_fuzz_api.py``) is the same with ``--max-examples 5``.

Run: ``python bench/bench_fuzz.py [--max-examples 100] [--seed 1]``.
Results: ``bench/results/fuzz.json``. See docs/api.md, "Fuzzing the API".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)

from tests.api.fuzz_run import fuzz_server, run_schemathesis  # noqa: E402
from tests.production_site import build_live_site  # noqa: E402

OUT = ROOT / "bench" / "results" / "fuzz.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        started = time.monotonic()
        site = build_live_site(Path(tmp) / "site")
        built = time.monotonic() - started
        server = fuzz_server(site, Path(tmp) / "gunicorn.log")
        try:
            result = run_schemathesis(
                server.url, Path(tmp) / "fuzz", max_examples=args.max_examples, seed=args.seed
            )
            log = server.log()
        finally:
            server.stop()

    report = result.report
    targets = {
        "no_server_error": result.server_errors == 0 and "Traceback" not in log,
        "no_schema_violation": result.returncode == 0
        and not report.get("failures")
        and not report.get("errors")
        and all(p["status"] == "success" for p in report.get("phases", {}).values()),
    }
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "max_examples": args.max_examples,
            "seed": args.seed,
            "workers": 1,
            "phases": "examples,coverage,fuzzing,stateful",
            "checks": "all (tests/api/schemathesis.toml)",
            "server": "gunicorn, gunicorn.conf.py, 2 workers, tests.api.fuzz_settings",
            "data": "planted MovieLens files (tests/catalog/movielens_files.py), "
            "catalogue filter 5 ratings, model trained with --no-eval",
            "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        },
        "versions": {
            "python": platform.python_version(),
            **{p: metadata.version(p) for p in ("schemathesis", "hypothesis", "django")},
        },
        "site_build_seconds": round(built, 1),
        "fuzz_seconds": round(result.seconds, 1),
        "operations": report.get("operations"),
        "phases": {k: v["status"] for k, v in report.get("phases", {}).items()},
        "test_cases": report.get("test_cases"),
        "responses": sum(result.statuses.values()),
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "server_errors": result.server_errors,
        "failures": report.get("failures"),
        "errors": report.get("errors"),
        "warnings": {k: v for k, v in report.get("warnings", {}).items() if v},
        "exit_code": result.returncode,
        "targets": targets,
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for name, ok in targets.items():
        print(f"{'PASS' if ok else 'FAIL'} {name}")
    print(
        f"{out['responses']} responses, statuses {out['statuses']}, "
        f"{result.seconds:.0f} s; {args.out}"
    )
    if not all(targets.values()):
        print(result.output[-8000:])
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
