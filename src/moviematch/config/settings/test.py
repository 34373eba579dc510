"""Settings for the test suite: in-memory SQLite unless DATABASE_URL is set."""

import os

from moviematch.config.settings.base import *  # noqa: F403
from moviematch.config.settings.base import DATABASES

if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the finders (app and npm directories); nothing is collected in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
