"""Reads of accounts (keyword-only, typed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from moviematch.accounts.models import User


def guest_lifetime() -> timedelta:
    """How long a guest account is kept after its last visit (``MOVIEMATCH["GUEST_DAYS"]``)."""
    return timedelta(days=float(settings.MOVIEMATCH["GUEST_DAYS"]))


def guest_expires_at(*, user: User) -> datetime | None:
    """When ``user``'s guest account expires (None for a full account)."""
    if not user.is_guest:
        return None
    return (user.last_seen or user.date_joined) + guest_lifetime()


def guest_expired_list(*, now: datetime) -> QuerySet[User]:
    """Guest accounts whose last visit (or creation, if never seen) is older than the lifetime."""
    cutoff = now - guest_lifetime()
    return User.objects.filter(is_guest=True).filter(
        Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True, date_joined__lt=cutoff)
    )


def guest_is_expired(*, user: User, now: datetime) -> bool:
    """True when ``user`` is a guest whose account has outlived its lifetime."""
    expires = guest_expires_at(user=user)
    return expires is not None and expires <= now


def signed_in_user(*, request: HttpRequest) -> User:
    """The user of a request that must be signed in (views behind ``login_required``).

    Raises
    ------
    PermissionDenied
        The visitor is anonymous.
    """
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("sign in first")
    return user
