"""Django settings, read from the environment with safe defaults.

Variables (all optional):

``MOVIEMATCH_DATA_DIR``     database, downloads and model artifact (default ``./var``)
``MOVIEMATCH_SECRET_KEY``   required when ``MOVIEMATCH_DEBUG`` is off
``MOVIEMATCH_DEBUG``        ``1`` (default) or ``0``
``MOVIEMATCH_ALLOWED_HOSTS`` comma-separated
``DATABASE_URL``            ``postgres://user:pass@host:port/name``; SQLite when unset
``MOVIEMATCH_SQLITE_TIMEOUT`` seconds a SQLite writer waits for another (default 20)
``MOVIEMATCH_DB_CONN_MAX_AGE`` seconds a worker keeps its database connection (default 60)
``MOVIEMATCH_ONBOARDING_RATINGS`` ratings a new user is asked for (default 10)
``MOVIEMATCH_GUEST_DAYS``   days a guest account is kept after its last visit (default 30)
``MOVIEMATCH_MOVIELENS_DIR`` a local MovieLens copy for ``setup``/``download_data`` (as ``--from``)
``MOVIEMATCH_IMDB_DIR``     local IMDb ``.tsv.gz`` files (``setup`` then imports IMDb too)
``MOVIEMATCH_MOVIELENS_URL``, ``MOVIEMATCH_IMDB_URL`` download base URLs (default: publishers)
``TMDB_API_KEY``            TMDb v3 key; posters are generated placeholders without one
``TMDB_BASE_URL``, ``TMDB_CACHE_DAYS`` (7), ``TMDB_NOT_FOUND_CACHE_DAYS`` (1),
``TMDB_BUDGET_SECONDS`` (1.5, per page), ``TMDB_BATCH_BUDGET_SECONDS`` (20, per call of a
command), ``TMDB_LANGUAGES`` (``ko-KR,en-US``), ``TMDB_REQUESTS_PER_SECOND`` (20, commands)
``MOVIEMATCH_SECURE_COOKIES`` ``1`` sends session, CSRF and language cookies over HTTPS only
                            (default: on when ``MOVIEMATCH_DEBUG`` is off, off in development)
``MOVIEMATCH_AUTH_RATE``    sign-up, log-in and guest attempts allowed per client IP
                            (default ``10/m``; django-ratelimit's syntax, e.g. ``30/h``)
``MOVIEMATCH_RATELIMIT``    ``0`` turns the rate limits off (default ``1``)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from moviematch.integrations.tmdb import DEFAULT_BASE_URL as TMDB_DEFAULT_BASE_URL

_WHITENOISE_SKIP = Compressor.SKIP_COMPRESS_EXTENSIONS

BASE_DIR = Path(__file__).resolve().parents[4]
PACKAGE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("MOVIEMATCH_DATA_DIR", BASE_DIR / "var")).resolve()


def _env_flag(name: str, default: bool) -> bool:
    """``1``/``0`` (also true/false, yes/no, on/off) from the environment."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1 or 0")


def _env_list(name: str, default: str) -> list[str]:
    """A comma-separated list from the environment (blanks dropped)."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_flag("MOVIEMATCH_DEBUG", True)
SECRET_KEY = os.environ.get("MOVIEMATCH_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set MOVIEMATCH_SECRET_KEY when MOVIEMATCH_DEBUG=0")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = _env_list("MOVIEMATCH_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "moviematch.config.staticfiles.StaticFilesConfig",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "moviematch.accounts",
    "moviematch.catalog",
    "moviematch.ratings",
    "moviematch.recommendations",
    "moviematch.media",
    "moviematch.pages",
    "moviematch.api",
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "moviematch.accounts.middleware.VisitMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "moviematch.pages.middleware.ServiceUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "moviematch.config.urls"
WSGI_APPLICATION = "moviematch.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "moviematch.pages.context_processors.site",
            ],
        },
    },
]


def _database_from_env() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "moviematch.sqlite3",
            # WAL lets readers run beside a writer; a writer waits up to SQLITE_TIMEOUT
            # seconds for another one instead of failing with "database is locked"; IMMEDIATE
            # transactions take the write lock at BEGIN, so two writers never deadlock on
            # lock upgrades.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": float(os.environ.get("MOVIEMATCH_SQLITE_TIMEOUT", "20")),
                "transaction_mode": "IMMEDIATE",
            },
        }
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/"),
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
    }


DATABASES = {
    "default": {
        **_database_from_env(),
        # A worker keeps its connection between requests (PostgreSQL forks a server process
        # per connection; SQLite reruns its PRAGMAs), checked before reuse after an error.
        "CONN_MAX_AGE": int(os.environ.get("MOVIEMATCH_DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
# Each language named in itself, as the switcher shows it.
LANGUAGES = [("en", "English"), ("ko", "한국어")]
# The switcher's choice is remembered for a year (Django's default is the browser session);
# without it, LocaleMiddleware follows the browser's Accept-Language.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT: Path | None = DATA_DIR / "static"
# Front-end libraries come from the npm registry (package.json + package-lock.json; `make
# install` runs `npm ci`) and are served by the site itself, never from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    PACKAGE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
]
# Outside debug, collectstatic writes each file also under a name with its content hash and
# compresses it (gzip, and Brotli when installed); WhiteNoise serves the hashed names with a
# year's cache lifetime. Source maps are for developers: copied, not compressed.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*_WHITENOISE_SKIP, "map"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# ``memory``: each server process has its own cache (development, one process); ``file``: one
# cache in the data directory shared by all the workers of a host, so that the rate limits
# count a client once however many gunicorn workers there are (README "Deploying"). The
# ``feeds`` cache keeps the engine's home feeds (recommendations.services.home), apart from
# the rate limits so that neither culls the other's entries.
CACHE_KIND = os.environ.get("MOVIEMATCH_CACHE", "memory")
_FEED_ENTRIES = {"MAX_ENTRIES": 2000}
if CACHE_KIND == "memory":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "feeds": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "feeds",
            "OPTIONS": _FEED_ENTRIES,
        },
    }
elif CACHE_KIND == "file":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        },
        "feeds": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "feed-cache"),
            "OPTIONS": _FEED_ENTRIES,
        },
    }
else:
    raise ImproperlyConfigured(f"MOVIEMATCH_CACHE={CACHE_KIND!r}: expected memory or file")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "recommendations:home"
LOGOUT_REDIRECT_URL = "pages:landing"

# Cookies travel over HTTPS only outside development (override for a plain-HTTP test box).
SECURE_COOKIES = _env_flag("MOVIEMATCH_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_SAMESITE = "Lax"
# Scripts read the CSRF token from the page's forms, never from the cookie.
CSRF_COOKIE_HTTPONLY = True

# HTTPS in production (``manage.py check --deploy`` passes with the defaults). Behind a proxy
# that terminates TLS (nginx, Caddy; README "Deploying") on the same host, gunicorn already
# passes on the scheme the proxy names (``forwarded_allow_ips`` in gunicorn.conf.py); for a
# proxy elsewhere set MOVIEMATCH_PROXY_SSL_HEADER=1 so that Django reads ``X-Forwarded-Proto``
# itself; the proxy must then set that header on every request, never pass on a client's.
# /healthz answers over plain HTTP too (monitors on the host).
SECURE_SSL_REDIRECT = _env_flag("MOVIEMATCH_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if _env_flag("MOVIEMATCH_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("MOVIEMATCH_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("MOVIEMATCH_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_flag("MOVIEMATCH_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = _env_list("MOVIEMATCH_CSRF_TRUSTED_ORIGINS", "")

# Content-Security-Policy (django-csp): the site's own files only, no inline script or style
# (templates have none; tests/pages/test_templates.py; the Swagger docs use a split view and a
# stylesheet, templates/api/swagger_ui.html). Posters may come from TMDb's image host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            *_env_list("MOVIEMATCH_CSP_IMG_HOSTS", "https://image.tmdb.org"),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# django-ratelimit counts attempts in the default cache: with the local-memory cache above
# each server process counts on its own (one process under `runserver`); with several
# gunicorn workers set MOVIEMATCH_CACHE=file (or point CACHES at memcached or Redis).
RATELIMIT_ENABLE = _env_flag("MOVIEMATCH_RATELIMIT", True)
RATELIMIT_VIEW = "moviematch.pages.views.ratelimited"
# Reverse proxies of ours in front of the server (README "Deploying": 1 behind nginx): the
# rate limits then count the address the nearest proxy appended to X-Forwarded-For.
NUM_PROXIES = int(os.environ.get("MOVIEMATCH_NUM_PROXIES", "0"))
if NUM_PROXIES:
    RATELIMIT_IP_META_KEY = "moviematch.pages.client_ip.client_ip"
AUTH_RATE = os.environ.get("MOVIEMATCH_AUTH_RATE", "10/m")

# The REST API (moviematch.api, docs/api.md): JSON only; token first, so that a request without
# credentials is a 401 with ``WWW-Authenticate: Token``; session requests pass CSRF on writes.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "moviematch.api.authentication.TokenAuthentication",
        "moviematch.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "moviematch.api.exceptions.exception_handler",
    "NUM_PROXIES": NUM_PROXIES or None,
    # Per client (IP address, or user once signed in), for the endpoints that create
    # accounts or check passwords; each has its own ``throttle_scope``. MOVIEMATCH_RATELIMIT=0
    # turns them off with the site's limits (a rate of None never throttles).
    "DEFAULT_THROTTLE_RATES": {
        scope: rate if RATELIMIT_ENABLE else None
        for scope, rate in {
            "auth.guest": "20/hour",
            "auth.signup": "10/hour",
            "auth.token": "10/minute",
        }.items()
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "moviematch API",
    "DESCRIPTION": (
        "Rate movies, get recommendations grouped by taste, browse the catalogue. "
        "Sign in with a token (`Authorization: Token <key>`) or the site's session cookie "
        "(writes then need the `X-CSRFToken` header). Every error has the body "
        '`{"detail": ..., "code": ..., "fields": {...}}`. See docs/api.md.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation pages' scripts are served by the site (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# One line per event on stderr (gunicorn's error log, the journal under systemd), DEBUG or
# not: the site's own warnings (model fallback, TMDb trouble) must reach the operator.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line"}},
    "loggers": {
        "moviematch": {
            "handlers": ["stderr"],
            "level": os.environ.get("MOVIEMATCH_LOG_LEVEL", "INFO").upper(),
            "propagate": True,
        },
    },
}

MOVIEMATCH: dict[str, Any] = {
    "MODEL_PATH": DATA_DIR / "model",
    # The imported MovieLens ratings and tag genome as arrays (moviematch.datasets.rating_store).
    "RATING_STORE": DATA_DIR / "rating-store",
    "ONBOARDING_RATINGS": int(os.environ.get("MOVIEMATCH_ONBOARDING_RATINGS", "10")),
    "GUEST_DAYS": float(os.environ.get("MOVIEMATCH_GUEST_DAYS", "30")),
    # Where the datasets come from (None: download from the publisher's URL). The pure
    # ``moviematch.datasets`` package takes these as arguments; it reads no environment.
    "MOVIELENS_DIR": os.environ.get("MOVIEMATCH_MOVIELENS_DIR") or None,
    "IMDB_DIR": os.environ.get("MOVIEMATCH_IMDB_DIR") or None,
    "MOVIELENS_URL": os.environ.get("MOVIEMATCH_MOVIELENS_URL") or None,
    "IMDB_URL": os.environ.get("MOVIEMATCH_IMDB_URL") or None,
    "TMDB_API_KEY": os.environ.get("TMDB_API_KEY", ""),
    "TMDB_BASE_URL": os.environ.get("TMDB_BASE_URL", TMDB_DEFAULT_BASE_URL),
    "TMDB_CACHE_DAYS": int(os.environ.get("TMDB_CACHE_DAYS", "7")),
    "TMDB_NOT_FOUND_CACHE_DAYS": int(os.environ.get("TMDB_NOT_FOUND_CACHE_DAYS", "1")),
    "TMDB_BUDGET_SECONDS": float(os.environ.get("TMDB_BUDGET_SECONDS", "1.5")),
    "TMDB_BATCH_BUDGET_SECONDS": float(os.environ.get("TMDB_BATCH_BUDGET_SECONDS", "20")),
    "TMDB_LANGUAGES": os.environ.get("TMDB_LANGUAGES", "ko-KR,en-US"),
    "TMDB_REQUESTS_PER_SECOND": float(os.environ.get("TMDB_REQUESTS_PER_SECOND", "20")),
}
