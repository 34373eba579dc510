"""The catalogue over the API: search with pages, a movie's details, similar movies."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from moviematch.catalog.models import Credit, Movie, MovieTitle, Person
from moviematch.catalog.titles import movie_search_text_refresh
from moviematch.recommendations.services import movie_predicted_stars, movie_similar_list
from tests.api.conftest import HORROR, outside_catalogue, rate

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("films")
def test_movies_are_listed_most_rated_first_a_page_at_a_time(anon: APIClient) -> None:
    Movie.objects.filter(pk=3).update(num_ratings=50)
    Movie.objects.filter(pk=1).update(num_ratings=20)
    first = anon.get("/api/movies/?limit=2").json()
    assert [m["id"] for m in first["results"]] == [3, 1]  # 9 is not in the catalogue
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/movies/?limit=2&offset=2"
    second = anon.get(first["next"]).json()
    assert [m["id"] for m in second["results"]] == [2]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/movies/?limit=2"
    assert second["results"][0] == {
        "id": 2,
        "title": "Alien",
        "year": 1979,
        "genres": ["Horror"],
        "poster_url": "http://testserver/posters/2.svg",
    }


@pytest.mark.usefixtures("films")
def test_search_matches_titles(anon: APIClient) -> None:
    assert [m["id"] for m in anon.get("/api/movies/?search=alien").json()["results"]] == [2]
    assert [m["id"] for m in anon.get("/api/movies/?search=ALIEN 1979").json()["results"]] == [2]
    assert anon.get("/api/movies/?search=alien 1980").json()["results"] == []
    Movie.objects.create(
        id=4, title="Amélie", year=2001, in_catalogue=True, excluded_reason="", num_ratings=3
    )
    Movie.objects.create(
        id=5, title="Matrix, The", year=1999, in_catalogue=True, excluded_reason="", num_ratings=9
    )
    movie_search_text_refresh()
    assert [m["id"] for m in anon.get("/api/movies/?search=amelie").json()["results"]] == [4]
    found = anon.get("/api/movies/?search=the matrix").json()["results"]
    assert [m["id"] for m in found] == [5]
    paged = anon.get("/api/movies/?search=a&limit=1").json()  # Alien and Amélie
    assert len(paged["results"]) == 1
    rest = anon.get(paged["next"]).json()
    assert {paged["results"][0]["id"], rest["results"][0]["id"]} == {2, 4}
    assert rest["next"] is None
    assert anon.get("/api/movies/?search=obscure").json()["results"] == []  # not catalogue
    assert anon.get("/api/movies/?search=zzz").json() == {
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.usefixtures("films")
def test_titles_come_in_the_requests_language(anon: APIClient) -> None:
    MovieTitle.objects.create(movie_id=2, language="ko", title="에이리언")
    movie_search_text_refresh()
    korean = {"HTTP_ACCEPT_LANGUAGE": "ko"}
    assert anon.get("/api/movies/2/", **korean).json()["title"] == "에이리언"
    assert anon.get("/api/movies/2/").json()["title"] == "Alien"
    listed = anon.get("/api/movies/?search=에이리언", **korean).json()["results"]
    assert [(m["id"], m["title"]) for m in listed] == [(2, "에이리언")]
    heat = anon.get("/api/movies/3/", **korean).json()
    assert heat["title"] == "Heat"  # no Korean title: the English one


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("offset=-3", "offset"),
        ("search=" + "a" * 201, "search"),
    ],
)
def test_bad_list_parameters_are_a_400(anon: APIClient, query: str, field: str) -> None:
    response = anon.get(f"/api/movies/?{query}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_movie_has_everything_its_page_shows(anon: APIClient, films: list[Movie]) -> None:
    alien = films[1]
    Movie.objects.filter(pk=alien.pk).update(
        english_title="Alien (English)",
        imdb_id="tt0078748",
        tmdb_id=348,
        runtime_minutes=117,
        overview="In space no one can hear you scream.",
        num_ratings=120,
        mean_rating=4.1,
    )
    scott = Person.objects.create(imdb_id="nm0000631", name="Ridley Scott")
    weaver = Person.objects.create(imdb_id="nm0000244", name="Sigourney Weaver")
    skerritt = Person.objects.create(imdb_id="nm0001734", name="Tom Skerritt")
    Credit.objects.create(movie=alien, person=scott, role="director")
    Credit.objects.create(movie=alien, person=skerritt, role="cast", order=1)
    Credit.objects.create(movie=alien, person=weaver, role="cast", order=0)
    response = anon.get("/api/movies/2/")
    assert response.status_code == 200
    assert response.json() == {
        "id": 2,
        "title": "Alien (English)",
        "movielens_title": "Alien",
        "english_title": "Alien (English)",
        "year": 1979,
        "runtime_minutes": 117,
        "genres": ["Horror"],
        "overview": "In space no one can hear you scream.",
        "directors": [{"name": "Ridley Scott", "imdb_id": "nm0000631"}],
        "cast": [
            {"name": "Sigourney Weaver", "imdb_id": "nm0000244"},
            {"name": "Tom Skerritt", "imdb_id": "nm0001734"},
        ],
        "tags": [],
        "mean_rating": 4.1,
        "num_ratings": 120,
        "poster_url": "http://testserver/posters/2.svg",
        "imdb_url": "https://www.imdb.com/title/tt0078748/",
        "tmdb_url": "https://www.themoviedb.org/movie/348",
        "in_catalogue": True,
        "user_stars": None,
        "predicted_stars": None,
    }


@pytest.mark.usefixtures("trained")
def test_a_signed_in_user_sees_their_stars_and_the_prediction(
    client_of: APIClient, user: Any
) -> None:
    rate(user, {m: 5.0 for m in HORROR[:6]})
    body = client_of.get(f"/api/movies/{HORROR[0]}/").json()
    assert body["user_stars"] == 5.0
    unrated = client_of.get(f"/api/movies/{HORROR[8]}/").json()
    assert unrated["user_stars"] is None
    expected = movie_predicted_stars(user=user, movie_ids=[HORROR[0], HORROR[8]])
    assert body["predicted_stars"] == pytest.approx(expected[HORROR[0]], abs=1e-9)
    assert unrated["predicted_stars"] == pytest.approx(expected[HORROR[8]], abs=1e-9)
    assert 0.5 <= unrated["predicted_stars"] <= 5
    # the planted tags of movie 1: "pixar" by three users, "funny" by one
    assert client_of.get("/api/movies/1/").json()["tags"][:2] == ["pixar", "funny"]


@pytest.mark.usefixtures("model_dir", "films")
def test_a_movie_shows_without_a_model(client_of: APIClient) -> None:
    response = client_of.get("/api/movies/1/")
    assert response.status_code == 200
    assert response.json()["predicted_stars"] is None


@pytest.mark.usefixtures("films")
def test_a_movie_outside_the_catalogue_is_shown_as_such(anon: APIClient) -> None:
    body = anon.get(f"/api/movies/{outside_catalogue()}/").json()
    assert body["in_catalogue"] is False


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("12345", 404, "not_found"),
        ("abc", 400, "invalid"),
        ("0", 400, "invalid"),
        ("-4", 400, "invalid"),
        ("2147483648", 400, "invalid"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "similar/"])
def test_an_unknown_or_malformed_movie_id(
    anon: APIClient, path: str, status: int, code: str, suffix: str
) -> None:
    response = anon.get(f"/api/movies/{path}/{suffix}")
    assert response.status_code == status
    assert response.json()["code"] == code
    if status == 400:
        assert list(response.json()["fields"]) == ["movie_id"]


@pytest.mark.usefixtures("trained")
def test_similar_movies_are_the_engines(anon: APIClient) -> None:
    response = anon.get(f"/api/movies/{HORROR[2]}/similar/?k=5")
    assert response.status_code == 200
    results = response.json()["results"]
    expected = movie_similar_list(movie_id=HORROR[2], k=5)
    assert [r["movie"]["id"] for r in results] == [s.movie.id for s in expected]
    assert [r["similarity"] for r in results] == pytest.approx([s.similarity for s in expected])
    assert all(r["movie"]["genres"] == ["Horror"] for r in results)
    assert len(anon.get(f"/api/movies/{HORROR[2]}/similar/").json()["results"]) == 10
    assert anon.get(f"/api/movies/{HORROR[2]}/similar/?k=51").status_code == 400


@pytest.mark.usefixtures("trained")
def test_similar_movies_of_a_movie_outside_the_catalogue_is_a_404(anon: APIClient) -> None:
    movie = outside_catalogue()
    response = anon.get(f"/api/movies/{movie}/similar/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": f"Movie {movie} is not in the catalogue.",
        "code": "not_found",
        "fields": {},
    }
