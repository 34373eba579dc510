"""The Content-Security-Policy in a real browser: Chromium (Playwright) walks the site served by
gunicorn with the production settings, and not one resource or script is refused.

A refused resource fires ``securitypolicyviolation`` in the page and writes a console error
("Refused to ..."); both are collected from before the first script of each page runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.production_site import Gunicorn

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class Visit:
    """One browser context (cookies) with the CSP watch and console errors collected."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context()
        self.context.add_init_script(_WATCH)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type == "error" else None
        )

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__cspViolations")
        return found + [m for m in self.console if "Content Security Policy" in m]

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path, wait_until="networkidle")
        assert response is not None, path
        assert response.status == 200, path
        assert self.violations() == [], path


def test_pages_admin_and_api_docs_run_under_the_policy(browser: Any, gunicorn: Gunicorn) -> None:
    visit = Visit(browser, gunicorn.url)
    page = visit.page

    visit.open("/")
    csp = page.evaluate("fetch('/').then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page.click("#mm-guest-button")
    page.wait_for_url("**/rate/")
    # The star widget saves by fetch (connect-src 'self'), its script from a file.
    with page.expect_response(lambda r: "/ratings/" in r.url and r.request.method == "POST") as r:
        page.locator("form.mm-rate label.mm-half").last.click()
    assert r.value.status == 200
    assert r.value.json()["rated_count"] == 1
    assert visit.violations() == []
    # Nine more ratings the same way the widget sends them, to reach a personal home page.
    rated = page.evaluate(
        """async () => {
          const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
          let count = 0;
          for (const id of [2, 3, 4, 5, 6, 7, 8, 9, 10]) {
            const r = await fetch(`/ratings/${id}/`, {
              method: "POST",
              headers: {"X-CSRFToken": token, "Accept": "application/json"},
              body: new URLSearchParams({stars: "4.5"}),
            });
            count = (await r.json()).rated_count;
          }
          return count;
        }"""
    )
    assert rated >= 10

    visit.open("/home/")
    assert page.locator("article.mm-card").count() > 0
    visit.open("/movies/1/")
    assert page.locator("h1").count() == 1
    visit.open("/movies/1/similar/")
    visit.open("/search/?q=comedy")
    visit.open("/me/ratings/")

    admin = Visit(browser, gunicorn.url)
    admin.open("/admin/login/")
    assert admin.page.locator("input[name=username]").count() == 1
    # The admin's stylesheet applied: its header is styled by a file, not inline.
    assert admin.page.evaluate("getComputedStyle(document.querySelector('#header')).display") in (
        "flex",
        "block",
    )

    docs = Visit(browser, gunicorn.url)
    docs.open("/api/docs/")
    docs.page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "moviematch API" in docs.page.inner_text(".swagger-ui .info .title")
    assert docs.page.locator(".opblock").count() >= 10  # every operation listed
    assert docs.violations() == []


def test_the_policy_is_enforced_and_a_violation_would_be_seen(
    browser: Any, gunicorn: Gunicorn
) -> None:
    """The contrast: an inline script put into a page is refused, and reported."""
    visit = Visit(browser, gunicorn.url)
    visit.open("/about/")
    visit.page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.injected = true";
          document.body.appendChild(s);
        }"""
    )
    visit.page.wait_for_timeout(200)
    assert visit.page.evaluate("window.injected === undefined")
    assert any(v.startswith("script-src") for v in visit.violations())
