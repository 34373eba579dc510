"""Accounts over the API: guests, tokens, sign-up, guest conversion, and their rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from moviematch.ratings.models import Rating
from tests.api.conftest import rate

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-42"


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_guest_session_starts_in_one_call(anon: APIClient) -> None:
    response = anon.post("/api/auth/guest/")
    assert response.status_code == 201
    body = response.json()
    user = get_user_model().objects.get(username=body["user"]["username"])
    assert user.is_guest
    assert not user.has_usable_password()
    assert body["user"]["is_guest"] is True
    assert body["user"]["username"].startswith("guest-")
    assert body["user"]["guest_expires_at"] is not None
    # the session is signed in, and the token works on its own
    assert anon.get("/api/me/").json()["username"] == user.username
    assert token_client(body["token"]).get("/api/me/").json()["username"] == user.username


def test_every_guest_is_a_private_account(anon: APIClient) -> None:
    first = anon.post("/api/auth/guest/").json()
    second = APIClient().post("/api/auth/guest/").json()
    assert first["user"]["username"] != second["user"]["username"]
    assert first["token"] != second["token"]
    assert get_user_model().objects.filter(is_guest=True).count() == 2


def test_a_signed_in_guest_gets_the_same_guest_back(anon: APIClient) -> None:
    first = anon.post("/api/auth/guest/").json()
    again = anon.post("/api/auth/guest/")
    assert again.status_code == 200
    assert again.json() == first
    assert get_user_model().objects.count() == 1


def test_a_full_account_cannot_start_a_guest_session(client_of: APIClient) -> None:
    response = client_of.post("/api/auth/guest/")
    assert response.status_code == 409
    assert response.json()["code"] == "already_signed_in"


def test_a_token_for_a_username_and_password(anon: APIClient, user: Any) -> None:
    response = anon.post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["user"] == {
        "username": "alice",
        "is_guest": False,
        "guest_expires_at": None,
        "adventurous": 0.5,
    }
    again = anon.post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert again.json()["token"] == token  # one token per account
    client = token_client(token)
    # a token write needs no CSRF token: 400 because there is no movie 1 here, not 403
    assert client.put("/api/me/ratings/1/", {"stars": 4}, format="json").status_code == 400
    assert client.get("/api/me/").json()["username"] == "alice"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"username": "alice", "password": "wrong"}, {}),
        ({"username": "nobody", "password": PASSWORD}, {}),
        ({"username": "alice"}, {"password": ["This field is required."]}),
        ({}, {"username": ["This field is required."], "password": ["This field is required."]}),
    ],
)
def test_bad_credentials_are_a_400(
    anon: APIClient, user: Any, body: dict[str, str], fields: dict[str, list[str]]
) -> None:
    response = anon.post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == fields
    assert response.json()["code"] == ("invalid" if fields else "invalid_credentials")


def test_an_invalid_token_is_a_401(user: Any) -> None:
    response = token_client("not-a-token").get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_request_counts_as_a_visit() -> None:
    client = APIClient()
    token = client.post("/api/auth/guest/").json()["token"]
    guest = get_user_model().objects.get()
    get_user_model().objects.filter(pk=guest.pk).update(last_seen=None)
    token_client(token).get("/api/me/")
    guest.refresh_from_db()
    assert guest.last_seen is not None


def test_sign_up_creates_a_full_account_with_a_token(anon: APIClient) -> None:
    body = {"username": "carol", "password": PASSWORD, "email": "carol@example.org"}
    response = anon.post("/api/auth/signup/", body, format="json")
    assert response.status_code == 201
    carol = get_user_model().objects.get(username="carol")
    assert (carol.email, carol.is_guest) == ("carol@example.org", False)
    assert carol.check_password(PASSWORD)
    assert token_client(response.json()["token"]).get("/api/me/").json()["username"] == "carol"
    assert anon.get("/api/me/").status_code == 401  # the session is left as it was


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"username": "alice", "password": PASSWORD}, "username", "username_taken"),
        ({"username": "ALICE", "password": PASSWORD}, "username", "username_taken"),
        ({"username": "guest-1", "password": PASSWORD}, "username", "invalid"),
        ({"username": "bad name!", "password": PASSWORD}, "username", "invalid"),
        ({"username": "dave", "password": "123"}, "password", "invalid"),
        ({"username": "dave", "password": PASSWORD, "email": "nope"}, "email", "invalid"),
        ({"password": PASSWORD}, "username", "invalid"),
    ],
)
def test_bad_sign_ups_are_a_400_naming_the_field(
    anon: APIClient, user: Any, body: dict[str, str], field: str, code: str
) -> None:
    response = anon.post("/api/auth/signup/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert (list(error["fields"]), error["code"]) == ([field], code)
    assert error["fields"][field][0]
    assert get_user_model().objects.count() == 1


@pytest.mark.usefixtures("films")
def test_a_guest_becomes_a_full_account_and_keeps_everything() -> None:
    client = APIClient(enforce_csrf_checks=True)
    started = client.post("/api/auth/guest/").json()
    guest = get_user_model().objects.get()
    rate(guest, {1: 4.0, 2: 2.5})
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    body = {"username": "erin", "password": PASSWORD}
    response = client.post("/api/me/convert/", body, format="json", headers=csrf)
    assert response.status_code == 200, response.json()
    assert response.json()["user"] == {
        "username": "erin",
        "is_guest": False,
        "guest_expires_at": None,
        "adventurous": 0.5,
    }
    assert response.json()["token"] == started["token"]
    guest.refresh_from_db()
    assert (guest.username, guest.is_guest) == ("erin", False)
    assert Rating.objects.filter(user=guest).count() == 2
    assert client.get("/api/me/").json()["username"] == "erin"  # the session stayed signed in
    again = client.post("/api/me/convert/", body, format="json", headers=csrf)
    assert again.status_code == 409
    assert again.json()["code"] == "not_a_guest"


def test_a_conversion_with_a_taken_name_is_a_400(anon: APIClient, user: Any) -> None:
    anon.post("/api/auth/guest/")
    response = anon.post(
        "/api/me/convert/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["username"]
    assert get_user_model().objects.get(is_guest=True)


@pytest.mark.parametrize(
    ("path", "body", "limit"),
    [
        ("/api/auth/guest/", None, 20),
        ("/api/auth/token/", {"username": "alice", "password": "wrong"}, 10),
        ("/api/auth/signup/", {"username": "", "password": ""}, 10),
    ],
)
def test_account_endpoints_are_rate_limited(
    user: Any, path: str, body: dict[str, str] | None, limit: int
) -> None:
    for _ in range(limit):
        client = APIClient()  # a new client each time: the limit is per address
        assert client.post(path, body, format="json").status_code in {201, 400}
    refused = APIClient().post(path, body, format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    other = APIClient(REMOTE_ADDR="10.1.2.3").post(path, body, format="json")
    assert other.status_code != 429  # another client is not affected


def test_me_shows_and_changes_the_adventurous_setting(client_of: APIClient) -> None:
    assert client_of.get("/api/me/").json()["adventurous"] == 0.5  # the engine's default
    response = client_of.patch("/api/me/", {"adventurous": 0.8}, format="json")
    assert response.status_code == 200
    assert response.json()["adventurous"] == 0.8
    assert client_of.get("/api/me/").json()["adventurous"] == 0.8
    unchanged = client_of.patch("/api/me/", {}, format="json")  # PATCH: what is left out stays
    assert unchanged.status_code == 200
    assert unchanged.json()["adventurous"] == 0.8
    user = get_user_model().objects.get(username=response.json()["username"])
    assert user.adventurous == 0.8  # kept: the site's home page uses it too


@pytest.mark.parametrize(
    "body",
    [{"adventurous": 1.5}, {"adventurous": -0.1}, {"adventurous": "0.5"}, {"adventurous": False}],
)
def test_an_adventurous_setting_outside_0_1_is_refused(client_of: APIClient, body: Any) -> None:
    response = client_of.patch("/api/me/", body, format="json")
    assert response.status_code == 400
    assert "adventurous" in response.json()["fields"]
    assert client_of.get("/api/me/").json()["adventurous"] == 0.5  # unchanged


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"nan"', '"inf"'])
def test_a_non_finite_adventurous_setting_is_refused(client_of: APIClient, value: str) -> None:
    body = '{"adventurous": ' + value + "}"
    response = client_of.patch("/api/me/", body, content_type="application/json")
    assert response.status_code == 400
    assert client_of.get("/api/me/").json()["adventurous"] == 0.5
