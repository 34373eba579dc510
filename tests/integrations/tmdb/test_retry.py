"""Backoff delays and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from moviematch.integrations.tmdb import BackoffPolicy, parse_retry_after


def test_nominal_delays_double_up_to_the_cap():
    policy = BackoffPolicy(base=0.25, factor=2.0, max_delay=1.5)
    assert [policy.nominal(n) for n in range(1, 6)] == [0.25, 0.5, 1.0, 1.5, 1.5]


def test_jittered_delays_lie_between_half_and_all_of_nominal_and_spread_out():
    policy = BackoffPolicy(base=1.0, factor=2.0, max_delay=10.0)
    rng = random.Random(3)
    for retry, nominal in ((1, 1.0), (2, 2.0), (3, 4.0)):
        delays = [policy.delay(retry, rng) for _ in range(2000)]
        assert min(delays) >= nominal / 2
        assert max(delays) <= nominal
        # Spread over the whole upper half: the mean sits near 3/4 of the nominal delay.
        assert abs(sum(delays) / len(delays) - 0.75 * nominal) < 0.02 * nominal


def test_same_seed_same_delays():
    policy = BackoffPolicy()
    a = [policy.delay(n, random.Random(9)) for n in (1, 2, 3)]
    b = [policy.delay(n, random.Random(9)) for n in (1, 2, 3)]
    assert a == b


def test_invalid_policies_are_rejected():
    with pytest.raises(ValueError, match="base >= 0"):
        BackoffPolicy(base=-1)
    with pytest.raises(ValueError, match="factor >= 1"):
        BackoffPolicy(factor=0.5)
    with pytest.raises(ValueError, match="start at 1"):
        BackoffPolicy().nominal(0)


NOW = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-5", 0.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),  # in the past: go now
        ("Wednesday, 21-Oct-26 07:29:00 GMT", 60.0),  # obsolete RFC 850 form
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_forms(header, seconds):
    assert parse_retry_after(header, now=NOW) == seconds
