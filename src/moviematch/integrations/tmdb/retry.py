"""When to try TMDb again: exponential backoff with jitter, and ``Retry-After`` parsing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Exponential backoff with "equal jitter".

    The wait before retry ``n`` (1-based) is ``d/2 + U(0, d/2)`` with
    ``d = min(max_delay, base * factor**(n-1))``: never shorter than half the nominal delay
    (so a struggling server really gets air) and spread over the other half (so clients that
    failed together do not retry together).

    Attributes
    ----------
    base : float
        Nominal delay before the first retry, seconds (default 0.25).
    factor : float
        Growth per retry (default 2).
    max_delay : float
        Cap on the nominal delay, seconds (default 8).
    """

    base: float = 0.25
    factor: float = 2.0
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.base < 0 or self.max_delay < 0 or self.factor < 1:
            raise ValueError("backoff needs base >= 0, max_delay >= 0 and factor >= 1")

    def nominal(self, retry: int) -> float:
        """Nominal delay ``d`` before retry number ``retry`` (1-based), seconds."""
        if retry < 1:
            raise ValueError(f"retry numbers start at 1, got {retry}")
        return float(min(self.max_delay, self.base * self.factor ** (retry - 1)))

    def delay(self, retry: int, rng: random.Random) -> float:
        """Jittered delay before retry ``retry``, in ``[d/2, d]`` seconds."""
        d = self.nominal(retry)
        return d / 2 + rng.uniform(0.0, d / 2)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Read an HTTP ``Retry-After`` header (RFC 9110 §10.2.3).

    Parameters
    ----------
    value : str or None
        Either delay-seconds (``"3"``) or an HTTP date (``"Wed, 21 Oct 2026 07:28:00 GMT"``).
    now : datetime.datetime, optional
        Current UTC time for the date form (defaults to the system clock).

    Returns
    -------
    float or None
        Seconds to wait, ``>= 0`` (a date in the past means "now"); ``None`` when the header
        is absent or unreadable, in which case the caller falls back to its own backoff.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        # Some servers send fractional seconds although the RFC says integers; accept them.
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are always GMT
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
