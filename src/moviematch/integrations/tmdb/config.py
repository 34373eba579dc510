"""Configuration of the TMDb client (one frozen dataclass, documented field by field)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moviematch.integrations.tmdb.cache import CachePolicy
from moviematch.integrations.tmdb.errors import TmdbConfigurationError
from moviematch.integrations.tmdb.retry import BackoffPolicy

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
# A v4 "API Read Access Token" is a JWT (three base64url parts, header starting "eyJ").
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class TmdbClientConfig:
    """Everything that shapes the client's behaviour.

    Attributes
    ----------
    api_key : str
        v3 API key (sent as the ``api_key`` query parameter) or v4 read-access token (a JWT,
        sent as ``Authorization: Bearer``). Empty: no request is ever made.
    base_url : str
        API root, default ``https://api.themoviedb.org/3``.
    connect_timeout, read_timeout : float
        Per-request limits in seconds (defaults 3.05 and 10).
    budget : float or None
        Overall wall-clock limit of one call in seconds, retries and waits included
        (default 1.5). ``None`` removes it (batch jobs such as the prefetch command).
    max_retries : int
        Retries after connection errors, timeouts and HTTP 500/502/503/504 (default 3).
    max_rate_limit_waits : int
        How many HTTP 429 answers one call waits out before giving up (default 5).
    max_retry_after : float
        Longest ``Retry-After`` honoured, seconds (default 60); a longer one fails the call.
    max_requests_per_second : float or None
        Client-side throttle shared by all threads using this client; ``None`` for none.
    backoff : BackoffPolicy
        Delays between retries (scaled down in tests).
    cache_policy : CachePolicy
        Lifetimes of cached answers.
    max_body_bytes : int
        Largest answer accepted (default 4 MiB; a movie with credits is ~50 KiB).
    auth_failure_cooldown : float
        After TMDb answers 401, no request is sent for this many seconds (default 300):
        the key will not become valid by asking again, and every page would pay a request.
    breaker_threshold : int or None
        After this many consecutive calls ending in ``TmdbUnavailableError`` (TMDb down,
        timing out or rate limiting), calls skip the network for ``breaker_cooldown``
        seconds and answer from the cache at once (default 5). ``None`` disables it (batch
        jobs, which would rather wait than skip).
    breaker_cooldown : float
        Seconds the breaker stays open (default 30); then one failure re-opens it and one
        success closes it.
    """

    api_key: str = ""
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    budget: float | None = 1.5
    max_retries: int = 3
    max_rate_limit_waits: int = 5
    max_retry_after: float = 60.0
    max_requests_per_second: float | None = None
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    cache_policy: CachePolicy = field(default_factory=CachePolicy)
    max_body_bytes: int = 4 * 1024 * 1024
    auth_failure_cooldown: float = 300.0
    breaker_threshold: int | None = 5
    breaker_cooldown: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise TmdbConfigurationError(f"TMDb base URL must be http(s): {self.base_url!r}")
        if self.api_key != self.api_key.strip() or any(c.isspace() for c in self.api_key):
            raise TmdbConfigurationError("TMDb API key contains whitespace; check TMDB_API_KEY")
        if self.budget is not None and self.budget <= 0:
            raise ValueError(f"budget must be positive or None, got {self.budget}")
        if min(self.connect_timeout, self.read_timeout) <= 0:
            raise ValueError("timeouts must be positive")
        if self.max_retries < 0 or self.max_rate_limit_waits < 0:
            raise ValueError("retry counts must be >= 0")
        if self.breaker_threshold is not None and self.breaker_threshold < 1:
            raise ValueError("breaker_threshold must be >= 1 or None")
        if self.max_requests_per_second is not None and self.max_requests_per_second <= 0:
            raise ValueError("max_requests_per_second must be positive or None")

    @property
    def uses_bearer_token(self) -> bool:
        """True when ``api_key`` is a v4 read-access token (JWT)."""
        return bool(_JWT.match(self.api_key))
