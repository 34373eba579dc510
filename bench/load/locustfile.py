"""The real visit, for locust: guest sign-in → rate 10 → home → movie page → similar → rate
more → home, then browsing on (movie, similar, rate, home) until the run ends.

Ratings go through the endpoint the star widget uses (``POST /ratings/<id>/`` with the CSRF
header and ``Accept: application/json``). Every rating the server acknowledges (200 with the
stars sent back) is recorded per user; at the end of the run the list is written to
``$MOVIEMATCH_LOAD_ACKS`` (JSON lines), for ``run_load.py`` to check against the database.

Run through ``bench/load/run_load.py``, which starts the server; by hand::

    locust -f bench/load/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8000
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

CARD_RE = re.compile(r'<article class="mm-card[^"]*" data-movie-id="(\d+)"')
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARS = [x / 2 for x in range(1, 11)]

#: (username, movie id) → the stars last acknowledged, over every simulated user.
ACKNOWLEDGED: dict[tuple[str, int], float] = {}


class Visitor(HttpUser):
    # A person looks at a page for a moment before the next click: ``_look`` waits this long
    # after every page and every rating (locust's own wait after each task comes on top).
    wait_time = between(0.5, 1.5)

    username: str = ""
    token: str = ""
    rated: set[int]
    seen: list[int]

    def on_start(self) -> None:
        self.rated, self.seen = set(), []
        landing = self.client.get("/", name="landing")
        self._look()
        token = TOKEN_RE.search(landing.text)
        with self.client.post(
            "/guest/",
            data={"csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": self.host + "/"},
            name="guest sign-in",
            catch_response=True,
        ) as r:
            if "/rate/" not in r.url:
                r.failure(f"guest sign-in ended on {r.url}")
                raise StopUser()
        self._take_page(r.text)
        me = self.client.get("/api/me/", name="api me (bookkeeping)")  # no click of a person
        self.username = me.json()["username"]
        for movie_id in self._unrated(10):
            self._rate(movie_id)
        self._home()
        self._browse()

    @task
    def browse(self) -> None:
        self._browse()

    def _browse(self) -> None:
        """Movie page → similar → rate two more → home."""
        if not self.seen:
            self._home()
        movie_id = random.choice(self.seen[:20] or [1])
        self._take_page(self.client.get(f"/movies/{movie_id}/", name="movie page").text)
        self._take_page(
            self.client.get(f"/movies/{movie_id}/similar/", name="similar").text, keep=True
        )
        for other in self._unrated(2):
            self._rate(other)
        self._home()

    def _home(self) -> None:
        self._take_page(self.client.get("/home/", name="home").text)

    def _look(self) -> None:
        """The moment a person spends on what they just got, before the next click."""
        self.wait()

    def _take_page(self, html: str, *, keep: bool = False) -> None:
        """Remember the page's CSRF token and the movies on its cards; then look at it."""
        self._look()
        token = TOKEN_RE.search(html)
        if token:
            self.token = token.group(1)
        cards = [int(m) for m in CARD_RE.findall(html)]
        if cards:
            self.seen = [*cards, *self.seen] if keep else cards

    def _unrated(self, n: int) -> list[int]:
        fresh = [m for m in dict.fromkeys(self.seen) if m not in self.rated]
        return fresh[:n]

    def _rate(self, movie_id: int) -> None:
        stars = random.choice(STARS)
        with self.client.post(
            f"/ratings/{movie_id}/",
            data={"stars": str(stars)},
            headers={
                "X-CSRFToken": self.token,
                "Accept": "application/json",
                "Referer": self.host + "/rate/",
            },
            name="rate (star widget)",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
                return
            body: dict[str, Any] = r.json()
            if body.get("stars") is None or float(body["stars"]) != stars:
                r.failure(f"acknowledged {body.get('stars')!r}, sent {stars}")
                return
        self.rated.add(movie_id)
        ACKNOWLEDGED[(self.username, movie_id)] = stars
        self._look()


@events.quitting.add_listener
def _write_acknowledgements(environment: Any, **kwargs: Any) -> None:
    path = os.environ.get("MOVIEMATCH_LOAD_ACKS")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as out:
        for (username, movie_id), stars in sorted(ACKNOWLEDGED.items()):
            out.write(json.dumps({"username": username, "movie_id": movie_id, "stars": stars}))
            out.write("\n")
