"""The site's own users' ratings (MovieLens ratings are not stored here, only aggregated)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

#: The ten allowed star values, 0.5 to 5 in half steps (as MovieLens).
STAR_VALUES: tuple[Decimal, ...] = tuple(Decimal(k) / 2 for k in range(1, 11))


class Rating(models.Model):
    """One user's stars for one movie; re-rating updates the row (one per user and movie)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="ratings")
    stars = models.DecimalField(max_digits=2, decimal_places=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated", "-id")
        constraints = (
            models.UniqueConstraint(fields=["user", "movie"], name="rating_unique_user_movie"),
            # an explicit list keeps the rule identical on SQLite and PostgreSQL
            models.CheckConstraint(condition=Q(stars__in=STAR_VALUES), name="rating_half_stars"),
        )
        indexes = (
            models.Index(fields=["user", "-updated"], name="rating_user_recent_idx"),
            models.Index(fields=["movie"], name="rating_movie_idx"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} rated {self.movie_id}: {self.stars}"


class OnboardingSkip(models.Model):
    """A movie the user said they have not seen: the onboarding never proposes it again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_skips"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created", "id")
        constraints = (
            models.UniqueConstraint(fields=["user", "movie"], name="skip_unique_user_movie"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} has not seen {self.movie_id}"
