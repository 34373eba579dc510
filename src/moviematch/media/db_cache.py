"""``DatabaseCache``: the TMDb client's cache protocol on top of :class:`TmdbCacheEntry`.

Several processes (web workers, the prefetch command) may refresh the same movie at the same
moment. The unique ``(resource, language)`` constraint guarantees one row per key; ``put``
updates in place, inserts inside a savepoint when the row is new, and on losing an insert race
updates the row the other writer created. An older answer never overwrites a newer one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from moviematch.integrations.tmdb.cache import CacheEntry
from moviematch.media.models import TmdbCacheEntry


class DatabaseCache:
    """Implements ``moviematch.integrations.tmdb.cache.TmdbCache`` with the ORM."""

    def get(self, resource: str, language: str) -> CacheEntry | None:
        row = (
            TmdbCacheEntry.objects.filter(resource=resource, language=language)
            .only("status_code", "payload", "fetched_at", "expires_at")
            .first()
        )
        if row is None:
            return None
        return CacheEntry(
            resource=resource,
            language=language,
            status=row.status_code,
            payload=row.payload,
            fetched_at=row.fetched_at,
            expires_at=row.expires_at,
        )

    def put(self, entry: CacheEntry) -> None:
        """Store ``entry`` in one transaction; keeps a newer stored answer if there is one."""
        values = _values(entry)
        with transaction.atomic():
            if self._update(entry, values):
                return
            if not self._exists(entry):
                try:
                    with transaction.atomic():  # savepoint: the insert may lose a race
                        TmdbCacheEntry.objects.create(
                            resource=entry.resource, language=entry.language, **values
                        )
                    return
                except IntegrityError:
                    pass  # another writer inserted the key after our update found nothing
            # The row exists (perhaps only since a moment ago): replace it unless it is newer.
            self._update(entry, values)

    def _update(self, entry: CacheEntry, values: dict[str, Any]) -> int:
        return TmdbCacheEntry.objects.filter(
            resource=entry.resource, language=entry.language, fetched_at__lte=entry.fetched_at
        ).update(**values)

    def _exists(self, entry: CacheEntry) -> bool:
        return TmdbCacheEntry.objects.filter(
            resource=entry.resource, language=entry.language
        ).exists()


def _values(entry: CacheEntry) -> dict[str, Any]:
    return {
        "status_code": entry.status,
        "payload": entry.payload if entry.status == 200 else None,
        "fetched_at": entry.fetched_at,
        "expires_at": entry.expires_at,
    }
