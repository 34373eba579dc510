"""What a client call returns: the data, where it came from, and why it may be old or absent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from moviematch.integrations.tmdb.cache import CacheEntry
from moviematch.integrations.tmdb.errors import TmdbError, TmdbResponseError
from moviematch.integrations.tmdb.resources import MovieDetails

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LookupStatus(StrEnum):
    """Where the data of a :class:`Lookup` came from (see the module docstring)."""

    FRESH = "fresh"
    FETCHED = "fetched"
    STALE = "stale"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Lookup(Generic[T]):
    """The answer to one client call.

    Attributes
    ----------
    status : LookupStatus
    value : T or None
        The parsed data; ``None`` for ``not_found`` and ``unavailable``.
    fetched_at : datetime.datetime or None
        When TMDb produced the data served (UTC); ``None`` when nothing is served.
    requests : int
        HTTP requests this call made (0 for cache hits).
    error : TmdbError or None
        Why fresh data could not be had (``stale`` and ``unavailable``).
    """

    status: LookupStatus
    value: T | None
    fetched_at: datetime | None = None
    requests: int = 0
    error: TmdbError | None = None

    @property
    def available(self) -> bool:
        """Whether there is data to show."""
        return self.value is not None


def from_entry(
    entry: CacheEntry | None, parse: Callable[[Any], T], now: datetime
) -> Lookup[T] | None:
    """The cached answer as a Lookup (``fresh`` or ``not_found``); None if absent or unreadable."""
    if entry is None:
        return None
    if not entry.found:
        return Lookup(LookupStatus.NOT_FOUND, None, entry.fetched_at, 0)
    try:
        value = parse(entry.payload)
    except TmdbResponseError as exc:
        # A payload stored by an older version may not parse any more: treat it as absent.
        logger.warning("ignoring unreadable cached TMDb entry %s: %s", entry.resource, exc)
        return None
    return Lookup(LookupStatus.FRESH, value, entry.fetched_at, 0)


def fallback(cached: Lookup[T] | None, error: TmdbError, *, requests: int) -> Lookup[T]:
    """Serve the expired entry if there is one, else nothing; record why."""
    if cached is not None and cached.status is LookupStatus.FRESH:
        return Lookup(LookupStatus.STALE, cached.value, cached.fetched_at, requests, error)
    if cached is not None and cached.status is LookupStatus.NOT_FOUND:
        # An expired 404 we could not re-check is still our best knowledge.
        return Lookup(LookupStatus.NOT_FOUND, None, cached.fetched_at, requests, error)
    return Lookup(LookupStatus.UNAVAILABLE, None, None, requests, error)


def merge_languages(lookups: list[Lookup[MovieDetails]]) -> Lookup[MovieDetails]:
    total = sum(lk.requests for lk in lookups)
    usable = [lk for lk in lookups if lk.value is not None]
    if not usable:
        first = lookups[0]
        return Lookup(first.status, None, first.fetched_at, total, first.error)
    primary = usable[0]
    value = primary.value
    assert value is not None
    for other in usable[1:]:
        value = value.with_fallback(other.value)
    error = primary.error or next((lk.error for lk in lookups if lk.error), None)
    return Lookup(primary.status, value, primary.fetched_at, total, error)
