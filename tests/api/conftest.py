"""Fixtures of the API tests: clients, users, and a model trained on planted tastes.

The planted data and the model directory are the recommendation tests' fixtures (movies
1-27 comedies, 28-54 horror films, 55-81 romances; the last three of each block are rare
films left out of the catalogue).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from moviematch.catalog.models import Genre, Movie
from moviematch.catalog.titles import movie_search_text_refresh
from moviematch.ratings.models import Rating
from tests.recommendations import conftest as recommendation_fixtures

# The recommendation tests' fixtures, shared rather than copied.
model_dir = recommendation_fixtures.model_dir
planted = recommendation_fixtures.planted
planted_dir = recommendation_fixtures.planted_dir
planted_catalogue = recommendation_fixtures.planted_catalogue

COMEDY, HORROR, ROMANCE = range(1, 28), range(28, 55), range(55, 82)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trained(model_dir: object, planted_catalogue: set[int]) -> set[int]:
    """The planted catalogue with a model trained and published on it; its movie ids."""
    call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
    return planted_catalogue


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(username=username, password="x-Secret-42")


def rate(user: Any, stars: dict[int, float]) -> None:
    for movie_id, value in stars.items():
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(str(value)))


@pytest.fixture
def user() -> Any:
    return make_user("alice")


@pytest.fixture
def client_of(user: Any) -> APIClient:
    """A client signed in as ``user`` (session)."""
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def films() -> list[Movie]:
    """Three catalogue movies (1, 2, 3) and one outside the catalogue (9)."""
    comedy, horror = Genre.objects.create(name="Comedy"), Genre.objects.create(name="Horror")
    rows = [(1, "Toy Story", 1995, comedy), (2, "Alien", 1979, horror), (3, "Heat", 1995, None)]
    movies = []
    for movie_id, title, year, genre in rows:
        movie = Movie.objects.create(
            id=movie_id, title=title, year=year, in_catalogue=True, excluded_reason=""
        )
        if genre is not None:
            movie.genres.add(genre)
        movies.append(movie)
    Movie.objects.create(id=9, title="Obscure", year=2001)
    movie_search_text_refresh()
    return movies


def outside_catalogue() -> int:
    """A movie of the database that is not in the catalogue."""
    movie = Movie.objects.filter(in_catalogue=False).order_by("id").first()
    assert movie is not None
    return movie.pk
