"""The TMDb client configured from ``settings.MOVIEMATCH``, one per configuration and process.

Settings read (all in ``settings.MOVIEMATCH``; only the first three exist by default):

``TMDB_API_KEY``               v3 key or v4 read token; empty → placeholders, no requests
``TMDB_BASE_URL``              API root (default ``https://api.themoviedb.org/3``)
``TMDB_CACHE_DAYS``            lifetime of a cached answer (default 7)
``TMDB_NOT_FOUND_CACHE_DAYS``  lifetime of a cached 404 (default 1)
``TMDB_BUDGET_SECONDS``        longest a page waits for TMDb per call (default 1.5)
``TMDB_LANGUAGES``             languages shown, first preferred (default ``("ko-KR", "en-US")``)
``TMDB_REQUESTS_PER_SECOND``   throttle of batch jobs (default 20; TMDb allows about 40-50)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings

from moviematch.integrations.tmdb import (
    DEFAULT_BASE_URL,
    SITE_LANGUAGES,
    CachePolicy,
    TmdbClient,
    TmdbClientConfig,
)
from moviematch.media.db_cache import DatabaseCache


def _setting(name: str, default: Any) -> Any:
    value = getattr(settings, "MOVIEMATCH", {}).get(name)
    return default if value is None or value == "" else value


def tmdb_config(*, batch: bool = False) -> TmdbClientConfig:
    """The client configuration from settings.

    Parameters
    ----------
    batch : bool
        For management commands: no overall time budget, no circuit breaker and a
        client-side throttle, since nobody is waiting for a page and being rate limited
        only slows the job down.
    """
    policy = CachePolicy(
        ttl=timedelta(days=float(_setting("TMDB_CACHE_DAYS", 7))),
        not_found_ttl=timedelta(days=float(_setting("TMDB_NOT_FOUND_CACHE_DAYS", 1))),
    )
    return TmdbClientConfig(
        api_key=str(_setting("TMDB_API_KEY", "")).strip(),
        base_url=str(_setting("TMDB_BASE_URL", DEFAULT_BASE_URL)),
        budget=None if batch else float(_setting("TMDB_BUDGET_SECONDS", 1.5)),
        max_requests_per_second=(
            float(_setting("TMDB_REQUESTS_PER_SECOND", 20.0)) if batch else None
        ),
        cache_policy=policy,
        breaker_threshold=None if batch else 5,
    )


def tmdb_languages() -> tuple[str, ...]:
    """Languages the site shows, the preferred one first."""
    value: Sequence[str] | str = _setting("TMDB_LANGUAGES", SITE_LANGUAGES)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return tuple(v for v in value if v)


def tmdb_client(*, batch: bool = False) -> TmdbClient:
    """A client on the database cache, shared per configuration within the process.

    Sharing matters: the HTTP session pools connections, and concurrent renders of the same
    movie wait for one request instead of each sending theirs.
    """
    return _client_for(tmdb_config(batch=batch))


@functools.lru_cache(maxsize=8)
def _client_for(config: TmdbClientConfig) -> TmdbClient:
    return TmdbClient(config, DatabaseCache())


def tmdb_clients_forget() -> None:
    """Drop the memoised clients (tests; or after changing settings at run time)."""
    _client_for.cache_clear()
