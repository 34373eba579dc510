"""Account pages: sign up, log in and out, one-click guest, save a guest account, password.

Sign-up, log-in and guest creation are rate-limited per client IP (``settings.AUTH_RATE``);
the limit answers 429 (``pages.views.ratelimited``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from moviematch.accounts.errors import AccountError
from moviematch.accounts.forms import AccountForm
from moviematch.accounts.selectors import guest_expires_at, signed_in_user
from moviematch.accounts.services import guest_convert, guest_create, user_signup
from moviematch.ratings.selectors import rating_count

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _auth_rate(group: str, request: HttpRequest) -> str:
    return str(settings.AUTH_RATE)


limit_attempts = ratelimit(key="ip", rate=_auth_rate, method="POST", block=True)


@limit_attempts
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("recommendations:home")
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(**form.credentials())
        except AccountError as exc:
            form.add_account_error(exc)
        else:
            login(request, user, backend=_BACKEND)
            messages.success(request, _("Welcome! Rate a few movies you have seen."))
            return redirect("ratings:onboarding")
    return render(request, "accounts/signup.html", {"form": form})


@method_decorator(limit_attempts, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot log anyone out."""


@require_POST
@limit_attempts
def guest_start(request: HttpRequest) -> HttpResponse:
    """One click: a new private guest account, signed in, sent to the onboarding."""
    if request.user.is_authenticated:
        return redirect("recommendations:home")
    login(request, guest_create(), backend=_BACKEND)
    return redirect("ratings:onboarding")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request=request)
    return render(
        request,
        "accounts/account.html",
        {"expires_at": guest_expires_at(user=user), "rated": rating_count(user=user)},
    )


@login_required
def guest_save(request: HttpRequest) -> HttpResponse:
    """A guest chooses a name and a password; the account and its ratings stay."""
    user = signed_in_user(request=request)
    if not user.is_guest:
        return redirect("accounts:account")
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest_convert(user=user, **form.credentials())
        except AccountError as exc:
            form.add_account_error(exc)
        else:
            update_session_auth_hash(request, user)  # the new password keeps this session
            messages.success(request, _("Your account is saved. Log in with it anywhere."))
            return redirect("accounts:account")
    return render(request, "accounts/guest_save.html", {"form": form})


@method_decorator(login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Full accounts only: a guest has no password yet and is sent to save the account."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.is_guest:
            return redirect("accounts:guest_save")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)
