"""The TMDb client configured from ``settings.MOVIEMATCH``, one per configuration and process.

Every value comes from the settings module, which reads the environment and holds the
defaults (``TMDB_API_KEY``, ``TMDB_BASE_URL``, ``TMDB_CACHE_DAYS``,
``TMDB_NOT_FOUND_CACHE_DAYS``, ``TMDB_BUDGET_SECONDS``, ``TMDB_BATCH_BUDGET_SECONDS``,
``TMDB_LANGUAGES``, ``TMDB_REQUESTS_PER_SECOND``; see README's configuration table).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings

from moviematch.integrations.tmdb import CachePolicy, TmdbClient, TmdbClientConfig
from moviematch.media.db_cache import DatabaseCache


def _setting(name: str) -> Any:
    return settings.MOVIEMATCH[name]


def tmdb_config(*, batch: bool = False) -> TmdbClientConfig:
    """The client configuration from settings.

    Parameters
    ----------
    batch : bool
        For management commands: a longer time budget per call
        (``TMDB_BATCH_BUDGET_SECONDS`` instead of the page's ``TMDB_BUDGET_SECONDS``), no
        circuit breaker and a client-side throttle, since nobody is waiting for a page and
        being rate limited only slows the job down.
    """
    policy = CachePolicy(
        ttl=timedelta(days=float(_setting("TMDB_CACHE_DAYS"))),
        not_found_ttl=timedelta(days=float(_setting("TMDB_NOT_FOUND_CACHE_DAYS"))),
    )
    budget = _setting("TMDB_BATCH_BUDGET_SECONDS" if batch else "TMDB_BUDGET_SECONDS")
    return TmdbClientConfig(
        api_key=str(_setting("TMDB_API_KEY")).strip(),
        base_url=str(_setting("TMDB_BASE_URL")),
        budget=float(budget),
        max_requests_per_second=float(_setting("TMDB_REQUESTS_PER_SECOND")) if batch else None,
        cache_policy=policy,
        breaker_threshold=None if batch else 5,
    )


def tmdb_languages() -> tuple[str, ...]:
    """Languages the site shows, the preferred one first."""
    value: Sequence[str] | str = _setting("TMDB_LANGUAGES")
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
