"""Fixtures of the catalogue tests: tiny MovieLens/IMDb directories in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog.movielens_files import write_imdb, write_movielens


@pytest.fixture
def movielens_dir(tmp_path: Path) -> Path:
    return write_movielens(tmp_path / "ml")


@pytest.fixture
def imdb_dir(tmp_path: Path) -> Path:
    return write_imdb(tmp_path / "imdb")
