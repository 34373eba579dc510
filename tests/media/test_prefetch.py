"""``manage.py tmdb_prefetch`` against the loopback TMDb."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from moviematch.catalog.models import Movie
from moviematch.media.models import TmdbCacheEntry
from tests.integrations.tmdb.fake_server import RATE_LIMIT_BODY, FakeTmdb, Reply, movie_body
from tests.media.conftest import make_movie

pytestmark = pytest.mark.django_db


def _catalogue(tmdb: FakeTmdb, n: int = 4) -> None:
    """Movies 1..n with TMDb ids 101..; 101..n+99 exist on TMDb in both languages."""
    for i in range(1, n + 1):
        tmdb_id = 100 + i
        make_movie(i, title=f"Movie {i}", tmdb_id=tmdb_id)
        tmdb.add_movie(
            tmdb_id,
            "en-US",
            movie_body(
                tmdb_id,
                title=f"Movie {i}",
                overview=f"Overview {i}.",
                poster_path=f"/poster{tmdb_id}.jpg",
                backdrop_path=f"/backdrop{tmdb_id}.jpg",
            ),
        )
        tmdb.add_movie(tmdb_id, "ko-KR", movie_body(tmdb_id, title=f"영화 {i}", overview=""))


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("tmdb_prefetch", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _movie_requests(tmdb: FakeTmdb) -> int:
    return sum(1 for r in tmdb.seen() if r.path.startswith("/3/movie/"))


def test_prefetch_fills_cache_and_movies(tmdb, tmdb_settings):
    _catalogue(tmdb)
    make_movie(50, title="No TMDb link", tmdb_id=None)
    make_movie(51, title="Not in catalogue", tmdb_id=999, in_catalogue=False)
    out, err = _run("--language", "en-US", "--language", "ko-KR")

    assert "4 movies, languages en-US, ko-KR" in out
    assert "fetched 8, cached-fresh 0, not found 0, failed 0" in out
    assert "(4 movies, 4 updated, 8 requests)" in out
    assert _movie_requests(tmdb) == 8
    assert TmdbCacheEntry.objects.filter(resource__startswith="/movie/").count() == 8
    assert TmdbCacheEntry.objects.filter(resource="/configuration").count() == 1
    movie = Movie.objects.get(pk=3)
    assert (movie.poster_path, movie.backdrop_path, movie.overview) == (
        "/poster103.jpg",
        "/backdrop103.jpg",
        "Overview 3.",
    )
    assert Movie.objects.get(pk=50).poster_path == ""
    assert "4/4" in err  # the tqdm progress bar went to stderr


def test_second_run_is_served_from_the_cache(tmdb, tmdb_settings):
    _catalogue(tmdb)
    _run("--language", "en-US", "--language", "ko-KR")
    out, _ = _run("--language", "en-US", "--language", "ko-KR")
    assert "fetched 0, cached-fresh 8, not found 0, failed 0" in out
    assert "(4 movies, 0 updated, 0 requests)" in out
    assert _movie_requests(tmdb) == 8


def test_limit_then_resume_fetches_only_the_rest(tmdb, tmdb_settings):
    _catalogue(tmdb)
    out, _ = _run("--language", "en-US", "--limit", "2")
    assert "fetched 2, cached-fresh 0" in out
    assert [r.path for r in tmdb.seen() if r.path.startswith("/3/movie/")] == [
        "/3/movie/101",
        "/3/movie/102",
    ]
    out, _ = _run("--language", "en-US", "--stale-only", "--limit", "2")
    assert "2 movies" in out
    assert "fetched 2, cached-fresh 0" in out
    assert sorted({r.path for r in tmdb.seen() if r.path.startswith("/3/movie/")}) == [
        "/3/movie/101",
        "/3/movie/102",
        "/3/movie/103",
        "/3/movie/104",
    ]


def test_stale_only_refreshes_expired_entries(tmdb, tmdb_settings):
    _catalogue(tmdb)
    _run("--language", "en-US")
    past = datetime.now(UTC) - timedelta(seconds=1)
    TmdbCacheEntry.objects.filter(resource="/movie/102?append_to_response=credits").update(
        fetched_at=past - timedelta(days=8), expires_at=past
    )
    out, _ = _run("--language", "en-US", "--stale-only")
    assert out.startswith("1 movies")
    assert "fetched 1, cached-fresh 0, not found 0, failed 0" in out
    assert len(tmdb.seen("/3/movie/102")) == 2


def test_not_found_and_failures_are_counted(tmdb, tmdb_settings):
    _catalogue(tmdb, n=3)
    Movie.objects.filter(pk=2).update(tmdb_id=9999)  # TMDb has no such id
    tmdb.script("/3/movie/103", Reply(200, b"{ not json"))
    out, err = _run("--language", "en-US")

    assert "fetched 1, cached-fresh 0, not found 1, failed 1" in out
    assert "movie 3 (TMDb 103) [en-US]: unexpected TMDb response" in err
    assert "malformed JSON" in err


def test_a_tmdb_that_never_answers_is_given_up_on_in_bounded_time(tmdb, tmdb_settings):
    _catalogue(tmdb, n=8)
    tmdb_settings.MOVIEMATCH = {**tmdb_settings.MOVIEMATCH, "TMDB_BATCH_BUDGET_SECONDS": 0.3}
    for tmdb_id in range(101, 109):  # accepts the connection, then never answers in time
        tmdb.script(f"/3/movie/{tmdb_id}", *[Reply(200, b"{}", delay=5.0)] * 8)
    started = time.perf_counter()
    out, _err = _run("--language", "en-US")
    elapsed = time.perf_counter() - started
    assert "failed 5" in out
    assert "(5 movies, 0 updated" in out
    assert "stopped after 5 movies in a row failed (is TMDb down?)" in out
    assert elapsed < 5 * 0.3 + 3  # each movie costs at most its budget, then the run stops


def test_rate_limit_is_waited_out(tmdb, tmdb_settings):
    _catalogue(tmdb, n=2)
    tmdb.script(
        "/3/movie/101",
        Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "0"}),
        Reply(429, RATE_LIMIT_BODY, headers={"Retry-After": "0"}),
    )
    out, _ = _run("--language", "en-US")
    assert "fetched 2, cached-fresh 0, not found 0, failed 0" in out
    assert "4 requests" in out
    assert len(tmdb.seen("/3/movie/101")) == 3


def test_default_languages_are_korean_and_english(tmdb, tmdb_settings):
    _catalogue(tmdb, n=1)
    out, _ = _run()
    assert "languages ko-KR, en-US" in out
    assert [r.query["language"] for r in tmdb.seen("/3/movie/101")] == ["ko-KR", "en-US"]


def test_rejected_key_stops_the_command(tmdb, tmdb_settings):
    _catalogue(tmdb, n=2)
    tmdb_settings.MOVIEMATCH = {**tmdb_settings.MOVIEMATCH, "TMDB_API_KEY": "wrongkey"}
    with pytest.raises(CommandError, match="401"):
        _run("--language", "en-US")
    assert [r.path for r in tmdb.seen()] == ["/3/configuration"]


def test_missing_key_is_a_clear_error(tmdb, no_key_settings):
    _catalogue(tmdb, n=1)
    with pytest.raises(CommandError, match="TMDB_API_KEY is not set"):
        _run()
    assert tmdb.seen() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--language", "Korean"), "language"), (("--limit", "-1"), "--limit")],
)
def test_bad_arguments_are_rejected(tmdb, tmdb_settings, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_key_revoked_during_a_run_stops_it(tmdb, tmdb_settings):
    _catalogue(tmdb, n=3)
    _run("--language", "en-US", "--limit", "1")  # caches /configuration and movie 1
    tmdb_settings.MOVIEMATCH = {**tmdb_settings.MOVIEMATCH, "TMDB_API_KEY": "revokedkey"}
    with pytest.raises(CommandError, match="TMDB_API_KEY"):
        _run("--language", "en-US")
    # Movie 1 came from the cache; movie 2 got the 401; movie 3 was never asked for.
    assert [r.path for r in tmdb.seen() if r.query.get("api_key") == "revokedkey"] == [
        "/3/movie/102"
    ]
