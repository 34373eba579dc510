"""What a production server sends: HTTPS only (HSTS, redirect; behind a TLS proxy when told
so), no framing, a same-origin referrer, no MIME sniffing, and a Content-Security-Policy
without inline code. Against gunicorn with the production settings (tests/production_site.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.production_site import Gunicorn, LiveSite

pytestmark = pytest.mark.slow


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def _policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_https_only_behind_a_local_tls_proxy_with_every_security_header(
    live_site: LiveSite, tmp_path: Path
) -> None:
    server = Gunicorn(
        live_site,
        tmp_path / "gunicorn.log",
        MOVIEMATCH_SSL_REDIRECT="1",
        MOVIEMATCH_HSTS_SECONDS="31536000",
    )
    try:
        status, headers = _get(server.url + "/about/", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = _policy(headers["Content-Security-Policy"])
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["img-src"] == "'self' data: https://image.tmdb.org"
        assert "unsafe" not in headers["Content-Security-Policy"]
        # Plain HTTP goes to HTTPS, except the health check (monitors on the host).
        status, headers = _get(server.url + "/about/")
        assert status == 301
        assert headers["Location"] == f"https://127.0.0.1:{server.port}/about/"
        assert _get(server.url + "/healthz")[0] == 200
        # The API docs are under the same policy.
        status, headers = _get(server.url + "/api/docs/", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "unsafe" not in headers["Content-Security-Policy"]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("trusted_by_gunicorn", "django_setting", "believed"),
    [
        ("192.0.2.1", "0", False),  # a forwarded scheme from an untrusted address
        ("192.0.2.1", "1", True),  # MOVIEMATCH_PROXY_SSL_HEADER: Django trusts the header
    ],
)
def test_a_forwarded_scheme_counts_only_from_a_trusted_proxy(
    live_site: LiveSite,
    tmp_path: Path,
    trusted_by_gunicorn: str,
    django_setting: str,
    believed: bool,
) -> None:
    server = Gunicorn(
        live_site,
        tmp_path / "gunicorn.log",
        MOVIEMATCH_SSL_REDIRECT="1",
        MOVIEMATCH_HSTS_SECONDS="600",
        MOVIEMATCH_FORWARDED_ALLOW_IPS=trusted_by_gunicorn,
        MOVIEMATCH_PROXY_SSL_HEADER=django_setting,
    )
    try:
        status, headers = _get(server.url + "/about/", **{"X-Forwarded-Proto": "https"})
        assert status == (200 if believed else 301)
        assert ("Strict-Transport-Security" in headers) is believed
        if believed:
            assert headers["Strict-Transport-Security"].startswith("max-age=600;")
    finally:
        server.stop()
