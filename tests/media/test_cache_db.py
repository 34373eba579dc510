"""The database cache: one row per key, newest answer wins, constraints hold, client uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from moviematch.integrations.tmdb import (
    CacheEntry,
    InMemoryCache,
    LookupStatus,
    TmdbCache,
    TmdbClient,
    TmdbClientConfig,
)
from moviematch.media.db_cache import DatabaseCache
from moviematch.media.models import TmdbCacheEntry
from tests.integrations.tmdb.fake_server import API_KEY, movie_body

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
RESOURCE = "/movie/603?append_to_response=credits"


def _entry(*, at: datetime = T0, status: int = 200, title: str = "Harbour Lights") -> CacheEntry:
    payload = {"id": 603, "title": title, "credits": {"cast": [], "crew": []}}
    return CacheEntry(
        resource=RESOURCE,
        language="ko-KR",
        status=status,
        payload=payload if status == 200 else None,
        fetched_at=at,
        expires_at=at + timedelta(days=7 if status == 200 else 1),
    )


def test_database_cache_implements_the_protocol():
    assert isinstance(DatabaseCache(), TmdbCache)
    assert isinstance(InMemoryCache(), TmdbCache)


def test_put_then_get_round_trips_every_field():
    cache = DatabaseCache()
    entry = _entry(title="항구의 불빛")
    cache.put(entry)
    assert cache.get(RESOURCE, "ko-KR") == entry
    assert cache.get(RESOURCE, "en-US") is None
    assert cache.get("/movie/604?append_to_response=credits", "ko-KR") is None


def test_negative_entry_round_trips():
    cache = DatabaseCache()
    cache.put(_entry(status=404))
    got = cache.get(RESOURCE, "ko-KR")
    assert (got.status, got.payload, got.found) == (404, None, False)


def test_refresh_replaces_the_row_instead_of_adding_one():
    cache = DatabaseCache()
    cache.put(_entry(at=T0, title="Old"))
    cache.put(_entry(at=T0 + timedelta(days=8), title="New"))
    assert TmdbCacheEntry.objects.count() == 1
    got = cache.get(RESOURCE, "ko-KR")
    assert got.payload["title"] == "New"
    assert got.fetched_at == T0 + timedelta(days=8)


def test_an_older_answer_never_overwrites_a_newer_one():
    cache = DatabaseCache()
    cache.put(_entry(at=T0 + timedelta(hours=1), title="Newer"))
    cache.put(_entry(at=T0, title="Older, from a slow concurrent refresh"))
    assert TmdbCacheEntry.objects.count() == 1
    assert cache.get(RESOURCE, "ko-KR").payload["title"] == "Newer"


class _RacingCache(DatabaseCache):
    """Another process inserts the same key at the worst moment: just after we looked.

    ``moment="update"``: after our update found no row; ``moment="exists"``: after our
    existence check said "absent", so our insert hits the unique constraint.
    """

    def __init__(self, rival: CacheEntry, moment: str) -> None:
        self.rival = rival
        self.moment = moment
        self.raced = False

    def _race(self) -> None:
        self.raced = True
        TmdbCacheEntry.objects.create(
            resource=self.rival.resource,
            language=self.rival.language,
            status_code=self.rival.status,
            payload=self.rival.payload,
            fetched_at=self.rival.fetched_at,
            expires_at=self.rival.expires_at,
        )

    def _update(self, entry, values):
        if self.moment == "update" and not self.raced:
            self._race()
            return 0
        return super()._update(entry, values)

    def _exists(self, entry):
        if self.moment == "exists" and not self.raced:
            self._race()
            return False
        return super()._exists(entry)


@pytest.mark.parametrize("moment", ["update", "exists"])
def test_losing_the_insert_race_updates_the_rival_row(moment):
    rival = _entry(at=T0, title="Rival")
    mine = _entry(at=T0 + timedelta(seconds=2), title="Mine")
    cache = _RacingCache(rival, moment)
    cache.put(mine)
    assert cache.raced
    assert TmdbCacheEntry.objects.count() == 1
    assert DatabaseCache().get(RESOURCE, "ko-KR").payload["title"] == "Mine"


@pytest.mark.parametrize("moment", ["update", "exists"])
def test_losing_the_insert_race_to_a_newer_answer_keeps_it(moment):
    rival = _entry(at=T0 + timedelta(seconds=5), title="Rival, newer")
    cache = _RacingCache(rival, moment)
    cache.put(_entry(at=T0, title="Mine"))
    assert TmdbCacheEntry.objects.count() == 1
    assert DatabaseCache().get(RESOURCE, "ko-KR").payload["title"] == "Rival, newer"


def test_database_enforces_one_row_per_key():
    DatabaseCache().put(_entry())
    with pytest.raises(IntegrityError), transaction.atomic():
        TmdbCacheEntry.objects.create(
            resource=RESOURCE,
            language="ko-KR",
            status_code=200,
            payload={"id": 603},
            fetched_at=T0,
            expires_at=T0 + timedelta(days=1),
        )


@pytest.mark.parametrize(
    ("status", "payload", "expires"),
    [
        (200, None, timedelta(days=1)),  # a success without a body
        (404, {"id": 1}, timedelta(days=1)),  # a 404 with a body
        (200, {"id": 1}, timedelta(0)),  # expiring when fetched
    ],
)
def test_database_rejects_inconsistent_rows(status, payload, expires):
    with pytest.raises(IntegrityError), transaction.atomic():
        TmdbCacheEntry.objects.create(
            resource=RESOURCE,
            language="",
            status_code=status,
            payload=payload,
            fetched_at=T0,
            expires_at=T0 + expires,
        )


def test_client_on_the_database_cache_asks_tmdb_once(tmdb):
    tmdb.add_movie(603, "ko-KR", movie_body(603, title="항구의 불빛", overview="배."))
    config = TmdbClientConfig(api_key=API_KEY, base_url=tmdb.base_url, budget=2.0)
    first = TmdbClient(config, DatabaseCache()).movie(603, language="ko-KR")
    # A second process (new client, same database) finds the answer there.
    second = TmdbClient(config, DatabaseCache()).movie(603, language="ko-KR")

    assert first.status is LookupStatus.FETCHED
    assert second.status is LookupStatus.FRESH
    assert second.value == first.value
    assert len(tmdb.seen("/3/movie/603")) == 1
    row = TmdbCacheEntry.objects.get()
    assert (row.resource, row.language, row.status_code) == (RESOURCE, "ko-KR", 200)
    assert row.payload["title"] == "항구의 불빛"
    assert row.expires_at - row.fetched_at == timedelta(days=7)
    assert API_KEY not in row.resource
