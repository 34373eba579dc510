"""DRF's token and session authentication, each recording the visit of the user it finds.

A guest account is kept a set time after its last visit; a client that only talks to the
API (a token, no page views) must count as visiting too. ``user_seen`` writes at most once
an hour per user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.request import Request

from moviematch.accounts.selectors import guest_is_expired
from moviematch.accounts.services import user_seen

if TYPE_CHECKING:  # the site's user model, as django-stubs resolves AUTH_USER_MODEL
    from django.contrib.auth.models import _User


def _seen(result: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    """Record the visit, unless the account is an expired guest: then refuse it (a visit must
    not bring it back; ``guests_cleanup`` deletes it), as the pages log such a session out."""
    if result is not None:
        if guest_is_expired(user=result[0], now=timezone.now()):
            raise AuthenticationFailed("This guest account has expired.")
        user_seen(user=result[0])
    return result


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; the key comes from the auth endpoints."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _seen(super().authenticate(request))


class SessionAuthentication(authentication.SessionAuthentication):
    """The site's session cookie; unsafe methods need the CSRF token (``X-CSRFToken``)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _seen(super().authenticate(request))


def request_user(request: Request) -> _User:
    """The signed-in user of a view that requires one (``IsAuthenticated`` ran first)."""
    user = request.user
    if isinstance(user, AnonymousUser):  # not reached behind IsAuthenticated
        raise NotAuthenticated()
    return user
