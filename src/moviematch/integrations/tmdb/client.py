"""TMDb API v3 client: cached, budgeted, retrying, and never raising on a page.

The client answers with a :class:`~.lookup.Lookup` whose ``status`` says where the data came
from:

``fresh``        from the cache, no request made;
``fetched``      TMDb answered now;
``stale``        the cached entry had expired and TMDb failed, so the old data is served;
``not_found``    TMDb has no such resource (404, cached for a shorter period);
``unavailable``  nothing to show (no API key, TMDb failing, budget spent); render a placeholder.

Each call has an overall time budget (``TmdbClientConfig.budget``, default 1.5 s) covering
connection, retries and waits, so a page is never held up by TMDb for longer than that.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests

from moviematch.integrations.tmdb.cache import CacheEntry, TmdbCache
from moviematch.integrations.tmdb.config import TmdbClientConfig
from moviematch.integrations.tmdb.errors import (
    TmdbAuthError,
    TmdbBudgetExceededError,
    TmdbConfigurationError,
    TmdbError,
    TmdbRateLimitedError,
    TmdbRequestError,
    TmdbResponseError,
    TmdbUnavailableError,
)
from moviematch.integrations.tmdb.lookup import (
    Lookup,
    LookupStatus,
    fallback,
    from_entry,
    merge_languages,
)
from moviematch.integrations.tmdb.parsing import (
    parse_configuration,
    parse_error_body,
    parse_movie,
)
from moviematch.integrations.tmdb.resources import ImageConfiguration, MovieDetails
from moviematch.integrations.tmdb.retry import parse_retry_after
from moviematch.integrations.tmdb.transport import (
    BodyTooLargeError,
    DeadlineError,
    TransportError,
    http_get,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Languages the site asks TMDb for, Korean first (the original site was Korean-first).
SITE_LANGUAGES = ("ko-KR", "en-US")
_LANGUAGE = re.compile(r"^[a-z]{2}(?:-[A-Z]{2})?$")
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


class TmdbClient:
    """Read TMDb through a cache.

    Parameters
    ----------
    config : TmdbClientConfig
    cache : TmdbCache
        Where answers are kept (in memory, or the Django database cache).
    session : requests.Session, optional
        Shared HTTP session; one is created when omitted.
    clock : callable, optional
        Monotonic seconds for budgets and backoff (default ``time.monotonic``).
    sleep : callable, optional
        How to wait (default ``time.sleep``); tests record the requested waits.
    now : callable, optional
        Current aware UTC datetime for cache freshness (tests move time forward).
    seed : int, optional
        Seed of the backoff jitter.
    """

    def __init__(
        self,
        config: TmdbClientConfig,
        cache: TmdbCache,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.cache = cache
        self._session = session or requests.Session()
        self._session.headers.setdefault("Accept", "application/json")
        self._clock = clock
        self._sleep = sleep
        self._now = now or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._throttle_lock = threading.Lock()
        self._next_request_at = 0.0
        self._auth_failure: tuple[float, TmdbAuthError] | None = None
        # Circuit breaker: while TMDb keeps failing, pages answer from the cache at once
        # instead of each spending its whole budget on a doomed request.
        self._breaker_lock = threading.Lock()
        self._consecutive_failures = 0
        self._breaker_open_until = 0.0
        # One in-flight refresh per key and process: concurrent page renders of the same
        # movie wait for the first request instead of sending their own.
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._key_locks_guard = threading.Lock()

    # ----------------------------------------------------------------- public API

    def movie(self, tmdb_id: int, *, language: str = "en-US") -> Lookup[MovieDetails]:
        """Details and credits of one movie in one language (``/movie/{id}``, one request).

        Raises
        ------
        ValueError
            If ``tmdb_id`` is not a positive integer or ``language`` is not a TMDb code.
        """
        _check_movie_id(tmdb_id)
        check_language(language)
        return self._movie(tmdb_id, language, self._deadline())

    def movie_localized(
        self, tmdb_id: int, *, languages: Sequence[str] = SITE_LANGUAGES
    ) -> Lookup[MovieDetails]:
        """The movie in the first language, completed from the next ones where it is empty.

        The fallback languages are only asked for when the first one lacks an overview or a
        poster, and every language shares one time budget.

        Returns
        -------
        Lookup of MovieDetails
            Status of the first language that gave data; if the first language is not
            available at all, the first fallback that is.
        """
        _check_movie_id(tmdb_id)
        if not languages:
            raise ValueError("at least one language is needed")
        deadline = self._deadline()
        lookups: list[Lookup[MovieDetails]] = []
        for language in languages:
            check_language(language)
        for language in languages:
            lookup = self._movie(tmdb_id, language, deadline)
            lookups.append(lookup)
            if lookup.status is LookupStatus.NOT_FOUND:
                break  # the id does not exist in any language
            value = lookup.value
            if value is not None and value.overview and value.poster_path:
                break
        return merge_languages(lookups)

    def _movie(self, tmdb_id: int, language: str, deadline: float | None) -> Lookup[MovieDetails]:
        resource = f"/movie/{tmdb_id}?append_to_response=credits"

        def parse(payload: Any) -> MovieDetails:
            return parse_movie(payload, language=language, resource=resource)

        return self._lookup(
            resource,
            path=f"/movie/{tmdb_id}",
            params={"append_to_response": "credits", "language": language},
            language=language,
            parse=parse,
            deadline=deadline,
        )

    def configuration(self) -> Lookup[ImageConfiguration]:
        """TMDb's image server settings (``/configuration``), cached like everything else."""
        return self._lookup(
            "/configuration",
            path="/configuration",
            params={},
            language="",
            parse=lambda p: parse_configuration(p),
            deadline=self._deadline(),
        )

    # ---------------------------------------------------------------- the cache walk

    def _deadline(self) -> float | None:
        budget = self.config.budget
        return None if budget is None else self._clock() + budget

    def _key_lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._key_locks_guard:
            lock = self._key_locks.get(key)
            if lock is None:
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _lookup(
        self,
        resource: str,
        *,
        path: str,
        params: Mapping[str, str],
        language: str,
        parse: Callable[[Any], T],
        deadline: float | None,
    ) -> Lookup[T]:
        entry = self.cache.get(resource, language)
        cached = from_entry(entry, parse, self._now())
        if cached is not None and entry is not None and entry.is_fresh(self._now()):
            return cached
        if not self.config.api_key:
            missing: TmdbError = TmdbConfigurationError(
                "no TMDb API key configured (set TMDB_API_KEY)"
            )
            return fallback(cached, missing, requests=0)
        auth_failure = self._auth_failure
        if auth_failure is not None and self._clock() < auth_failure[0]:
            return fallback(cached, auth_failure[1], requests=0)
        open_for = self._breaker_open_for()
        if open_for > 0:
            skipped = TmdbUnavailableError(
                resource,
                f"skipped: {self._consecutive_failures} consecutive TMDb failures, "
                f"next try in {open_for:.1f} s",
                attempts=0,
            )
            return fallback(cached, skipped, requests=0)

        lock = self._key_lock((resource, language))
        wait = -1.0 if deadline is None else max(0.0, deadline - self._clock())
        if not lock.acquire(timeout=wait):
            busy = TmdbBudgetExceededError(resource, attempts=0, budget=self.config.budget or 0)
            return fallback(cached, busy, requests=0)
        try:
            # Another thread may have refreshed the entry while we waited for the lock.
            entry = self.cache.get(resource, language)
            cached = from_entry(entry, parse, self._now())
            if cached is not None and entry is not None and entry.is_fresh(self._now()):
                return cached
            counter = _Counter()
            try:
                status, payload = self._fetch(resource, path, params, language, deadline, counter)
                value = parse(payload) if status == 200 else None
            except TmdbError as error:
                if isinstance(error, TmdbAuthError):
                    until = self._clock() + self.config.auth_failure_cooldown
                    self._auth_failure = (until, error)
                if isinstance(error, TmdbUnavailableError):
                    self._breaker_record(failed=True)
                log = logger.error if isinstance(error, TmdbConfigurationError) else logger.warning
                log("TMDb %s [%s]: %s", resource, language or "-", error)
                return fallback(cached, error, requests=counter.n)
            self._breaker_record(failed=False)
            fetched_at = self._now()
            self.cache.put(
                CacheEntry(
                    resource=resource,
                    language=language,
                    status=status,
                    payload=payload if status == 200 else None,
                    fetched_at=fetched_at,
                    expires_at=self.config.cache_policy.expiry(status, fetched_at),
                )
            )
            if status == 404:
                return Lookup(LookupStatus.NOT_FOUND, None, fetched_at, counter.n)
            return Lookup(LookupStatus.FETCHED, value, fetched_at, counter.n)
        finally:
            lock.release()

    def _breaker_open_for(self) -> float:
        """Seconds the breaker stays open, 0 when requests may be sent."""
        if self.config.breaker_threshold is None:
            return 0.0
        with self._breaker_lock:
            return max(0.0, self._breaker_open_until - self._clock())

    def _breaker_record(self, *, failed: bool) -> None:
        threshold = self.config.breaker_threshold
        if threshold is None:
            return
        with self._breaker_lock:
            if not failed:
                self._consecutive_failures = 0
                return
            self._consecutive_failures += 1
            if self._consecutive_failures >= threshold:
                self._breaker_open_until = self._clock() + self.config.breaker_cooldown
                logger.warning(
                    "TMDb failed %d times in a row; not asking for %.0f s",
                    self._consecutive_failures,
                    self.config.breaker_cooldown,
                )

    # ------------------------------------------------------------------- HTTP + retry

    def _fetch(
        self,
        resource: str,
        path: str,
        params: Mapping[str, str],
        language: str,
        deadline: float | None,
        counter: _Counter,
    ) -> tuple[int, Any]:
        """GET one resource, retrying transient failures; ``(200, body)`` or ``(404, None)``."""
        cfg = self.config
        url = cfg.base_url.rstrip("/") + path
        query = {k: v for k, v in params.items() if v}
        headers = {"User-Agent": "moviematch (TMDb client)"}
        if cfg.uses_bearer_token:
            headers["Authorization"] = f"Bearer {cfg.api_key}"
        else:
            query["api_key"] = cfg.api_key
        failures = 0
        rate_waits = 0
        while True:
            self._throttle(resource, deadline, counter)
            counter.n += 1
            try:
                response = http_get(
                    self._session,
                    url,
                    params=query,
                    headers=headers,
                    connect_timeout=cfg.connect_timeout,
                    read_timeout=cfg.read_timeout,
                    deadline=deadline,
                    clock=self._clock,
                    max_bytes=cfg.max_body_bytes,
                )
            except DeadlineError as exc:
                raise self._budget_error(resource, counter) from exc
            except BodyTooLargeError as exc:
                raise TmdbResponseError(resource, str(exc)) from exc
            except TransportError as exc:
                failures += 1
                self._wait_before_retry(resource, str(exc), failures, deadline, counter)
                continue

            status = response.status
            if status == 200:
                return 200, _decode_json(resource, response.body)
            if status == 404:
                return 404, None
            tmdb_code, message = parse_error_body(_decode_json_or_none(response.body))
            if status == 401:
                raise TmdbAuthError(
                    "TMDb rejected the credentials (HTTP 401"
                    + (f", TMDb code {tmdb_code}" if tmdb_code is not None else "")
                    + (f": {message}" if message else "")
                    + "); check TMDB_API_KEY",
                    tmdb_status_code=tmdb_code,
                )
            if status == 429:
                rate_waits += 1
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self._wait_out_rate_limit(resource, retry_after, rate_waits, deadline, counter)
                continue
            if status in _RETRYABLE_STATUS:
                failures += 1
                reason = f"HTTP {status}" + (f" ({message})" if message else "")
                self._wait_before_retry(resource, reason, failures, deadline, counter)
                continue
            raise TmdbRequestError(resource, status, message or "no message")

    def _wait_before_retry(
        self, resource: str, reason: str, failures: int, deadline: float | None, counter: _Counter
    ) -> None:
        if failures > self.config.max_retries:
            raise TmdbUnavailableError(resource, reason, attempts=counter.n)
        with self._rng_lock:
            delay = self.config.backoff.delay(failures, self._rng)
        if deadline is not None and self._clock() + delay >= deadline:
            raise TmdbUnavailableError(
                resource, f"{reason}; no time left in the budget to retry", attempts=counter.n
            )
        logger.info("TMDb %s: %s; retry %d in %.3f s", resource, reason, failures, delay)
        self._sleep(delay)

    def _wait_out_rate_limit(
        self,
        resource: str,
        retry_after: float | None,
        waits: int,
        deadline: float | None,
        counter: _Counter,
    ) -> None:
        cfg = self.config
        if waits > cfg.max_rate_limit_waits:
            raise TmdbRateLimitedError(resource, attempts=counter.n, retry_after=retry_after)
        if retry_after is not None and retry_after > cfg.max_retry_after:
            raise TmdbRateLimitedError(resource, attempts=counter.n, retry_after=retry_after)
        if retry_after is None:
            with self._rng_lock:
                delay = cfg.backoff.delay(waits, self._rng)
        else:
            delay = retry_after
        if deadline is not None and self._clock() + delay >= deadline:
            raise TmdbRateLimitedError(resource, attempts=counter.n, retry_after=retry_after)
        logger.info("TMDb %s: rate limited; waiting %.3f s", resource, delay)
        # The wait happens in _throttle before the next request, and every thread sharing
        # this client waits too: more requests now would only be refused.
        with self._throttle_lock:
            self._next_request_at = max(self._next_request_at, self._clock() + delay)

    def _throttle(self, resource: str, deadline: float | None, counter: _Counter) -> None:
        rate = self.config.max_requests_per_second
        with self._throttle_lock:
            now = self._clock()
            start = max(now, self._next_request_at)
            if deadline is not None and start >= deadline:
                raise self._budget_error(resource, counter)
            interval = 0.0 if rate is None else 1.0 / rate
            self._next_request_at = max(self._next_request_at, start + interval)
        if start > now:
            self._sleep(start - now)

    def _budget_error(self, resource: str, counter: _Counter) -> TmdbBudgetExceededError:
        return TmdbBudgetExceededError(
            resource, attempts=counter.n, budget=self.config.budget or 0.0
        )


@dataclass
class _Counter:
    n: int = 0


def _check_movie_id(tmdb_id: int) -> None:
    if isinstance(tmdb_id, bool) or not isinstance(tmdb_id, int) or tmdb_id <= 0:
        raise ValueError(f"TMDb movie id must be a positive integer, got {tmdb_id!r}")


def check_language(language: str) -> None:
    """Raise ``ValueError`` unless ``language`` looks like a TMDb code (``en-US``, ``ko``)."""
    if not _LANGUAGE.match(language):
        raise ValueError(f"not a TMDb language code (like 'en-US'): {language!r}")


def _decode_json(resource: str, body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TmdbResponseError(resource, f"body is not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise TmdbResponseError(
            resource, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _decode_json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
