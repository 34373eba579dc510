"""The site's user: Django's user plus a guest flag (one-click accounts) and the last visit."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    is_guest = models.BooleanField(
        default=False, help_text="Created by the one-click guest sign-up; may be upgraded later."
    )
    last_seen = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last visit (updated at most hourly); guests expire a set time after it.",
    )

    class Meta:
        indexes = (models.Index(fields=["is_guest", "last_seen"], name="user_guest_seen_idx"),)
