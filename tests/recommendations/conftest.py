"""Fixtures of the recommendation tests: a model directory per test, planted MovieLens data."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from moviematch.catalog.services import catalogue_filter
from moviematch.recommendations import services
from tests.catalog.movielens_files import planted_tastes, write_movielens
from tests.publisher import publisher

__all__ = ["publisher"]

#: Catalogue filter of the planted tests: drops the planted "rare" films.
MIN_RATINGS = 5


@pytest.fixture
def model_dir(tmp_path: Path, settings: object) -> Iterator[Path]:
    """Point DATA_DIR and MODEL_PATH into tmp_path; forget models loaded by earlier tests."""
    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    settings.MOVIEMATCH = {  # type: ignore[attr-defined]
        **settings.MOVIEMATCH,  # type: ignore[attr-defined]
        "MODEL_PATH": tmp_path / "var" / "model",
        "MOVIELENS_DIR": None,
        "IMDB_DIR": None,
    }
    services.model_forget()
    yield tmp_path / "var" / "model"
    services.model_forget()


@pytest.fixture
def planted() -> tuple[list[tuple[int, str, str]], dict[int, dict[int, float]]]:
    """The planted taste groups (``planted_tastes`` defaults: 240 users, 81 movies)."""
    return planted_tastes()


@pytest.fixture
def planted_dir(
    tmp_path: Path, planted: tuple[list[tuple[int, str, str]], dict[int, dict[int, float]]]
) -> Path:
    """The planted data written as MovieLens files and imported (catalogue not filtered)."""
    movies, ratings = planted
    directory = write_movielens(tmp_path / "ml", movies=movies, ratings=ratings, genome=True)
    call_command("import_movielens", str(directory), stdout=StringIO())
    return directory


@pytest.fixture
def planted_catalogue(planted_dir: Path) -> set[int]:
    """Imported and filtered with ``MIN_RATINGS``; returns the catalogue's movie ids."""
    catalogue_filter(min_ratings=MIN_RATINGS)
    from moviematch.catalog.models import Movie

    return set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
