"""The cache interface of the TMDb client, and an in-memory implementation.

Every TMDb answer worth keeping (200 with a body, 404) is stored as a :class:`CacheEntry`
keyed by ``(resource, language)``. The client decides freshness; a cache only stores and
returns entries. The Django app provides a database-backed implementation
(``moviematch.media.db_cache.DatabaseCache``); :class:`InMemoryCache` serves tests, scripts and
single-process use.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One stored TMDb answer.

    Attributes
    ----------
    resource : str
        Canonical request path with its fixed query, e.g.
        ``"/movie/603?append_to_response=credits"``; never contains credentials.
    language : str
        TMDb language code of the request (``"en-US"``, ``"ko-KR"``), ``""`` for
        language-independent resources such as ``/configuration``.
    status : int
        HTTP status TMDb gave: 200 (``payload`` holds the body) or 404 (negative entry).
    payload : Any
        Decoded JSON body for 200; ``None`` for 404.
    fetched_at, expires_at : datetime.datetime
        Timezone-aware UTC instants; the entry is fresh while ``now < expires_at``.
    """

    resource: str
    language: str
    status: int
    payload: Any
    fetched_at: datetime
    expires_at: datetime

    def is_fresh(self, now: datetime) -> bool:
        """Whether the entry may be served without asking TMDb again."""
        return now < self.expires_at

    @property
    def found(self) -> bool:
        """False for a negative (404) entry."""
        return self.status == 200


@runtime_checkable
class TmdbCache(Protocol):
    """Storage for :class:`CacheEntry` objects, keyed by ``(resource, language)``.

    Implementations must be safe to call from several threads, and :meth:`put` must
    replace an existing entry for the same key rather than add a second one.
    """

    def get(self, resource: str, language: str) -> CacheEntry | None:
        """The stored entry for the key, fresh or not, or ``None``."""
        ...

    def put(self, entry: CacheEntry) -> None:
        """Store ``entry``, replacing any entry with the same key."""
        ...


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long answers stay fresh.

    Attributes
    ----------
    ttl : datetime.timedelta
        Lifetime of a successful answer (settings ``TMDB_CACHE_DAYS``, default 7 days).
    not_found_ttl : datetime.timedelta
        Lifetime of a 404; shorter, because TMDb adds movies and fixes ids (default 1 day).
    """

    ttl: timedelta = timedelta(days=7)
    not_found_ttl: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        if self.ttl <= timedelta(0) or self.not_found_ttl <= timedelta(0):
            raise ValueError("cache lifetimes must be positive")

    def expiry(self, status: int, fetched_at: datetime) -> datetime:
        """When an answer with ``status`` fetched at ``fetched_at`` stops being fresh."""
        return fetched_at + (self.ttl if status == 200 else self.not_found_ttl)


@dataclass
class InMemoryCache:
    """A thread-safe, size-bounded in-process cache (least recently used entries evicted).

    Parameters
    ----------
    max_entries : int
        Entries kept before the least recently used one is dropped.
    """

    max_entries: int = 10_000
    _entries: OrderedDict[tuple[str, str], CacheEntry] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {self.max_entries}")

    def get(self, resource: str, language: str) -> CacheEntry | None:
        key = (resource, language)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, entry: CacheEntry) -> None:
        key = (entry.resource, entry.language)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
