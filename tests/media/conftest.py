"""Fixtures for the TMDb Django app: a loopback TMDb wired into settings, catalogue movies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from moviematch.catalog.models import Genre, Movie
from moviematch.media.selectors import image_configuration_forget
from moviematch.media.tmdb_clients import tmdb_clients_forget
from tests.integrations.tmdb.fake_server import API_KEY, FakeTmdb


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    # Clients and the image configuration are memoised per process; tests must not share them.
    tmdb_clients_forget()
    image_configuration_forget()
    yield
    tmdb_clients_forget()
    image_configuration_forget()


@pytest.fixture
def tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as server:
        yield server


@pytest.fixture
def tmdb_settings(settings: Any, tmdb: FakeTmdb) -> Any:
    """Settings pointing the site at the loopback TMDb with a valid key."""
    settings.MOVIEMATCH = {
        **settings.MOVIEMATCH,
        "TMDB_API_KEY": API_KEY,
        "TMDB_BASE_URL": tmdb.base_url,
        "TMDB_CACHE_DAYS": 7,
        "TMDB_BUDGET_SECONDS": 2.0,
        "TMDB_REQUESTS_PER_SECOND": 1000,
    }
    return settings


@pytest.fixture
def no_key_settings(settings: Any) -> Any:
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "TMDB_API_KEY": ""}
    return settings


def make_movie(
    movie_id: int,
    *,
    title: str = "Some Movie",
    year: int | None = 2001,
    tmdb_id: int | None = None,
    genres: tuple[str, ...] = (),
    in_catalogue: bool = True,
    **fields: Any,
) -> Movie:
    """A catalogue movie; genres are linked in the given order (the first is primary)."""
    movie = Movie.objects.create(
        id=movie_id,
        title=title,
        year=year,
        tmdb_id=tmdb_id,
        in_catalogue=in_catalogue,
        excluded_reason="" if in_catalogue else "few_ratings",
        **fields,
    )
    for name in genres:
        genre, _ = Genre.objects.get_or_create(name=name)
        movie.genres.add(genre)
    return movie
