"""Writes of the site users' ratings (HackSoft style: keyword-only, ``<entity>_<action>``).

Every write is one transaction. A rating is a user's stars for a catalogue movie: 0.5 to 5
in half steps, one per user and movie (rating again replaces the stars). Recommendations
fold the user's ratings in on the next request, so nothing else needs to happen here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.errors import InvalidStarsError, MovieNotRateableError
from moviematch.ratings.models import STAR_VALUES, OnboardingSkip, Rating


def stars_parse(value: object) -> Decimal:
    """``value`` (a number or numeric string) as one of the ten allowed star values.

    Raises
    ------
    InvalidStarsError
        Not a number, not finite, or not a half step from 0.5 to 5 (3.3, 0, 5.5 …).
    """
    if isinstance(value, bool):
        raise InvalidStarsError(value)
    try:
        stars = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidStarsError(value) from None
    if not stars.is_finite() or stars not in STAR_VALUES:
        raise InvalidStarsError(value)
    return stars.quantize(Decimal("0.1"))


def _rateable_movie(movie_id: object) -> Movie:
    try:
        return Movie.objects.get(pk=int(str(movie_id)), in_catalogue=True)
    except (Movie.DoesNotExist, ValueError, OverflowError):
        raise MovieNotRateableError(movie_id) from None


@transaction.atomic
def rating_upsert(*, user: User, movie_id: int, stars: object) -> Rating:
    """Set ``user``'s stars for the catalogue movie ``movie_id`` (create or replace).

    Raises
    ------
    InvalidStarsError
        ``stars`` is not a half step from 0.5 to 5.
    MovieNotRateableError
        No such movie, or it is not in the catalogue.
    """
    value = stars_parse(stars)
    movie = _rateable_movie(movie_id)
    rating, created = Rating.objects.select_for_update().get_or_create(
        user=user, movie=movie, defaults={"stars": value}
    )
    if not created and rating.stars != value:
        rating.stars = value
        rating.save(update_fields=["stars", "updated"])
    return rating


@transaction.atomic
def rating_delete(*, user: User, movie_id: int) -> bool:
    """Remove ``user``'s rating of ``movie_id``; False when there was none."""
    deleted, _ = Rating.objects.filter(user=user, movie_id=movie_id).delete()
    return deleted > 0


@transaction.atomic
def onboarding_skip(*, user: User, movie_id: int) -> OnboardingSkip:
    """Record that ``user`` has not seen the catalogue movie ``movie_id`` (idempotent).

    Raises
    ------
    MovieNotRateableError
        No such movie, or it is not in the catalogue.
    """
    movie = _rateable_movie(movie_id)
    skip, _ = OnboardingSkip.objects.get_or_create(user=user, movie=movie)
    return skip
