"""Home (named rows with predicted stars, loaded as the visitor scrolls, cards replaced when
rated) and similar movies, on a model trained on the planted tastes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.catalog.services import movie_title_store
from moviematch.recommendations import views
from moviematch.recommendations.services.home import FEED_CACHE
from tests.site_fixtures import COMEDY, HORROR, ROMANCE, card_ids, page_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state", "site_model")]
Rate = Callable[[User, dict[int, float]], None]
HOME = reverse("recommendations:home")


def headings(html: str) -> list[str]:
    return re.findall(r'<h2 class="mm-row-title"[^>]*>([^<]+)</h2>', html)


def test_home_shows_named_rows_with_predicted_stars(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    response = client.get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    rows = headings(page)
    assert rows
    assert rows[0] == "Comedy"
    ids = card_ids(page)
    assert ids
    assert set(ids).isdisjoint(comedy_fan.ratings.values_list("movie_id", flat=True))
    assert page.count("We think ★") == len(ids)
    assert 'loading="lazy"' in page
    assert 'width="342" height="513"' in page
    assert "Rate" not in page.split("mm-rows")[0].split("<main")[1]  # no call to rate


def test_further_rows_are_loaded_as_the_visitor_scrolls(
    client: Client, comedy_fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "FIRST_ROWS", 1)
    monkeypatch.setattr(views, "ROWS_PER_FETCH", 1)
    client.force_login(comedy_fan)
    page = client.get(HOME).content.decode()
    assert len(headings(page)) == 1
    sentinel = re.search(r'data-mm-lazy data-url="([^"]+)"', page)
    assert sentinel is not None
    assert sentinel.group(1).endswith("?start=1")
    more = client.get(sentinel.group(1)).content.decode()
    assert "<html" not in more
    assert len(headings(more)) == 1
    assert headings(more) != headings(page)
    assert set(card_ids(more)).isdisjoint(card_ids(page))
    everything = client.get(HOME, {"all": "1"}).content.decode()  # the no-script link
    assert len(headings(everything)) >= 2
    assert "data-mm-lazy" not in everything


def test_rows_are_headed_in_korean(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert headings(page)[0] == "코미디"
    assert "예상 ★" in page
    assert "We think" not in page


def test_home_cards_take_tmdb_titles_in_another_language(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    first = card_ids(client.get(HOME).content.decode())[0]
    english = Movie.objects.get(pk=first).display_title
    movie_title_store(movie_id=first, language="ko-KR", title="웃긴 영화")
    assert page_queries(client, HOME) == HOME_QUERIES  # the movies' own titles
    assert f">{english}</a></h3>" in client.get(HOME).content.decode()
    client.cookies["django_language"] = "ko"
    assert page_queries(client, HOME) == HOME_QUERIES + 1  # and TMDb's Korean ones
    korean = client.get(HOME).content.decode()
    assert ">웃긴 영화</a></h3>" in korean
    assert f">{english}</a></h3>" not in korean


def test_a_rating_changes_the_next_home_page(client: Client, comedy_fan: User, rate: Rate) -> None:
    client.force_login(comedy_fan)
    before = card_ids(client.get(HOME).content.decode())
    rated = before[0]
    client.post(
        reverse("ratings:rate", kwargs={"movie_id": rated}),
        {"stars": "4.5"},
        HTTP_ACCEPT="application/json",
    )
    after = card_ids(client.get(HOME).content.decode())
    assert rated not in after  # rated films never come back
    assert after != before


def test_the_feed_cache_never_serves_a_feed_of_other_ratings(
    client: Client, comedy_fan: User, rate: Rate
) -> None:
    """Each view after a change (stars changed, a rating removed, a rating written
    elsewhere) is the feed made afresh from the ratings as they are."""

    def fresh() -> list[int]:
        caches[FEED_CACHE].clear()
        return home_ids()

    def home_ids() -> list[int]:
        return card_ids(client.get(HOME, {"all": "1"}).content.decode())

    client.force_login(comedy_fan)
    first = home_ids()
    assert home_ids() == first == fresh()  # the cached feed is the one it would make
    changes = [
        lambda: rate(comedy_fan, {COMEDY[0]: 0.5}),  # loved → hated, in the database
        lambda: comedy_fan.ratings.filter(movie_id=COMEDY[1]).delete(),
        lambda: rate(comedy_fan, {ROMANCE[0]: 5.0}),
    ]
    seen = [first]
    for change in changes:
        home_ids()  # the feed before the change is in the cache
        change()
        after = home_ids()
        assert after == fresh()
        seen.append(after)
    assert len({tuple(s) for s in seen}) == len(seen)  # each change changed the page


def test_a_card_rated_on_home_is_replaced_by_another_recommendation(
    client: Client, comedy_fan: User
) -> None:
    client.force_login(comedy_fan)
    shown = card_ids(client.get(HOME).content.decode())
    response = client.get(
        reverse("recommendations:home_next"),
        {"shown": ",".join(map(str, shown)), "genres": "Horror"},
    )
    assert response.status_code == 200
    new = card_ids(response.content.decode())
    assert len(new) == 1
    assert new[0] not in shown
    assert Movie.objects.get(pk=new[0]).genres.get().name == "Horror"  # the row's genre first
    assert "We think ★" in response.content.decode()
    everything = ",".join(str(m) for m in Movie.objects.values_list("id", flat=True))
    empty = client.get(reverse("recommendations:home_next"), {"shown": everything})
    assert empty.status_code == 204


def test_mid_onboarding_home_guides_back_to_rating(
    client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {m: 4.0 for m in COMEDY[:3]})
    client.force_login(visitor)
    page = client.get(HOME).content.decode()
    assert "Rate 7 more movies to get picks made for you" in page
    assert "You have rated 3 of 10." in page
    assert reverse("ratings:onboarding") in page
    assert "Continue rating" in page
    assert card_ids(page) == []
    assert "We think" not in page


def test_with_no_rating_home_previews_popular_films_without_predictions(
    client: Client, visitor: User
) -> None:
    client.force_login(visitor)
    page = client.get(HOME).content.decode()
    assert "Rate 10 more movies" in page
    assert "Start rating" in page
    assert "Meanwhile, popular with MovieLens users" in page
    ids = card_ids(page)
    assert ids
    assert "We think" not in page
    counts = sorted(Movie.objects.filter(in_catalogue=True).values_list("num_ratings", flat=True))
    first = Movie.objects.filter(pk__in=ids[:5]).values_list("num_ratings", flat=True)
    assert min(first) > counts[len(counts) // 2]  # the preview opens with well-known films


def test_similar_movies_are_rateable_cards(client: Client, comedy_fan: User) -> None:
    client.force_login(comedy_fan)
    url = reverse("recommendations:similar", kwargs={"movie_id": HORROR[3]})
    fragment = client.get(url, {"fragment": "1"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    ids = card_ids(body)
    assert len(ids) == views.SIMILAR_MOVIES
    assert HORROR[3] not in ids
    assert set(ids) <= set(HORROR)
    assert "<html" not in body
    assert "mm-rate" in body
    assert "We think ★" in body
    full = client.get(url).content.decode()
    assert "Movies like" in full
    assert "<html" in full


def test_similar_movies_of_an_unknown_movie_are_404(client: Client) -> None:
    left_out = Movie.objects.filter(in_catalogue=False).first()
    assert left_out is not None
    url = reverse("recommendations:similar", kwargs={"movie_id": left_out.pk})
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("recommendations:similar", kwargs={"movie_id": 99999})).status_code
        == 404
    )


def test_similar_movies_for_anonymous_visitors(client: Client) -> None:
    url = reverse("recommendations:similar", kwargs={"movie_id": ROMANCE[0]})
    body = client.get(url, {"fragment": "1"}).content.decode()
    assert card_ids(body)
    assert "We think" not in body
    assert "Log in to rate" in body


def _home_queries(client: Client, n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """Queries of the home page with every row (``?all=1``) when its feed is made afresh
    (after a rating) and when it is in the feed cache, and the cards shown."""
    monkeypatch.setattr(views, "HOME_MOVIES", n)
    client.get(HOME)  # per-visit and per-process queries out of the way
    fresh = home_queries_fresh(client, {"all": "1"})
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(HOME, {"all": "1"}).content.decode()
    return fresh, len(ctx.captured_queries), len(card_ids(page))


def home_queries_fresh(client: Client, params: dict[str, str] | None = None) -> int:
    """Queries of one home page whose feed is not in the cache (as after a rating)."""
    caches[FEED_CACHE].clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HOME, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_home_takes_the_same_queries_for_10_and_40_movies(
    client: Client, comedy_fan: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(comedy_fan)
    fresh_ten, ten, shown_ten = _home_queries(client, 10, monkeypatch)
    fresh_forty, forty, shown_forty = _home_queries(client, 40, monkeypatch)
    assert (shown_ten, shown_forty) == (10, 40)
    assert ten == forty == HOME_QUERIES
    assert fresh_ten == fresh_forty == HOME_QUERIES_FRESH


#: session, user, the ratings to fold in (with whether each film is in the catalogue: the
#: count of rated catalogue movies), the movies of the rows shown and their genres; their
#: titles are the movies' own in English (in another language, one query more: TMDb's)
HOME_QUERIES = 5
#: and, when the feed is made (not in the feed cache), which of the engine's picks are
#: catalogue movies (their ids only)
HOME_QUERIES_FRESH = HOME_QUERIES + 1
