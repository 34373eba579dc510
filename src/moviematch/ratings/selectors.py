"""Reads of the site users' ratings (keyword-only, typed, ``<entity>_<action>``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet

from moviematch.accounts.models import User
from moviematch.ratings.models import OnboardingSkip, Rating

#: How ``rating_list`` can order a user's ratings.
RatingOrder = Literal["recent", "stars", "title"]
_ORDERINGS: dict[str, tuple[str, ...]] = {
    "recent": ("-updated", "-id"),
    "stars": ("-stars", "-updated", "-id"),
    "title": ("movie__title", "movie__year", "movie_id"),
}


def rating_list(*, user: User, order: RatingOrder = "recent") -> QuerySet[Rating]:
    """``user``'s ratings with their movies (and the movies' genres), in ``order``.

    Raises
    ------
    ValueError
        Unknown ``order``.
    """
    if order not in _ORDERINGS:
        raise ValueError(f"order must be one of {', '.join(_ORDERINGS)}, got {order!r}")
    return (
        Rating.objects.filter(user=user)
        .select_related("movie")
        .prefetch_related("movie__genres")
        .order_by(*_ORDERINGS[order])
    )


def rating_map(*, user: User, movie_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """``{movie id: stars}`` of ``user``'s ratings (of ``movie_ids`` only, when given)."""
    qs = Rating.objects.filter(user=user)
    if movie_ids is not None:
        qs = qs.filter(movie_id__in=list(movie_ids))
    return dict(qs.values_list("movie_id", "stars"))


def rating_get(*, user: User, movie_id: int) -> Rating | None:
    """``user``'s rating of ``movie_id``, or None."""
    return Rating.objects.filter(user=user, movie_id=movie_id).select_related("movie").first()


def rating_count(*, user: User) -> int:
    """How many catalogue movies ``user`` has rated (what the onboarding counts)."""
    return Rating.objects.filter(user=user, movie__in_catalogue=True).count()


def skipped_movie_ids(*, user: User) -> list[int]:
    """Movies ``user`` said they have not seen, in the order they said so."""
    return list(OnboardingSkip.objects.filter(user=user).values_list("movie_id", flat=True))
