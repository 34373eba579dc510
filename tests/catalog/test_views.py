"""A movie's page, search with "Load more", and the header's autocomplete."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie, MovieTag, Tag
from moviematch.catalog.titles import movie_search_text_refresh, movie_title_store
from moviematch.media.tmdb_clients import tmdb_clients_forget
from tests.integrations.tmdb.fake_server import API_KEY, FakeTmdb, movie_body
from tests.site_fixtures import COMEDY, HORROR, card_ids, page_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]
Rate = Callable[[User, dict[int, float]], None]


def movie_url(movie_id: int) -> str:
    return reverse("catalog:movie", kwargs={"movie_id": movie_id})


@pytest.fixture
def tmdb(settings: Any) -> Iterator[FakeTmdb]:
    with FakeTmdb() as server:
        settings.MOVIEMATCH = {
            **settings.MOVIEMATCH,
            "TMDB_API_KEY": API_KEY,
            "TMDB_BASE_URL": server.base_url,
            "TMDB_BUDGET_SECONDS": 2.0,
        }
        tmdb_clients_forget()
        yield server
    tmdb_clients_forget()


# --- the movie page ----------------------------------------------------------------------------


@pytest.mark.usefixtures("site_model")
def test_the_movie_page_shows_the_facts_your_rating_and_the_prediction(
    client: Client, comedy_fan: User
) -> None:
    MovieTag.objects.create(movie_id=COMEDY[12], tag=Tag.objects.create(name="witty"), count=3)
    client.force_login(comedy_fan)
    response = client.get(movie_url(COMEDY[12]))
    assert response.status_code == 200
    page = response.content.decode()
    movie = Movie.objects.get(pk=COMEDY[12])
    assert f'<h1 class="mm-movie-title">{movie.title} <span' in page
    assert f"({movie.year})" in page
    assert ">Comedy<" in page
    assert "witty" in page
    assert "MovieLens average" in page
    assert f"from {movie.num_ratings} ratings" in page
    assert f"https://www.imdb.com/title/{movie.imdb_id}/" in page
    assert f"https://www.themoviedb.org/movie/{movie.tmdb_id}" in page
    assert re.search(r"Predicted for you.*We think ★\d\.\d", page, re.S)
    assert 'id="rate-page-13-0" value="" checked' in page  # not rated yet: "No rating"
    similar = reverse("recommendations:similar", kwargs={"movie_id": COMEDY[12]})
    assert f'data-url="{similar}?fragment=1"' in page  # loaded below the fold
    rated = client.get(movie_url(COMEDY[0])).content.decode()
    assert re.search(r'id="rate-page-1-10" value="5.0" checked', rated)


@pytest.mark.usefixtures("site_model")
def test_no_prediction_while_onboarding_and_a_login_link_for_anonymous_visitors(
    client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {COMEDY[0]: 5.0})
    client.force_login(visitor)
    page = client.get(movie_url(COMEDY[3])).content.decode()
    assert "We think" not in page
    assert "mm-rate" in page
    anonymous = Client().get(movie_url(COMEDY[3])).content.decode()
    assert "We think" not in anonymous
    assert "Log in to rate" in anonymous
    assert "mm-stars-track" not in anonymous


@pytest.mark.usefixtures("planted_catalogue")
def test_unknown_and_excluded_movies_are_404(client: Client) -> None:
    assert client.get(movie_url(999_999)).status_code == 404
    left_out = Movie.objects.filter(in_catalogue=False).first()
    assert left_out is not None
    assert client.get(movie_url(left_out.pk)).status_code == 404


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_the_movie_page_works_without_a_model(visitor_client: Client) -> None:
    response = visitor_client.get(movie_url(COMEDY[0]))
    assert response.status_code == 200
    assert "We think" not in response.content.decode()


@pytest.mark.usefixtures("planted_catalogue")
def test_korean_title_and_overview_come_from_tmdb(client: Client, tmdb: FakeTmdb) -> None:
    movie = Movie.objects.get(pk=COMEDY[0])
    assert movie.tmdb_id is not None
    tmdb.add_movie(
        movie.tmdb_id,
        "ko-KR",
        movie_body(movie.tmdb_id, title="웃긴 영화", overview="아주 웃긴 이야기.", runtime=95),
    )
    tmdb.add_movie(
        movie.tmdb_id, "en-US", movie_body(movie.tmdb_id, title="Funny Film", overview="A comedy.")
    )
    page = client.get(movie_url(movie.pk), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "웃긴 영화" in page
    assert "아주 웃긴 이야기." in page
    assert movie.title in page  # the original title, under the Korean one
    assert "95분" in page
    assert "감독" in page
    assert "Ada Director" in page
    english = client.get(movie_url(movie.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "웃긴 영화" not in english
    assert "A comedy." in english


@pytest.mark.usefixtures("planted_catalogue")
def test_a_slow_or_failing_tmdb_never_breaks_the_page(client: Client, tmdb: FakeTmdb) -> None:
    response = client.get(movie_url(COMEDY[0]))  # the fake TMDb knows no movie: 404
    assert response.status_code == 200


# --- search ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("planted_catalogue")
def test_search_finds_titles_and_loads_more(visitor_client: Client) -> None:
    response = visitor_client.get(reverse("catalog:search"), {"q": "comedy film"})
    assert response.status_code == 200
    page = response.content.decode()
    first = card_ids(page)
    assert len(first) == 20
    assert set(first) <= set(COMEDY)
    assert "Load more" in page
    more_url = re.search(r'data-mm-more href="[^"]+" data-url="([^"]+)"', page)
    assert more_url is not None
    more = visitor_client.get(more_url.group(1).replace("&amp;", "&"))
    assert "<html" not in more.content.decode()
    rest = card_ids(more.content.decode())
    assert rest
    assert set(rest).isdisjoint(first)
    assert set(rest) <= set(COMEDY)
    assert "Load more" not in more.content.decode()


@pytest.mark.usefixtures("planted_catalogue")
def test_search_without_a_match_or_a_query(client: Client) -> None:
    page = client.get(reverse("catalog:search"), {"q": "zzzz"}).content.decode()
    assert "No movie matches “zzzz”" in page
    assert client.get(reverse("catalog:search")).status_code == 200
    escaped = client.get(reverse("catalog:search"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in escaped
    assert "&lt;script&gt;" in escaped


@pytest.mark.usefixtures("planted_catalogue")
def test_search_is_tolerant_and_shows_korean_titles(client: Client) -> None:
    Movie.objects.filter(pk=COMEDY[0]).update(english_title="Amélie")
    movie_title_store(movie_id=COMEDY[1], language="ko-KR", title="괴물")
    movie_search_text_refresh(movie_ids=[COMEDY[0], COMEDY[1]])
    found = client.get(reverse("catalog:search"), {"q": "amelie"}).content.decode()
    assert card_ids(found)[0] == COMEDY[0]
    assert "Amélie" in found
    korean = client.get(reverse("catalog:search"), {"q": "괴물"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert card_ids(korean.content.decode()) == [COMEDY[1]]
    assert ">괴물</a>" in korean.content.decode()  # the card's title in the page's language
    suggested = client.get(reverse("catalog:suggest"), {"q": "괴물"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert suggested.json()["results"][0]["title"] == "괴물"


@pytest.mark.usefixtures("site_model")
def test_search_shows_predictions_once_onboarding_is_done(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    page = client.get(reverse("catalog:search"), {"q": "horror film"}).content.decode()
    assert page.count("We think ★") == 20


def test_suggestions_after_two_letters(client: Client, planted_catalogue: set[int]) -> None:
    url = reverse("catalog:suggest")
    assert client.get(url, {"q": "h"}).json() == {"results": []}
    results = client.get(url, {"q": "horror film 3"}).json()["results"]
    assert 1 <= len(results) <= 8
    first = results[0]
    assert set(first) == {"id", "title", "year", "url"}
    assert first["id"] in HORROR
    assert first["title"].startswith("Horror Film 3")
    assert first["url"] == movie_url(first["id"])
    assert isinstance(first["year"], int)


@pytest.mark.usefixtures("site_model")
def test_pages_take_a_fixed_number_of_queries(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    search = reverse("catalog:search")
    few = page_queries(client, search, {"q": "comedy film 2"})  # 2, 20-27
    many = page_queries(client, search, {"q": "film"})  # a full page of 20
    assert few == many == SEARCH_QUERIES
    movie = page_queries(client, movie_url(COMEDY[0]), {})
    assert movie == MOVIE_PAGE_QUERIES
    unrated = page_queries(client, movie_url(COMEDY[12]), {})  # with its reason to load
    assert 'id="mm-why"' in client.get(movie_url(COMEDY[12])).content.decode()
    assert unrated == MOVIE_PAGE_QUERIES
    similar = reverse("recommendations:similar", kwargs={"movie_id": COMEDY[12]})
    assert page_queries(client, similar, {"fragment": "1"}) == SIMILAR_QUERIES


#: session, user, the search's candidates, movies + genres, the viewer's ratings of them,
#: the ratings to fold in (with the count of catalogue ones: predictions are shown once
#: onboarding is done); in English the titles are the movies' own (no query)
SEARCH_QUERIES = 7
#: session, user, movie + genres, TMDb cache, title, rating, ratings to fold in (and their
#: count), credits, tags; the reason ("Because you rated") is loaded by the page's script
MOVIE_PAGE_QUERIES = 10
#: session, user, whether the film is in the catalogue, the similar movies + genres, the
#: ratings to fold in (and their count), the viewer's ratings of them (titles: in English
#: the movies' own)
SIMILAR_QUERIES = 7
