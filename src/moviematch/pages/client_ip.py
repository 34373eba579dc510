"""The client's address behind reverse proxies, for the rate limits (``MOVIEMATCH_NUM_PROXIES``).

Behind nginx every request comes from 127.0.0.1; the proxy appends the address it saw to
``X-Forwarded-For``. With ``N`` proxies of ours in front, the client is the ``N``-th address from
the right: anything further left was written by the client and cannot be trusted. This is
the rule of DRF's ``NUM_PROXIES``, so pages and API count the same client.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address the rate limits count (``REMOTE_ADDR`` without proxies)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(settings.NUM_PROXIES or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in str(forwarded).split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
