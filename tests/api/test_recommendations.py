"""Recommendations and onboarding over the API, the guest's whole visit, and no model: 503."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from moviematch.api.recommendations import SKIPPED_MAX
from moviematch.recommendations.services import (
    home_feed,
    model_forget,
    movie_explanation,
    movie_predicted_stars,
    onboarding_movies,
)
from tests.api.conftest import COMEDY, HORROR, ROMANCE, outside_catalogue, rate

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("trained")
def test_recommendations_come_in_labelled_groups_with_predicted_stars(
    client_of: APIClient, user: Any
) -> None:
    rate(user, {m: 5.0 if m % 2 else 4.5 for m in HORROR[:10]})
    response = client_of.get("/api/me/recommendations/?n=20")
    assert response.status_code == 200
    body = response.json()
    assert (body["rated_count"], body["ratings_needed"], body["is_personal"]) == (10, 0, True)
    first = body["groups"][0]
    assert (first["label"], first["genres"]) == ("Horror", ["Horror"])
    recommended = [r for g in body["groups"] for r in g["movies"]]
    assert len(recommended) == 20
    # the same groups as the home page's service, and the stars are the model's prediction
    feed = home_feed(user=user, n=20)
    assert [(g["label"], tuple(g["genres"])) for g in body["groups"]] == [
        (g.label, g.genres) for g in feed.groups
    ]
    ids = [r["movie"]["id"] for r in recommended]
    assert ids == [r.movie.id for g in feed.groups for r in g.movies]
    predicted = movie_predicted_stars(user=user, movie_ids=ids)
    assert [r["stars"] for r in recommended] == pytest.approx([predicted[m] for m in ids], abs=1e-5)
    assert set(recommended[0]["movie"]) == {"id", "title", "year", "genres", "poster_url"}


@pytest.mark.usefixtures("trained")
def test_a_two_genre_fan_gets_both_labels(client_of: APIClient, user: Any) -> None:
    rate(user, {**{m: 5.0 for m in COMEDY[:5]}, **{m: 5.0 for m in ROMANCE[:5]}})
    groups = client_of.get("/api/me/recommendations/?n=30").json()["groups"]
    assert {"Comedy", "Romance"} <= {g["label"] for g in groups}
    assert all(g["genres"] == [g["label"]] for g in groups)


@pytest.mark.usefixtures("trained")
def test_a_new_user_is_told_how_many_ratings_are_needed(client_of: APIClient) -> None:
    body = client_of.get("/api/me/recommendations/").json()
    assert (body["rated_count"], body["ratings_needed"], body["is_personal"]) == (0, 10, False)
    assert sum(len(g["movies"]) for g in body["groups"]) == 40


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("n=0", "n"),
        ("n=101", "n"),
        ("n=many", "n"),
        ("adventurous=1.5", "adventurous"),
        ("adventurous=-0.1", "adventurous"),
        ("adventurous=nan", "adventurous"),
        ("adventurous=inf", "adventurous"),
        ("adventurous=bold", "adventurous"),
        ("adventurous=", "adventurous"),
    ],
)
def test_bad_recommendation_parameters_are_a_400(
    client_of: APIClient, query: str, field: str
) -> None:
    response = client_of.get(f"/api/me/recommendations/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == [field]
    assert body["code"] == "invalid"
    assert body["detail"].startswith("Invalid input: ")


def _ids(body: dict[str, Any]) -> list[int]:
    return [r["movie"]["id"] for g in body["groups"] for r in g["movies"]]


@pytest.mark.usefixtures("trained")
def test_adventurous_reorders_the_recommendations(client_of: APIClient, user: Any) -> None:
    rate(user, {m: 5.0 for m in COMEDY[:10]})
    familiar = _ids(client_of.get("/api/me/recommendations/?n=20&adventurous=0").json())
    bold = _ids(client_of.get("/api/me/recommendations/?n=20&adventurous=1").json())
    assert familiar != bold
    for value, ids in ((0.0, familiar), (1.0, bold)):
        feed = home_feed(user=user, n=20, adventurous=value)
        assert ids == [r.movie.id for g in feed.groups for r in g.movies]
    # without the parameter: the setting the user chose on the site's home page
    assert _ids(client_of.get("/api/me/recommendations/?n=20").json()) == _ids(
        client_of.get("/api/me/recommendations/?n=20&adventurous=0.5").json()
    )
    user.adventurous = 1.0
    user.save(update_fields=["adventurous"])
    assert _ids(client_of.get("/api/me/recommendations/?n=20").json()) == bold


@pytest.mark.usefixtures("trained")
def test_an_explanation_names_the_rated_movies_behind_a_recommendation(
    client_of: APIClient, user: Any
) -> None:
    liked = {m: 5.0 for m in HORROR[:8]}
    rate(user, {**liked, COMEDY[0]: 1.0, COMEDY[1]: 1.5})
    top = _ids(client_of.get("/api/me/recommendations/?n=1").json())[0]
    response = client_of.get(f"/api/movies/{top}/explanation/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"movie", "stars", "because", "genres"}
    assert body["movie"]["id"] == top
    assert set(body["movie"]) == {"id", "title", "year", "genres", "poster_url"}
    assert body["genres"] == ["Horror"]
    because = body["because"]
    assert 1 <= len(because) <= 3
    assert {b["movie"]["id"] for b in because} <= set(liked)
    assert all(b["stars"] == 5.0 and b["contribution"] > 0 for b in because)
    expected = movie_explanation(user=user, movie_id=top)
    assert [b["movie"]["id"] for b in because] == [b.movie.id for b in expected.because]
    assert body["stars"] == pytest.approx(expected.stars, abs=1e-5)
    assert movie_predicted_stars(user=user, movie_ids=[top])[top] == pytest.approx(
        body["stars"], abs=1e-4
    )
    one = client_of.get(f"/api/movies/{top}/explanation/?k=1").json()["because"]
    assert [b["movie"]["id"] for b in one] == [because[0]["movie"]["id"]]


@pytest.mark.usefixtures("trained")
def test_with_nothing_rated_an_explanation_has_no_because(client_of: APIClient) -> None:
    body = client_of.get(f"/api/movies/{COMEDY[0]}/explanation/").json()
    assert body["because"] == []
    assert body["genres"] == []


@pytest.mark.usefixtures("trained")
@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/movies/999999/explanation/", 404, None),
        ("/api/movies/0/explanation/", 400, "movie_id"),
        ("/api/movies/abc/explanation/", 400, "movie_id"),
        (f"/api/movies/{COMEDY[0]}/explanation/?k=0", 400, "k"),
        (f"/api/movies/{COMEDY[0]}/explanation/?k=11", 400, "k"),
    ],
)
def test_bad_explanation_requests(
    client_of: APIClient, path: str, status: int, field: str | None
) -> None:
    response = client_of.get(path)
    assert response.status_code == status
    assert list(response.json()["fields"]) == ([field] if field else [])


@pytest.mark.usefixtures("trained")
def test_explanations_of_movies_outside_the_catalogue_or_for_anonymous_users(
    client_of: APIClient, anon: APIClient
) -> None:
    left_out = outside_catalogue()
    response = client_of.get(f"/api/movies/{left_out}/explanation/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = anon.get(f"/api/movies/{COMEDY[0]}/explanation/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.usefixtures("trained")
def test_onboarding_proposes_the_pickers_movies_and_honours_skips(
    client_of: APIClient, user: Any
) -> None:
    body = client_of.get("/api/onboarding/?n=6").json()
    assert (body["rated_count"], body["ratings_needed"]) == (0, 10)
    first = [m["id"] for m in body["movies"]]
    assert first == [m.id for m in onboarding_movies(user=user, n=6)]
    rate(user, {first[0]: 4.0})
    skipped = first[1:3]
    query = "&".join(f"skipped={m}" for m in skipped)
    second = client_of.get(f"/api/onboarding/?n=6&{query}").json()
    assert (second["rated_count"], second["ratings_needed"]) == (1, 9)
    ids = [m["id"] for m in second["movies"]]
    assert ids == [m.id for m in onboarding_movies(user=user, n=6, skipped=skipped)]
    assert len(ids) == 6
    assert not set(ids) & set(first[:3])


@pytest.mark.parametrize("query", ["skipped=abc", "skipped=0", "n=0", "n=51"])
def test_bad_onboarding_parameters_are_a_400(client_of: APIClient, query: str) -> None:
    response = client_of.get(f"/api/onboarding/?{query}")
    assert response.status_code == 400
    field = query.partition("=")[0]
    assert [name.partition(".")[0] for name in response.json()["fields"]] == [field]


def test_too_many_skipped_movies_are_a_400(client_of: APIClient) -> None:
    most = "&".join(f"skipped={m}" for m in range(1, SKIPPED_MAX + 1))
    assert client_of.get(f"/api/onboarding/?{most}").status_code != 400
    many = client_of.get(f"/api/onboarding/?{most}&skipped={SKIPPED_MAX + 1}")
    assert many.status_code == 400
    assert list(many.json()["fields"]) == ["skipped"]
    # past what Django reads at all (DATA_UPLOAD_MAX_NUMBER_FIELDS): still the JSON error
    huge = client_of.get("/api/onboarding/?" + "&".join(f"skipped={m}" for m in range(1, 1100)))
    assert huge.status_code == 400
    assert huge.json()["code"] == "bad_request"


@pytest.mark.usefixtures("trained")
def test_a_guest_rates_ten_movies_and_the_recommendations_follow() -> None:
    client = APIClient()
    token = client.post("/api/auth/guest/").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    rated: list[int] = []
    skipped: list[int] = []
    while len(rated) < 10:
        query = "&".join(f"skipped={m}" for m in skipped)
        proposals = client.get(f"/api/onboarding/?n=3&{query}").json()
        assert proposals["ratings_needed"] == 10 - len(rated)
        for movie in proposals["movies"]:
            if movie["id"] in HORROR:  # a horror fan who has not seen the rest
                put = client.put(f"/api/me/ratings/{movie['id']}/", {"stars": 5}, format="json")
                assert put.status_code == 200
                rated.append(movie["id"])
            else:
                skipped.append(movie["id"])
    home = client.get("/api/me/recommendations/?n=12").json()
    assert (home["rated_count"], home["ratings_needed"]) == (len(rated), 0)
    assert home["groups"][0]["label"] == "Horror"
    before = [r["movie"]["id"] for g in home["groups"] for r in g["movies"]]
    assert not set(before) & set(rated)

    for movie_id in COMEDY[:8]:  # tastes change: comedies loved now
        client.put(f"/api/me/ratings/{movie_id}/", {"stars": 5}, format="json")
    after = client.get("/api/me/recommendations/?n=12").json()
    assert after["rated_count"] == len(rated) + 8
    ids = [r["movie"]["id"] for g in after["groups"] for r in g["movies"]]
    assert ids != before
    assert len(set(ids) & set(COMEDY)) > len(set(before) & set(COMEDY))
    assert not set(ids) & set(COMEDY[:8])


ENGINE_ENDPOINTS = [
    "/api/me/recommendations/",
    "/api/onboarding/",
    "/api/movies/30/similar/",
    "/api/movies/30/explanation/",
]


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
@pytest.mark.parametrize("path", ENGINE_ENDPOINTS)
def test_no_published_model_is_a_503_with_a_message(client_of: APIClient, path: str) -> None:
    response = client_of.get(path)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Recommendations are unavailable right now (no usable model); try again later.",
        "code": "model_unavailable",
        "fields": {},
    }


@pytest.mark.usefixtures("trained")
def test_a_corrupt_model_is_a_503_not_a_500(client_of: APIClient, model_dir: Path) -> None:
    model_forget()
    version = next(p for p in model_dir.iterdir() if p.is_dir())
    (version / "arrays.npz").write_bytes(b"not a zip file")
    for path in ENGINE_ENDPOINTS:
        response = client_of.get(path)
        assert response.status_code == 503, path
        assert response.json()["code"] == "model_unavailable"
    assert client_of.get("/api/movies/30/").json()["predicted_stars"] is None
