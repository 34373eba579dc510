"""TMDb (The Movie Database) API v3 client with an explicit cache layer. No Django here.

Typical use::

    from moviematch.integrations.tmdb import InMemoryCache, TmdbClient, TmdbClientConfig

    client = TmdbClient(TmdbClientConfig(api_key=key), InMemoryCache())
    lookup = client.movie_localized(603, languages=("ko-KR", "en-US"))
    if lookup.available:
        print(lookup.value.title, lookup.status)

See ``docs/tmdb.md`` for the cache policy, the time budget and the languages.
"""

from moviematch.integrations.tmdb.cache import CacheEntry, CachePolicy, InMemoryCache, TmdbCache
from moviematch.integrations.tmdb.client import SITE_LANGUAGES, TmdbClient, check_language
from moviematch.integrations.tmdb.config import DEFAULT_BASE_URL, TmdbClientConfig
from moviematch.integrations.tmdb.errors import (
    TmdbAuthError,
    TmdbBudgetExceededError,
    TmdbConfigurationError,
    TmdbError,
    TmdbNotFoundError,
    TmdbRateLimitedError,
    TmdbRequestError,
    TmdbResponseError,
    TmdbUnavailableError,
)
from moviematch.integrations.tmdb.lookup import Lookup, LookupStatus
from moviematch.integrations.tmdb.resources import (
    DEFAULT_IMAGE_BASE_URL,
    CastMember,
    CrewMember,
    ImageConfiguration,
    MovieDetails,
    pick_size,
)
from moviematch.integrations.tmdb.retry import BackoffPolicy, parse_retry_after

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_IMAGE_BASE_URL",
    "SITE_LANGUAGES",
    "BackoffPolicy",
    "CacheEntry",
    "CachePolicy",
    "CastMember",
    "CrewMember",
    "ImageConfiguration",
    "InMemoryCache",
    "Lookup",
    "LookupStatus",
    "MovieDetails",
    "TmdbAuthError",
    "TmdbBudgetExceededError",
    "TmdbCache",
    "TmdbClient",
    "TmdbClientConfig",
    "TmdbConfigurationError",
    "TmdbError",
    "TmdbNotFoundError",
    "TmdbRateLimitedError",
    "TmdbRequestError",
    "TmdbResponseError",
    "TmdbUnavailableError",
    "check_language",
    "parse_retry_after",
    "pick_size",
]
