"""Per-process model cache: picks up a new CURRENT pointer without a restart."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from moviematch.recommender.model_cache import ModelCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def publish(root: Path, version: str) -> None:
    """Write a version and switch the pointer atomically, as the engine's publish does."""
    root.mkdir(parents=True, exist_ok=True)
    (root / version).write_text(f"model {version}")
    tmp = root / "CURRENT.tmp"
    tmp.write_text(version)
    os.replace(tmp, root / "CURRENT")


def read_model(root: Path) -> str:
    return (root / (root / "CURRENT").read_text()).read_text()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_nothing_published_gives_none(tmp_path: Path, clock: Clock) -> None:
    cache: ModelCache[str] = ModelCache(tmp_path / "model", load=read_model, clock=clock)
    assert cache.get() is None
    publish(tmp_path / "model", "v1")
    clock.now += 1.0
    assert cache.get() == "model v1"


def test_reload_when_pointer_changes_checked_at_most_once_per_second(
    tmp_path: Path, clock: Clock
) -> None:
    root = tmp_path / "model"
    publish(root, "v1")
    loads: list[str] = []

    def load(r: Path) -> str:
        loads.append((r / "CURRENT").read_text())
        return read_model(r)

    cache: ModelCache[str] = ModelCache(root, load=load, clock=clock)
    assert cache.get() == "model v1"
    publish(root, "v2")
    clock.now += 0.5
    assert cache.get() == "model v1"  # checked less than a second ago: not even a stat
    clock.now += 0.6
    assert cache.get() == "model v2"
    clock.now += 5
    assert cache.get() == "model v2"
    assert loads == ["v1", "v2"]  # unchanged pointer: no reload


def test_old_model_serves_while_new_one_loads(tmp_path: Path, clock: Clock) -> None:
    root = tmp_path / "model"
    publish(root, "v1")
    started, release = threading.Event(), threading.Event()

    def slow_load(r: Path) -> str:
        model = read_model(r)
        if model == "model v2":
            started.set()
            assert release.wait(5)
        return model

    cache: ModelCache[str] = ModelCache(root, load=slow_load, clock=clock)
    assert cache.get() == "model v1"
    publish(root, "v2")
    clock.now += 2
    results: list[str | None] = []
    loader = threading.Thread(target=lambda: results.append(cache.get()))
    loader.start()
    assert started.wait(5)
    clock.now += 2  # another request while v2 is still loading
    assert cache.get() == "model v1"
    release.set()
    loader.join(5)
    assert results == ["model v2"]
    assert cache.get() == "model v2"


def test_broken_version_keeps_old_model(tmp_path: Path, clock: Clock) -> None:
    root = tmp_path / "model"
    publish(root, "v1")
    cache: ModelCache[str] = ModelCache(root, load=read_model, clock=clock)
    assert cache.get() == "model v1"
    (root / "CURRENT").write_text("missing-version")  # points at nothing
    clock.now += 2
    assert cache.get() == "model v1"
    publish(root, "v3")
    clock.now += 2
    assert cache.get() == "model v3"


def test_a_broken_first_version_is_retried_and_repaired_in_place(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "model"
    publish(root, "v1")
    (root / "v1").unlink()  # damaged: the pointer names nothing readable
    cache: ModelCache[str] = ModelCache(root, load=read_model, clock=clock, retry_interval=30)
    assert cache.get() is None
    assert cache.last_error is not None
    assert "still serving" not in caplog.text  # there is nothing to keep serving
    assert "could not load the model published in" in caplog.text
    (root / "v1").write_text("model v1")  # repaired without touching CURRENT
    clock.now += 2
    assert cache.get() is None  # not retried every second
    clock.now += 30
    assert cache.get() == "model v1"
    assert cache.last_error is None


def test_a_broken_new_version_says_the_old_one_is_still_served(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "model"
    publish(root, "v1")
    cache: ModelCache[str] = ModelCache(root, load=read_model, clock=clock)
    assert cache.get() == "model v1"
    (root / "CURRENT").write_text("v2")  # v2 does not exist
    clock.now += 2
    assert cache.get() == "model v1"
    assert "still serving the one loaded before" in caplog.text
