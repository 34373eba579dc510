"""Landing, about and credits, the language switch, and the pages for errors."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from moviematch.accounts.models import User
from tests.site_fixtures import card_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]


def test_landing_says_what_the_site_does_and_offers_the_ways_in(client: Client) -> None:
    response = client.get(reverse("pages:landing"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Find your next favourite movie." in page
    assert "Rate ten movies you have seen" in page
    assert 'id="mm-guest-button"' in page
    assert "Try it as a guest" in page
    assert reverse("accounts:signup") in page
    assert reverse("accounts:login") in page
    assert 'name="language" value="ko"' in page  # the switcher, in the footer
    assert reverse("pages:about") in page


def test_signed_in_visitors_go_straight_home(visitor_client: Client) -> None:
    response = visitor_client.get(reverse("pages:landing"))
    assert response["Location"] == reverse("recommendations:home")


def test_about_gives_the_credits(client: Client) -> None:
    page = client.get(reverse("pages:about")).content.decode()
    assert "This product uses the TMDb API but is not endorsed or certified by TMDb." in page
    assert "Harper and Joseph A. Konstan" in page
    assert "MovieLens" in page
    assert "IMDb" in page
    assert "How it works" in page


def test_the_language_switch_is_remembered(client: Client) -> None:
    response = client.post(reverse("pages:language"), {"language": "ko", "next": "/about/"})
    assert response["Location"] == "/about/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "ko"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    page = client.get(reverse("pages:landing")).content.decode()
    assert '<html lang="ko"' in page
    assert "게스트로 시작하기" in page
    assert "회원가입" in page
    assert "로그인" in page
    client.post(reverse("pages:language"), {"language": "en", "next": "/"})
    assert "Try it as a guest" in client.get(reverse("pages:landing")).content.decode()


def test_the_browser_language_is_followed_without_a_choice(client: Client) -> None:
    page = client.get(reverse("pages:landing"), HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9").content
    assert "게스트로 시작하기" in page.decode()
    page = client.get(reverse("pages:landing"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr").content
    assert "Try it as a guest" in page.decode()


def test_an_unknown_page_is_a_friendly_404(client: Client, settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page is not here" in response.content.decode()


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_without_a_model_pages_fall_back_to_popular_films_never_a_500(
    visitor_client: Client, visitor: User, caplog: pytest.LogCaptureFixture
) -> None:
    home = visitor_client.get(reverse("recommendations:home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert "Personal recommendations are unavailable for a moment" in page
    assert "Popular with MovieLens users" in page
    assert card_ids(page)
    assert "We think" not in page  # no predictions without a model
    assert "pages show the popular list instead" in caplog.text
    rate = visitor_client.get(reverse("ratings:onboarding"))
    assert rate.status_code == 200
    assert card_ids(rate.content.decode())
    # what needs the model itself still says so, with a 503 and a message
    response = visitor_client.get(reverse("recommendations:similar", args=[1]))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Recommendations are not available right now" in response.content.decode()
    fragment = visitor_client.get(reverse("recommendations:similar", args=[1]) + "?fragment=1")
    assert fragment.status_code == 503
    assert "<html" not in fragment.content.decode()
    as_json = visitor_client.get(
        reverse("recommendations:similar", args=[1]), HTTP_ACCEPT="application/json"
    )
    assert as_json.status_code == 503
    assert "not available" in as_json.json()["error"]


def test_every_page_text_has_a_korean_translation(tmp_path: Path) -> None:
    """The committed catalogue is complete, and the committed ``.mo`` is compiled from it
    (``make messages`` refreshes both)."""
    po = Path(settings.LOCALE_PATHS[0]) / "ko" / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = [e for e in text.split("\n\n")[1:] if "msgid" in e]
    assert [e for e in entries if e.rstrip().endswith('msgstr ""')] == []
    committed = _catalogue(po.with_suffix(".mo"))
    assert committed.gettext("We think ★%(stars)s") == "예상 ★%(stars)s"
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    assert _catalogue(fresh)._catalog == committed._catalog  # type: ignore[attr-defined]


def _catalogue(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


@pytest.mark.parametrize(
    ("env", "secure"),
    [
        ({"MOVIEMATCH_DEBUG": "0", "MOVIEMATCH_SECRET_KEY": "x" * 50}, "True"),
        ({"MOVIEMATCH_DEBUG": "1"}, "False"),
        (
            {
                "MOVIEMATCH_DEBUG": "0",
                "MOVIEMATCH_SECRET_KEY": "x" * 50,
                "MOVIEMATCH_SECURE_COOKIES": "0",
            },
            "False",
        ),
    ],
)
def test_cookies_are_secure_outside_development(env: dict[str, str], secure: str) -> None:
    code = (
        "from moviematch.config.settings import base as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOVIEMATCH_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [secure] * 3
