"""Errors of the TMDb client.

Every failure the client can meet is one of these types, so callers never see a bare
``KeyError``, ``ValueError`` or a ``requests`` exception. Page-level lookups turn them into a
:class:`~moviematch.integrations.tmdb.client.Lookup` with ``error`` set instead of raising;
the low-level :meth:`TmdbClient.fetch` raises them.
"""

from __future__ import annotations


class TmdbError(Exception):
    """Base class of every error raised by the TMDb integration."""


class TmdbConfigurationError(TmdbError):
    """The client cannot be used as configured: no API key, or TMDb rejected it (HTTP 401).

    Never retried: asking again with the same credentials gives the same answer.
    """


class TmdbAuthError(TmdbConfigurationError):
    """TMDb answered 401: the API key or read-access token is invalid or revoked."""

    def __init__(self, message: str, *, tmdb_status_code: int | None = None) -> None:
        self.tmdb_status_code = tmdb_status_code
        super().__init__(message)


class TmdbNotFoundError(TmdbError):
    """TMDb answered 404 for a resource (cached negatively for a shorter period)."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        super().__init__(f"TMDb has no resource {resource}")


class TmdbResponseError(TmdbError):
    """The answer was not what TMDb documents: malformed JSON, truncated, or an unexpected shape.

    ``detail`` names the offending field or the JSON error so the log line is actionable.
    """

    def __init__(self, resource: str, detail: str) -> None:
        self.resource = resource
        self.detail = detail
        super().__init__(f"unexpected TMDb response for {resource}: {detail}")


class TmdbUnavailableError(TmdbError):
    """TMDb could not be reached or kept failing (connection errors, timeouts, HTTP 5xx).

    Raised after the retries are spent; ``attempts`` counts the HTTP requests made.
    """

    def __init__(self, resource: str, reason: str, *, attempts: int) -> None:
        self.resource = resource
        self.reason = reason
        self.attempts = attempts
        super().__init__(f"TMDb unavailable for {resource} after {attempts} attempt(s): {reason}")


class TmdbRateLimitedError(TmdbUnavailableError):
    """TMDb answered 429 and the requested wait did not fit the budget or the retry allowance.

    ``retry_after`` is the wait TMDb asked for, in seconds (``None`` if it gave none).
    """

    def __init__(self, resource: str, *, attempts: int, retry_after: float | None) -> None:
        self.retry_after = retry_after
        wait = "no Retry-After" if retry_after is None else f"Retry-After {retry_after:g} s"
        super().__init__(resource, f"rate limited (HTTP 429, {wait})", attempts=attempts)


class TmdbBudgetExceededError(TmdbUnavailableError):
    """The call's overall time budget ran out before TMDb answered."""

    def __init__(self, resource: str, *, attempts: int, budget: float) -> None:
        self.budget = budget
        super().__init__(resource, f"time budget of {budget:g} s exhausted", attempts=attempts)


class TmdbRequestError(TmdbError):
    """TMDb refused the request itself (a 4xx other than 401/404/429); a bug on our side."""

    def __init__(self, resource: str, status: int, message: str) -> None:
        self.resource = resource
        self.status = status
        super().__init__(f"TMDb refused {resource} with HTTP {status}: {message}")
