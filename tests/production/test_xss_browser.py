"""Markup in catalogue text, in a real browser: what the site's scripts build from JSON (the
header's autocomplete) and from fragments (onboarding, home rows) stays text.

``tests/security/test_xss.py`` checks the HTML the server sends; this checks the DOM after
the scripts ran, in Chromium over gunicorn. A movie's title is set to payloads for the
test (and restored after); no dialog may open and no element may carry an event handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.production.test_csp_browser import browser
from tests.production_site import Gunicorn, LiveSite, manage

pytestmark = pytest.mark.slow

__all__ = ["browser"]

TITLE = '<img src=x onerror=alert(1)><script>alert(2)</script>"><svg onload=alert(3)> Xyzzy'
_HANDLERS = "[onerror], [onload], [onmouseover], [onclick], [onfocus]"


def _set_titles(site: LiveSite, movie_id: int, titles: list[str]) -> list[str]:
    """Set movie ``movie_id``'s title and English title; returns the old ones."""
    code = (
        "import json; from moviematch.catalog.models import Movie; "
        "from moviematch.catalog.titles import movie_search_text_refresh; "
        f"m = Movie.objects.get(pk={movie_id}); print(json.dumps([m.title, m.english_title])); "
        f"m.title, m.english_title = {titles!r}; m.save(); movie_search_text_refresh()"
    )
    out = manage(site.env, "shell", "-c", code).strip().splitlines()[-1]
    return [str(t) for t in json.loads(out)]


@pytest.fixture
def marked_movie(live_site: LiveSite) -> Iterator[int]:
    movie_id = live_site.movie_ids[0]
    old = _set_titles(live_site, movie_id, [TITLE, TITLE])
    yield movie_id
    _set_titles(live_site, movie_id, old)


def test_scripts_render_catalogue_markup_as_text(
    browser: Any, gunicorn: Gunicorn, marked_movie: int
) -> None:
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def inert() -> None:
        assert page.locator(_HANDLERS).count() == 0
        scripts = page.evaluate(
            "Array.from(document.scripts, s => s.textContent).filter(t => t.includes('alert('))"
        )
        assert scripts == []
        assert dialogs == []

    page.goto(gunicorn.url + "/", wait_until="networkidle")
    page.fill("#mm-q", "xyzzy")
    page.wait_for_selector("#mm-suggest [role=option]")
    suggestions = page.locator("#mm-suggest [role=option] a").all_inner_texts()
    assert any(TITLE in s for s in suggestions), suggestions
    inert()

    page.goto(f"{gunicorn.url}/movies/{marked_movie}/", wait_until="networkidle")
    assert TITLE in page.locator("h1").inner_text()
    inert()

    page.goto(gunicorn.url + "/", wait_until="networkidle")
    page.click("#mm-guest-button")
    page.wait_for_url("**/rate/")
    page.goto(f"{gunicorn.url}/rate/?q=xyzzy", wait_until="networkidle")
    page.mouse.wheel(0, 10000)  # the infinite scroll fetches more cards
    page.wait_for_timeout(500)
    inert()
    page.goto(gunicorn.url + "/home/", wait_until="networkidle")
    page.mouse.wheel(0, 10000)
    page.wait_for_timeout(500)
    inert()
    context.close()
