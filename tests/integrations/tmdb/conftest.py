"""Fixtures: a loopback TMDb, a client factory with fast backoff, a controllable clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from moviematch.integrations.tmdb import (
    BackoffPolicy,
    InMemoryCache,
    TmdbCache,
    TmdbClient,
    TmdbClientConfig,
)
from tests.integrations.tmdb.fake_server import API_KEY, FakeTmdb


@pytest.fixture
def tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as server:
        yield server


@dataclass
class Wall:
    """A settable "now" for cache freshness (the monotonic clock stays real)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class SleepRecorder:
    """Records requested waits; sleeps ``scale`` times as long (0: not at all)."""

    scale: float = 0.0
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.scale:
            time.sleep(seconds * self.scale)


@pytest.fixture
def wall() -> Wall:
    return Wall()


FAST_BACKOFF = BackoffPolicy(base=0.02, factor=2.0, max_delay=0.1)


@pytest.fixture
def make_client(tmdb: FakeTmdb, wall: Wall) -> Callable[..., TmdbClient]:
    """Build a client talking to the loopback server; keyword arguments override the config."""

    def build(
        *,
        cache: TmdbCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int = 7,
        **overrides: Any,
    ) -> TmdbClient:
        settings: dict[str, Any] = {
            "api_key": API_KEY,
            "base_url": tmdb.base_url,
            "budget": 2.0,
            "backoff": FAST_BACKOFF,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
        }
        settings.update(overrides)
        return TmdbClient(
            TmdbClientConfig(**settings),
            cache if cache is not None else InMemoryCache(),
            sleep=sleep,
            now=wall,
            seed=seed,
        )

    return build
