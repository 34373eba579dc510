"""Passwords and attempt limits as production runs them: gunicorn with several workers, the
base settings, the rate limits on (``MOVIEMATCH_RATELIMIT=1``) and the file cache they
share.

Log-in, sign-up and guest creation (pages and API) are limited per client address across
all workers, and a password is stored with Argon2.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.production_site import ROOT, Gunicorn, LiveSite, manage

pytestmark = pytest.mark.slow

LIMIT = 3


@pytest.fixture
def limited(live_site: LiveSite, tmp_path: Path) -> Iterator[Gunicorn]:
    # the counts live in the site's file cache: every test starts with none. django-ratelimit
    # counts in fixed windows, so a window edge between two attempts starts the count again:
    # with a day-long window that is about a 1-in-10,000 chance, with a minute-long one it was
    # a few per cent (a CI run got 200 for the fourth sign-up attempt).
    shutil.rmtree(live_site.data_dir / "cache", ignore_errors=True)
    server = Gunicorn(
        live_site,
        tmp_path / "gunicorn.log",
        MOVIEMATCH_RATELIMIT="1",
        MOVIEMATCH_AUTH_RATE=f"{LIMIT}/d",
    )
    yield server
    server.stop()
    shutil.rmtree(live_site.data_dir / "cache", ignore_errors=True)


class Browser:
    """Cookies and the CSRF token, as a browser posts the site's forms."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body)
        if body is not None:
            request.add_header("Referer", self.url + path)
        try:
            with self.opener.open(request, timeout=30) as r:
                return int(r.status), r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post_form(self, path: str, data: dict[str, str]) -> int:
        status, page = self.open(path)
        assert status == 200, status
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, page[:500]
        return self.open(path, {"csrfmiddlewaretoken": match.group(1), **data})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _post_json(url: str, body: dict[str, str] | None) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body or {}).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login/", {"username": "nobody", "password": "wrong password"}),
        ("/signup/", {"username": "x", "password1": "a", "password2": "b"}),
    ],
)
def test_page_attempts_are_limited_across_workers(
    limited: Gunicorn, path: str, data: dict[str, str]
) -> None:
    assert len(limited.workers()) == 2
    codes = [Browser(limited.url).post_form(path, data) for _ in range(LIMIT + 2)]
    assert 429 not in codes[:LIMIT], codes
    assert codes[LIMIT:] == [429, 429], codes


def test_guest_creation_is_limited_across_workers(limited: Gunicorn) -> None:
    codes = []
    for _ in range(LIMIT + 2):
        browser = Browser(limited.url)
        _, page = browser.open("/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:300]
        codes.append(browser.open("/guest/", {"csrfmiddlewaretoken": token.group(1)})[0])
    assert codes[:LIMIT] == [302] * LIMIT, codes
    assert codes[LIMIT:] == [429, 429], codes


def test_api_account_endpoints_are_throttled_across_workers(limited: Gunicorn) -> None:
    codes = [
        _post_json(f"{limited.url}/api/auth/token/", {"username": "no", "password": "wrong"})
        for _ in range(12)
    ]
    assert 429 not in codes[:10], codes  # auth.token: 10/minute
    assert codes[10:] == [429, 429], codes


def test_turning_the_limits_off_turns_the_api_throttles_off(
    live_site: LiveSite, tmp_path: Path
) -> None:
    """MOVIEMATCH_RATELIMIT=0 (a load test, many visitors behind one address): no 429 at all."""
    shutil.rmtree(live_site.data_dir / "cache", ignore_errors=True)
    server = Gunicorn(live_site, tmp_path / "gunicorn.log", MOVIEMATCH_RATELIMIT="0")
    try:
        codes = [_post_json(f"{server.url}/api/auth/guest/", None) for _ in range(25)]
        codes += [
            _post_json(f"{server.url}/api/auth/token/", {"username": "no", "password": "x"})
            for _ in range(12)
        ]
    finally:
        server.stop()
    assert codes == [201] * 25 + [400] * 12, codes  # beyond 20 guests/hour, 10 tokens/minute


def test_passwords_are_stored_with_argon2(limited: Gunicorn, live_site: LiveSite) -> None:
    name = f"argon-{os.getpid()}"
    password = "a long pass phrase 42"
    data = {"username": name, "password1": password, "password2": password}
    assert Browser(limited.url).post_form("/signup/", data) == 302
    algorithm = manage(
        live_site.env,
        "shell",
        "-c",
        "from moviematch.accounts.models import User; "
        f"print(User.objects.get(username={name!r}).password.split('$')[0])",
    )
    assert algorithm.split()[-1] == "argon2"  # (after the shell's own notice)


def test_the_base_settings_hash_with_argon2_first() -> None:
    """The production settings, read fresh (the tests' own settings use a fast hasher)."""
    code = (
        "import django; django.setup(); "
        "from django.contrib.auth.hashers import get_hasher, make_password; "
        "print(get_hasher().algorithm, make_password('x').split('$')[0])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "moviematch.config.settings.base"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["argon2", "argon2"]
