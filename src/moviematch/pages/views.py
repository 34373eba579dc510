"""Pages of no other app: landing, about and credits, the rate-limit answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """What the site does, and the ways in; signed-in visitors go straight to their home."""
    if request.user.is_authenticated:
        return redirect("recommendations:home")
    return render(request, "pages/landing.html")


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/about.html")


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``RATELIMIT_VIEW``: too many sign-up, log-in or guest attempts from one address."""
    return render(request, "429.html", status=429)
