"""Every signed-in request: log out an expired guest, else record the visit (at most hourly)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from moviematch.accounts.selectors import guest_is_expired
from moviematch.accounts.services import user_seen


class VisitMiddleware:
    """After ``AuthenticationMiddleware`` and ``MessageMiddleware``.

    A guest account is kept for a set time after its last visit; a browser whose session
    outlived it is logged out here (``guests_cleanup`` deletes the account later), so that
    an expired account is never used again, even before the cleanup ran.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if guest_is_expired(user=user, now=timezone.now()):
                logout(request)
                messages.info(
                    request,
                    _("Your guest account expired after a long absence. Start again any time."),
                )
            else:
                user_seen(user=user)
        return self.get_response(request)
