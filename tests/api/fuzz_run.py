"""Schemathesis against a running site: shared by the short pass of the test suite
(``tests/api/test_fuzz_live.py``) and the long pass of ``bench/bench_fuzz.py``.

The server is gunicorn with the committed configuration over a built site
(``tests/production_site.py``), run with ``tests.api.fuzz_settings`` (the account endpoints'
throttles opened, so that they are fuzzed too). Schemathesis reads the schema the server
serves (``/api/schema/``), sends the generated requests with a guest's token and checks
every answer (``tests/api/schemathesis.toml``: every check).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.production_site import ROOT, Gunicorn, LiveSite

CONFIG = ROOT / "tests" / "api" / "schemathesis.toml"


def fuzz_server(site: LiveSite, log: Path) -> Gunicorn:
    """gunicorn over ``site`` with the fuzzing settings (throttles opened)."""
    return Gunicorn(site, log, DJANGO_SETTINGS_MODULE="tests.api.fuzz_settings")


def guest_token(url: str) -> str:
    request = urllib.request.Request(url + "/api/auth/guest/", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as r:
        return str(json.load(r)["token"])


@dataclass
class FuzzResult:
    returncode: int
    seconds: float
    output: str
    report: dict[str, Any]
    #: ``(status, count)`` of every answer the server gave, from its access log.
    statuses: Counter[int]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def _statuses(ndjson: Path) -> Counter[int]:
    """Status of every response schemathesis received, from its event stream."""
    counts: Counter[int] = Counter()
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        for status in _find_statuses(json.loads(line)):
            counts[status] += 1
    return counts


def _find_statuses(event: Any) -> list[int]:
    """``response.status_code`` of every interaction in one event (nested anywhere)."""
    found: list[int] = []
    if isinstance(event, dict):
        response = event.get("response")
        if isinstance(response, dict) and isinstance(response.get("status_code"), int):
            found.append(response["status_code"])
        for key, value in event.items():
            if key != "response":
                found.extend(_find_statuses(value))
    elif isinstance(event, list):
        for value in event:
            found.extend(_find_statuses(value))
    return found


def run_schemathesis(
    url: str,
    out_dir: Path,
    *,
    max_examples: int,
    seed: int,
    phases: str = "examples,coverage,fuzzing,stateful",
    timeout: float = 3600,
) -> FuzzResult:
    """``st run`` against ``url``'s schema; the JSON run report and the statuses answered."""
    out_dir.mkdir(parents=True, exist_ok=True)
    token = guest_token(url)
    report, ndjson = out_dir / "report.json", out_dir / "events.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/schema/",
        "-H",
        f"Authorization: Token {token}",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        phases,
        # One worker: with several, Hypothesis 6.155 on Python 3.11 sometimes fails inside
        # its own AST cache (a tool error, docs/api.md).
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json,ndjson",
        "--report-json-path",
        str(report),
        "--report-ndjson-path",
        str(ndjson),
    ]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=out_dir, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.monotonic() - started
    return FuzzResult(
        returncode=done.returncode,
        seconds=seconds,
        output=done.stdout + done.stderr,
        report=json.loads(report.read_text(encoding="utf-8")) if report.exists() else {},
        statuses=_statuses(ndjson) if ndjson.exists() else Counter(),
    )
