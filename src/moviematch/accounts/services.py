"""Writes of accounts: sign-up, one-click guests, turning a guest into a full account, the
familiar ↔ adventurous setting.

Every guest is a private account of its own (never a shared one) with an unusable password;
it is kept ``MOVIEMATCH["GUEST_DAYS"]`` days after its last visit, then ``guests_cleanup``
deletes it with its ratings. A guest can become a full account at any time and keeps
everything it rated.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from moviematch.accounts.errors import (
    InvalidCredentialsError,
    NotAGuestError,
    UsernameTakenError,
)
from moviematch.accounts.models import User
from moviematch.accounts.selectors import guest_expired_list

#: A visit refreshes ``last_seen`` only when the stored value is older than this: one write an
#: hour at most, not one per request.
SEEN_RESOLUTION = timedelta(hours=1)
GUEST_PREFIX = "guest-"


def _check_username(username: str) -> str:
    name = username.strip()
    try:
        User.username_validator(name)
        User._meta.get_field("username").run_validators(name)
    except ValidationError as exc:
        raise InvalidCredentialsError("username", list(exc.messages)) from None
    if not name:
        raise InvalidCredentialsError("username", ["a username is required"])
    if name.lower().startswith(GUEST_PREFIX):
        raise InvalidCredentialsError(
            "username", [f"usernames may not start with {GUEST_PREFIX!r}"]
        )
    if User.objects.filter(username__iexact=name).exists():
        raise UsernameTakenError(name)
    return name


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidCredentialsError("password", list(exc.messages)) from None


@transaction.atomic
def user_signup(*, username: str, password: str, email: str = "") -> User:
    """Create a full account.

    Raises
    ------
    UsernameTakenError, InvalidCredentialsError
    """
    name = _check_username(username)
    user = User(username=name, email=email.strip(), last_seen=timezone.now())
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # lost a race for the same name
        raise UsernameTakenError(name) from None
    return user


@transaction.atomic
def guest_create() -> User:
    """A new private guest account (random name, no usable password)."""
    while True:
        name = GUEST_PREFIX + secrets.token_hex(6)
        if not User.objects.filter(username=name).exists():
            break
    user = User(username=name, is_guest=True, last_seen=timezone.now())
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def guest_convert(*, user: User, username: str, password: str, email: str = "") -> User:
    """Turn the guest ``user`` into a full account with a name and password; ratings stay.

    Raises
    ------
    NotAGuestError
        ``user`` is already a full account.
    UsernameTakenError, InvalidCredentialsError
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_guest:
        raise NotAGuestError()
    name = _check_username(username)
    locked.username = name
    locked.email = email.strip()
    _check_password(password, locked)
    locked.set_password(password)
    locked.is_guest = False
    locked.last_seen = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise UsernameTakenError(name) from None
    for field in ("username", "email", "password", "is_guest", "last_seen"):
        setattr(user, field, getattr(locked, field))
    return user


def user_seen(*, user: User, now: datetime | None = None) -> bool:
    """Record a visit of ``user`` (at most one write per ``SEEN_RESOLUTION``).

    Returns whether a write was made.
    """
    now = now or timezone.now()
    if user.last_seen is not None and now - user.last_seen < SEEN_RESOLUTION:
        return False
    User.objects.filter(pk=user.pk).update(last_seen=now)
    user.last_seen = now
    return True


@transaction.atomic
def guests_cleanup(*, now: datetime | None = None) -> int:
    """Delete every expired guest account and its ratings; returns how many accounts."""
    expired = guest_expired_list(now=now or timezone.now())
    count = expired.count()
    expired.delete()
    return count


def user_adventurous_set(*, user: User, adventurous: float) -> None:
    """Remember ``user``'s familiar (0) ↔ adventurous (1) setting for their recommendations.

    Raises ``ValueError`` outside [0, 1] (NaN included).
    """
    value = float(adventurous)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"adventurous must be in [0, 1], got {adventurous}")
    User.objects.filter(pk=user.pk).update(adventurous=value)
    user.adventurous = value
