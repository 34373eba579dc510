"""Image sizes and URLs, the language fallback, and the in-memory cache."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from moviematch.integrations.tmdb import (
    CacheEntry,
    CachePolicy,
    ImageConfiguration,
    InMemoryCache,
    TmdbClientConfig,
    TmdbConfigurationError,
    pick_size,
)
from moviematch.integrations.tmdb.parsing import parse_movie
from tests.integrations.tmdb.fake_server import READ_TOKEN, movie_body

SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("w342", "w342"),
        ("original", "original"),
        ("w300", "w342"),
        (100, "w154"),
        (780, "w780"),
        (781, "original"),
        ("w2000", "original"),
    ],
)
def test_pick_size_rounds_up_to_an_offered_size(wanted, chosen):
    assert pick_size(SIZES, wanted) == chosen


@pytest.mark.parametrize("wanted", ["big", "w", "x342", 0, -5, "w342/../../x"])
def test_pick_size_rejects_nonsense(wanted):
    with pytest.raises(ValueError, match=r"size|width"):
        pick_size(SIZES, wanted)


def test_image_urls_need_tmdb_style_paths():
    config = ImageConfiguration()
    assert config.poster_url("/x.jpg") == "https://image.tmdb.org/t/p/w342/x.jpg"
    with pytest.raises(ValueError, match="start with '/'"):
        config.poster_url("x.jpg")


def test_with_fallback_fills_only_what_is_missing():
    ko = parse_movie(
        movie_body(1, title="한국어", overview="", poster_path=None, cast=[]), language="ko-KR"
    )
    en = parse_movie(
        movie_body(
            1, title="English", overview="Plot.", poster_path="/en.jpg", backdrop_path="/b.jpg"
        ),
        language="en-US",
    )
    merged = ko.with_fallback(en)
    assert (merged.title, merged.language) == ("한국어", "ko-KR")
    assert (merged.overview, merged.overview_language) == ("Plot.", "en-US")
    assert (merged.poster_path, merged.backdrop_path) == ("/en.jpg", "/b.jpg")
    assert merged.cast == en.cast
    assert ko.with_fallback(None) is ko
    assert en.with_fallback(ko) is en  # nothing missing: unchanged


T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _entry(resource: str, language: str = "en-US") -> CacheEntry:
    return CacheEntry(resource, language, 200, {"id": 1}, T0, T0 + timedelta(days=7))


def test_entry_freshness_boundary():
    entry = _entry("/movie/1")
    assert entry.is_fresh(T0 + timedelta(days=7) - timedelta(microseconds=1))
    assert not entry.is_fresh(T0 + timedelta(days=7))


def test_policy_lifetimes():
    policy = CachePolicy(ttl=timedelta(days=7), not_found_ttl=timedelta(hours=6))
    assert policy.expiry(200, T0) == T0 + timedelta(days=7)
    assert policy.expiry(404, T0) == T0 + timedelta(hours=6)
    with pytest.raises(ValueError, match="positive"):
        CachePolicy(ttl=timedelta(0))


def test_in_memory_cache_replaces_and_evicts_least_recently_used():
    cache = InMemoryCache(max_entries=2)
    cache.put(_entry("/a"))
    cache.put(_entry("/b"))
    cache.get("/a", "en-US")  # /a is now more recent than /b
    cache.put(_entry("/c"))
    assert cache.get("/b", "en-US") is None
    assert cache.get("/a", "en-US") is not None
    cache.put(_entry("/a"))
    assert len(cache) == 2
    assert cache.get("/a", "ko-KR") is None


def test_in_memory_cache_is_thread_safe():
    cache = InMemoryCache(max_entries=50)

    def work(offset: int) -> None:
        for i in range(500):
            cache.put(_entry(f"/m/{(i + offset) % 80}"))
            cache.get(f"/m/{i % 80}", "en-US")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50


def test_config_validation():
    assert TmdbClientConfig(api_key=READ_TOKEN).uses_bearer_token
    assert not TmdbClientConfig(api_key="0123456789abcdef").uses_bearer_token
    with pytest.raises(TmdbConfigurationError, match="whitespace"):
        TmdbClientConfig(api_key="abc def")
    with pytest.raises(TmdbConfigurationError, match="http"):
        TmdbClientConfig(base_url="ftp://tmdb.test/3")
    with pytest.raises(ValueError, match="budget"):
        TmdbClientConfig(budget=0)
