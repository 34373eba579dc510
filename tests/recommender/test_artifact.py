"""Artifact save/load: exact round trip, atomic writes, every corruption detected, publish."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from moviematch.recommender.artifact import (
    ARRAYS_FILE,
    CURRENT_FILE,
    LOCK_FILE,
    META_FILE,
    current,
    load_artifact,
    publish,
    save_artifact,
)
from moviematch.recommender.errors import CorruptModelError

ARRAYS = {
    "ids": np.array([1, 5, 9], dtype=np.int64),
    "weights": np.array([[0.1, -2.5], [3.25, 1e-8], [0.0, 7.0]], dtype=np.float32),
    "ranker.gram": np.arange(9, dtype=np.float64).reshape(3, 3) / 7,
}
PAYLOAD = {"global_mean": 3.5301234567891234, "config": {"lr": 0.015}, "note": "ünïcode"}


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model"
    save_artifact(path, ARRAYS, PAYLOAD)
    return path


def _leftovers(directory: Path) -> list[str]:
    return sorted(
        p.name for p in directory.iterdir() if p.name.startswith(".") and p.name != LOCK_FILE
    )


def test_round_trip_is_exact(saved: Path) -> None:
    arrays, payload = load_artifact(saved)
    assert payload == PAYLOAD
    assert set(arrays) == set(ARRAYS)
    for name, array in ARRAYS.items():
        assert arrays[name].dtype == array.dtype
        np.testing.assert_array_equal(arrays[name], array)
    assert _leftovers(saved.parent) == []


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "models" / "m"
    save_artifact(path, ARRAYS, PAYLOAD)
    assert load_artifact(path)[1] == PAYLOAD


def test_saving_over_an_existing_artifact_replaces_it(saved: Path) -> None:
    save_artifact(saved, {"x": np.ones(2)}, {"v": 2})
    arrays, payload = load_artifact(saved)
    assert payload == {"v": 2}
    assert list(arrays) == ["x"]
    assert _leftovers(saved.parent) == []


def test_a_failing_write_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(TypeError):  # a set is not JSON-serialisable
        save_artifact(tmp_path / "model", ARRAYS, {"bad": {1, 2}})
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="dtype object"):
        save_artifact(tmp_path / "model", {"o": np.array([None])}, {})
    assert list(tmp_path.iterdir()) == []


def _rewrite_meta(path: Path, change) -> None:
    meta = json.loads((path / META_FILE).read_text())
    change(meta)
    (path / META_FILE).write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / META_FILE).unlink(), "meta.json: file missing"),
        (lambda p: (p / ARRAYS_FILE).unlink(), "arrays.npz: file missing"),
        (lambda p: (p / META_FILE).write_text("{not json"), "not valid JSON"),
        (lambda p: (p / META_FILE).write_text("[1, 2]"), "not a moviematch-model"),
        (
            lambda p: _rewrite_meta(p, lambda m: m.update(format_version=99)),
            "format version 99 is not supported",
        ),
        (
            lambda p: (p / ARRAYS_FILE).write_bytes((p / ARRAYS_FILE).read_bytes()[:-40]),
            "checksum mismatch",
        ),
        (
            lambda p: _rewrite_meta(p, lambda m: m["arrays"]["weights"].update(shape=[2, 3])),
            "array 'weights' is <f4",
        ),
        (
            lambda p: _rewrite_meta(p, lambda m: m["arrays"]["ids"].update(dtype="<i4")),
            "array 'ids' is <i8",
        ),
        (
            lambda p: _rewrite_meta(p, lambda m: m["arrays"].pop("ids")),
            r"unexpected \['ids'\]",
        ),
        (lambda p: _rewrite_meta(p, lambda m: m.pop("payload")), "must be JSON objects"),
    ],
)
def test_each_corruption_raises_corrupt_model_error(saved: Path, damage, message) -> None:
    damage(saved)
    with pytest.raises(CorruptModelError, match=message):
        load_artifact(saved)


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(CorruptModelError, match="not found"):
        load_artifact(tmp_path / "nowhere")


def test_nan_in_a_float_array_raises(tmp_path: Path) -> None:
    # Written consistently (checksum and shapes fine), only the values are bad.
    save_artifact(tmp_path / "m", {"w": np.array([1.0, np.nan], dtype=np.float32)}, {})
    with pytest.raises(CorruptModelError, match="'w' contains NaN"):
        load_artifact(tmp_path / "m")


def test_pickled_arrays_are_refused(saved: Path) -> None:
    # A hand-made npz holding an object array, with a matching checksum and description.
    import hashlib

    np.savez(saved / ARRAYS_FILE, o=np.array([{"a": 1}], dtype=object))
    digest = hashlib.sha256((saved / ARRAYS_FILE).read_bytes()).hexdigest()
    _rewrite_meta(
        saved,
        lambda m: m.update(arrays={"o": {"shape": [1], "dtype": "|O"}}, arrays_sha256=digest),
    )
    with pytest.raises(CorruptModelError, match="unreadable"):
        load_artifact(saved)


def _saver(value: float):
    def save(path: Path) -> None:
        save_artifact(path, {"w": np.array([value])}, {"value": value})

    return save


def test_publish_points_current_at_the_newest_and_prunes(tmp_path: Path) -> None:
    root = tmp_path / "models"
    with pytest.raises(CorruptModelError, match="no published model"):
        current(root)
    first = publish(root, _saver(1.0))
    assert first.name == "v000001"
    assert current(root) == first
    publish(root, _saver(2.0))
    third = publish(root, _saver(3.0))
    assert current(root) == third
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["v000002", "v000003"]
    assert load_artifact(current(root))[1] == {"value": 3.0}
    assert (root / CURRENT_FILE).read_text() == "v000003\n"
    assert _leftovers(root) == []


def test_a_failing_publish_leaves_current_and_disk_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "models"
    good = publish(root, _saver(1.0))

    def half_written(path: Path) -> None:
        path.mkdir()
        (path / ARRAYS_FILE).write_bytes(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        publish(root, half_written)
    assert current(root) == good
    assert sorted(p.name for p in root.iterdir()) == [LOCK_FILE, CURRENT_FILE, "v000001"]


def test_a_failing_before_switch_step_unpublishes_the_version(tmp_path: Path) -> None:
    root = tmp_path / "models"
    good = publish(root, _saver(1.0))
    seen: list[str] = []

    def record(path: Path) -> None:
        seen.append(path.name)
        assert load_artifact(path)[1] == {"value": 2.0}  # saved in full before the hook
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError, match="database is locked"):
        publish(root, _saver(2.0), before_switch=record)
    assert seen == ["v000002"]
    assert current(root) == good
    assert not (root / "v000002").exists()


def test_concurrent_publishers_take_turns(tmp_path: Path) -> None:
    root = tmp_path / "models"
    published: list[str] = []

    def slow(value: float):
        def save(path: Path) -> None:
            time.sleep(0.2)  # both publishers are inside publish() at the same time
            save_artifact(path, {"w": np.array([value])}, {"value": value})

        return save

    threads = [
        threading.Thread(target=lambda v=v: published.append(publish(root, slow(v)).name))
        for v in (1.0, 2.0)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(published) == ["v000001", "v000002"]
    assert current(root).name == "v000002"


def test_leftovers_of_a_killed_publisher_are_removed_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "models"
    publish(root, _saver(1.0))
    (root / ".v000002.tmp-0123456789ab").mkdir()  # a save killed half way
    (root / ".v000002.tmp-0123456789ab" / ARRAYS_FILE).write_bytes(b"partial")
    (root / f".{CURRENT_FILE}.tmp-0123456789ab").write_text("v000002\n")
    publish(root, _saver(2.0))
    assert _leftovers(root) == []
    assert load_artifact(current(root))[1] == {"value": 2.0}


def test_current_rejects_a_bad_pointer(tmp_path: Path) -> None:
    root = tmp_path / "models"
    publish(root, _saver(1.0))
    (root / CURRENT_FILE).write_text("../../etc\n")
    with pytest.raises(CorruptModelError, match="not a model version"):
        current(root)
