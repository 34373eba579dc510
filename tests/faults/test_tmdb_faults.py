"""TMDb misbehaving while visitors open movie pages: slow, down, 500, garbage, 429.

Each time the movie page answers 200 within the page budget (``TMDB_BUDGET_SECONDS``, plus a
margin for the page itself on a loaded machine), with the MovieLens title and the generated
poster, or with the stale cached answer when one exists. The TMDb here is a real HTTP
server on loopback (tests/integrations/tmdb/fake_server.py).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from moviematch.media.models import TmdbCacheEntry
from moviematch.media.tmdb_clients import tmdb_clients_forget
from tests.integrations.tmdb.fake_server import API_KEY, FakeTmdb, Reply, movie_body
from tests.media.conftest import _fresh_process_state, make_movie

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]
#: memoised TMDb clients and image settings are forgotten around each test (autouse)
__all__ = ["_fresh_process_state"]

BUDGET = 0.5
#: The page's own work besides waiting for TMDb (a loaded, shared 2-core machine).
MARGIN = 1.0


@pytest.fixture
def tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as server:
        server.add_movie(
            550, "en-US", movie_body(550, title="Night Ferry", overview="Crosses at night.")
        )
        server.add_movie(550, "ko-KR", movie_body(550, title="밤배", overview=""))
        yield server


def _point_at(settings: Any, base_url: str) -> None:
    settings.MOVIEMATCH = {
        **settings.MOVIEMATCH,
        "TMDB_API_KEY": API_KEY,
        "TMDB_BASE_URL": base_url,
        "TMDB_BUDGET_SECONDS": BUDGET,
        "TMDB_REQUESTS_PER_SECOND": 1000,
        "TMDB_LANGUAGES": "en-US",
    }


def _timed_page(client: Client) -> tuple[float, str]:
    started = time.monotonic()
    response = client.get("/movies/5/")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    return elapsed, response.content.decode()


GARBAGE = [
    Reply(200, b"<html>Bad gateway</html>"),  # not JSON
    Reply(200, b'{"id": 550, "title": '),  # cut JSON
    Reply(200, [1, 2, 3]),  # JSON, not an object
    Reply(200, {"id": "five hundred", "title": 42, "poster_path": {"x": 1}}),  # wrong types
    Reply(200, movie_body(550, title="Night Ferry"), truncate_to=10),  # connection dropped
]

FAULTS = {
    "slow": [Reply(200, None, delay=5.0)] * 4,
    "500": [Reply(500, {"status_message": "Internal error"})] * 4,
    "503": [Reply(503, b"")] * 4,
    "429 with a long Retry-After": [Reply(429, {}, headers={"Retry-After": "30"})] * 4,
    "429 without Retry-After": [Reply(429, {})] * 4,
    **{f"garbage {i}": [reply] * 4 for i, reply in enumerate(GARBAGE)},
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_misbehaving_tmdb_leaves_the_movie_page_within_its_budget(
    client: Client, settings: Any, tmdb: FakeTmdb, fault: str
) -> None:
    make_movie(5, title="Night Ferry", tmdb_id=550)
    _point_at(settings, tmdb.base_url)
    tmdb.script("/3/movie/550", *FAULTS[fault])
    elapsed, page = _timed_page(client)
    assert elapsed < BUDGET + MARGIN, f"{fault}: {elapsed:.2f} s"
    assert "Night Ferry" in page
    assert "/posters/5.svg" in page  # the generated poster
    assert tmdb.seen("/3/movie/550"), "TMDb was asked"


def test_tmdb_down_costs_no_waiting(client: Client, settings: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    make_movie(5, title="Night Ferry", tmdb_id=550)
    _point_at(settings, f"http://127.0.0.1:{port}/3")
    elapsed, page = _timed_page(client)
    assert elapsed < BUDGET + MARGIN
    assert "Night Ferry" in page
    assert "/posters/5.svg" in page


def test_when_tmdb_fails_an_expired_answer_is_shown_instead(
    client: Client, settings: Any, tmdb: FakeTmdb
) -> None:
    make_movie(5, title="Night Ferry", tmdb_id=550)
    _point_at(settings, tmdb.base_url)
    _, first = _timed_page(client)
    assert "Crosses at night." in first  # fetched and cached
    # A week later the entry has expired, and TMDb fails every way in turn.
    past = timezone.now() - timedelta(days=30)
    TmdbCacheEntry.objects.update(fetched_at=past, expires_at=past + timedelta(days=7))
    for replies in (FAULTS["500"], FAULTS["slow"], FAULTS["garbage 0"]):
        tmdb.script("/3/movie/550", *replies)
        elapsed, page = _timed_page(client)
        assert elapsed < BUDGET + MARGIN
        assert "Crosses at night." in page  # the stale overview
        tmdb_clients_forget()
