"""Account pages: sign up, log in and out, one-click guests and saving them, password, limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from moviematch.accounts.models import User
from moviematch.accounts.services import guest_create
from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]
GOOD_PASSWORD = "correct horse battery"


def signup_data(**changes: str) -> dict[str, str]:
    return {
        "username": "mina",
        "email": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **changes,
    }


def signed_in(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- sign up, log in, log out ------------------------------------------------------------------


def test_sign_up_makes_an_account_signs_in_and_starts_the_onboarding(client: Client) -> None:
    page = client.get(reverse("accounts:signup"))
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("ratings:onboarding")
    user = signed_in(client)
    assert user is not None
    assert user.username == "mina"
    assert not user.is_guest
    assert user.password.startswith("md5$")  # the test hasher; Argon2 in base settings


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "something else entirely"}, "The two passwords differ."),
        ({"username": "guest-123"}, "Usernames may not start with “guest-”."),
        ({"password1": "123", "password2": "123"}, "This password is too short."),
        ({"username": "bad name!"}, "Enter a valid username."),
        ({"username": ""}, "This field is required."),
    ],
)
def test_sign_up_refusals_are_shown_next_to_the_field(
    client: Client, changes: dict[str, str], message: str
) -> None:
    response = client.post(reverse("accounts:signup"), signup_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert signed_in(client) is None


def test_sign_up_with_a_taken_name(client: Client) -> None:
    User.objects.create_user(username="Mina", password="x")
    response = client.post(reverse("accounts:signup"), signup_data())
    assert "This username is already taken." in response.content.decode()
    assert User.objects.count() == 1


def test_log_in_and_out(client: Client) -> None:
    User.objects.create_user(username="mina", password=GOOD_PASSWORD)
    assert client.get(reverse("accounts:login")).status_code == 200
    wrong = client.post(reverse("accounts:login"), {"username": "mina", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    response = client.post(
        reverse("accounts:login"), {"username": "mina", "password": GOOD_PASSWORD}
    )
    assert response["Location"] == reverse("recommendations:home")
    assert signed_in(client) is not None
    assert client.get(reverse("accounts:logout")).status_code == 405  # a link cannot log out
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("pages:landing")
    assert signed_in(client) is None


def test_log_in_goes_back_to_the_page_asked_for(client: Client) -> None:
    User.objects.create_user(username="mina", password=GOOD_PASSWORD)
    response = client.get(reverse("ratings:my_ratings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    response = client.post(
        response["Location"],
        {"username": "mina", "password": GOOD_PASSWORD, "next": "/me/ratings/"},
    )
    assert response["Location"] == "/me/ratings/"


@pytest.mark.parametrize(
    "name", ["recommendations:home", "ratings:onboarding", "ratings:my_ratings", "accounts:account"]
)
def test_pages_of_an_account_send_anonymous_visitors_to_log_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- guests ------------------------------------------------------------------------------------


def test_one_click_guest_gets_a_private_account_and_the_onboarding(client: Client) -> None:
    assert client.get(reverse("accounts:guest")).status_code == 405
    response = client.post(reverse("accounts:guest"))
    assert response["Location"] == reverse("ratings:onboarding")
    first = signed_in(client)
    assert first is not None
    assert first.is_guest
    other = Client()
    other.post(reverse("accounts:guest"))
    second = signed_in(other)
    assert second is not None
    assert second.pk != first.pk


def test_a_guest_sees_the_expiry_and_the_way_to_save_the_account(client: Client) -> None:
    client.post(reverse("accounts:guest"))
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Kept until" in page
    assert "You are using a guest account, kept until" in page
    assert reverse("accounts:guest_save") in page
    assert "Change password" not in page


def test_a_guest_saves_the_account_and_keeps_every_rating(client: Client) -> None:
    client.post(reverse("accounts:guest"))
    guest = signed_in(client)
    assert guest is not None
    movie = Movie.objects.create(
        id=7, title="Heat", year=1995, in_catalogue=True, excluded_reason=""
    )
    Rating.objects.create(user=guest, movie=movie, stars=Decimal("4.5"))
    assert client.get(reverse("accounts:guest_save")).status_code == 200
    response = client.post(reverse("accounts:guest_save"), signup_data(username="saved"))
    assert response["Location"] == reverse("accounts:account")
    user = User.objects.get(pk=guest.pk)
    assert user.username == "saved"
    assert not user.is_guest
    assert list(user.ratings.values_list("movie_id", "stars")) == [(7, Decimal("4.5"))]
    assert signed_in(client) == user  # still signed in after the password was set
    page = client.get(reverse("accounts:account")).content.decode()
    assert "saved" in page
    assert "Kept until" not in page
    fresh = Client()
    assert fresh.login(username="saved", password=GOOD_PASSWORD)


def test_saving_refuses_a_taken_name_and_a_full_account(client: Client) -> None:
    User.objects.create_user(username="taken", password="x")
    client.post(reverse("accounts:guest"))
    response = client.post(reverse("accounts:guest_save"), signup_data(username="taken"))
    assert "This username is already taken." in response.content.decode()
    assert signed_in(client).is_guest  # type: ignore[union-attr]
    full = Client()
    full.force_login(User.objects.get(username="taken"))
    assert full.get(reverse("accounts:guest_save"))["Location"] == reverse("accounts:account")
    full.post(reverse("accounts:guest_save"), signup_data(username="other"))
    assert User.objects.get(username="taken").username == "taken"


def test_an_expired_guest_session_is_logged_out(client: Client, settings: object) -> None:
    guest = guest_create()
    client.force_login(guest)
    assert client.get(reverse("accounts:account")).status_code == 200
    User.objects.filter(pk=guest.pk).update(last_seen=timezone.now() - timedelta(days=31))
    response = client.get(reverse("accounts:account"), follow=True)
    assert signed_in(client) is None
    assert "Your guest account expired" in response.content.decode()
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))


def test_a_visit_refreshes_the_last_visit(client: Client) -> None:
    guest = guest_create()
    User.objects.filter(pk=guest.pk).update(last_seen=timezone.now() - timedelta(days=10))
    client.force_login(guest)
    client.get(reverse("pages:about"))
    guest.refresh_from_db()
    assert guest.last_seen is not None
    assert timezone.now() - guest.last_seen < timedelta(minutes=1)


# --- password ----------------------------------------------------------------------------------


def test_change_password(client: Client) -> None:
    user = User.objects.create_user(username="mina", password=GOOD_PASSWORD)
    client.force_login(user)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    new = "another horse battery"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": GOOD_PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "Your password is changed." in response.content.decode()
    assert Client().login(username="mina", password=new)


def test_a_guest_has_no_password_to_change(client: Client) -> None:
    client.force_login(guest_create())
    response = client.get(reverse("accounts:password_change"))
    assert response["Location"] == reverse("accounts:guest_save")


# --- rate limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("accounts:login", {"username": "x", "password": "y"}),
        ("accounts:signup", signup_data(password2="differs")),
        ("accounts:guest", {}),
    ],
)
def test_attempts_from_one_address_are_limited(
    client: Client, settings: object, name: str, data: dict[str, str]
) -> None:
    settings.AUTH_RATE = "3/d"  # type: ignore[attr-defined]  # fixed windows: see test_auth_limits
    codes = []
    for _ in range(4):
        codes.append(client.post(reverse(name), data).status_code)
        client.logout()
    assert 429 not in codes[:3]
    assert codes[3] == 429
    blocked = client.post(reverse(name), data)
    assert "Too many attempts" in blocked.content.decode()
    other_address = client.post(reverse(name), data, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code != 429


def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    for name in ("accounts:signup", "accounts:login"):
        assert 'name="csrfmiddlewaretoken"' in client.get(reverse(name)).content.decode()
    assert client.post(reverse("accounts:guest")).status_code == 403
    assert not User.objects.exists()


# --- admin -------------------------------------------------------------------------------------


def test_admin_lists_users_with_guests_marked_and_their_ratings(client: Client) -> None:
    admin = User.objects.create_superuser(username="boss", password="x", email="b@example.org")
    guest = guest_create()
    movie = Movie.objects.create(
        id=7, title="Heat", year=1995, in_catalogue=True, excluded_reason=""
    )
    Rating.objects.create(user=guest, movie=movie, stars=Decimal("3.5"))
    client.force_login(admin)
    listing = client.get(reverse("admin:accounts_user_changelist") + "?is_guest__exact=1")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert guest.username in page
    assert "boss" not in page.split("result_list")[1]
    assert "Expires" in page
    assert "column-guest_expiry" in page
    assert "Ratings" in page
    assert "column-rating_total" in page
    detail = client.get(reverse("admin:accounts_user_change", args=[guest.pk])).content.decode()
    assert "Heat" in detail
    assert "3.5" in detail
