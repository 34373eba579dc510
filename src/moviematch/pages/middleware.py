"""Pages when the recommendation model is missing: a friendly 503, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from moviematch.recommendations.errors import ModelUnavailableError


class ServiceUnavailableMiddleware:
    """Turns ``ModelUnavailableError`` from any view into a 503 page (or JSON for scripts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ModelUnavailableError):
            return None
        message = _(
            "Recommendations are not available right now: the recommendation model is "
            "being prepared. Please try again in a few minutes."
        )
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": message}, status=503)
        template = "partials/unavailable.html" if request.GET.get("fragment") else "503.html"
        body = render_to_string(template, {"message": message}, request=request)
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "120"
        return response
