"""The default SQLite database: WAL mode, and a writer waits for another instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper

from moviematch.config.settings import base


def _connect(path: Path, monkeypatch: pytest.MonkeyPatch) -> DatabaseWrapper:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings_dict = {**base._database_from_env(), "NAME": str(path)}
    for key, value in {
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "TEST": {},
    }.items():
        settings_dict.setdefault(key, value)
    return DatabaseWrapper(settings_dict, alias=f"probe-{id(path)}-{time.monotonic_ns()}")


def test_the_default_database_uses_wal_and_waits_for_a_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        _two_writers(tmp_path, monkeypatch)


def _two_writers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "site.sqlite3"
    first, second = _connect(path, monkeypatch), _connect(path, monkeypatch)
    with first.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cursor.execute("CREATE TABLE t (x INTEGER)")
    holding = threading.Event()

    def hold_the_write_lock() -> None:
        with first.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.5)
            cursor.execute("COMMIT")

    writer = threading.Thread(target=hold_the_write_lock)
    first.inc_thread_sharing()
    writer.start()
    assert holding.wait(5)
    started = time.perf_counter()
    with second.cursor() as cursor:  # would raise "database is locked" without a timeout
        cursor.execute("INSERT INTO t VALUES (2)")
    waited = time.perf_counter() - started
    writer.join()
    with second.cursor() as cursor:
        assert sorted(r[0] for r in cursor.execute("SELECT x FROM t").fetchall()) == [1, 2]
    assert waited > 0.2
    first.dec_thread_sharing()
    first.close()
    second.close()
