"""What the OpenAPI schema says of errors: the one error body and each status's meaning.

Views list the statuses they can answer with ``errors(400, 401, ...)``, so that the schema
promises exactly the responses a client (and the schemathesis pass) can get.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class SessionScheme(OpenApiAuthenticationExtension):
    """The site's session cookie (drf-spectacular describes DRF's class, not subclasses)."""

    target_class = "moviematch.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The site's session; PUT, POST and DELETE also need the "
            "`X-CSRFToken` header (the value of the `csrftoken` cookie).",
        }


class ErrorSerializer(serializers.Serializer[dict[str, object]]):
    """The body of every error response."""

    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(
        help_text="Stable machine-readable code: invalid, invalid_stars, movie_not_rateable, "
        "username_taken, invalid_credentials, not_authenticated, authentication_failed, "
        "permission_denied, not_found, already_signed_in, not_a_guest, throttled, "
        "model_unavailable, parse_error, unsupported_media_type, method_not_allowed, …"
    )
    # DRF's metaclass takes declared fields off the class: no clash with Serializer.fields
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by input name (a query, path or body field); empty otherwise.",
    )


_MEANINGS = {
    400: "Invalid input: `fields` names each bad input with its messages.",
    401: "No credentials, or an invalid token (`WWW-Authenticate: Token`).",
    403: "A session write without a valid CSRF token.",
    404: "No such movie (or rating).",
    409: "The request conflicts with the account's state.",
    429: "Too many requests from this client; `Retry-After` says when to try again.",
    503: "No usable recommendation model is published (or it cannot be loaded).",
}


def errors(*statuses: int, **meanings: str) -> dict[int, OpenApiResponse]:
    """``extend_schema(responses=...)`` entries for these error statuses.

    ``meanings`` overrides the generic description of a status, keyed ``s404="..."``.
    """
    return {
        code: OpenApiResponse(
            ErrorSerializer, description=meanings.get(f"s{code}", _MEANINGS[code])
        )
        for code in statuses
    }
