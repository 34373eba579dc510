"""Rating writes and reads: half stars only, catalogue movies only, one row per user and movie."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from moviematch.catalog.models import Movie
from moviematch.ratings.errors import InvalidStarsError, MovieNotRateableError
from moviematch.ratings.models import Rating
from moviematch.ratings.selectors import (
    rating_count,
    rating_get,
    rating_list,
    rating_map,
    skipped_movie_ids,
)
from moviematch.ratings.services import (
    onboarding_skip,
    rating_delete,
    rating_upsert,
    stars_parse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user(username="ann", password="x")


@pytest.fixture
def films() -> list[Movie]:
    rows = [(1, "Toy Story", 1995), (2, "Alien", 1979), (3, "Heat", 1995)]
    movies = [
        Movie.objects.create(id=i, title=t, year=y, in_catalogue=True, excluded_reason="")
        for i, t, y in rows
    ]
    Movie.objects.create(id=9, title="Obscure", year=2001)  # not in the catalogue
    return movies


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.5, "4.5"), ("3", "3.0"), ("0.5", "0.5"), (5, "5.0"), (" 2.5 ", "2.5")],
)
def test_half_stars_parse(value: object, expected: str) -> None:
    assert stars_parse(value) == Decimal(expected)


@pytest.mark.parametrize("value", [0, 5.5, 3.3, "abc", "", None, True, "nan", "inf", -1, [4]])
def test_anything_else_is_refused_with_a_message(value: object) -> None:
    with pytest.raises(InvalidStarsError, match=r"from 0\.5 to 5 in half steps"):
        stars_parse(value)


def test_rate_then_rate_again_replaces_the_stars(user, films) -> None:  # type: ignore[no-untyped-def]
    first = rating_upsert(user=user, movie_id=1, stars=4)
    again = rating_upsert(user=user, movie_id=1, stars="2.5")
    assert first.pk == again.pk
    assert Rating.objects.get().stars == Decimal("2.5")
    assert rating_map(user=user) == {1: Decimal("2.5")}


def test_bad_input_writes_nothing(user, films) -> None:  # type: ignore[no-untyped-def]
    rating_upsert(user=user, movie_id=1, stars=4)
    with pytest.raises(InvalidStarsError):
        rating_upsert(user=user, movie_id=1, stars=3.3)
    for movie_id in (9, 12345, "x"):
        with pytest.raises(MovieNotRateableError, match="not in the catalogue"):
            rating_upsert(user=user, movie_id=movie_id, stars=4)  # type: ignore[arg-type]
    assert list(Rating.objects.values_list("movie_id", "stars")) == [(1, Decimal("4.0"))]


def test_delete_removes_only_that_rating(user, films) -> None:  # type: ignore[no-untyped-def]
    other = get_user_model().objects.create_user(username="bo", password="x")
    rating_upsert(user=user, movie_id=1, stars=4)
    rating_upsert(user=other, movie_id=1, stars=2)
    assert rating_delete(user=user, movie_id=1)
    assert not rating_delete(user=user, movie_id=1)
    assert rating_map(user=other) == {1: Decimal("2.0")}
    assert rating_get(user=user, movie_id=1) is None


def test_lists_sort_by_date_stars_or_title(user, films) -> None:  # type: ignore[no-untyped-def]
    rating_upsert(user=user, movie_id=1, stars=3)
    rating_upsert(user=user, movie_id=2, stars=5)
    rating_upsert(user=user, movie_id=3, stars=1)
    assert [r.movie_id for r in rating_list(user=user)] == [3, 2, 1]
    assert [r.movie_id for r in rating_list(user=user, order="stars")] == [2, 1, 3]
    assert [r.movie.title for r in rating_list(user=user, order="title")] == [
        "Alien",
        "Heat",
        "Toy Story",
    ]
    with pytest.raises(ValueError, match="order must be one of"):
        rating_list(user=user, order="popularity")  # type: ignore[arg-type]
    assert rating_map(user=user, movie_ids=[2, 3, 7]) == {2: Decimal("5.0"), 3: Decimal("1.0")}


def test_the_count_is_of_catalogue_movies(user, films) -> None:  # type: ignore[no-untyped-def]
    rating_upsert(user=user, movie_id=1, stars=3)
    rating_upsert(user=user, movie_id=2, stars=4)
    Movie.objects.filter(pk=2).update(in_catalogue=False, excluded_reason="no_year")
    assert rating_count(user=user) == 1


# --- onboarding skips ------------------------------------------------------------------------


def test_a_skip_is_kept_once_in_order(user, films: list[Movie]) -> None:  # type: ignore[no-untyped-def]
    onboarding_skip(user=user, movie_id=3)
    onboarding_skip(user=user, movie_id=1)
    onboarding_skip(user=user, movie_id=3)  # again: nothing new
    assert skipped_movie_ids(user=user) == [3, 1]
    other = get_user_model().objects.create_user(username="bo", password="x")
    assert skipped_movie_ids(user=other) == []


@pytest.mark.parametrize("movie_id", [9, 404])
def test_only_catalogue_movies_can_be_skipped(user, films: list[Movie], movie_id: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MovieNotRateableError):
        onboarding_skip(user=user, movie_id=movie_id)
    assert skipped_movie_ids(user=user) == []
