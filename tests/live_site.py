"""A real moviematch site on loopback: a data directory built by ``manage.py setup`` and a
server process serving it, for the browser test (``tests/e2e``) and for load tests.

Plain functions, no pytest: a benchmark script can use them as well as a fixture::

    env = server_env(data_dir)                      # SQLite file in data_dir
    build_site(data_dir, movielens=ml_small, env=env)
    with serve(env, workers=2) as site:              # gunicorn if installed, else runserver
        requests.get(site.url + "/healthz")

The server runs the site's own settings (``moviematch.config.settings.base``) in
development mode, as ``make run`` does, with TMDb switched off (placeholder posters, no
network). ``database_url=`` points it at a PostgreSQL database instead
(``postgres_database`` creates a throwaway one next to the test database); ``extra=``
sets further variables (``MOVIEMATCH_RATELIMIT=0`` for many visitors from one address).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
MANAGE = ROOT / "manage.py"
#: Variables of the calling process that must not leak into the site's (the test settings,
#: the suite's database, a real TMDb key, local dataset overrides).
_DROPPED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "TMDB_API_KEY",
    "MOVIEMATCH_MOVIELENS_DIR",
    "MOVIEMATCH_IMDB_DIR",
)

Server = Literal["auto", "gunicorn", "runserver"]


class SiteError(RuntimeError):
    """The site could not be built or did not come up; the message ends with its log."""


def server_env(
    data_dir: Path, *, database_url: str | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of ``manage.py`` commands and the server for a site in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "moviematch.config.settings.base",
            "MOVIEMATCH_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            "PYTHONUNBUFFERED": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def build_site(
    data_dir: Path, *, movielens: Path, env: Mapping[str, str], timeout: float = 900
) -> float:
    """``manage.py setup --from movielens --no-eval`` into ``data_dir``; returns seconds."""
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    command = [sys.executable, str(MANAGE), "setup", "--from", str(movielens), "--no-eval"]
    result = subprocess.run(
        command, env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    (data_dir / "setup.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        raise SiteError(
            f"manage.py setup failed ({result.returncode}):\n{_tail(result.stdout + result.stderr)}"
        )
    return time.perf_counter() - started


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveSite:
    """A running server: ``url`` without a trailing slash, the log it writes."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    server: str

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log.read_text(encoding="utf-8", errors="replace"), lines)


def server_command(
    port: int, *, server: Server = "auto", workers: int = 1
) -> tuple[str, list[str]]:
    """Which server runs, and its command line. ``auto``: gunicorn when it is installed (the
    production server; ``workers`` processes of 4 threads), else ``runserver --noreload``."""
    if server == "auto":
        server = "gunicorn" if importlib.util.find_spec("gunicorn") else "runserver"
    address = f"127.0.0.1:{port}"
    if server == "gunicorn":
        return server, [
            sys.executable,
            "-m",
            "gunicorn",
            "moviematch.config.wsgi:application",
            f"--bind={address}",
            f"--workers={workers}",
            "--threads=4",
            "--access-logfile=-",
            "--graceful-timeout=5",
        ]
    return server, [sys.executable, str(MANAGE), "runserver", "--noreload", address]


def start_server(
    env: Mapping[str, str],
    *,
    log: Path,
    server: Server = "auto",
    workers: int = 1,
    timeout: float = 90,
) -> LiveSite:
    """Start the server on a free loopback port and wait until ``/healthz`` answers 200."""
    port = free_port()
    name, command = server_command(port, server=server, workers=workers)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    site = LiveSite(url=f"http://127.0.0.1:{port}", process=process, log=log, server=name)
    try:
        _wait_healthy(site, timeout)
    except BaseException:
        stop_server(site)
        raise
    return site


def stop_server(site: LiveSite, *, timeout: float = 15) -> None:
    """SIGTERM to the server's process group (gunicorn's workers too), SIGKILL if it hangs."""
    if site.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(site.process.pid, signal.SIGTERM)
        try:
            site.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(site.process.pid, signal.SIGKILL)
            site.process.wait(timeout)


@contextlib.contextmanager
def serve(
    env: Mapping[str, str], *, log: Path | None = None, server: Server = "auto", workers: int = 1
) -> Iterator[LiveSite]:
    """``start_server`` … ``stop_server``; the log goes to the data directory by default."""
    log = log or Path(env["MOVIEMATCH_DATA_DIR"]) / "server.log"
    site = start_server(env, log=log, server=server, workers=workers)
    try:
        yield site
    finally:
        stop_server(site)


def _wait_healthy(site: LiveSite, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if site.process.poll() is not None:
            raise SiteError(
                f"{site.server} exited with {site.process.returncode} before answering:\n"
                + site.log_tail()
            )
        try:
            with urllib.request.urlopen(site.url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:200]!r}"
        except OSError as exc:
            last = str(exc)
        # Polling a process that is starting up: there is nothing to wait on but time.
        time.sleep(0.2)
    raise SiteError(
        f"{site.url}/healthz not 200 after {timeout:.0f} s ({last}):\n{site.log_tail()}"
    )


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server of ``server_url`` (a DATABASE_URL),
    dropped afterwards; yields its URL."""
    import psycopg

    parsed = urlparse(server_url)
    name = f"moviematch_site_{os.getpid()}_{secrets.token_hex(3)}"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])
