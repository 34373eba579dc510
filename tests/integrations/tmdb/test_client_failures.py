"""The client when TMDb misbehaves: 429, 5xx, slowness, broken bodies, no server at all."""

from __future__ import annotations

import itertools
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from moviematch.integrations.tmdb import (
    BackoffPolicy,
    InMemoryCache,
    LookupStatus,
    TmdbBudgetExceededError,
    TmdbRateLimitedError,
    TmdbRequestError,
    TmdbResponseError,
    TmdbUnavailableError,
)
from tests.integrations.tmdb.conftest import SleepRecorder
from tests.integrations.tmdb.fake_server import (
    API_KEY,
    INTERNAL_ERROR_BODY,
    RATE_LIMIT_BODY,
    FakeTmdb,
    Reply,
    movie_body,
)

MOVIE = 77
PATH = f"/3/movie/{MOVIE}"
# Loopback round trips and thread wake-ups; generous so the suite is not flaky on a busy CI box.
SLACK = 0.5


@pytest.fixture(autouse=True)
def _movie(tmdb: FakeTmdb) -> None:
    tmdb.add_movie(
        MOVIE,
        "en-US",
        movie_body(MOVIE, title="Harbour Lights", overview="Ships.", poster_path="/hl77.jpg"),
    )


def _good(tmdb: FakeTmdb) -> Reply:
    return Reply(200, tmdb.movies[(MOVIE, "en-US")])


# ------------------------------------------------------------------------------ 429


def test_429_retry_after_seconds_is_honoured(tmdb, make_client):
    tmdb.script(PATH, Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "3"}))
    sleep = SleepRecorder()
    lookup = make_client(sleep=sleep, budget=None).movie(MOVIE)

    assert lookup.status is LookupStatus.FETCHED
    assert lookup.requests == 2
    assert sleep.waits == [pytest.approx(3.0, abs=0.05)]


def test_429_retry_after_http_date_is_honoured(tmdb, make_client):
    when = datetime.now(UTC) + timedelta(seconds=5)
    tmdb.script(
        PATH,
        Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": format_datetime(when, usegmt=True)}),
    )
    sleep = SleepRecorder()
    lookup = make_client(sleep=sleep, budget=None).movie(MOVIE)

    assert lookup.status is LookupStatus.FETCHED
    (wait,) = sleep.waits
    # HTTP dates have whole-second resolution, so the wait is up to one second shorter.
    assert 3.5 < wait <= 5.0


def test_429_without_retry_after_backs_off_exponentially(tmdb, make_client):
    tmdb.script(PATH, Reply(429, RATE_LIMIT_BODY), Reply(429, RATE_LIMIT_BODY))
    sleep = SleepRecorder()
    policy = BackoffPolicy(base=1.0, factor=2.0, max_delay=60)
    lookup = make_client(sleep=sleep, budget=None, backoff=policy).movie(MOVIE)

    assert lookup.status is LookupStatus.FETCHED
    first, second = sleep.waits
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0


def test_429_wait_longer_than_the_page_budget_gives_up_at_once(tmdb, make_client):
    tmdb.script(PATH, Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "30"}))
    sleep = SleepRecorder()
    started = time.monotonic()
    lookup = make_client(sleep=sleep, budget=1.5).movie(MOVIE)

    assert time.monotonic() - started < 0.5
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbRateLimitedError)
    assert lookup.error.retry_after == 30
    assert sleep.waits == []
    assert len(tmdb.seen(PATH)) == 1


def test_429_retry_after_beyond_the_cap_is_not_waited_for(tmdb, make_client):
    tmdb.script(PATH, Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "3600"}))
    sleep = SleepRecorder()
    lookup = make_client(sleep=sleep, budget=None, max_retry_after=60).movie(MOVIE)
    assert isinstance(lookup.error, TmdbRateLimitedError)
    assert sleep.waits == []


def test_persistent_429_stops_after_the_allowed_waits(tmdb, make_client):
    tmdb.script(PATH, *[Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "1"})] * 10)
    sleep = SleepRecorder()
    lookup = make_client(sleep=sleep, budget=None, max_rate_limit_waits=3).movie(MOVIE)

    assert isinstance(lookup.error, TmdbRateLimitedError)
    assert sleep.waits == [pytest.approx(1.0, abs=0.05)] * 3
    assert len(tmdb.seen(PATH)) == 4
    assert lookup.requests == 4


# ------------------------------------------------------------------------------ 5xx


def test_500_then_success_is_retried_after_a_jittered_backoff(tmdb, make_client):
    tmdb.script(PATH, Reply(500, INTERNAL_ERROR_BODY))
    policy = BackoffPolicy(base=0.1, factor=2.0, max_delay=1.0)
    lookup = make_client(backoff=policy).movie(MOVIE)

    assert lookup.status is LookupStatus.FETCHED
    assert lookup.requests == 2
    first, second = tmdb.seen(PATH)
    gap = second.at - first.at
    # Equal jitter: the first retry waits between half and all of the nominal 0.1 s.
    assert 0.05 <= gap <= 0.1 + SLACK


def test_persistent_5xx_gives_up_after_max_retries_with_growing_waits(tmdb, make_client):
    tmdb.script(PATH, *[Reply(503, INTERNAL_ERROR_BODY)] * 10)
    policy = BackoffPolicy(base=0.05, factor=2.0, max_delay=1.0)
    lookup = make_client(backoff=policy, max_retries=3).movie(MOVIE)

    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbUnavailableError)
    assert lookup.error.attempts == 4
    assert "HTTP 503" in str(lookup.error)
    seen = tmdb.seen(PATH)
    assert len(seen) == 4
    gaps = [b.at - a.at for a, b in itertools.pairwise(seen)]
    for gap, nominal in zip(gaps, (0.05, 0.1, 0.2), strict=True):
        assert nominal / 2 <= gap <= nominal + SLACK


def test_stale_entry_is_served_when_refresh_fails(tmdb, make_client, wall):
    cache = InMemoryCache()
    client = make_client(cache=cache, max_retries=1)
    fresh = client.movie(MOVIE)
    wall.advance(days=8)
    tmdb.script(PATH, Reply(500, INTERNAL_ERROR_BODY), Reply(502, b"<html>Bad gateway</html>"))
    stale = client.movie(MOVIE)

    assert stale.status is LookupStatus.STALE
    assert stale.value == fresh.value
    assert stale.fetched_at == fresh.fetched_at
    assert isinstance(stale.error, TmdbUnavailableError)
    assert stale.requests == 2
    # The old entry stays in place (and so keeps being served) until a refresh succeeds.
    resource = f"/movie/{MOVIE}?append_to_response=credits"
    assert cache.get(resource, "en-US").fetched_at == fresh.fetched_at


def test_other_4xx_is_a_request_error_without_retry(tmdb, make_client):
    body = {"status_code": 22, "status_message": "Invalid page.", "success": False}
    tmdb.script(PATH, Reply(422, body))
    lookup = make_client().movie(MOVIE)
    assert isinstance(lookup.error, TmdbRequestError)
    assert lookup.error.status == 422
    assert len(tmdb.seen(PATH)) == 1


# --------------------------------------------------------------------------- budget


def test_slow_answer_beyond_budget_yields_unavailable_within_budget(tmdb, make_client):
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], delay=2.0))
    started = time.monotonic()
    lookup = make_client(budget=0.3).movie(MOVIE)
    elapsed = time.monotonic() - started

    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbBudgetExceededError)
    assert 0.29 <= elapsed < 0.3 + SLACK


def test_slow_answer_beyond_budget_serves_the_stale_entry(tmdb, make_client, wall):
    client = make_client(budget=0.3)
    client.movie(MOVIE)
    wall.advance(days=8)
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], delay=2.0))
    started = time.monotonic()
    lookup = client.movie(MOVIE)

    assert time.monotonic() - started < 0.3 + SLACK
    assert lookup.status is LookupStatus.STALE
    assert lookup.value.title == "Harbour Lights"
    assert isinstance(lookup.error, TmdbBudgetExceededError)


def test_trickling_body_cannot_hold_the_page_past_its_budget(tmdb, make_client):
    # One byte every 50 ms: each read succeeds, but the whole body would take minutes.
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], trickle=0.05))
    started = time.monotonic()
    lookup = make_client(budget=0.4, read_timeout=5.0).movie(MOVIE)

    assert time.monotonic() - started < 0.4 + SLACK
    assert isinstance(lookup.error, TmdbBudgetExceededError)


def test_retries_stop_when_the_budget_cannot_fit_the_next_wait(tmdb, make_client):
    tmdb.script(PATH, *[Reply(500, INTERNAL_ERROR_BODY)] * 10)
    policy = BackoffPolicy(base=0.4, factor=2.0, max_delay=5.0)
    started = time.monotonic()
    lookup = make_client(budget=0.5, backoff=policy, max_retries=5).movie(MOVIE)

    assert time.monotonic() - started < 0.5 + SLACK
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert "no time left" in str(lookup.error)
    assert len(tmdb.seen(PATH)) <= 2


def test_client_side_throttle_spaces_requests(tmdb, make_client):
    for i in range(1, 6):
        tmdb.add_movie(i, "en-US", movie_body(i, title=f"Movie {i}"))
    client = make_client(max_requests_per_second=20.0)
    # Load only lengthens the run, so a lower bound on the client's own clock is robust:
    # five requests at 20/s cannot all have started in less than four 50 ms intervals.
    started = time.monotonic()
    for i in range(1, 6):
        assert client.movie(i).status is LookupStatus.FETCHED
    assert time.monotonic() - started >= 4 * 0.05 - 0.002
    assert len(tmdb.seen()) == 5


# ---------------------------------------------------------------------- broken bodies


def test_malformed_json_is_a_typed_error_and_not_cached(tmdb, make_client):
    tmdb.script(PATH, Reply(200, b'{"id": 77, "title": "Harbour'))
    client = make_client()
    lookup = client.movie(MOVIE)

    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbResponseError)
    assert "malformed JSON" in str(lookup.error)
    assert len(tmdb.seen(PATH)) == 1  # a well-formed but wrong answer is not retried
    assert client.movie(MOVIE).status is LookupStatus.FETCHED  # nothing bad was cached


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "77", "title": "Harbour Lights"}, "'id'"),
        ({"id": 77}, "'title'"),
        ({"id": 77, "title": "X", "credits": {"cast": {"name": "x"}}}, "'credits.cast'"),
        (
            {"id": 77, "title": "X", "credits": {"cast": [{"id": 5, "order": 0}]}},
            "'credits.cast[0].name'",
        ),
        ({"id": 77, "title": "X", "poster_path": "https://evil.test/x.jpg"}, "'poster_path'"),
        ({"id": 77, "title": "X", "release_date": "1999-13-45"}, "'release_date'"),
        ([1, 2, 3], "body is list"),
    ],
)
def test_unexpected_shape_is_a_typed_error_naming_the_field(tmdb, make_client, body, field):
    tmdb.script(PATH, Reply(200, body))
    lookup = make_client().movie(MOVIE)
    assert isinstance(lookup.error, TmdbResponseError)
    assert field in str(lookup.error)


def test_truncated_body_is_retried(tmdb, make_client):
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], truncate_to=40))
    lookup = make_client().movie(MOVIE)
    assert lookup.status is LookupStatus.FETCHED
    assert lookup.requests == 2


def test_always_truncated_body_ends_unavailable(tmdb, make_client):
    tmdb.script(PATH, *[Reply(200, tmdb.movies[(MOVIE, "en-US")], truncate_to=40)] * 5)
    lookup = make_client(max_retries=2).movie(MOVIE)
    assert isinstance(lookup.error, TmdbUnavailableError)
    assert "body could not be read" in str(lookup.error)
    assert len(tmdb.seen(PATH)) == 3


def test_oversized_body_is_refused(tmdb, make_client):
    tmdb.script(PATH, Reply(200, {"id": 77, "title": "x" * 5000}))
    lookup = make_client(max_body_bytes=1000).movie(MOVIE)
    assert isinstance(lookup.error, TmdbResponseError)
    assert "larger than 1000 bytes" in str(lookup.error)


# ----------------------------------------------------------------------- no server


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_retried_then_unavailable(make_client):
    port = _closed_port()
    started = time.monotonic()
    lookup = make_client(base_url=f"http://127.0.0.1:{port}/3", max_retries=2).movie(MOVIE)

    assert time.monotonic() - started < 1.0
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbUnavailableError)
    assert lookup.error.attempts == 3
    assert "connection failed" in str(lookup.error)
    # Exception messages of requests carry the URL; the key must never reach a log line.
    assert API_KEY not in str(lookup.error)


def test_body_stalling_after_late_headers_is_cut_at_the_deadline(tmdb, make_client):
    # Headers at 1.2 s, one byte, then silence. The per-read timeout chosen when the request
    # started (1.5 s) would end the read at ~2.7 s; the socket timeout must shrink to the
    # deadline (1.5 s) instead.
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], delay=1.2, trickle=5.0))
    started = time.monotonic()
    lookup = make_client(budget=1.5, read_timeout=5.0).movie(MOVIE)
    assert time.monotonic() - started < 1.5 + SLACK
    assert isinstance(lookup.error, TmdbBudgetExceededError)


def test_breaker_skips_the_network_after_consecutive_failures(tmdb, make_client, wall):
    tmdb.add_movie(78, "en-US", movie_body(78, title="Second"))
    client = make_client(max_retries=0, breaker_threshold=2, breaker_cooldown=0.3)
    client.movie(78)  # cached, to be served stale while TMDb is down
    wall.advance(days=8)
    tmdb.script(PATH, *[Reply(503, INTERNAL_ERROR_BODY)] * 3)

    assert client.movie(MOVIE).requests == 1
    assert client.movie(MOVIE).requests == 1  # second consecutive failure opens the breaker
    skipped = client.movie(MOVIE)
    stale = client.movie(78)
    assert (skipped.status, skipped.requests) == (LookupStatus.UNAVAILABLE, 0)
    assert "consecutive TMDb failures" in str(skipped.error)
    assert (stale.status, stale.requests, stale.value.title) == (LookupStatus.STALE, 0, "Second")
    assert len(tmdb.seen(PATH)) == 2

    time.sleep(0.35)
    assert client.movie(MOVIE).requests == 1  # cooldown over: tried again, fails, re-opens
    assert client.movie(78).requests == 0
    time.sleep(0.35)
    recovered = client.movie(MOVIE)
    assert recovered.status is LookupStatus.FETCHED  # success closes the breaker
    assert client.movie(78).status is LookupStatus.FETCHED


def test_breaker_can_be_disabled_for_batch_jobs(tmdb, make_client):
    tmdb.script(PATH, *[Reply(503, INTERNAL_ERROR_BODY)] * 4)
    client = make_client(max_retries=0, breaker_threshold=None)
    assert [client.movie(MOVIE).requests for _ in range(4)] == [1, 1, 1, 1]
