"""The client against a loopback TMDb: parsing, caching per language, auth, 404 caching."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from moviematch.integrations.tmdb import (
    CacheEntry,
    CachePolicy,
    InMemoryCache,
    LookupStatus,
    TmdbAuthError,
    TmdbConfigurationError,
)
from tests.integrations.tmdb.fake_server import (
    API_KEY,
    READ_TOKEN,
    FakeTmdb,
    Reply,
    movie_body,
)

MOVIE = 4242
PATH = f"/3/movie/{MOVIE}"


def _add_both_languages(tmdb: FakeTmdb, *, ko_overview: str = "", ko_poster: str | None = None):
    tmdb.add_movie(
        MOVIE,
        "en-US",
        movie_body(
            MOVIE,
            title="The Glass Orchard",
            overview="A botanist grows a forest of glass.",
            poster_path="/enPoster4242.jpg",
            backdrop_path="/enBackdrop4242.jpg",
            cast=[
                ("Third Billed", "Gardener", 2),
                ("Top Billed", "Botanist", 0),
                ("Second Billed", "Rival", 1),
            ],
        ),
    )
    tmdb.add_movie(
        MOVIE,
        "ko-KR",
        movie_body(
            MOVIE,
            title="유리 과수원",
            original_title="The Glass Orchard",
            overview=ko_overview,
            poster_path=ko_poster,
            backdrop_path="/enBackdrop4242.jpg",
        ),
    )


def test_movie_is_parsed_from_one_request_with_credits(tmdb, make_client):
    _add_both_languages(tmdb)
    lookup = make_client().movie(MOVIE, language="en-US")

    assert lookup.status is LookupStatus.FETCHED
    assert lookup.requests == 1
    movie = lookup.value
    assert movie.tmdb_id == MOVIE
    assert movie.title == "The Glass Orchard"
    assert movie.overview == "A botanist grows a forest of glass."
    assert movie.poster_path == "/enPoster4242.jpg"
    assert movie.backdrop_path == "/enBackdrop4242.jpg"
    assert movie.release_date == date(1999, 3, 31)
    assert movie.year == 1999
    assert movie.runtime == 121
    assert movie.imdb_id == f"tt{MOVIE:07d}"
    # Cast comes back in billing order whatever order TMDb lists it in.
    assert [c.name for c in movie.cast] == ["Top Billed", "Second Billed", "Third Billed"]
    assert [c.order for c in movie.cast] == [0, 1, 2]
    assert [d.name for d in movie.directors] == ["Ada Director"]

    (seen,) = tmdb.seen(PATH)
    assert seen.query == {
        "api_key": API_KEY,
        "language": "en-US",
        "append_to_response": "credits",
    }


def test_fresh_cache_hit_makes_no_request(tmdb, make_client, wall):
    _add_both_languages(tmdb)
    client = make_client()
    first = client.movie(MOVIE)
    wall.advance(days=6, hours=23)
    second = client.movie(MOVIE)

    assert second.status is LookupStatus.FRESH
    assert second.requests == 0
    assert second.value == first.value
    assert second.fetched_at == first.fetched_at
    assert len(tmdb.seen(PATH)) == 1


def test_expired_entry_is_refetched(tmdb, make_client, wall):
    _add_both_languages(tmdb)
    client = make_client(cache_policy=CachePolicy(ttl=timedelta(days=7)))
    client.movie(MOVIE)
    wall.advance(days=7, seconds=1)
    again = client.movie(MOVIE)

    assert again.status is LookupStatus.FETCHED
    assert again.fetched_at == wall.current
    assert len(tmdb.seen(PATH)) == 2


def test_each_language_is_fetched_and_cached_separately(tmdb, make_client):
    _add_both_languages(tmdb, ko_overview="유리로 된 숲을 키우는 식물학자.")
    cache = InMemoryCache()
    client = make_client(cache=cache)

    en = client.movie(MOVIE, language="en-US")
    ko = client.movie(MOVIE, language="ko-KR")
    en_again = client.movie(MOVIE, language="en-US")
    ko_again = client.movie(MOVIE, language="ko-KR")

    assert (en.value.title, ko.value.title) == ("The Glass Orchard", "유리 과수원")
    assert [s.query["language"] for s in tmdb.seen(PATH)] == ["en-US", "ko-KR"]
    assert en_again.status is ko_again.status is LookupStatus.FRESH
    assert ko_again.value.overview == "유리로 된 숲을 키우는 식물학자."
    resource = f"/movie/{MOVIE}?append_to_response=credits"
    assert cache.get(resource, "ko-KR").payload["title"] == "유리 과수원"
    assert cache.get(resource, "en-US").payload["title"] == "The Glass Orchard"


def test_korean_first_falls_back_to_english_overview_and_poster(tmdb, make_client):
    _add_both_languages(tmdb, ko_overview="", ko_poster=None)
    lookup = make_client().movie_localized(MOVIE, languages=("ko-KR", "en-US"))

    movie = lookup.value
    assert movie.title == "유리 과수원"
    assert movie.language == "ko-KR"
    assert movie.overview == "A botanist grows a forest of glass."
    assert movie.overview_language == "en-US"
    assert movie.poster_path == "/enPoster4242.jpg"
    assert lookup.requests == 2


def test_complete_korean_answer_needs_no_english_request(tmdb, make_client):
    _add_both_languages(tmdb, ko_overview="한국어 줄거리.", ko_poster="/koPoster4242.jpg")
    lookup = make_client().movie_localized(MOVIE, languages=("ko-KR", "en-US"))

    assert lookup.value.overview == "한국어 줄거리."
    assert lookup.value.overview_language == "ko-KR"
    assert lookup.value.poster_path == "/koPoster4242.jpg"
    assert [s.query["language"] for s in tmdb.seen(PATH)] == ["ko-KR"]


def test_read_access_token_is_sent_as_bearer_not_query(tmdb, make_client):
    _add_both_languages(tmdb)
    client = make_client(api_key=READ_TOKEN)
    assert client.config.uses_bearer_token
    assert client.movie(MOVIE).status is LookupStatus.FETCHED

    (seen,) = tmdb.seen(PATH)
    assert seen.headers["authorization"] == f"Bearer {READ_TOKEN}"
    assert "api_key" not in seen.query


def test_401_is_a_configuration_error_and_never_retried(tmdb, make_client):
    _add_both_languages(tmdb)
    wrong_key = "ffffffffffffffffffffffffffffffff"
    lookup = make_client(api_key=wrong_key).movie(MOVIE)

    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbAuthError)
    assert isinstance(lookup.error, TmdbConfigurationError)
    assert lookup.error.tmdb_status_code == 7
    assert "TMDB_API_KEY" in str(lookup.error)
    assert wrong_key not in str(lookup.error)
    assert len(tmdb.seen(PATH)) == 1


def test_404_is_cached_negatively_for_a_shorter_period(tmdb, make_client, wall):
    policy = CachePolicy(ttl=timedelta(days=7), not_found_ttl=timedelta(days=1))
    cache = InMemoryCache()
    client = make_client(cache=cache, cache_policy=policy)

    first = client.movie(999_999)
    second = client.movie(999_999)
    assert first.status is second.status is LookupStatus.NOT_FOUND
    assert (first.requests, second.requests) == (1, 0)
    entry = cache.get("/movie/999999?append_to_response=credits", "en-US")
    assert entry.status == 404
    assert entry.payload is None
    assert entry.expires_at - entry.fetched_at == timedelta(days=1)

    wall.advance(days=1, seconds=1)
    third = client.movie(999_999)
    assert third.status is LookupStatus.NOT_FOUND
    assert third.requests == 1
    assert len(tmdb.seen("/3/movie/999999")) == 2


def test_movie_found_after_earlier_404_once_negative_entry_expires(tmdb, make_client, wall):
    client = make_client()
    assert client.movie(MOVIE).status is LookupStatus.NOT_FOUND
    _add_both_languages(tmdb)
    assert client.movie(MOVIE).status is LookupStatus.NOT_FOUND  # still cached
    wall.advance(days=2)
    assert client.movie(MOVIE).value.title == "The Glass Orchard"


def test_without_api_key_no_request_is_made(tmdb, make_client, wall):
    _add_both_languages(tmdb)
    cache = InMemoryCache()
    lookup = make_client(api_key="", cache=cache).movie(MOVIE)
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbConfigurationError)
    assert "TMDB_API_KEY" in str(lookup.error)

    # A cache filled earlier (e.g. by the prefetch command) is still used, even when old.
    make_client(cache=cache).movie(MOVIE)
    keyless = make_client(api_key="", cache=cache)
    assert keyless.movie(MOVIE).status is LookupStatus.FRESH
    wall.advance(days=30)
    stale = keyless.movie(MOVIE)
    assert stale.status is LookupStatus.STALE
    assert stale.value.title == "The Glass Orchard"
    assert len(tmdb.seen(PATH)) == 1


def test_unreadable_cached_payload_is_refetched(tmdb, make_client, wall):
    _add_both_languages(tmdb)
    cache = InMemoryCache()
    resource = f"/movie/{MOVIE}?append_to_response=credits"
    cache.put(
        CacheEntry(resource, "en-US", 200, {"id": "not-an-int"}, wall(), wall() + timedelta(1))
    )
    lookup = make_client(cache=cache).movie(MOVIE)
    assert lookup.status is LookupStatus.FETCHED
    assert cache.get(resource, "en-US").payload["id"] == MOVIE


def test_concurrent_lookups_of_one_movie_send_one_request(tmdb, make_client):
    _add_both_languages(tmdb)
    tmdb.script(PATH, Reply(200, tmdb.movies[(MOVIE, "en-US")], delay=0.2))
    client = make_client()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(client.movie(MOVIE))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(tmdb.seen(PATH)) == 1
    assert sorted(r.status.value for r in results) == ["fetched"] + ["fresh"] * 5
    assert {r.value.title for r in results} == {"The Glass Orchard"}


def test_image_configuration_is_fetched_once_and_builds_urls(tmdb, make_client):
    client = make_client()
    config = client.configuration().value
    assert client.configuration().status is LookupStatus.FRESH
    assert len(tmdb.seen("/3/configuration")) == 1
    assert config.base_url == "https://img.example.test/t/p/"
    assert config.poster_url("/abc.jpg", "w342") == "https://img.example.test/t/p/w342/abc.jpg"
    # A width TMDb does not render is rounded up to the next size it does.
    assert config.poster_url("/abc.jpg", 300) == "https://img.example.test/t/p/w342/abc.jpg"
    assert config.backdrop_url("/b.jpg", 5000) == "https://img.example.test/t/p/original/b.jpg"


@pytest.mark.parametrize("bad_id", [0, -3, True, "603"])
def test_bad_movie_ids_are_rejected_before_any_request(tmdb, make_client, bad_id):
    with pytest.raises(ValueError, match="positive integer"):
        make_client().movie(bad_id)
    assert tmdb.seen() == []


def test_bad_language_is_rejected(make_client):
    with pytest.raises(ValueError, match="language"):
        make_client().movie(MOVIE, language="korean&api_key=x")


def test_after_a_401_no_request_is_sent_during_the_cooldown(tmdb, make_client):
    _add_both_languages(tmdb)
    tmdb.add_movie(5, "en-US", movie_body(5, title="Other"))
    client = make_client(api_key="ffffffffffffffffffffffffffffffff", auth_failure_cooldown=0.2)
    first = client.movie(MOVIE)
    second = client.movie(5, language="en-US")
    assert isinstance(second.error, TmdbAuthError)
    assert second.error is first.error
    assert second.requests == 0
    assert len(tmdb.seen()) == 1
    time.sleep(0.25)
    assert client.movie(5).requests == 1  # the key is tried again after the cooldown
