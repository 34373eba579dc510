"""Pages when the recommendation model is missing or the database is busy: a friendly 503 (or
a 409 for a conflicting write), never a 500.

Every write is one transaction (the services are ``atomic``), so when the database refuses
it, nothing of it was saved: the message says so and asks the visitor to try again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from moviematch.recommendations.errors import ModelUnavailableError

logger = logging.getLogger(__name__)


class ServiceUnavailableMiddleware:
    """Turns ``ModelUnavailableError`` from any view into a 503 page (or JSON for scripts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ModelUnavailableError):
            message = _(
                "Recommendations are not available right now: the recommendation model is "
                "being prepared. Please try again in a few minutes."
            )
            return _unavailable(request, message, status=503, retry_after=120)
        if isinstance(exception, IntegrityError):
            logger.warning(
                "write refused by the database (%s %s): %s", request.method, request.path, exception
            )
            message = _(
                "This change conflicts with another one made at the same time and was not "
                "saved. Please reload the page and try again."
            )
            return _unavailable(request, message, status=409)
        if isinstance(exception, DatabaseError):  # locked, disconnected, disk full …
            logger.error("database error on %s %s: %s", request.method, request.path, exception)
            message = _(
                "The site is very busy right now and could not save or load this; nothing "
                "was changed. Please try again in a moment."
            )
            return _unavailable(request, message, status=503, retry_after=5)
        return None


def _unavailable(
    request: HttpRequest, message: str, *, status: int, retry_after: int | None = None
) -> HttpResponse:
    """The message as JSON for scripts, a fragment for in-page loads, else a page."""
    response: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": message}, status=status)
    else:
        template = "partials/unavailable.html" if request.GET.get("fragment") else "503.html"
        body = render_to_string(template, {"message": message}, request=request)
        response = HttpResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
