"""Fixtures of the browser test: the real site on loopback, Chromium driven by Playwright.

* ``live_site`` (session): a data directory built by ``manage.py setup --from
  ml-latest-small --no-eval`` (a SQLite file in a temporary directory; under the suite's
  PostgreSQL run, a throwaway database on that server), served by gunicorn when it is
  installed, else ``runserver --noreload``, on a free loopback port; stopped afterwards.
* ``browser`` (session): Debian's Chromium (``playwright install`` cannot download one
  here). Without Chromium or Playwright the tests skip with the reason, except under
  ``CI=true``, where that is a failure.

The helpers behind them are plain functions in ``tests/live_site.py``, for load tests too.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_site import (
    LiveSite,
    build_site,
    postgres_database,
    serve,
    server_env,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Lines for the end of pytest's output (where the screenshots are, how long things took).
SUMMARY: list[str] = []


def missing(reason: str) -> None:
    """Skip, or fail under CI=true, where every test must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.write_sep("-", "browser test")
        for line in SUMMARY:
            terminalreporter.write_line(line)


@pytest.fixture
def summary() -> list[str]:
    """Lines a test adds to the end of pytest's output."""
    return SUMMARY


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    path = shutil.which("chromium")
    if path is None:
        missing("Debian's chromium is not installed (apt-get install chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Any]:
    # Closed when the e2e tests are done: Playwright's sync API allows one running instance
    # per thread, and the production tests start their own.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_database_url() -> Iterator[str | None]:
    """None (a SQLite file), or a fresh PostgreSQL database when the suite runs on one."""
    suite_database = os.environ.get("DATABASE_URL")
    if not suite_database:
        yield None
        return
    with postgres_database(suite_database) as url:
        yield url


@pytest.fixture(scope="session")
def site_data(
    ml_small: Path, site_database_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A data directory with the ml-latest-small catalogue imported and a model trained."""
    data_dir = tmp_path_factory.mktemp("site") / "var"
    seconds = build_site(data_dir, movielens=ml_small, env=_env(data_dir, site_database_url))
    database = "PostgreSQL" if site_database_url else "SQLite"
    SUMMARY.append(
        f"site built in {seconds:.0f} s ({database}): {data_dir} (setup.log, server.log)"
    )
    return data_dir


@pytest.fixture(scope="session")
def live_site(site_data: Path, site_database_url: str | None) -> Iterator[LiveSite]:
    started = time.perf_counter()
    # auto: gunicorn when installed, else runserver; MOVIEMATCH_E2E_SERVER picks one.
    server = os.environ.get("MOVIEMATCH_E2E_SERVER", "auto")
    assert server in ("auto", "gunicorn", "runserver"), server
    with serve(_env(site_data, site_database_url), server=server) as site:  # type: ignore[arg-type]
        SUMMARY.append(
            f"{site.server} serving {site.url} after {time.perf_counter() - started:.1f} s"
        )
        yield site


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    return server_env(data_dir, database_url=database_url)
