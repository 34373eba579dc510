"""A production-like site on loopback for the tests that need a real server: gunicorn with the
committed ``gunicorn.conf.py``, ``MOVIEMATCH_DEBUG=0``, static files collected (hashed,
compressed), the planted catalogue and a trained model, in a data directory of its own.

Plain HTTP on 127.0.0.1, so HTTPS redirect, HSTS and secure cookies are turned off by their
variables; everything else is the production configuration (README "Deploying").
Registered as fixtures by the conftest modules that use them (``live_site``, ``gunicorn``).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.catalog.movielens_files import planted_tastes, write_movielens

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server on plain-HTTP loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MOVIEMATCH_", "DJANGO_", "TMDB_")) and k != "DATABASE_URL"
    }
    if os.environ.get("DATABASE_URL"):  # the PostgreSQL run: its own database, below
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(
        DJANGO_SETTINGS_MODULE="moviematch.config.settings.base",
        MOVIEMATCH_DATA_DIR=str(data_dir),
        MOVIEMATCH_DEBUG="0",
        MOVIEMATCH_SECRET_KEY="live-site-" + "k" * 50,
        MOVIEMATCH_ALLOWED_HOSTS="127.0.0.1,localhost",
        MOVIEMATCH_SSL_REDIRECT="0",
        MOVIEMATCH_SECURE_COOKIES="0",
        MOVIEMATCH_HSTS_SECONDS="0",
        MOVIEMATCH_RATELIMIT="0",
        MOVIEMATCH_CACHE="file",
        MOVIEMATCH_ACCESS_LOG="",
        MOVIEMATCH_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@dataclass
class LiveSite:
    """A data directory ready to serve, and the environment that serves it."""

    data_dir: Path
    env: dict[str, str]
    movie_ids: list[int] = field(default_factory=list)


def _postgres_database(name: str) -> str | None:
    """Under the PostgreSQL run: a fresh database of its own on the same server."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def build_live_site(directory: Path) -> LiveSite:
    """Migrate, import the planted MovieLens files, filter, train, collect static files."""
    data_dir = directory / "var"
    data_dir.mkdir(parents=True)
    env = site_env(data_dir)
    database = _postgres_database(f"live_{secrets.token_hex(4)}")
    if database:
        env["DATABASE_URL"] = database
    movies, ratings = planted_tastes()
    source = write_movielens(directory / "ml", movies=movies, ratings=ratings, genome=True)
    manage(env, "migrate", "-v0")
    manage(env, "import_movielens", str(source))
    manage(env, "filter_catalog", "--min-ratings", "5")
    manage(env, "train_model", "--no-eval")
    manage(env, "collectstatic", "--noinput", "-v0")
    return LiveSite(data_dir, env, movie_ids=[m for m, _, _ in movies])


class Gunicorn:
    """gunicorn with the committed configuration, on a free loopback port."""

    def __init__(self, site: LiveSite, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("ab")
        self.env = {
            **site.env,
            "MOVIEMATCH_BIND": f"127.0.0.1:{self.port}",
            "MOVIEMATCH_WORKERS": "2",
            **env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    if r.status == 200 and len(self.workers()) >= int(
                        self.env["MOVIEMATCH_WORKERS"]
                    ):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.log()}")

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            return []

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> LiveSite:
    return build_live_site(tmp_path_factory.mktemp("live-site"))


@pytest.fixture
def gunicorn(live_site: LiveSite, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(live_site, tmp_path / "gunicorn.log")
    yield server
    server.stop()
