"""What every benchmark script records: when, on which commit and machine, and where."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_header() -> dict[str, Any]:
    """Date (UTC), git HEAD, CPUs, Python and the load average at the start."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_head": head,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_start": round(os.getloadavg()[0], 2),
        },
    }


def write_results(path: Path, results: dict[str, Any], log: Callable[[str], None]) -> None:
    """Write ``results`` as indented JSON to ``path`` (under bench/results)."""
    results.setdefault("machine", {})["load_average_end"] = round(os.getloadavg()[0], 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {path.relative_to(ROOT)}")


def generator_digest() -> str:
    """Short digest of the synthetic-data generator's source: part of the name of a generated
    dataset kept under ``var/bench-data``, so a changed generator writes a new one."""
    digest = hashlib.sha256()
    for name in ("synthetic.py", "synthetic_archive.py", "csv_format.py"):
        digest.update((ROOT / "src" / "moviematch" / "datasets" / name).read_bytes())
    return digest.hexdigest()[:10]
