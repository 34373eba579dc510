"""Accounts: sign-up, private one-click guests, guest → full account, expiry and cleanup."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from moviematch.accounts.errors import InvalidCredentialsError, NotAGuestError, UsernameTakenError
from moviematch.accounts.models import User
from moviematch.accounts.selectors import guest_expired_list, guest_expires_at, guest_is_expired
from moviematch.accounts.services import (
    SEEN_RESOLUTION,
    guest_convert,
    guest_create,
    guests_cleanup,
    user_seen,
    user_signup,
)
from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "correct horse battery"


def test_every_guest_gets_a_private_account() -> None:
    first, second = guest_create(), guest_create()
    assert first.pk != second.pk
    assert first.username != second.username
    assert first.username.startswith("guest-")
    assert first.is_guest
    assert not first.has_usable_password()
    assert first.last_seen is not None


def test_signup_validates_the_name_and_the_password() -> None:
    user = user_signup(username="  ann ", password=GOOD_PASSWORD, email="ann@example.org")
    assert (user.username, user.is_guest, user.email) == ("ann", False, "ann@example.org")
    assert user.check_password(GOOD_PASSWORD)
    with pytest.raises(UsernameTakenError, match="already taken"):
        user_signup(username="ANN", password=GOOD_PASSWORD)
    with pytest.raises(InvalidCredentialsError) as info:
        user_signup(username="bob", password="123")
    assert info.value.field == "password"
    assert any("too short" in m for m in info.value.messages)
    for bad in ("", "no spaces allowed", "guest-1234"):
        with pytest.raises(InvalidCredentialsError) as info:
            user_signup(username=bad, password=GOOD_PASSWORD)
        assert info.value.field == "username"
    assert User.objects.count() == 1


def test_a_guest_becomes_a_full_account_and_keeps_its_ratings() -> None:
    movie = Movie.objects.create(
        id=1, title="Toy Story", year=1995, in_catalogue=True, excluded_reason=""
    )
    guest = guest_create()
    Rating.objects.create(user=guest, movie=movie, stars=Decimal("4.5"))
    converted = guest_convert(user=guest, username="cho", password=GOOD_PASSWORD)
    assert converted.pk == guest.pk
    assert not converted.is_guest
    fresh = User.objects.get(pk=guest.pk)
    assert (fresh.username, fresh.is_guest) == ("cho", False)
    assert fresh.check_password(GOOD_PASSWORD)
    assert list(Rating.objects.filter(user=fresh).values_list("stars", flat=True)) == [
        Decimal("4.5")
    ]
    with pytest.raises(NotAGuestError):
        guest_convert(user=fresh, username="cho2", password=GOOD_PASSWORD)


def test_a_failed_conversion_changes_nothing() -> None:
    user_signup(username="taken", password=GOOD_PASSWORD)
    guest = guest_create()
    name = guest.username
    with pytest.raises(UsernameTakenError):
        guest_convert(user=guest, username="taken", password=GOOD_PASSWORD)
    with pytest.raises(InvalidCredentialsError):
        guest_convert(user=guest, username="free", password="short")
    fresh = User.objects.get(pk=guest.pk)
    assert (fresh.username, fresh.is_guest, fresh.has_usable_password()) == (name, True, False)


def test_visits_refresh_last_seen_at_most_hourly() -> None:
    guest = guest_create()
    start = guest.last_seen
    assert start is not None
    assert not user_seen(user=guest, now=start + SEEN_RESOLUTION / 2)
    assert user_seen(user=guest, now=start + SEEN_RESOLUTION)
    assert User.objects.get(pk=guest.pk).last_seen == start + SEEN_RESOLUTION


def test_guests_expire_thirty_days_after_their_last_visit(settings: object) -> None:
    now = timezone.now()
    old, recent = guest_create(), guest_create()
    full = user_signup(username="dana", password=GOOD_PASSWORD)
    User.objects.filter(pk__in=[old.pk, full.pk]).update(last_seen=now - timedelta(days=31))
    User.objects.filter(pk=recent.pk).update(last_seen=now - timedelta(days=29))
    old.refresh_from_db()
    assert guest_expires_at(user=old) == old.last_seen + timedelta(days=30)
    assert guest_expires_at(user=full) is None
    assert guest_is_expired(user=old, now=now)
    assert list(guest_expired_list(now=now)) == [old]
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "GUEST_DAYS": 40}  # type: ignore[attr-defined]
    assert list(guest_expired_list(now=now)) == []


def test_cleanup_deletes_expired_guests_with_their_ratings() -> None:
    movie = Movie.objects.create(id=2, title="Heat", year=1995)
    old, kept = guest_create(), guest_create()
    Rating.objects.create(user=old, movie=movie, stars=Decimal("3"))
    Rating.objects.create(user=kept, movie=movie, stars=Decimal("4"))
    User.objects.filter(pk=old.pk).update(last_seen=timezone.now() - timedelta(days=45))
    out = StringIO()
    call_command("guests_cleanup", stdout=out)
    assert "Deleted 1 guest account(s)" in out.getvalue()
    assert list(User.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Rating.objects.values_list("user_id", flat=True)) == [kept.pk]
    assert guests_cleanup() == 0
