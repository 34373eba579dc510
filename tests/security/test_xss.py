"""Script payloads in everything a visitor can write, and in the catalogue's own text: every
page shows them as text, never as markup.

Payloads go where a user can put them: the sign-up and guest-saving forms (username, email;
a quoted email address such as ``"<script>…</script>"@example.org`` is valid, so it is
stored), the log-in form, every query parameter a page or the API reads or echoes (``q``,
``page``, ``order``, ``shown``, ``genres``, ``start``, ``next``, ``fragment``, ``search``,
``limit``, ``skipped``), and the account endpoints of the API. A username with markup cannot
be made through the site (Django's username validator); one is stored directly, as an
import or an admin could, to check the pages and admin screens that show usernames. The
catalogue's text comes from MovieLens and TMDb: titles, overviews, Korean titles, tags,
people and genre names with markup are planted in the database.

An HTML answer passes when no payload appears raw, no element carries an event-handler
attribute and no script holds a payload's code; where the page shows the value, its escaped
form must be there (so the payload did reach the page). A JSON answer must be
``application/json`` with ``nosniff`` (browsers then never read it as HTML) and parse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from moviematch.accounts.models import User
from moviematch.accounts.services import guest_create
from moviematch.catalog.models import (
    Credit,
    CreditRole,
    Genre,
    Movie,
    MovieTag,
    MovieTitle,
    Person,
    Tag,
)
from moviematch.catalog.titles import movie_search_text_refresh

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
QUOTES = "'\";alert(1)//"
PAYLOADS = (SCRIPT, IMG, QUOTES)
#: The code of every payload: no script element may contain it.
CODE = "alert("
#: Valid email addresses (quoted local parts) that carry markup.
EMAIL = '"<script>alert(1)</script>"@example.org'
EMAIL_IMG = '"<img/src=x/onerror=alert(1)>"@example.org'
PASSWORD = "a long secret 42"

#: The planted catalogue text: one payload per field, told apart by the number.
TITLE = "<script>alert(11)</script> Comedy"
ORIGINAL = '"><img src=x onerror=alert(12)>'
OVERVIEW = "<script>alert(13)</script>'\";alert(13)//"
KO_TITLE = "<img src=x onerror=alert(14)> 코미디"
TAG = "<script>alert(15)</script>"
PERSON = '"><svg onload=alert(16)>'
GENRE = "<b onmouseover=alert(17)>Comedy</b>"
STORED_NAME = "<script>alert(18)</script>"
CATALOGUE = (TITLE, ORIGINAL, OVERVIEW, KO_TITLE, TAG, PERSON, GENRE)


class _Markup(HTMLParser):
    """Event-handler attributes and the text of scripts, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [f"<{tag} {k}={v!r}>" for k, v in attrs if k.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def assert_inert(response: HttpResponse, shown: Iterable[str] = (), raw: Iterable[str] = ()) -> str:
    """``response`` is an HTML page without live markup from ``PAYLOADS`` (and ``raw``),
    and shows each of ``shown`` escaped. Returns the page."""
    assert response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    page = response.content.decode()
    for payload in (*PAYLOADS, EMAIL, EMAIL_IMG, *CATALOGUE, STORED_NAME, *raw):
        assert payload not in page, f"raw {payload!r} in {response.wsgi_request.get_full_path()}"
    for value in shown:
        assert escape(value) in page, f"{value!r} not shown escaped"
    parser = _Markup()
    parser.feed(page)
    assert parser.handlers == []
    assert not [s for s in parser.scripts if CODE in s], parser.scripts
    return page


def assert_json(response: HttpResponse) -> Any:
    """A JSON answer no browser renders as HTML."""
    assert response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.content)


@pytest.fixture
def marked_catalogue(site_model: set[int]) -> int:
    """Movie 1 (a mainstream comedy) with markup in every text of it; returns its id."""
    movie = Movie.objects.get(pk=1)
    movie.title, movie.english_title, movie.overview = TITLE, ORIGINAL, OVERVIEW
    movie.save()
    MovieTitle.objects.create(movie=movie, language="ko", title=KO_TITLE, overview=OVERVIEW)
    tag = Tag.objects.create(name=TAG)
    MovieTag.objects.create(movie=movie, tag=tag, count=99)
    person = Person.objects.create(imdb_id="nm0000001", name=PERSON)
    Credit.objects.create(movie=movie, person=person, role=CreditRole.DIRECTOR, order=0)
    Credit.objects.create(movie=movie, person=person, role=CreditRole.CAST, order=1)
    Genre.objects.filter(name="Comedy").update(name=GENRE)
    movie_search_text_refresh()
    return movie.pk


@pytest.fixture
def marked_user(marked_catalogue: int, rate: Any) -> User:
    """An account whose name and email carry markup (stored directly), with ratings."""
    user = get_user_model().objects.create_user(
        username=STORED_NAME, password=PASSWORD, email=EMAIL
    )
    rate(user, {marked_catalogue: 4.5, 2: 4.0, 3: 5.0, 4: 4.0, 5: 4.5, 28: 1.0})
    return user


# --- what visitors write -------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_refused_sign_up_shows_the_name_typed_as_text(client: Client, payload: str) -> None:
    data = {"username": payload, "email": payload, "password1": "x", "password2": "y"}
    response = client.post("/signup/", data)
    assert response.status_code == 200  # the form again, with its errors
    assert_inert(response, shown=[payload])
    assert not User.objects.exists()


def test_an_email_with_markup_is_stored_and_shown_as_text(client: Client) -> None:
    data = {"username": "mina", "email": EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/signup/", data).status_code == 302
    assert User.objects.get(username="mina").email == EMAIL
    for url in ("/account/", "/home/", "/rate/", "/me/ratings/", "/about/"):
        assert_inert(client.get(url))
    assert assert_json(client.get("/api/me/"))["username"] == "mina"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_failed_log_in_shows_the_name_typed_as_text(client: Client, payload: str) -> None:
    response = client.post(f"/login/?{urlencode({'next': payload})}", {"username": payload})
    assert_inert(response, shown=[payload])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_guest_saving_the_account_sees_what_they_typed_as_text(
    client: Client, payload: str
) -> None:
    guest = guest_create()
    client.force_login(guest)
    data = {"username": payload, "email": EMAIL_IMG, "password1": PASSWORD, "password2": "x"}
    assert_inert(client.post("/account/save/", data), shown=[payload])
    # a valid name and a marked-up email are stored, and every page shows them inert
    data = {"username": "saved-mina", "email": EMAIL_IMG}
    data |= {"password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/account/save/", data).status_code == 302
    guest.refresh_from_db()
    assert (guest.is_guest, guest.email) == (False, EMAIL_IMG)
    assert_inert(client.get("/account/"), shown=["saved-mina"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_api_account_endpoints_answer_json(payload: str) -> None:
    body = {"username": payload, "password": payload, "email": payload}
    assert assert_json(APIClient().post("/api/auth/signup/", body, format="json"))["fields"]
    assert assert_json(APIClient().post("/api/auth/token/", body, format="json"))["detail"]
    client = APIClient()
    token = client.post("/api/auth/guest/").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert assert_json(client.post("/api/me/convert/", body, format="json"))["fields"]
    # stored through the API: a valid name, a marked-up email; the pages show it inert
    stored = {"username": "api-user", "password": PASSWORD, "email": EMAIL}
    assert client.post("/api/me/convert/", stored, format="json").status_code == 200
    user = User.objects.get(username="api-user")
    assert user.email == EMAIL
    page = Client()
    page.force_login(user)
    assert_inert(page.get("/account/"), shown=["api-user"])


# --- query parameters, on every page ---------------------------------------------------------

PAGES = [
    "/",
    "/about/",
    "/home/",
    "/home/rows/",
    "/home/next/",
    "/rate/",
    "/rate/more/",
    "/search/",
    "/me/ratings/",
    "/movies/1/",
    "/movies/1/similar/",
    "/account/",
    "/account/save/",
    "/account/password/",
    "/login/",
    "/signup/",
]
PARAMETERS = (
    *("q", "page", "order", "sort", "shown", "genres", "start", "next", "all", "fragment"),
    *("n", "limit", "offset", "search", "language"),
)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("signed_in", ["anonymous", "account", "guest"])
def test_query_parameters_are_never_echoed_as_markup(
    client: Client, marked_user: User, signed_in: str, payload: str
) -> None:
    if signed_in == "account":
        client.force_login(marked_user)
    elif signed_in == "guest":
        client.force_login(guest_create())
    query = urlencode(dict.fromkeys(PARAMETERS, payload))
    for url in PAGES:
        response = client.get(f"{url}?{query}")
        if response.status_code in (301, 302):
            continue
        assert_inert(response)
    search = f"/search/?{urlencode({'q': payload})}"
    assert_inert(client.get(search), shown=[payload])
    assert_inert(client.get(f"{search}&fragment=1"))
    rate = client.get(f"/rate/?{urlencode({'q': payload})}")
    if rate.status_code == 200:
        assert_inert(rate, shown=[payload])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_json_answers_of_the_pages_and_the_api_with_payloads(
    client: Client, marked_user: User, payload: str
) -> None:
    assert_json(client.get(f"/search/suggest/?{urlencode({'q': payload})}"))
    client.force_login(marked_user)
    rated = client.post(
        "/ratings/1/", {"stars": payload, "next": payload}, HTTP_ACCEPT="application/json"
    )
    assert rated.status_code == 400
    assert_json(rated)
    # a form post (no script): the refusal page shows the error as text
    assert_inert(client.post("/ratings/1/", {"stars": payload, "next": payload}))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=marked_user)}")
    for params in ({"search": payload}, {"limit": payload}, {"order": payload}):
        assert_json(api.get(f"/api/movies/?{urlencode(params)}"))
        assert_json(api.get(f"/api/me/ratings/?{urlencode(params)}"))
    assert_json(api.get(f"/api/onboarding/?{urlencode({'skipped': payload})}"))
    movie = api.get(f"/api/movies/{quote(payload, safe='')}/")
    if "/" in payload:  # no API route then: the site's 404 page
        assert_inert(movie)
    else:
        assert_json(movie)
    assert_json(api.put("/api/me/ratings/1/", {"stars": payload}, format="json"))


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", " javascript:alert(1)", "//evil.example/", "https://evil.example/"],
)
def test_a_next_address_never_sends_the_visitor_to_a_script_or_another_site(
    client: Client, marked_user: User, target: str
) -> None:
    def safe(response: HttpResponse) -> None:
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith("/"), location
        assert not location.startswith("//"), location

    login = {"username": STORED_NAME, "password": PASSWORD}
    safe(client.post(f"/login/?{urlencode({'next': target})}", login))
    safe(client.post("/ratings/1/", {"stars": "4", "next": target}))
    safe(client.post("/rate/skip/", {"movie_id": "2", "next": target}))
    safe(client.post("/language/", {"language": "ko", "next": target}))


# --- the catalogue's own text ----------------------------------------------------------------


def test_catalogue_text_with_markup_is_shown_as_text(
    client: Client, marked_user: User, marked_catalogue: int
) -> None:
    movie = f"/movies/{marked_catalogue}/"
    anonymous = assert_inert(client.get(movie), shown=[TITLE, ORIGINAL, OVERVIEW, TAG, PERSON])
    assert escape(GENRE) in anonymous or escape("Comedy") in anonymous
    client.force_login(marked_user)
    # cards show the display title (the English one here)
    assert_inert(client.get("/me/ratings/"), shown=[ORIGINAL, GENRE])
    assert_inert(client.get("/search/?q=alert"), shown=[ORIGINAL])
    assert_inert(client.get(movie), shown=[TITLE, ORIGINAL, OVERVIEW, TAG, PERSON])
    for url in (
        "/home/?all=1",
        "/rate/?q=comedy",
        "/home/rows/?start=0",
        "/movies/2/similar/?fragment=1",
        "/rate/more/",
    ):
        assert_inert(client.get(url))
    client.cookies["django_language"] = "ko"
    assert_inert(client.get(movie), shown=[KO_TITLE])
    del client.cookies["django_language"]
    suggested = assert_json(client.get("/search/suggest/?q=alert"))["results"]
    assert ORIGINAL in [s["title"] for s in suggested]  # data, for the script's textContent
    api = APIClient()
    api.force_authenticate(marked_user)
    assert assert_json(api.get(f"/api{movie}"))["title"] in (TITLE, ORIGINAL)
    assert_json(api.get("/api/movies/?search=alert"))
    assert_json(api.get("/api/me/ratings/"))
    assert_json(api.get("/api/me/recommendations/"))


# --- admin -----------------------------------------------------------------------------------


def test_admin_pages_show_names_and_catalogue_text_as_text(
    client: Client, marked_user: User, marked_catalogue: int
) -> None:
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", PASSWORD)
    client.force_login(admin)
    user_id = marked_user.pk
    for url in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/?{urlencode({'q': SCRIPT})}",
        f"/admin/accounts/user/{user_id}/change/",
        "/admin/ratings/rating/",
        "/admin/catalog/movie/",
        f"/admin/catalog/movie/?{urlencode({'q': IMG})}",
        f"/admin/catalog/movie/{marked_catalogue}/change/",
        "/admin/catalog/tag/",
        "/admin/catalog/person/",
        "/admin/catalog/genre/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response)
    assert_inert(client.get("/admin/accounts/user/"), shown=[STORED_NAME])
    assert_inert(client.get(f"/admin/accounts/user/{user_id}/change/"), shown=[EMAIL])
    assert_inert(client.get("/admin/catalog/movie/"), shown=[TITLE])
