"""Poster URLs and localised details as the site's pages use them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from moviematch.catalog.models import Movie, MovieTitle
from moviematch.catalog.selectors import movie_search, movie_titles
from moviematch.integrations.tmdb import LookupStatus, TmdbConfigurationError
from moviematch.media.models import TmdbCacheEntry
from moviematch.media.selectors import image_configuration_forget
from moviematch.media.services import (
    movie_backdrop_url,
    movie_poster_url,
    movie_poster_urls,
    movie_tmdb_details,
)
from tests.integrations.tmdb.fake_server import CONFIGURATION_BODY, Reply, movie_body
from tests.media.conftest import make_movie

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.media.urls")]


def test_known_poster_path_gives_a_tmdb_image_url():
    movie = make_movie(1, poster_path="/abcPoster1.jpg", backdrop_path="/abcBack1.jpg")
    assert movie_poster_url(movie=movie, size="w342") == (
        "https://image.tmdb.org/t/p/w342/abcPoster1.jpg"
    )
    assert movie_poster_url(movie=movie, size=200) == (
        "https://image.tmdb.org/t/p/w342/abcPoster1.jpg"
    )
    assert movie_backdrop_url(movie=movie) == "https://image.tmdb.org/t/p/w1280/abcBack1.jpg"


def test_without_poster_path_the_placeholder_is_used():
    movie = make_movie(7, poster_path="")
    assert movie_poster_url(movie=movie, size="w185") == "/posters/7.svg"
    assert movie_backdrop_url(movie=movie) is None


def test_placeholder_url_names_the_visitors_language():
    movie = make_movie(7, poster_path="")
    with translation.override("ko"):
        assert movie_poster_url(movie=movie) == "/posters/7.svg?lang=ko"
    with translation.override("en"):
        assert movie_poster_url(movie=movie) == "/posters/7.svg"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_lists_poster_urls_are_each_movies_own(language):
    movies = [make_movie(1, poster_path="/a.jpg"), make_movie(2), make_movie(3, poster_path="x")]
    with translation.override(language):
        urls = movie_poster_urls(movies=movies, size="w185")
        assert urls == [movie_poster_url(movie=m, size="w185") for m in movies]
    suffix = "?lang=ko" if language == "ko" else ""
    assert urls == [
        "https://image.tmdb.org/t/p/w185/a.jpg",
        f"/posters/2.svg{suffix}",
        f"/posters/3.svg{suffix}",  # a malformed path: the placeholder
    ]


def test_malformed_stored_poster_path_falls_back_to_the_placeholder():
    movie = make_movie(8, poster_path="not-a-path.jpg")
    assert movie_poster_url(movie=movie) == "/posters/8.svg"


def test_bad_size_is_an_error_even_with_a_placeholder():
    movie = make_movie(9, poster_path="/p.jpg")
    with pytest.raises(ValueError, match="size"):
        movie_poster_url(movie=movie, size="huge")


def test_cached_tmdb_configuration_sets_the_image_server():
    now = datetime.now(UTC)
    TmdbCacheEntry.objects.create(
        resource="/configuration",
        language="",
        status_code=200,
        payload=CONFIGURATION_BODY,
        fetched_at=now - timedelta(days=30),  # stale is fine for image URLs
        expires_at=now - timedelta(days=23),
    )
    image_configuration_forget()
    movie = make_movie(1, poster_path="/abcPoster1.jpg")
    assert movie_poster_url(movie=movie, size="w500") == (
        "https://img.example.test/t/p/w500/abcPoster1.jpg"
    )


def test_poster_urls_for_a_page_cost_one_query(django_assert_max_num_queries):
    movies = [make_movie(i, poster_path=f"/p{i}.jpg") for i in range(1, 21)]
    image_configuration_forget()
    with django_assert_max_num_queries(1):
        urls = [movie_poster_url(movie=m) for m in movies]
    assert len(set(urls)) == 20


def _add_movie(tmdb, *, ko_overview=""):
    tmdb.add_movie(
        550,
        "en-US",
        movie_body(
            550,
            title="Night Ferry",
            overview="A ferry crosses at night.",
            poster_path="/nightFerryEn.jpg",
            backdrop_path="/nightFerryBg.jpg",
        ),
    )
    tmdb.add_movie(
        550,
        "ko-KR",
        movie_body(550, title="밤배", overview=ko_overview, poster_path="/nightFerryKo.jpg"),
    )


def test_details_are_korean_first_with_english_fallback_and_stored(tmdb, tmdb_settings):
    _add_movie(tmdb)
    movie = make_movie(5, title="Night Ferry", tmdb_id=550)
    lookup = movie_tmdb_details(movie=movie)

    assert lookup.status is LookupStatus.FETCHED
    assert lookup.value.title == "밤배"
    assert lookup.value.overview == "A ferry crosses at night."
    assert lookup.value.overview_language == "en-US"
    assert lookup.value.poster_path == "/nightFerryKo.jpg"
    # The page's answer is kept on the movie so list pages show the poster without TMDb.
    stored = Movie.objects.get(pk=5)
    assert stored.poster_path == "/nightFerryKo.jpg"
    assert stored.backdrop_path == "/nightFerryBg.jpg"
    assert stored.overview == "A ferry crosses at night."
    assert movie_poster_url(movie=stored).endswith("/w342/nightFerryKo.jpg")

    again = movie_tmdb_details(movie=stored)
    assert again.status is LookupStatus.FRESH
    assert again.requests == 0
    assert len(tmdb.seen("/3/movie/550")) == 2
    # The Korean title is kept for lists and search; its overview was English, so not kept.
    assert movie_titles(movie_ids=[5], language="ko") == {5: "밤배"}
    assert [m.id for m in movie_search(query="밤배")] == [5]
    assert MovieTitle.objects.get(movie_id=5).overview == ""


def test_korean_overview_is_not_stored_as_the_english_one(tmdb, tmdb_settings):
    _add_movie(tmdb, ko_overview="밤에 강을 건너는 배.")
    movie = make_movie(5, title="Night Ferry", tmdb_id=550, overview="Old text.")
    lookup = movie_tmdb_details(movie=movie)
    assert lookup.value.overview == "밤에 강을 건너는 배."
    assert Movie.objects.get(pk=5).overview == "Old text."
    assert MovieTitle.objects.get(movie_id=5).overview == "밤에 강을 건너는 배."


def test_without_api_key_pages_get_placeholders_and_no_requests(tmdb, no_key_settings):
    _add_movie(tmdb)
    movie = make_movie(5, title="Night Ferry", tmdb_id=550)
    lookup = movie_tmdb_details(movie=movie)

    assert lookup.status is LookupStatus.UNAVAILABLE
    assert isinstance(lookup.error, TmdbConfigurationError)
    assert movie_poster_url(movie=movie) == "/posters/5.svg"
    assert tmdb.seen() == []


def test_movie_without_tmdb_id_is_unavailable_without_error(tmdb, tmdb_settings):
    lookup = movie_tmdb_details(movie=make_movie(6, tmdb_id=None))
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert lookup.error is None
    assert tmdb.seen() == []


def test_slow_tmdb_costs_the_page_at_most_its_budget(tmdb, tmdb_settings):
    tmdb_settings.MOVIEMATCH = {**tmdb_settings.MOVIEMATCH, "TMDB_BUDGET_SECONDS": 0.3}
    _add_movie(tmdb)
    slow = Reply(200, tmdb.movies[(550, "ko-KR")], delay=3.0)
    tmdb.script("/3/movie/550", slow, slow)
    movie = make_movie(5, tmdb_id=550)

    started = time.monotonic()
    lookup = movie_tmdb_details(movie=movie)
    assert time.monotonic() - started < 0.3 + 0.5
    assert lookup.status is LookupStatus.UNAVAILABLE
    assert movie_poster_url(movie=movie) == "/posters/5.svg"
