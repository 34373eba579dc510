"""The API's one exception handler: domain errors to HTTP, and one error body for all.

``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` points here. Every error the API answers has the body
``{"detail": str, "code": str, "fields": {name: [message, ...]}}``; ``fields`` is empty unless
the error is about inputs. The services' errors are mapped in ``_DOMAIN_ERRORS``, below;
anything not mapped is a bug and stays a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.db import DatabaseError, IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from moviematch.accounts.errors import AccountError, NotAGuestError, UsernameTakenError
from moviematch.ratings.errors import InvalidStarsError, MovieNotRateableError
from moviematch.recommendations.errors import ModelUnavailableError, MovieNotRecommendableError

logger = logging.getLogger(__name__)

MODEL_UNAVAILABLE = "Recommendations are unavailable right now (no usable model); try again later."
DATABASE_BUSY = "The database is busy right now; nothing was changed. Try again in a moment."
WRITE_CONFLICT = "This write conflicts with another one made at the same time; nothing was changed."


class ApiError(exceptions.APIException):
    """An error with a status, a code and, for input errors, messages by field."""

    def __init__(
        self,
        http_status: int,
        detail: str,
        code: str,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.status_code = http_status
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}


class AlreadySignedInError(ApiError):
    def __init__(self) -> None:
        super().__init__(
            status.HTTP_409_CONFLICT,
            "You are already signed in with a full account.",
            "already_signed_in",
        )


def _from_domain(exc: Exception) -> ApiError | None:
    """The HTTP form of a service error (None: not one of them)."""
    if isinstance(exc, InvalidStarsError):
        return ApiError(400, str(exc), "invalid_stars", {"stars": [str(exc)]})
    if isinstance(exc, MovieNotRateableError):
        return ApiError(400, str(exc), "movie_not_rateable", {"movie_id": [str(exc)]})
    if isinstance(exc, MovieNotRecommendableError):
        return ApiError(404, f"Movie {exc.movie_id} is {exc.reason}.", "not_found")
    if isinstance(exc, ModelUnavailableError):
        logger.warning("API answered 503: %s", exc)
        return ApiError(503, MODEL_UNAVAILABLE, "model_unavailable")
    if isinstance(exc, NotAGuestError):
        return ApiError(409, str(exc), "not_a_guest")
    if isinstance(exc, AccountError):
        code = "username_taken" if isinstance(exc, UsernameTakenError) else "invalid"
        return ApiError(400, str(exc), code, {exc.field or "non_field_errors": exc.messages})
    if isinstance(exc, ObjectDoesNotExist):
        return ApiError(404, str(exc), "not_found")
    if isinstance(exc, SuspiciousOperation):  # e.g. more query parameters than Django reads
        return ApiError(400, str(exc) or "Bad request.", "bad_request")
    # Every write is one transaction: when the database refuses it, nothing was saved.
    if isinstance(exc, IntegrityError):
        logger.warning("API write refused by the database: %s", exc)
        return ApiError(409, WRITE_CONFLICT, "conflict")
    if isinstance(exc, DatabaseError):  # locked, disconnected, disk full …
        logger.error("API answered 503 on a database error: %s", exc)
        return DatabaseBusyError()
    return None


class DatabaseBusyError(ApiError):
    """503 with ``Retry-After: 5`` (DRF sends ``wait`` as that header)."""

    def __init__(self) -> None:
        super().__init__(503, DATABASE_BUSY, "database_unavailable")
        self.wait = 5


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as ``{"field" or "field.0": [message, ...]}``."""
    if isinstance(errors, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in errors.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(errors, list) and any(isinstance(e, Mapping | list) for e in errors):
        out = {}
        for i, value in enumerate(errors):
            if value:
                out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
        return out
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """The body of every error response (see the module docstring)."""
    if isinstance(exc, ApiError):
        return {
            "detail": str(exc.detail),
            "code": getattr(exc.detail, "code", ""),
            "fields": exc.fields,
        }
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()))[0] if fields else "Invalid input."
        return {"detail": f"Invalid input: {first}", "code": "invalid", "fields": fields}
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    return {"detail": str(detail), "code": str(code), "fields": {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (headers such as ``WWW-Authenticate``, ``Retry-After``; rollback) with
    service errors mapped first and every body in the one shape."""
    exc = _from_domain(exc) or exc
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.APIException):  # Http404, PermissionDenied of Django
        exc = (
            exceptions.NotFound()
            if response.status_code == status.HTTP_404_NOT_FOUND
            else exceptions.PermissionDenied()
        )
    response.data = error_body(exc)
    return response
