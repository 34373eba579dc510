"""A newcomer's whole visit in a real browser, on the real ml-latest-small catalogue.

Guest (one click) → rate ten films on /rate/ with the star widget, by mouse and by keyboard,
skipping one → home: named rows with predicted stars → a movie page and its similar movies
→ rate it there → home has changed → search "amelie" (and the header's suggestions) → edit
and delete ratings on My ratings → switch to Korean. Then a second newcomer whose browser
asks for Korean starts from the landing page.

Every page is photographed at phone (390×844) and desktop (1366×900) size into a temporary
directory named at the end of pytest's output; with ``MOVIEMATCH_E2E_DOCS=1`` the README's
screenshots are also copied to ``docs/screenshots/`` (``make screenshots``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.live_site import ROOT, LiveSite

try:
    from playwright.sync_api import expect
except ImportError:  # the ``chromium`` fixture skips (fails under CI=true) with the reason
    expect = None

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.dataset]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: The README's screenshots: page, viewport, language.
README_SHOTS = [
    ("landing", "desktop", "en"),
    ("landing", "phone", "ko"),
    ("onboarding", "phone", "en"),
    ("onboarding", "desktop", "ko"),
    ("home", "desktop", "en"),
    ("home", "phone", "ko"),
    ("movie", "phone", "en"),
    ("movie", "desktop", "ko"),
]
#: What a Korean visitor reads for each MovieLens genre.
KOREAN_GENRES = {
    "Action": "액션",
    "Adventure": "모험",
    "Animation": "애니메이션",
    "Children": "어린이/가족",
    "Comedy": "코미디",
    "Crime": "범죄",
    "Documentary": "다큐멘터리",
    "Drama": "드라마",
    "Fantasy": "판타지",
    "Film-Noir": "필름 누아르",
    "Horror": "공포",
    "IMAX": "IMAX",
    "Musical": "뮤지컬",
    "Mystery": "미스터리",
    "Romance": "로맨스",
    "Sci-Fi": "SF",
    "Thriller": "스릴러",
    "War": "전쟁",
    "Western": "서부",
}
TARGET = 10
#: Longest wait for anything the visitor waits for (generous: the machine may be busy).
TIMEOUT_MS = 20_000
#: True once every image in the viewport has loaded (lazy ones outside it are left alone).
IMAGES_IN_VIEW_LOADED = """() => Array.from(document.images).every((img) => {
  const r = img.getBoundingClientRect();
  const inView = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  return !inView || (img.complete && img.naturalWidth > 0);
})"""


def screenshot_dir() -> Path:
    """``MOVIEMATCH_E2E_SCREENSHOTS``, else a new temporary directory (outside pytest's
    own, which keeps only its last three runs)."""
    chosen = os.environ.get("MOVIEMATCH_E2E_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return Path(tempfile.mkdtemp(prefix="moviematch-e2e-screenshots-"))


def stars_for(genres: str) -> float:
    """The newcomer's taste, read off a card's genre line: crime films and dramas, yes;
    fantasy, animation and space adventures, no."""
    if "Crime" in genres:
        return 5.0 if "Drama" in genres else 4.5
    if "Drama" in genres or "Thriller" in genres:
        return 4.0
    if any(g in genres for g in ("Animation", "Fantasy", "Sci-Fi", "Adventure", "Children")):
        return 1.5
    return 3.0


def fold(text: str) -> str:
    """Lower case without accents: how a visitor compares "Amélie" with "amelie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def shown_value(stars: float) -> str:
    """The widget's value next to the stars, as the page writes it ("★ 4.5", "★ 5")."""
    return f"★ {stars:g}"


@dataclass
class Problems:
    """What a visitor would notice went wrong on any page: script errors, failed requests."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.seen.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.seen.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _failed(self, request: Any) -> None:
        # Saves and suggestions superseded by the visitor's next key are aborted on purpose.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.seen.append(f"request failed: {request.url} ({request.failure})")


class Camera:
    """Screenshots of a page at desktop size as it is, and at phone size in a phone-shaped
    browser (touch, mobile viewport) with the same cookies, loading the same address."""

    def __init__(self, browser: Any, directory: Path, problems: Problems) -> None:
        self.browser = browser
        self.directory = directory
        self.problems = problems
        self.phones: dict[Any, Any] = {}
        self.taken: list[Path] = []

    def context(self, locale: str) -> Any:
        """A desktop browser context asking for ``locale``, with its phone twin."""
        desktop = self.browser.new_context(viewport=VIEWPORTS["desktop"], locale=locale)
        phone = self.browser.new_context(
            viewport=VIEWPORTS["phone"], locale=locale, is_mobile=True, has_touch=True
        )
        self.phones[desktop] = phone.new_page()
        self.phones[desktop].set_default_timeout(TIMEOUT_MS)
        self.problems.watch(self.phones[desktop])
        return desktop

    def close(self) -> None:
        for desktop, phone in self.phones.items():
            desktop.close()
            phone.context.close()

    def shoot(
        self,
        page: Any,
        name: str,
        *,
        anchor: str | None = None,
        phone: bool = True,
        prepare: Callable[[Any], None] | None = None,
    ) -> None:
        """``<name>-desktop-<lang>.png`` and ``<name>-phone-<lang>.png``; ``anchor`` is scrolled
        into view first (else the top of the page is shown); ``prepare(page)`` then runs on
        the phone's page, which has just loaded the address (the desktop page is taken as it
        is)."""
        self._take(page, name, "desktop", anchor)
        if phone:
            twin = self.phones[page.context]
            twin.context.add_cookies(page.context.cookies())
            twin.goto(page.url)
            self._take(twin, name, "phone", anchor, prepare)

    def _take(
        self,
        page: Any,
        name: str,
        viewport: str,
        anchor: str | None,
        prepare: Callable[[Any], None] | None = None,
    ) -> None:
        if anchor:
            page.locator(anchor).first.scroll_into_view_if_needed()
            page.locator(anchor).first.wait_for()
        else:
            page.evaluate("window.scrollTo(0, 0)")
        if prepare is not None:
            prepare(page)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_function(IMAGES_IN_VIEW_LOADED)
        language = page.locator("html").get_attribute("lang")
        path = self.directory / f"{name}-{viewport}-{language}.png"
        page.screenshot(path=path, animations="disabled")
        self.taken.append(path)


@dataclass
class Visit:
    """The newcomer's browser tab and what the test learns on the way."""

    site: LiveSite
    page: Any
    camera: Camera
    notes: list[str]
    rated: dict[int, float] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.site.url + path

    def cards(self, scope: str) -> Any:
        return self.page.locator(f"{scope} .mm-card[data-movie-id]")

    def card(self, scope: str, movie_id: int) -> Any:
        return self.page.locator(f"{scope} .mm-card[data-movie-id='{movie_id}']")

    def ids(self, scope: str) -> list[int]:
        return [
            int(i) for i in self.cards(scope).evaluate_all("cs => cs.map(c => c.dataset.movieId)")
        ]

    def rate(
        self, movie_id: int, stars: float, *, by: str, widget: str = "", scope: str = "body"
    ) -> None:
        """Rate with the mouse (a click on the half star) or the keyboard (focus the widget,
        then one arrow key per half star from "no rating"); waits until the server saved it
        and the widget says so. ``stars=0`` clears the rating ("No rating")."""
        prefix = f"rate-{widget}{movie_id}"
        halves = round(stars * 2)
        form = self.page.locator(scope).locator(f"form.mm-rate[data-movie-id='{movie_id}']")
        with self.page.expect_response(
            lambda r: r.url.endswith(f"/ratings/{movie_id}/") and r.request.method == "POST"
        ) as answer:
            if by == "mouse":
                self.page.locator(f"label[for='{prefix}-{halves}']").click()
            elif by == "keyboard":
                self.page.locator(f"#{prefix}-0").focus()
                for _ in range(halves):
                    self.page.keyboard.press("ArrowRight")
                assert self.page.evaluate("document.activeElement.id") == f"{prefix}-{halves}"
            else:
                raise ValueError(by)
        assert answer.value.status == 200, answer.value.text()
        saved = answer.value.json()
        assert saved["movie_id"] == movie_id
        expect(self.page.locator(f"#{prefix}-{halves}")).to_be_checked()
        if stars:
            assert float(saved["stars"]) == stars
            expect(form.locator(".mm-stars-value")).to_have_text(shown_value(stars))
            self.rated[movie_id] = stars
        else:
            assert saved["stars"] is None
            expect(form.locator(".mm-stars-value")).to_have_text("–")
            self.rated.pop(movie_id, None)
        expect(form.locator(".mm-stars-status")).to_have_text(
            "Rating removed" if not stars else re.compile("Saved|저장됨")
        )

    def home_rows(self) -> list[tuple[str, list[int]]]:
        rows = self.page.locator(".mm-row")
        return [
            (row.locator(".mm-row-title").inner_text(), self.ids(f"#{row.get_attribute('id')}"))
            for row in rows.all()
        ]


def test_a_newcomers_visit(browser: Any, live_site: LiveSite, summary: list[str]) -> None:
    started = time.perf_counter()
    shots = screenshot_dir()
    problems = Problems()
    camera = Camera(browser, shots, problems)
    expect.set_options(timeout=TIMEOUT_MS)
    page = camera.context("en-US").new_page()
    problems.watch(page)
    page.set_default_timeout(TIMEOUT_MS)
    visit = Visit(live_site, page, camera, summary)
    timings: list[str] = []

    @contextlib.contextmanager
    def step(name: str) -> Iterator[None]:
        begun = time.perf_counter()
        yield
        timings.append(f"{name} {time.perf_counter() - begun:.1f} s")

    try:
        with step("landing"):
            landing_as_guest(visit)
        with step("onboarding"):
            rate_ten(visit)
        with step("home"):
            before = home_with_predictions(visit)
        with step("movie"):
            movie = movie_page_and_similar(visit, before)
        with step("home again"):
            home_has_changed(visit, before, movie)
        with step("adventurous"):
            familiar_to_adventurous(visit)
        with step("search"):
            search_amelie(visit)
        with step("my ratings"):
            edit_and_delete_on_my_ratings(visit)
        with step("korean"):
            switch_to_korean(visit, movie)
        with step("korean newcomer"):
            korean_newcomer(visit)
    finally:
        camera.close()
        summary.append(f"screenshots ({len(camera.taken)}): {shots}")
        summary.append("steps: " + ", ".join(timings))
        summary.extend(problems.seen)
    assert not problems.seen, "\n".join(problems.seen)
    if os.environ.get("MOVIEMATCH_E2E_DOCS") == "1":
        docs = ROOT / "docs" / "screenshots"
        for name, viewport, language in README_SHOTS:
            shutil.copyfile(
                shots / f"{name}-{viewport}-{language}.png",
                docs / f"{name}-{viewport}-{language}.png",
            )
        summary.append(f"README screenshots copied to {docs}")
    summary.append(f"the visit took {time.perf_counter() - started:.1f} s")


def landing_as_guest(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.url("/"))
    expect(page.locator("h1")).to_have_text("Find your next favourite movie.")
    visit.camera.shoot(page, "landing")
    page.locator("#mm-guest-button").click()
    page.wait_for_url("**/rate/")
    expect(page.locator(".mm-guest-bar")).to_contain_text("guest account")


def rate_ten(visit: Visit) -> None:
    """Ten ratings, every other one by keyboard; one "Haven't seen it" on the third card."""
    page = visit.page
    page.wait_for_load_state("networkidle")  # the first screen's cards and the next batch
    cards = "#mm-onboarding-cards"
    count = page.locator("[data-mm-progress-count]")
    go_home = page.locator("#mm-go-home")
    expect(count).to_have_text(f"0 of {TARGET}")
    expect(go_home).to_be_hidden()
    skipped: int | None = None
    position = 0
    while len(visit.rated) < TARGET:
        ids = visit.ids(cards)
        movie_id = ids[position]
        card = visit.card(cards, movie_id)
        expect(card.locator(".mm-predicted")).to_have_count(0)  # no predictions while rating
        visit.titles[movie_id] = card.locator(".mm-card-title").inner_text()
        if skipped is None and len(visit.rated) == 2:
            with page.expect_response(lambda r: r.url.endswith("/rate/skip/")) as answer:
                card.locator(".mm-skip-button").click()
            assert answer.value.status == 200
            expect(card).to_have_count(0)
            # the card's place is taken by a film that was not on the page
            expect(visit.cards(cards).nth(position)).not_to_have_attribute(
                "data-movie-id", str(movie_id)
            )
            assert int(visit.cards(cards).nth(position).get_attribute("data-movie-id")) not in ids
            skipped = movie_id
            continue
        genres = card.locator(".mm-card-meta").inner_text()
        by = "mouse" if len(visit.rated) % 2 == 0 else "keyboard"
        visit.rate(movie_id, stars_for(genres), by=by, scope=cards)
        position += 1
        expect(count).to_have_text(f"{len(visit.rated)} of {TARGET}")
        if len(visit.rated) == 4:
            visit.camera.shoot(page, "onboarding")
        if len(visit.rated) < TARGET:
            expect(go_home).to_be_hidden()
    expect(page.locator("[data-mm-milestone]")).to_have_text(
        "Done! Your recommendations are ready."
    )
    expect(go_home).to_be_visible()
    expect(page.locator(".mm-predicted")).to_have_count(0)
    expect(page.get_by_text("We think")).to_have_count(0)
    # The next visit of /rate/ proposes neither the rated films nor the skipped one.
    page.reload(wait_until="networkidle")
    expect(go_home).to_be_visible()
    expect(count).to_have_text(f"{TARGET} of {TARGET}")
    proposed = set(visit.ids(cards))
    assert skipped not in proposed
    assert not proposed & set(visit.rated)
    go_home.click()
    page.wait_for_url("**/home/")


def home_with_predictions(visit: Visit) -> list[int]:
    """Named rows, each card with "We think ★x.x" and no film already rated; returns the
    movies of the first two rows (those of the first screen), in order."""
    page = visit.page
    page.wait_for_load_state("networkidle")  # rows further down arrive as the page grows
    rows = visit.home_rows()
    assert len(rows) >= 2, rows
    headings = [heading for heading, _ in rows]
    assert len(set(headings)) == len(headings), headings
    for row in page.locator(".mm-row").all():
        genres = row.get_attribute("data-genres")
        if genres:  # labelled by its genres, in the page's language
            expect(row.locator(".mm-row-title")).to_have_text(" · ".join(genres.split(",")))
        else:  # a group no genre describes (grouping.FALLBACK_LABEL, numbered if several)
            expect(row.locator(".mm-row-title")).to_have_text(re.compile(r"More picks( \d+)?"))
    predictions = page.locator(".mm-row .mm-predicted")
    expect(predictions).to_have_count(page.locator(".mm-row .mm-card").count())
    for text in predictions.all_inner_texts():
        assert re.fullmatch(r"We think ★[0-5]\.\d", text), text
    shown = [movie for _, ids in rows for movie in ids]
    assert not set(shown) & set(visit.rated)
    for card in page.locator(".mm-row .mm-card").all():
        visit.titles[int(card.get_attribute("data-movie-id"))] = card.locator(
            ".mm-card-title"
        ).inner_text()
    visit.notes.append(
        "rated: " + "; ".join(f"{visit.titles[m]} ★{s:g}" for m, s in visit.rated.items())
    )
    for heading, ids in rows:
        visit.notes.append(f"  {heading}: " + ", ".join(visit.titles[m] for m in ids[:6]))
    expect(page.locator(".mm-row .mm-why-toggle")).to_have_count(len(shown))  # each has Why?
    expect(page.locator(".mm-adventurous input[value='0.5']")).to_be_checked()
    named = open_why(visit, page)
    visit.notes.append(
        f"why {visit.titles[shown[0]]}: because you rated "
        + (", ".join(visit.titles[m] for m in named) or "nothing (popular in general)")
    )
    visit.camera.shoot(page, "home", prepare=open_why_of_phone)
    return visit.ids("#row-0") + visit.ids("#row-1")


WHY_LINKS = ".mm-why--card .mm-why-film a"


def open_why(visit: Visit, page: Any) -> list[int]:
    """Open the first card's "Why?": its reason is fetched then, naming films the visitor
    rated (or saying the film is there for what everyone likes); returns them."""
    card = page.locator(".mm-row .mm-card").first
    with page.expect_response(lambda r: "/why/" in r.url) as answer:
        card.locator(".mm-why-toggle > summary").click()
    assert answer.value.status == 200
    reason = card.locator(".mm-why--card")
    expect(reason).to_have_attribute("data-state", "done")
    expect(reason).to_be_visible()
    links = card.locator(".mm-why-film a")
    named = [int(re.sub(r"\D", "", h)) for h in links.evaluate_all("as => as.map(a => a.pathname)")]
    if named:
        expect(reason).to_contain_text(re.compile("Because you rated|평가하셨기 때문이에요"))
        assert set(named) <= set(visit.rated), named
    else:
        expect(reason).to_contain_text(re.compile("Popular with people in general|인기작"))
    return named


def open_why_of_phone(page: Any) -> None:
    """The phone's home as a screenshot shows it: the setting at the top, a reason open."""
    card = page.locator(".mm-row .mm-card").first
    card.locator(".mm-why-toggle > summary").click()
    expect(card.locator(".mm-why--card")).to_have_attribute("data-state", "done")
    page.evaluate(
        "window.scrollTo(0, document.querySelector('.mm-adventurous').getBoundingClientRect()"
        ".top + window.scrollY - 12)"
    )
    page.mouse.move(0, 0)


def familiar_to_adventurous(visit: Visit) -> None:
    """ "Adventurous" re-orders home without a reload, and is remembered; back to "Balanced"."""
    page = visit.page
    page.wait_for_load_state("networkidle")
    balanced = visit.ids("#row-0") + visit.ids("#row-1")
    setting = page.locator(".mm-adventurous")
    with page.expect_response(lambda r: r.url.endswith("/home/adventurous/")) as answer:
        setting.locator("label", has_text="Adventurous").click()
    assert answer.value.status == 200
    expect(setting.locator(".mm-adventurous-status")).to_have_text("Your picks are in a new order.")
    bold = visit.ids("#row-0") + visit.ids("#row-1")
    assert bold != balanced, "Adventurous did not change the first rows"
    assert not set(bold) & set(visit.rated)
    page.reload(wait_until="networkidle")
    expect(setting.locator("input[value='1']")).to_be_checked()
    assert visit.ids("#row-0") + visit.ids("#row-1") == bold
    visit.notes.append(
        "adventurous, first row: " + ", ".join(visit.titles.get(m, str(m)) for m in bold[:5])
    )
    # the keyboard, back to the middle
    setting.locator("input[value='1']").focus()
    with page.expect_response(lambda r: r.url.endswith("/home/adventurous/")):
        page.keyboard.press("ArrowLeft")
    expect(setting.locator("input[value='0.5']")).to_be_checked()
    expect(setting.locator(".mm-adventurous-status")).to_have_text("Your picks are in a new order.")
    assert visit.ids("#row-0") + visit.ids("#row-1") == balanced


def movie_page_and_similar(visit: Visit, home: list[int]) -> int:
    """The first pick's page: prediction, similar movies below; the visitor rates it there."""
    page = visit.page
    movie_id = home[0]
    visit.card("#row-0", movie_id).locator(".mm-card-title a").click()
    page.wait_for_url(f"**/movies/{movie_id}/")
    expect(page.locator("h1.mm-movie-title")).to_contain_text(visit.titles[movie_id])
    expect(page.locator(".mm-movie-scores .mm-predicted")).to_have_text(
        re.compile(r"We think ★[0-5]\.\d")
    )
    expect(page.locator(f"#rate-page-{movie_id}-0")).to_be_checked()  # not rated yet
    page.locator(".mm-similar").scroll_into_view_if_needed()
    similar = visit.cards(".mm-similar")
    expect(similar.first).to_be_visible()
    similar_ids = visit.ids(".mm-similar")
    assert movie_id not in similar_ids
    assert len(similar_ids) >= 5, similar_ids
    expect(page.locator(".mm-similar .mm-predicted")).to_have_count(len(similar_ids))
    for card in similar.all():
        visit.titles[int(card.get_attribute("data-movie-id"))] = card.locator(
            ".mm-card-title"
        ).inner_text()
    visit.notes.append(
        f"similar to {visit.titles[movie_id]}: "
        + ", ".join(visit.titles[m] for m in similar_ids[:8])
    )
    visit.camera.shoot(page, "movie-similar", anchor=".mm-similar .mm-card")
    # why it is recommended: the rated films behind it, linked, while it is not rated
    reason = page.locator("#mm-why")
    expect(reason.locator("#mm-why-title")).to_have_text("Why we recommend it")
    expect(reason.locator(".mm-why-film a").first).to_be_visible()  # loaded as it came in view
    named = [
        int(re.sub(r"\D", "", h))
        for h in reason.locator(".mm-why-film a").evaluate_all("as => as.map(a => a.pathname)")
    ]
    assert named, "no rated film named on the movie page"
    assert set(named) <= set(visit.rated), named
    visit.camera.shoot(page, "movie")
    visit.rate(movie_id, 4.5, by="keyboard", widget="page-", scope=".mm-movie")
    page.reload()
    expect(page.locator("#mm-why")).to_have_count(0)  # rated now: the reason has no place
    return movie_id


def home_has_changed(visit: Visit, before: list[int], movie_id: int) -> None:
    page = visit.page
    page.locator(".mm-nav a", has_text="Home").click()
    page.wait_for_url("**/home/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".mm-row").first).to_be_visible()
    after = visit.ids("#row-0") + visit.ids("#row-1")
    assert movie_id not in visit.ids(".mm-rows")  # rated films never come back
    assert after != [m for m in before if m != movie_id], "the first rows did not change"
    visit.notes.append(
        f"after rating {visit.titles[movie_id]} ★4.5 the first two rows changed: "
        f"{len(set(after) - set(before))} new films, first row now "
        + ", ".join(visit.titles.get(m, str(m)) for m in visit.ids("#row-0")[:5])
    )


def search_amelie(visit: Visit) -> None:
    """The header's suggestions after a few letters (keyboard to pick one), then the search
    page for the same words."""
    page = visit.page
    box = page.locator("#mm-q")
    box.click()
    box.press_sequentially("amelie")
    options = page.locator("#mm-suggest [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    suggestions = options.all_inner_texts()
    assert any(fold(s).startswith("amelie") and "(2001)" in s for s in suggestions), suggestions
    visit.camera.shoot(page, "suggestions", phone=False)
    amelie = next(i for i, s in enumerate(suggestions) if fold(s).startswith("amelie"))
    for _ in range(amelie + 1):
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/movies/\d+/$"))
    assert fold(page.locator("h1.mm-movie-title").inner_text()).startswith("amelie")

    box = page.locator("#mm-q")
    box.fill("amelie")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=amelie"))
    results = visit.cards("#mm-search-results")
    expect(results.first).to_be_visible()
    first = results.first
    assert fold(first.locator(".mm-card-title").inner_text()) == "amelie"
    expect(first.locator(".mm-year")).to_have_text("2001")
    visit.camera.shoot(page, "search")


def edit_and_delete_on_my_ratings(visit: Visit) -> None:
    """Change one rating and clear another in place; after a reload the list agrees."""
    page = visit.page
    page.locator(".mm-nav a", has_text="My ratings").click()
    page.wait_for_url("**/me/ratings/")
    grid = "#mm-my-ratings"
    heading = page.locator(".mm-page-head p")
    expect(heading).to_have_text(f"{len(visit.rated)} movies rated")
    listed = visit.ids(grid)
    assert sorted(listed) == sorted(visit.rated)
    # The newcomer raises an older rating of a film they liked to five stars, and clears the
    # one they were least sure about (the rating nearest three stars).
    edited = next((m for m in listed[1:] if 4.0 <= visit.rated[m] < 5.0), listed[1])
    new_stars = 5.0 if visit.rated[edited] < 5.0 else 4.0
    deleted = min((m for m in listed if m != edited), key=lambda m: abs(visit.rated[m] - 3.0))
    visit.rate(edited, new_stars, by="mouse", scope=grid)
    visit.rate(deleted, 0, by="mouse", scope=grid)
    expect(visit.card(grid, deleted).locator(".mm-stars-value")).to_have_text("–")

    page.reload(wait_until="networkidle")
    expect(heading).to_have_text(f"{len(visit.rated)} movies rated")
    expect(visit.card(grid, deleted)).to_have_count(0)
    edited_card = visit.card(grid, edited)
    expect(page.locator(f"#rate-{edited}-{round(new_stars * 2)}")).to_be_checked()
    expect(edited_card.locator(".mm-stars-value")).to_have_text(shown_value(new_stars))
    expect(edited_card.locator(".mm-card-date")).to_contain_text("Rated ")
    assert visit.ids(grid)[0] == edited  # newest first
    visit.camera.shoot(page, "my-ratings")


def switch_to_korean(visit: Visit, movie_id: int) -> None:
    """The footer's switch: the same pages in Korean, and the choice is remembered."""
    page = visit.page
    page.locator(".mm-nav a", has_text="Home").click()
    page.wait_for_url("**/home/")
    with page.expect_navigation():
        page.locator("button[name=language][value=ko]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert page.url.endswith("/home/")
    expect(page.locator(".mm-nav a[aria-current=page]")).to_have_text("홈")
    expect(page.locator(".mm-nav")).to_contain_text("내 평가")
    page.wait_for_load_state("networkidle")
    for row in page.locator(".mm-row").all():
        genres = row.get_attribute("data-genres").split(",")
        expect(row.locator(".mm-row-title")).to_have_text(
            " · ".join(KOREAN_GENRES[g] for g in genres)
        )
    for text in page.locator(".mm-row .mm-predicted").all_inner_texts():
        assert re.fullmatch(r"예상 ★[0-5]\.\d", text), text
    genre_lines = " ".join(page.locator(".mm-row .mm-genres").all_inner_texts())
    assert re.search("드라마|범죄", genre_lines), genre_lines
    expect(page.locator(".mm-adventurous legend")).to_have_text("추천 방식")
    open_why(visit, page)
    visit.camera.shoot(page, "home", prepare=open_why_of_phone)

    page.goto(visit.url(f"/movies/{movie_id}/"))
    expect(page.locator("#mm-similar-title")).to_have_text("비슷한 영화")
    badges = page.locator(".mm-movie-facts .badge").all_inner_texts()
    assert badges
    assert set(badges) <= set(KOREAN_GENRES.values()), badges
    expect(
        page.locator(f"#rate-page-{movie_id}-{round(visit.rated[movie_id] * 2)}")
    ).to_be_checked()
    # the first pick of home, not rated: why it is recommended, in Korean
    page.goto(visit.url("/home/"))
    pick = visit.ids("#row-0")[0]
    page.goto(visit.url(f"/movies/{pick}/"))
    expect(page.locator("#mm-why-title")).to_have_text("추천 이유")
    expect(page.locator("#mm-why")).to_contain_text("이 영화들을 평가하셨기 때문이에요:")
    visit.camera.shoot(page, "movie")

    page.goto(visit.url("/me/ratings/"))
    expect(page.locator(".mm-page-head p")).to_have_text(f"영화 {len(visit.rated)}편 평가함")
    visit.camera.shoot(page, "my-ratings")


def korean_newcomer(visit: Visit) -> None:
    """A browser that asks for Korean gets the landing page and onboarding in Korean."""
    context = visit.camera.context("ko-KR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    visit.camera.problems.watch(page)
    korean = Visit(visit.site, page, visit.camera, visit.notes)
    page.goto(visit.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text("다음에 좋아하게 될 영화를 찾아보세요.")
    visit.camera.shoot(page, "landing")
    page.locator("#mm-guest-button").click()
    page.wait_for_url("**/rate/")
    page.wait_for_load_state("networkidle")
    cards = "#mm-onboarding-cards"
    expect(page.locator("[data-mm-progress-count]")).to_have_text(f"0 / {TARGET}")
    expect(page.locator(".mm-skip-button").first).to_have_text("안 봤어요")
    for position, stars in enumerate((4.5, 3.0, 5.0)):
        korean.rate(korean.ids(cards)[position], stars, by="mouse", scope=cards)
        expect(page.locator("[data-mm-progress-count]")).to_have_text(f"{position + 1} / {TARGET}")
    visit.camera.shoot(page, "onboarding")
