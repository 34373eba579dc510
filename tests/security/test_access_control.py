"""Attempts on what belongs to someone else, through the pages and the API: all refused.

Alice and Bob each rated movies. Bob tries to read, change and delete Alice's ratings and
account; an expired guest comes back with its old session and token; a normal user opens the
admin; Alice's token is sent with Bob's session. Each attempt either is refused or acts on
the caller's own data only, and Alice's data is unchanged afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from moviematch.accounts.models import User
from moviematch.accounts.services import guest_create
from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]

PASSWORD = "a long secret 42"


@pytest.fixture
def movies() -> list[Movie]:
    return [
        Movie.objects.create(
            id=i, title=f"Film {i}", year=2000 + i, in_catalogue=True, excluded_reason=""
        )
        for i in (1, 2, 3)
    ]


@pytest.fixture
def alice(movies: list[Movie]) -> User:
    user = User.objects.create_user(username="alice", password=PASSWORD, email="a@example.org")
    Rating.objects.create(user=user, movie=movies[0], stars=Decimal("5.0"))
    Rating.objects.create(user=user, movie=movies[1], stars=Decimal("1.5"))
    return user


@pytest.fixture
def bob(movies: list[Movie]) -> User:
    user = User.objects.create_user(username="bob", password=PASSWORD, email="b@example.org")
    Rating.objects.create(user=user, movie=movies[2], stars=Decimal("3.0"))
    return user


def _alice_untouched(alice: User) -> None:
    assert dict(Rating.objects.filter(user=alice).values_list("movie_id", "stars")) == {
        1: Decimal("5.0"),
        2: Decimal("1.5"),
    }
    alice.refresh_from_db()
    assert alice.username == "alice"
    assert alice.email == "a@example.org"
    assert alice.check_password(PASSWORD)


def _token(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


# --- no route names a user -----------------------------------------------------------------


def _routes(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if getattr(entry, "app_name", None) == "admin":
                continue
            out += _routes(entry, prefix + str(entry.pattern))
        else:
            out.append((prefix + str(entry.pattern), entry))
    return out


def test_no_page_or_api_route_outside_the_admin_takes_a_user_or_rating_id() -> None:
    routes = _routes(get_resolver())
    assert len(routes) > 25
    for path, _ in routes:
        for name in ("user", "pk", "rating", "account", "username", "token", "<int:id>"):
            assert f"<{name}" not in path, path
            assert f":{name}>" not in path, path


# --- pages ------------------------------------------------------------------------------------


def test_pages_show_and_change_only_the_visitors_own_ratings(
    client: Client, alice: User, bob: User
) -> None:
    client.force_login(bob)
    mine = client.get(reverse("ratings:my_ratings")).content.decode()
    assert "Film 3" in mine
    assert "Film 1" not in mine
    assert "Film 2" not in mine
    # Alice's 5 stars never show on Bob's view of the movie.
    page = client.get(reverse("catalog:movie", kwargs={"movie_id": 1})).content.decode()
    assert 'value="5.0" checked' not in page
    assert 'value="5" checked' not in page
    # Rating and clearing "movie 1" act on Bob's own rating.
    headers = {"Accept": "application/json"}
    url = reverse("ratings:rate", kwargs={"movie_id": 1})
    assert client.post(url, {"stars": "0.5"}, headers=headers).json()["stars"] == "0.5"
    assert client.post(url, {"stars": ""}, headers=headers).status_code == 200
    # Query parameters naming another user are ignored.
    other = client.get(reverse("ratings:my_ratings"), {"user": alice.pk, "username": "alice"})
    assert "Film 1" not in other.content.decode()
    assert Rating.objects.filter(user=bob, movie_id=1).count() == 0
    _alice_untouched(alice)


def test_account_pages_act_on_the_visitor_only(client: Client, alice: User, bob: User) -> None:
    client.force_login(bob)
    account = client.get(reverse("accounts:account")).content.decode()
    assert "bob" in account
    assert "alice" not in account
    assert "a@example.org" not in account
    # Changing "the" password changes Bob's, whatever the form says about Alice.
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long secret 43",
            "new_password2": "another long secret 43",
            "username": "alice",
            "user": alice.pk,
        },
    )
    bob.refresh_from_db()
    assert bob.check_password("another long secret 43")
    # A full account cannot "save" itself over Alice's name.
    client.post(
        reverse("accounts:guest_save"),
        {"username": "alice", "password1": "x long pass 99", "password2": "x long pass 99"},
    )
    _alice_untouched(alice)
    assert User.objects.filter(username="alice").count() == 1


def test_the_admin_refuses_normal_users_and_guests(client: Client, alice: User, bob: User) -> None:
    paths = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[alice.pk]),
        reverse("admin:ratings_rating_changelist"),
        reverse("admin:accounts_user_delete", args=[alice.pk]),
    ]
    for user in (bob, guest_create()):
        client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("admin:login")), path
        response = client.post(
            reverse("admin:accounts_user_delete", args=[alice.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        # Logging in to the admin with a normal account's password is refused too.
        client.logout()
        refused = client.post(reverse("admin:login"), {"username": "bob", "password": PASSWORD})
        assert refused.status_code == 200
        assert "staff account" in refused.content.decode()
    _alice_untouched(alice)


# --- API --------------------------------------------------------------------------------------


def test_a_token_reads_and_writes_only_its_own_users_data(alice: User, bob: User) -> None:
    api = _token(bob)
    listed = api.get("/api/me/ratings/").json()
    assert [r["movie"]["id"] for r in listed["results"]] == [3]
    assert api.get("/api/me/ratings/1/").status_code == 404  # Alice's, not Bob's
    assert api.delete("/api/me/ratings/1/").status_code == 404
    assert api.put("/api/me/ratings/1/", {"stars": 0.5}, format="json").status_code in (200, 201)
    assert api.get("/api/me/").json()["username"] == "bob"
    # Parameters naming Alice are not read.
    assert api.get("/api/me/", {"username": "alice", "user": alice.pk}).json()["username"] == "bob"
    assert Rating.objects.get(user=bob, movie_id=1).stars == Decimal("0.5")
    _alice_untouched(alice)


def test_with_a_token_and_another_users_session_the_token_decides(alice: User, bob: User) -> None:
    api = _token(alice)
    api.force_login(bob)  # Bob's session cookie beside Alice's token
    assert api.get("/api/me/").json()["username"] == "alice"
    assert {r["movie"]["id"] for r in api.get("/api/me/ratings/").json()["results"]} == {1, 2}
    # ...and no CSRF exemption leaks to Bob's session: the write is Alice's, by token.
    assert api.put("/api/me/ratings/3/", {"stars": 2}, format="json").status_code in (200, 201)
    assert Rating.objects.get(user=bob, movie_id=3).stars == Decimal("3.0")
    assert Rating.objects.get(user=alice, movie_id=3).stars == Decimal("2.0")


@pytest.mark.parametrize("header", ["Token nope", "Token ", "Bearer x", "Token a b"])
def test_a_bad_or_foreign_token_is_refused(alice: User, header: str) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/me/ratings/")
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_a_deleted_users_token_no_longer_works(alice: User) -> None:
    api = _token(alice)
    assert api.get("/api/me/").status_code == 200
    alice.delete()
    assert api.get("/api/me/").status_code == 401


def test_an_expired_guest_is_refused_by_session_and_by_token(
    client: Client, movies: list[Movie], settings: Any
) -> None:
    guest = guest_create()
    Rating.objects.create(user=guest, movie=movies[0], stars=Decimal("4.0"))
    api = _token(guest)
    client.force_login(guest)
    assert client.get(reverse("ratings:my_ratings")).status_code == 200
    assert api.get("/api/me/ratings/").status_code == 200
    long_ago = timezone.now() - timedelta(days=settings.MOVIEMATCH["GUEST_DAYS"] + 1)
    User.objects.filter(pk=guest.pk).update(last_seen=long_ago)

    refused = api.get("/api/me/ratings/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This guest account has expired."
    assert api.put("/api/me/ratings/2/", {"stars": 5}, format="json").status_code == 401
    page = client.get(reverse("ratings:my_ratings"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:login"))
    session_api = APIClient()
    session_api.cookies = client.cookies
    assert session_api.get("/api/me/").status_code == 401
    # The refused visits did not bring the account back to life.
    guest.refresh_from_db()
    assert guest.last_seen is not None
    assert guest.last_seen <= long_ago + timedelta(seconds=1)
    assert Rating.objects.filter(user=guest).count() == 1
