"""Fixtures of the recommendation tests: a data directory and model path per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moviematch.recommendations import services


@pytest.fixture
def model_dir(tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point DATA_DIR and MODEL_PATH into tmp_path; forget models loaded by earlier tests."""
    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    settings.MOVIEMATCH = {  # type: ignore[attr-defined]
        **settings.MOVIEMATCH,  # type: ignore[attr-defined]
        "MODEL_PATH": tmp_path / "var" / "model",
    }
    for name in ("MOVIEMATCH_MOVIELENS_DIR", "MOVIEMATCH_IMDB_DIR"):
        monkeypatch.delenv(name, raising=False)
    services._caches.clear()
    yield tmp_path / "var" / "model"
    services._caches.clear()
