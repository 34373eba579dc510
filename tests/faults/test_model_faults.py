"""The model artifact missing, corrupt, or replaced while a request is being answered.

Every time: no 500. Pages that can do without the model fall back to popular films, those
that cannot answer 503 with a message, the API answers 503 with its error body, /healthz
says ``degraded`` and the log says what happened, in one clear line.
"""

from __future__ import annotations

import logging
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from moviematch.accounts.models import User
from moviematch.recommendations import services
from moviematch.recommendations.services import serving
from moviematch.recommendations.services.home import FEED_CACHE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]


def _version(model_dir: Path) -> Path:
    return model_dir / (model_dir / "CURRENT").read_text().strip()


def _truncate_arrays(model_dir: Path) -> None:
    arrays = _version(model_dir) / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:1000])


def _bad_meta(model_dir: Path) -> None:
    (_version(model_dir) / "meta.json").write_text("{not json", encoding="utf-8")


def _flipped_byte(model_dir: Path) -> None:
    """Same size, one byte different: only the checksum can tell."""
    arrays = _version(model_dir) / "arrays.npz"
    data = bytearray(arrays.read_bytes())
    data[len(data) // 2] ^= 0xFF
    arrays.write_bytes(bytes(data))


def _dangling_pointer(model_dir: Path) -> None:
    shutil.rmtree(_version(model_dir))


def _nothing_published(model_dir: Path) -> None:
    shutil.rmtree(model_dir)


DAMAGE = {
    "missing": (_nothing_published, "not published"),
    "truncated arrays": (_truncate_arrays, "cannot be loaded"),
    "corrupt meta.json": (_bad_meta, "cannot be loaded"),
    "a flipped byte": (_flipped_byte, "cannot be loaded"),
    "CURRENT names a deleted version": (_dangling_pointer, "cannot be loaded"),
}


@pytest.fixture
def fan(comedy_fan: User, site_model: set[int]) -> User:
    return comedy_fan


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_missing_or_corrupt_model_degrades_the_site_without_a_500(
    client: Client,
    fan: User,
    model_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
) -> None:
    harm, problem = DAMAGE[damage]
    harm(model_dir)
    services.model_forget()  # a fresh worker process
    monkeypatch.setattr(serving, "_last_fallback_log", float("-inf"))
    caplog.set_level(logging.INFO)
    client.force_login(fan)

    home = client.get("/home/")
    assert home.status_code == 200
    assert "Popular with MovieLens users" in home.content.decode()
    assert client.get("/rate/").status_code == 200
    assert client.get("/movies/1/").status_code == 200
    similar = client.get("/movies/1/similar/")
    assert similar.status_code == 503
    assert "Recommendations are not available right now" in similar.content.decode()

    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=fan)[0]}")
    answer = api.get("/api/me/recommendations/")
    assert answer.status_code == 503
    assert answer.json()["code"] == "model_unavailable"
    movie = api.get("/api/movies/1/")
    assert movie.status_code == 200
    assert movie.json()["predicted_stars"] is None

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "degraded", "database": "ok", "model": problem}

    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "no usable recommendation model: pages show the popular list instead" in lines
    if problem == "cannot be loaded":
        loaded = [m for m in lines if m.startswith("could not load the model published in")]
        assert len(loaded) == 1, lines  # once, not once per request
        assert "still serving" not in loaded[0]  # there was no model before to keep
        assert "no recommendation model is published yet" not in answer.json()["detail"]


def test_a_model_replaced_during_a_request_finishes_that_request(
    client: Client,
    fan: User,
    model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two new versions are published (the served one is pruned from disk) while a home page
    is being computed: that page completes with the model it started with; the next
    requests use the newest one."""
    client.force_login(fan)
    assert client.get("/home/").status_code == 200
    first = services.model_current()
    assert first is not None
    old_dir = _version(model_dir)
    real_group = type(first).group

    def publish_twice_then_group(self: Any, movie_ids: Any) -> Any:
        for _ in range(2):
            call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
        assert not old_dir.exists()  # pruned: only the two newest versions are kept
        return real_group(self, movie_ids)

    monkeypatch.setattr(type(first), "group", publish_twice_then_group)
    caches[FEED_CACHE].clear()  # the feed is made again (not the one kept from the first view)
    during = client.get("/home/")
    monkeypatch.undo()
    assert during.status_code == 200
    assert "We think" in during.content.decode()

    # One second later (the pointer check interval) the new version serves.
    cache = next(iter(serving._caches.values()))
    cache._checked_at = float("-inf")
    assert client.get("/home/").status_code == 200
    newest = services.model_current()
    assert newest is not None
    assert newest is not first
    assert newest.model_id != first.model_id
