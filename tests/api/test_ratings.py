"""My ratings over the API: set, read, list, delete; bad input; only ever the caller's own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from moviematch.ratings.models import Rating
from tests.api.conftest import make_user, outside_catalogue, rate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("films")]


def test_put_get_and_delete_a_rating(client_of: APIClient, user: Any) -> None:
    response = client_of.put("/api/me/ratings/2/", {"stars": 4.5}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["stars"] == 4.5
    assert body["movie"]["id"] == 2
    assert body["movie"]["title"] == "Alien"
    assert body["movie"]["year"] == 1979
    assert body["movie"]["genres"] == ["Horror"]
    assert body["movie"]["poster_url"] == "http://testserver/posters/2.svg"
    assert Rating.objects.get(user=user, movie_id=2).stars == Decimal("4.5")

    assert client_of.put("/api/me/ratings/2/", {"stars": 2}, format="json").json()["stars"] == 2
    got = client_of.get("/api/me/ratings/2/")
    assert got.status_code == 200
    assert got.json()["stars"] == 2.0
    assert Rating.objects.filter(user=user).count() == 1

    assert client_of.delete("/api/me/ratings/2/").status_code == 204
    assert not Rating.objects.filter(user=user).exists()
    again = client_of.delete("/api/me/ratings/2/")
    assert again.status_code == 404
    assert again.json() == {
        "detail": "You have not rated movie 2.",
        "code": "not_found",
        "fields": {},
    }
    assert client_of.get("/api/me/ratings/2/").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"stars": 0}, "half steps"),
        ({"stars": 5.5}, "half steps"),
        ({"stars": 3.3}, "half steps"),
        ({"stars": -1}, "half steps"),
        ('{"stars": 1e309}', "half steps"),  # parsed as infinity
        ({"stars": "abc"}, "JSON number"),
        ({"stars": "4.5"}, "JSON number"),
        ({"stars": True}, "JSON number"),
        ({"stars": None}, "may not be null"),
        ({"stars": [4]}, "JSON number"),
        ({}, "required"),
    ],
)
def test_bad_stars_are_a_400_naming_the_field(
    client_of: APIClient, user: Any, body: dict[str, Any] | str, message: str
) -> None:
    if isinstance(body, str):
        response = client_of.put("/api/me/ratings/1/", body, content_type="application/json")
    else:
        response = client_of.put("/api/me/ratings/1/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert list(error["fields"]) == ["stars"]
    assert message in error["fields"]["stars"][0]
    assert message in error["detail"]
    assert error["code"] in {"invalid", "invalid_stars"}
    assert not Rating.objects.filter(user=user).exists()


@pytest.mark.parametrize("path", ["12345", "0", "abc", "-1", "99999999999999999999", "1.5"])
def test_an_unknown_or_malformed_movie_id_is_a_400(client_of: APIClient, path: str) -> None:
    response = client_of.put(f"/api/me/ratings/{path}/", {"stars": 4}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["movie_id"]


def test_a_movie_outside_the_catalogue_cannot_be_rated(client_of: APIClient) -> None:
    movie = outside_catalogue()
    response = client_of.put(f"/api/me/ratings/{movie}/", {"stars": 4}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "movie_not_rateable"
    assert response.json()["fields"] == {"movie_id": [f"movie {movie} is not in the catalogue"]}


def test_a_malformed_body_is_a_400_and_a_form_a_415(client_of: APIClient) -> None:
    bad_json = client_of.put(
        "/api/me/ratings/1/", data="{stars: 4", content_type="application/json"
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["code"] == "parse_error"
    form = client_of.put(
        "/api/me/ratings/1/", data="stars=4", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"


def test_my_ratings_are_paginated_and_ordered(client_of: APIClient, user: Any) -> None:
    for movie, stars in ((1, 3), (2, 5), (3, 4)):  # 3 is rated last
        client_of.put(f"/api/me/ratings/{movie}/", {"stars": stars}, format="json")
    recent = client_of.get("/api/me/ratings/").json()
    assert recent["count"] == 3
    assert [r["movie"]["id"] for r in recent["results"]] == [3, 2, 1]
    assert (recent["next"], recent["previous"]) == (None, None)
    by_stars = client_of.get("/api/me/ratings/?order=stars").json()["results"]
    assert [(r["movie"]["id"], r["stars"]) for r in by_stars] == [(2, 5.0), (3, 4.0), (1, 3.0)]
    by_title = client_of.get("/api/me/ratings/?order=title").json()["results"]
    assert [r["movie"]["title"] for r in by_title] == ["Alien", "Heat", "Toy Story"]

    first = client_of.get("/api/me/ratings/?order=stars&limit=2").json()
    assert first["count"] == 3
    assert [r["movie"]["id"] for r in first["results"]] == [2, 3]
    assert first["next"] == "http://testserver/api/me/ratings/?limit=2&offset=2&order=stars"
    assert first["previous"] is None
    second = client_of.get(first["next"]).json()
    assert [r["movie"]["id"] for r in second["results"]] == [1]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/me/ratings/?limit=2&order=stars"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("order=best", "order"),
        ("order=", "order"),  # empty is not "absent": the schema promises an enum
        ("limit=", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_list_parameters_are_a_400(client_of: APIClient, query: str, field: str) -> None:
    response = client_of.get(f"/api/me/ratings/?{query}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_another_users_ratings_are_never_read_or_changed(client_of: APIClient, user: Any) -> None:
    bob = make_user("bob")
    rate(bob, {1: 5.0, 2: 1.0})
    rate(user, {3: 4.0})
    listed = client_of.get("/api/me/ratings/").json()
    assert [r["movie"]["id"] for r in listed["results"]] == [3]
    assert client_of.get("/api/me/ratings/1/").status_code == 404  # bob rated it; alice did not
    assert client_of.put("/api/me/ratings/1/", {"stars": 2.5}, format="json").status_code == 200
    assert client_of.delete("/api/me/ratings/2/").status_code == 404
    assert Rating.objects.get(user=bob, movie_id=1).stars == Decimal("5.0")
    assert Rating.objects.get(user=bob, movie_id=2).stars == Decimal("1.0")
    assert Rating.objects.get(user=user, movie_id=1).stars == Decimal("2.5")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/me/"),
        ("patch", "/api/me/"),
        ("get", "/api/me/ratings/"),
        ("get", "/api/me/ratings/1/"),
        ("put", "/api/me/ratings/1/"),
        ("delete", "/api/me/ratings/1/"),
        ("get", "/api/me/recommendations/"),
        ("get", "/api/onboarding/"),
        ("post", "/api/me/convert/"),
    ],
)
def test_my_endpoints_need_a_signed_in_user(anon: APIClient, method: str, path: str) -> None:
    response = getattr(anon, method)(path, {"stars": 4} if method == "put" else None, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }
    assert not Rating.objects.exists()


def test_a_session_write_needs_the_csrf_token() -> None:
    client = APIClient(enforce_csrf_checks=True)
    started = client.post("/api/auth/guest/")  # signs the session in, sets the CSRF cookie
    assert started.status_code == 201
    assert client.get("/api/me/ratings/").status_code == 200  # reads need no token
    refused = client.put("/api/me/ratings/1/", {"stars": 4}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "CSRF" in refused.json()["detail"]
    assert client.delete("/api/me/ratings/1/").status_code == 403
    assert not Rating.objects.exists()

    csrf = client.cookies["csrftoken"].value
    accepted = client.put(
        "/api/me/ratings/1/", {"stars": 4}, format="json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 200
    assert Rating.objects.get().stars == 4
