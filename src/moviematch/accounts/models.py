"""The site's user: Django's user plus a guest flag (one-click accounts), the last visit and
the familiar ↔ adventurous setting of their recommendations."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

#: The familiar ↔ adventurous setting of a user who never chose one (the engine's default).
ADVENTUROUS_DEFAULT = 0.5


class User(AbstractUser):
    is_guest = models.BooleanField(
        default=False, help_text="Created by the one-click guest sign-up; may be upgraded later."
    )
    last_seen = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last visit (updated at most hourly); guests expire a set time after it.",
    )
    adventurous = models.FloatField(
        default=ADVENTUROUS_DEFAULT,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Recommendations from familiar, well-known films (0) to less-known, more "
        "personal ones (1); chosen on the home page.",
    )

    class Meta:
        indexes = (models.Index(fields=["is_guest", "last_seen"], name="user_guest_seen_idx"),)
