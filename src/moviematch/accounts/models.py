"""The site's user: Django's user plus a guest flag (one-click accounts)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    is_guest = models.BooleanField(
        default=False, help_text="Created by the one-click guest sign-up; may be upgraded later."
    )
