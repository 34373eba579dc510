"""Faults of the running server: a gunicorn worker killed in the middle of a burst of rating
writes, and a SQLite database locked by another process. Against gunicorn with the production
settings (tests/production_site.py)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.production_site import Gunicorn, LiveSite, manage

pytestmark = pytest.mark.slow

MOVIES = list(range(1, 17))  # planted mainstream comedies, all in the catalogue
STARS = [x / 2 for x in range(1, 11)]


def _call(url: str, method: str = "GET", body: Any = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _stored(site: LiveSite, env: dict[str, str]) -> dict[tuple[str, int], float]:
    out = manage(
        env,
        "shell",
        "-c",
        "import json; from moviematch.ratings.models import Rating; "
        "print(json.dumps([[u, m, float(s)] for u, m, s in "
        "Rating.objects.values_list('user__username', 'movie_id', 'stars')]))",
    )
    return {(u, m): s for u, m, s in json.loads(out.splitlines()[-1])}


def test_a_worker_killed_mid_request_is_replaced_and_no_acknowledged_write_is_lost(
    gunicorn: Gunicorn, live_site: LiveSite
) -> None:
    guests = [_call(gunicorn.url + "/api/auth/guest/", "POST")[1] for _ in range(6)]
    acknowledged: dict[tuple[str, int], float] = {}
    #: values sent after the last acknowledgement of a key, whose answer was lost in a kill:
    #: the write may have been committed before the worker died.
    unanswered: dict[tuple[str, int], set[float]] = {}
    failed: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + 8.0

    def writer(index: int) -> None:
        guest = guests[index]
        n = 0
        while time.monotonic() < stop:
            movie, stars = MOVIES[(n + index) % len(MOVIES)], STARS[(n * 7 + index) % 10]
            key = (guest["user"]["username"], movie)
            n += 1
            try:
                status, body = _call(
                    f"{gunicorn.url}/api/me/ratings/{movie}/",
                    "PUT",
                    {"stars": stars},
                    guest["token"],
                )
            except (OSError, ValueError, http.client.HTTPException) as exc:  # cut by the kill
                with lock:
                    failed.append(type(exc).__name__)
                    unanswered.setdefault(key, set()).add(stars)
                continue
            if status in (200, 201) and body["stars"] == stars:
                with lock:
                    acknowledged[key] = stars
                    unanswered.pop(key, None)
            else:
                with lock:
                    failed.append(f"HTTP {status}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(guests))]
    for t in threads:
        t.start()
    killed = []
    for _ in range(4):
        time.sleep(1.5)
        victim = gunicorn.workers()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
    for t in threads:
        t.join()

    # gunicorn replaced every killed worker.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(gunicorn.workers()) < 2:
        time.sleep(0.2)
    workers = gunicorn.workers()
    assert len(workers) == 2
    assert not set(workers) & set(killed)
    assert _call(gunicorn.url + "/healthz")[0] == 200
    # Writes went on around the kills, some were cut off, and none acknowledged was lost.
    assert len(acknowledged) >= 20, (len(acknowledged), failed[:5])
    assert all(f != "HTTP 500" for f in failed), failed
    stored = _stored(live_site, gunicorn.env)
    lost = {
        k: (v, stored.get(k))
        for k, v in acknowledged.items()
        if stored.get(k) != v and stored.get(k) not in unanswered.get(k, set())
    }
    assert lost == {}
    assert failed, "the kills cut off requests in flight"
    print(f"acknowledged {len(acknowledged)}, interrupted {len(failed)}, killed {len(killed)}")


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="a SQLite file lock")
def test_a_briefly_locked_sqlite_database_makes_writers_wait_then_answers_503(
    live_site: LiveSite, tmp_path: Path
) -> None:
    server = Gunicorn(live_site, tmp_path / "gunicorn.log", MOVIEMATCH_SQLITE_TIMEOUT="1")
    try:
        guest = _call(server.url + "/api/auth/guest/", "POST")[1]
        token = guest["token"]
        database = live_site.data_dir / "moviematch.sqlite3"

        def hold_lock(seconds: float) -> threading.Thread:
            ready = threading.Event()

            def run() -> None:
                other = sqlite3.connect(database, isolation_level=None)
                other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
                ready.set()
                time.sleep(seconds)
                other.execute("COMMIT")
                other.close()

            thread = threading.Thread(target=run)
            thread.start()
            ready.wait()
            return thread

        # Locked for 0.4 s, under the 1 s timeout: the write waits, then succeeds.
        holder = hold_lock(0.4)
        status, body = _call(server.url + "/api/me/ratings/3/", "PUT", {"stars": 4.5}, token)
        holder.join()
        assert (status, body["stars"]) in {(200, 4.5), (201, 4.5)}

        # Locked for 3 s: after the timeout the writer gets a 503 with a message.
        holder = hold_lock(3.0)
        started = time.monotonic()
        status, body = _call(server.url + "/api/me/ratings/4/", "PUT", {"stars": 2.0}, token)
        waited = time.monotonic() - started
        holder.join()
        assert status == 503
        assert body["code"] == "database_unavailable"
        assert "nothing was changed" in body["detail"]
        assert 0.9 < waited < 3.0
        assert _call(server.url + "/api/me/ratings/4/", token=token)[0] == 404  # not saved
        # Once the lock is gone the same write goes through.
        status, _ = _call(server.url + "/api/me/ratings/4/", "PUT", {"stars": 2.0}, token)
        assert status in (200, 201)
        assert "Traceback" not in server.log()
    finally:
        server.stop()
