"""Why a movie is recommended ("Because you rated …") on the movie page and behind the home
cards' "Why?", and the home page's familiar ↔ adventurous setting, on a model trained on the
planted tastes (movies 1-27 comedies, 28-54 horror films, 55-81 romances)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from moviematch.accounts.models import User
from moviematch.accounts.services import guest_create
from moviematch.catalog.models import Movie
from moviematch.recommendations import services, views
from tests.site_fixtures import COMEDY, HORROR, card_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state", "site_model")]
Rate = Callable[[User, dict[int, float]], None]
HOME = reverse("recommendations:home")
SETTING = reverse("recommendations:home_adventurous")
LIKED = set(COMEDY[:10])  # what the comedy fan rated 5 stars


def movie_page(client: Client, movie_id: int, why: bool = False, **headers: str) -> str:
    """The movie page; ``why``: with its reason in the page (``?why=1``, as without scripts)."""
    url = reverse("catalog:movie", kwargs={"movie_id": movie_id})
    response = client.get(url, {"why": "1"} if why else {}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def why(client: Client, movie_id: int, **headers: str) -> str:
    response = client.get(reverse("recommendations:why", kwargs={"movie_id": movie_id}), **headers)
    assert response.status_code == 200
    return response.content.decode()


def reason_links(html: str) -> list[int]:
    """The rated films a reason names, in order (links to their pages)."""
    return [int(m) for m in re.findall(r'class="mm-why-film"><a href="/movies/(\d+)/"', html)]


def top_pick(user: User) -> int:
    return services.recommendation_list(user=user, n=1)[0].movie.pk


# --- the movie page ------------------------------------------------------------------------


def test_the_movie_page_says_which_rated_films_it_is_recommended_for(
    client: Client, comedy_fan: User
) -> None:
    client.force_login(comedy_fan)
    pick = top_pick(comedy_fan)
    page = movie_page(client, pick, why=True)
    section = page.split('id="mm-why"')[1].split("</section>")[0]
    assert "Why we recommend it" in section
    assert "Because you rated" in section
    named = reason_links(section)
    assert 1 <= len(named) <= 3
    assert set(named) <= LIKED  # the comedies they loved, not the horror films they panned
    expected = services.movie_explanation(user=comedy_fan, movie_id=pick)
    assert named == [b.movie.pk for b in expected.because]
    assert section.count("★★★★★") == len(named)  # each with the user's 5 stars
    assert section.count("5 stars") == len(named)  # and in words, for screen readers
    assert f'href="/movies/{named[0]}/">Comedy Film {named[0]}</a>' in section
    assert "Genres you like: Comedy" in section


def test_no_reason_for_a_film_they_rated_would_dislike_or_cannot_be_told(
    client: Client, comedy_fan: User, visitor: User, rate: Rate
) -> None:
    pick = top_pick(comedy_fan)
    client.force_login(comedy_fan)
    # the model predicts the comedy fan would not like a horror film: no "because" beside it
    page = movie_page(client, HORROR[2], why=True)
    assert "We think ★1." in page
    assert "Because you rated" not in page
    assert 'id="mm-why"' not in page
    rate(comedy_fan, {pick: 4.0})  # rated already: the page shows their rating instead
    assert 'id="mm-why"' not in movie_page(client, pick, why=True)
    client.logout()
    assert 'id="mm-why"' not in movie_page(client, pick, why=True)  # anonymous


def test_no_reason_while_onboarding(client: Client, visitor: User, rate: Rate) -> None:
    rate(visitor, {m: 5.0 for m in COMEDY[:3]})
    client.force_login(visitor)
    page = movie_page(client, COMEDY[11], why=True)
    assert "We think" not in page
    assert 'id="mm-why"' not in page


def test_the_movie_page_without_a_model_has_no_reason_and_no_error(
    client: Client, comedy_fan: User, model_dir: Path
) -> None:
    client.force_login(comedy_fan)
    pick = top_pick(comedy_fan)
    services.model_forget()
    for version in model_dir.iterdir():
        if version.is_dir():
            (version / "arrays.npz").write_bytes(b"not a zip file")
    page = movie_page(client, pick, why=True)
    assert 'id="mm-why"' not in page
    assert "We think" not in page


def test_the_movie_page_loads_its_reason_as_it_comes_into_view(
    client: Client, comedy_fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page names the section and where its reason is; the script fetches it (the
    cost of a reason grows with the visitor's ratings), without scripts ?why=1 shows it."""
    calls: list[int] = []
    real = services.movie_explanation

    def counting(**kwargs: Any) -> services.MovieExplanation:
        calls.append(kwargs["movie_id"])
        return real(**kwargs)

    monkeypatch.setattr(services, "movie_explanation", counting)
    client.force_login(comedy_fan)
    pick = top_pick(comedy_fan)
    section = movie_page(client, pick).split('id="mm-why"')[1].split("</section>")[0]
    assert calls == []
    assert "Why we recommend it" in section
    url = reverse("recommendations:why", kwargs={"movie_id": pick})
    assert f'data-mm-lazy data-url="{url}"' in section
    assert 'href="?why=1#mm-why">Show why</a>' in section
    assert "Because you rated" in why(client, pick)
    assert calls == [pick]


# --- "Why?" on home cards --------------------------------------------------------------------


def test_home_cards_offer_why_without_computing_it(
    client: Client, comedy_fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = services.movie_explanation

    def counting(**kwargs: Any) -> services.MovieExplanation:
        calls.append(kwargs["movie_id"])
        return real(**kwargs)

    monkeypatch.setattr(services, "movie_explanation", counting)
    client.force_login(comedy_fan)
    page = client.get(HOME).content.decode()
    ids = card_ids(page)
    assert page.count('<details class="mm-why-toggle">') == len(ids)
    urls = re.findall(r'data-mm-why-url="([^"]+)"', page)
    assert urls == [reverse("recommendations:why", kwargs={"movie_id": m}) for m in ids]
    # "Why?" is its name (the label a voice user says), the card's title its description
    assert f'<summary aria-describedby="card-{ids[0]}-title">Why?</summary>' in page
    assert calls == []  # home computes no reason; a card's "Why?" asks when opened
    assert client.get(reverse("recommendations:home_rows"), {"start": "1"}).status_code == 200
    assert calls == []
    body = why(client, ids[0])
    assert calls == [ids[0]]
    assert "<html" not in body
    assert "Because you rated" in body
    assert set(reason_links(body)) <= LIKED
    assert reason_links(body)


def test_a_replacement_card_offers_why_too(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    shown = card_ids(client.get(HOME).content.decode())
    body = client.get(
        reverse("recommendations:home_next"), {"shown": ",".join(map(str, shown))}
    ).content.decode()
    assert '<details class="mm-why-toggle">' in body


def test_no_why_on_the_popular_preview(client: Client, visitor: User) -> None:
    client.force_login(visitor)
    page = client.get(HOME).content.decode()
    assert card_ids(page)
    assert "mm-why-toggle" not in page
    assert "data-mm-adventurous" not in page  # nor the setting: these are not their picks


def test_a_film_there_for_everyone_says_so(client: Client, visitor: User) -> None:
    """With nothing rated the engine's reason has no rated film: "popular in general"."""
    client.force_login(visitor)
    body = why(client, COMEDY[0])
    assert "Popular with people in general" in body
    assert "Because you rated" not in body


def test_why_answers_a_fragment_even_when_nothing_can_be_said(
    client: Client, comedy_fan: User, model_dir: Path
) -> None:
    client.force_login(comedy_fan)
    left_out = Movie.objects.filter(in_catalogue=False).first()
    assert left_out is not None
    for movie_id in (left_out.pk, 999_999):
        assert "We cannot say why right now." in why(client, movie_id)
    services.model_forget()
    for version in model_dir.iterdir():
        if version.is_dir():
            (version / "arrays.npz").write_bytes(b"not a zip file")
    assert "We cannot say why right now." in why(client, COMEDY[12])
    client.logout()
    response = client.get(reverse("recommendations:why", kwargs={"movie_id": COMEDY[12]}))
    assert response.status_code == 302  # signed-in visitors only


def test_titles_in_a_reason_are_escaped(client: Client, comedy_fan: User) -> None:
    pick = top_pick(comedy_fan)
    named = services.movie_explanation(user=comedy_fan, movie_id=pick).because[0].movie.pk
    evil = '<img src=x onerror="alert(1)"> & Co'
    Movie.objects.filter(pk=named).update(title=evil, english_title=evil)
    client.force_login(comedy_fan)
    for body in (why(client, pick), movie_page(client, pick, why=True)):
        assert "<img src=x" not in body
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in body


def test_reasons_in_korean(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    pick = top_pick(comedy_fan)
    for body in (
        why(client, pick, HTTP_ACCEPT_LANGUAGE="ko"),
        movie_page(client, pick, why=True, HTTP_ACCEPT_LANGUAGE="ko"),
    ):
        assert "이 영화들을 평가하셨기 때문이에요:" in body
        assert "좋아하시는 장르: 코미디" in body
        assert "별점 5" in body
        assert "Because you rated" not in body
    korean = movie_page(client, pick, HTTP_ACCEPT_LANGUAGE="ko")
    assert "추천 이유" in korean
    assert "이유 보기" in korean  # the link to the reason, without scripts
    home = client.get(HOME, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "추천 이유" in home
    assert "추천 방식" in home
    assert "익숙하게" in home
    assert "모험적으로" in home
    assert "Familiar" not in home


# --- familiar <-> adventurous ----------------------------------------------------------------


def checked_step(html: str) -> str:
    found = re.findall(
        r'name="adventurous" id="[^"]+" value="([^"]+)" autocomplete="off" checked', html
    )
    assert len(found) == 1
    return found[0]


def home_order(client: Client) -> list[int]:
    return card_ids(client.get(HOME, {"all": "1"}).content.decode())


def feed_order(user: User, adventurous: float) -> list[int]:
    feed = services.home_feed(user=user, n=views.HOME_MOVIES, adventurous=adventurous)
    return [r.movie.pk for g in feed.groups for r in g.movies]


def test_the_setting_reorders_home_and_is_remembered(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    page = client.get(HOME).content.decode()
    assert [label in page for label in ("Familiar", "Balanced", "Adventurous")] == [True] * 3
    assert checked_step(page) == "0.5"
    assert home_order(client) == feed_order(comedy_fan, 0.5)

    response = client.post(SETTING, {"adventurous": "1"})
    assert response.status_code == 302
    assert response["Location"] == HOME
    comedy_fan.refresh_from_db()
    assert comedy_fan.adventurous == 1.0
    assert checked_step(client.get(HOME).content.decode()) == "1"
    bold = home_order(client)
    assert bold == feed_order(comedy_fan, 1.0)

    client.post(SETTING, {"adventurous": "0"})
    familiar = home_order(client)
    assert familiar == feed_order(comedy_fan, 0.0)
    assert familiar != bold

    # remembered with the account: another session (or device) gets the same order
    other = Client()
    other.force_login(comedy_fan)
    assert checked_step(other.get(HOME).content.decode()) == "0"
    assert home_order(other) == familiar


def test_a_script_gets_the_first_rows_in_the_new_order(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    response = client.post(SETTING, {"adventurous": "1", "fragment": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    ids = card_ids(body)
    first_rows = services.home_feed(user=comedy_fan, n=views.HOME_MOVIES, adventurous=1.0)
    expected = [r.movie.pk for g in first_rows.groups[: views.FIRST_ROWS] for r in g.movies]
    assert ids == expected
    assert "mm-why-toggle" in body
    # the rows loaded later, and the card that replaces a rated one, follow the setting too
    start = views.FIRST_ROWS
    more = client.get(reverse("recommendations:home_rows"), {"start": str(start)})
    later = [
        r.movie.pk
        for g in first_rows.groups[start : start + views.ROWS_PER_FETCH]
        for r in g.movies
    ]
    assert card_ids(more.content.decode()) == later
    shown = ids[1:]
    replacement = client.get(
        reverse("recommendations:home_next"), {"shown": ",".join(map(str, shown))}
    )
    bold = services.recommendation_list(user=comedy_fan, n=1, adventurous=1.0, exclude=shown)
    assert card_ids(replacement.content.decode()) == [bold[0].movie.pk]


@pytest.mark.parametrize("value", ["2", "-0.5", "nan", "inf", "lots", ""])
def test_a_setting_outside_0_to_1_is_refused(client: Client, comedy_fan: User, value: str) -> None:
    client.force_login(comedy_fan)
    response = client.post(SETTING, {"adventurous": value, "fragment": "1"})
    assert response.status_code == 400
    assert "Choose a setting from familiar to adventurous." in response.content.decode()
    comedy_fan.refresh_from_db()
    assert comedy_fan.adventurous == 0.5


def test_the_setting_is_a_signed_in_post(client: Client) -> None:
    response = client.post(SETTING, {"adventurous": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    guest = guest_create()
    client.force_login(guest)
    assert client.get(SETTING).status_code == 405
    assert client.post(SETTING, {"adventurous": "0"}).status_code == 302  # guests too
    guest.refresh_from_db()
    assert guest.adventurous == 0.0
