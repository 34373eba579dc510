"""Behind our proxies the rate limits count the client, not the proxy (MOVIEMATCH_NUM_PROXIES)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from moviematch.pages.client_ip import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "127.0.0.1"),  # no proxy of ours: the header is the client's word
        (1, "203.0.113.7", "203.0.113.7"),  # nginx appended the address it saw
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the left one was forged
        (2, "198.51.100.9, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (3, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the leftmost
        (1, "", "127.0.0.1"),
        (1, " , ", "127.0.0.1"),
    ],
)
def test_the_client_is_the_address_our_nearest_proxy_saw(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected
