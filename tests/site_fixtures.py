"""Fixtures shared by the engine-backed tests: a model directory, planted MovieLens data, a
model trained on it, and signed-in visitors (registered in ``tests/conftest.py``).

Planted data (``planted_tastes``): movies 1-27 are comedies, 28-54 horror films, 55-81
romances; in each block the first 16 are mainstream, the next 8 a cult tail, the last 3 rare
films the catalogue filter drops.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from moviematch.accounts.models import User
from moviematch.catalog.services import catalogue_filter
from moviematch.media.selectors import image_configuration_forget
from moviematch.ratings.models import Rating
from moviematch.recommendations import services
from moviematch.recommendations.services.home import FEED_CACHE
from tests.catalog.movielens_files import planted_tastes, write_movielens

#: Catalogue filter of the planted tests: drops the planted "rare" films.
MIN_RATINGS = 5
COMEDY, HORROR, ROMANCE = range(1, 28), range(28, 55), range(55, 82)
#: One model trained on the planted data serves every test of a session (it is
#: deterministic); the first test that needs it trains it.
_TRAINED: dict[str, Path] = {}


def card_ids(html: str) -> list[int]:
    """The movies of a page's cards, in page order."""
    return [
        int(m) for m in re.findall(r'<article class="mm-card[^"]*" data-movie-id="(\d+)"', html)
    ]


def page_queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    """SQL queries of one page view, after a first view took the per-visit ones (the hourly
    last-visit write) and the per-process ones (memoised TMDb image settings)."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def model_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """Point DATA_DIR and MODEL_PATH into tmp_path; forget models loaded by earlier tests
    and the home feeds made with them."""
    settings.DATA_DIR = tmp_path / "var"
    settings.MOVIEMATCH = {
        **settings.MOVIEMATCH,
        "MODEL_PATH": tmp_path / "var" / "model",
        "MOVIELENS_DIR": None,
        "IMDB_DIR": None,
    }
    services.model_forget()
    caches[FEED_CACHE].clear()
    yield tmp_path / "var" / "model"
    services.model_forget()
    caches[FEED_CACHE].clear()


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


@pytest.fixture
def site_model(
    model_dir: Path, planted_catalogue: set[int], tmp_path_factory: pytest.TempPathFactory
) -> set[int]:
    """The planted catalogue with a published model (trained once per session)."""
    if "planted" not in _TRAINED:
        call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
        keep = tmp_path_factory.mktemp("planted-model") / "model"
        shutil.copytree(model_dir, keep)
        _TRAINED["planted"] = keep
    else:
        shutil.copytree(_TRAINED["planted"], model_dir, dirs_exist_ok=True)
    services.model_forget()
    return planted_catalogue


@pytest.fixture
def web_state() -> Iterator[None]:
    """Rate-limit counters and memoised TMDb image settings start empty in every test."""
    cache.clear()
    image_configuration_forget()
    yield
    cache.clear()
    image_configuration_forget()


@pytest.fixture
def visitor(db: None) -> User:
    """A full account."""
    return User.objects.create_user(username="visitor", password="a long secret 42")


@pytest.fixture
def visitor_client(client: Client, visitor: User) -> Client:
    client.force_login(visitor)
    return client


@pytest.fixture
def rate() -> Callable[[User, dict[int, float]], None]:
    """``rate(user, {movie id: stars})``: ratings made directly in the database."""

    def _rate(user: User, stars: dict[int, float]) -> None:
        for movie_id, value in stars.items():
            Rating.objects.update_or_create(
                user=user, movie_id=movie_id, defaults={"stars": Decimal(str(value))}
            )

    return _rate


@pytest.fixture
def comedy_fan(visitor: User, rate: Callable[[User, dict[int, float]], None]) -> User:
    """Rated ten mainstream comedies highly and two horror films low: onboarding done."""
    rate(visitor, {**{m: 5.0 for m in COMEDY[:10]}, 28: 1.0, 29: 1.5})
    return visitor
