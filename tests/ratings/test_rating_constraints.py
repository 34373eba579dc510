"""Site ratings: half stars from 0.5 to 5 and one rating per user and movie, in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from moviematch.catalog.models import Movie
from moviematch.ratings.models import STAR_VALUES, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user(username="ann", password="x")


@pytest.fixture
def film() -> Movie:
    return Movie.objects.create(id=1, title="Toy Story", year=1995)


def test_star_values_are_the_ten_half_steps() -> None:
    assert [float(s) for s in STAR_VALUES] == [0.5 * k for k in range(1, 11)]


@pytest.mark.parametrize("stars", ["0.5", "1", "2.5", "4.5", "5"])
def test_half_stars_accepted(user, film, stars: str) -> None:  # type: ignore[no-untyped-def]
    rating = Rating.objects.create(user=user, movie=film, stars=Decimal(stars))
    rating.refresh_from_db()
    assert rating.stars == Decimal(stars)
    assert rating.created is not None
    assert rating.updated >= rating.created


@pytest.mark.parametrize("stars", ["0", "0.3", "1.2", "5.5", "-1", "4.9"])
def test_other_stars_rejected(user, film, stars: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=user, movie=film, stars=Decimal(stars))
    assert Rating.objects.count() == 0


def test_raw_update_to_bad_stars_rejected(user, film) -> None:  # type: ignore[no-untyped-def]
    Rating.objects.create(user=user, movie=film, stars=Decimal("3"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE ratings_rating SET stars = 3.25")
    assert Rating.objects.get().stars == Decimal("3")


def test_one_rating_per_user_and_movie(user, film) -> None:  # type: ignore[no-untyped-def]
    Rating.objects.create(user=user, movie=film, stars=Decimal("3"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=user, movie=film, stars=Decimal("4"))
    other = get_user_model().objects.create_user(username="bob", password="x")
    Rating.objects.create(user=other, movie=film, stars=Decimal("4"))
    assert Rating.objects.count() == 2
