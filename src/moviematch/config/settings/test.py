"""Settings for the test suite: in-memory SQLite unless DATABASE_URL is set."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from moviematch.config.settings.base import *  # noqa: F403
from moviematch.config.settings.base import DATABASES, MOVIEMATCH

if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the finders (app and npm directories); nothing is collected in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Imports write their rating store under a throwaway directory, never into the checkout's var/.
_STORE_PARENT = tempfile.mkdtemp(prefix="moviematch-test-store-")
atexit.register(shutil.rmtree, _STORE_PARENT, True)
MOVIEMATCH["RATING_STORE"] = Path(_STORE_PARENT) / "rating-store"
