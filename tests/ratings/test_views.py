"""The rating endpoint every star widget posts to, the onboarding (rate 10) and My ratings."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.models import OnboardingSkip, Rating
from tests.site_fixtures import COMEDY, HORROR, ROMANCE, card_ids, page_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("web_state")]
JSON = {"HTTP_ACCEPT": "application/json"}
Rate = Callable[[User, dict[int, float]], None]


def rate_url(movie_id: int) -> str:
    return reverse("ratings:rate", kwargs={"movie_id": movie_id})


@pytest.fixture
def films(db: None) -> list[Movie]:
    movies = [
        Movie.objects.create(id=i, title=t, year=1990 + i, in_catalogue=True, excluded_reason="")
        for i, t in [(1, "Heat"), (2, "Alien"), (3, "Amélie")]
    ]
    Movie.objects.create(id=9, title="Left out", year=2001)  # not in the catalogue
    return movies


# --- the rating endpoint -----------------------------------------------------------------------


@pytest.mark.usefixtures("films")
def test_rate_replace_and_clear(visitor_client: Client, visitor: User) -> None:
    response = visitor_client.post(rate_url(1), {"stars": "3.5"}, **JSON)
    assert response.status_code == 200
    assert response.json() == {"movie_id": 1, "stars": "3.5", "rated_count": 1, "target": 10}
    visitor_client.post(rate_url(1), {"stars": "5"}, **JSON)
    assert Rating.objects.get(user=visitor, movie_id=1).stars == Decimal("5.0")
    response = visitor_client.post(rate_url(1), {"stars": ""}, **JSON)
    assert response.json()["stars"] is None
    assert response.json()["rated_count"] == 0
    assert not Rating.objects.exists()


@pytest.mark.usefixtures("films")
@pytest.mark.parametrize("stars", ["0", "5.5", "3.3", "abc", "-1", "nan"])
def test_invalid_stars_are_a_400_with_the_message(visitor_client: Client, stars: str) -> None:
    response = visitor_client.post(rate_url(1), {"stars": stars}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "Choose from half a star to five stars, in half stars."}
    assert not Rating.objects.exists()


@pytest.mark.usefixtures("films")
@pytest.mark.parametrize("movie_id", [9, 12345])
def test_a_movie_outside_the_catalogue_is_a_400(visitor_client: Client, movie_id: int) -> None:
    response = visitor_client.post(rate_url(movie_id), {"stars": "4"}, **JSON)
    assert response.status_code == 400
    assert "not in the catalogue" in response.json()["error"]
    plain = visitor_client.post(rate_url(movie_id), {"stars": "4"})
    assert plain.status_code == 400
    assert "not in the catalogue" in plain.content.decode()


@pytest.mark.usefixtures("films")
def test_a_user_only_ever_changes_their_own_rating(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    other = User.objects.create_user(username="other", password="x")
    rate(other, {1: 4.5, 2: 2.0})
    visitor_client.post(rate_url(1), {"stars": "1"}, **JSON)
    visitor_client.post(rate_url(2), {"stars": ""}, **JSON)
    assert dict(other.ratings.values_list("movie_id", "stars")) == {
        1: Decimal("4.5"),
        2: Decimal("2.0"),
    }
    assert dict(visitor.ratings.values_list("movie_id", "stars")) == {1: Decimal("1.0")}
    # the endpoint takes no user: a user field in the form is ignored
    visitor_client.post(rate_url(2), {"stars": "3", "user": str(other.pk)}, **JSON)
    assert other.ratings.get(movie_id=2).stars == Decimal("2.0")


@pytest.mark.usefixtures("films")
def test_anonymous_visitors_cannot_rate(client: Client) -> None:
    response = client.post(rate_url(1), {"stars": "4"}, **JSON)
    assert response.status_code == 401
    assert response.json()["error"] == "Log in to rate movies."
    plain = client.post(rate_url(1), {"stars": "4", "next": "/movies/1/"})
    assert plain["Location"].startswith(reverse("accounts:login"))
    assert not Rating.objects.exists()


@pytest.mark.usefixtures("films")
def test_rating_needs_the_csrf_token_and_a_post(visitor: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(visitor)
    assert client.post(rate_url(1), {"stars": "4"}, **JSON).status_code == 403
    assert client.get(rate_url(1)).status_code == 405
    page = client.get(reverse("catalog:movie", kwargs={"movie_id": 1})).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(rate_url(1), {"stars": "4"}, HTTP_X_CSRFTOKEN=token.group(1), **JSON)
    assert response.status_code == 200
    assert not Rating.objects.exclude(user=visitor).exists()


@pytest.mark.usefixtures("films")
def test_a_plain_form_post_goes_back_to_the_page_but_never_elsewhere(
    visitor_client: Client,
) -> None:
    response = visitor_client.post(rate_url(1), {"stars": "4", "next": "/search/?q=heat"})
    assert response["Location"] == "/search/?q=heat"
    response = visitor_client.post(rate_url(2), {"stars": "4", "next": "https://evil.example/"})
    assert response["Location"] == reverse("catalog:movie", kwargs={"movie_id": 2})


# --- onboarding --------------------------------------------------------------------------------


@pytest.mark.usefixtures("site_model")
def test_onboarding_proposes_cards_without_predictions(visitor_client: Client) -> None:
    response = visitor_client.get(reverse("ratings:onboarding"))
    assert response.status_code == 200
    page = response.content.decode()
    ids = card_ids(page)
    assert len(ids) == 12
    assert "0 of 10" in page
    assert "We think" not in page  # predictions would pull the ratings toward them
    assert page.count("seen it</button>") == 12
    assert page.count('value="0.5"') == 12
    assert page.count('value="5.0"') == 12
    assert "1 star" in page
    assert "4.5 stars" in page
    assert "No rating" in page
    assert re.search(r'id="mm-go-home"[^>]*hidden', page)


@pytest.mark.usefixtures("site_model")
def test_onboarding_counts_and_calls_home_at_ten(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {m: 4.0 for m in COMEDY[:4]})
    page = visitor_client.get(reverse("ratings:onboarding")).content.decode()
    assert "4 of 10" in page
    assert set(card_ids(page)).isdisjoint(COMEDY[:4])  # rated films are not proposed again
    rate(visitor, {m: 4.0 for m in COMEDY[4:10]})
    page = visitor_client.get(reverse("ratings:onboarding")).content.decode()
    assert "10 of 10" in page
    assert "See my recommendations" in page
    assert not re.search(r'id="mm-go-home"[^>]*hidden', page)


@pytest.mark.usefixtures("site_model")
def test_haven_t_seen_it_never_comes_back(visitor_client: Client, visitor: User) -> None:
    first = card_ids(visitor_client.get(reverse("ratings:onboarding")).content.decode())
    skipped = first[0]
    shown = ",".join(map(str, first))
    response = visitor_client.post(
        reverse("ratings:skip"), {"movie_id": skipped, "fragment": "1", "shown": shown}
    )
    assert response.status_code == 200
    replacement = card_ids(response.content.decode())
    assert len(replacement) == 1
    assert replacement[0] not in first
    assert OnboardingSkip.objects.filter(user=visitor, movie_id=skipped).exists()
    again = card_ids(visitor_client.get(reverse("ratings:onboarding")).content.decode())
    assert skipped not in again
    more = visitor_client.get(reverse("ratings:onboarding_more"), {"shown": shown})
    assert skipped not in card_ids(more.content.decode())
    # without scripts the form goes back to the page
    plain = visitor_client.post(reverse("ratings:skip"), {"movie_id": again[0], "next": "/rate/"})
    assert plain["Location"] == "/rate/"
    bad = visitor_client.post(reverse("ratings:skip"), {"movie_id": "99999"}, **JSON)
    assert bad.status_code == 400


@pytest.mark.usefixtures("site_model")
def test_more_onboarding_cards_are_new_ones(visitor_client: Client) -> None:
    first = card_ids(visitor_client.get(reverse("ratings:onboarding")).content.decode())
    response = visitor_client.get(
        reverse("ratings:onboarding_more"), {"shown": ",".join(map(str, first))}
    )
    assert response.status_code == 200
    more = card_ids(response.content.decode())
    assert more
    assert set(more).isdisjoint(first)
    assert "<html" not in response.content.decode()  # a fragment for the page's script


@pytest.mark.usefixtures("site_model")
def test_the_onboarding_search_rates_any_movie(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {HORROR[0]: 2.0})
    page = visitor_client.get(
        reverse("ratings:onboarding"), {"q": "Horror Film 28"}
    ).content.decode()
    assert "Results for “Horror Film 28”" in page
    assert f'id="found-card-{HORROR[0]}"' in page
    assert re.search(rf'id="rate-found-{HORROR[0]}-4" value="2.0" checked', page)
    assert "We think" not in page


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_onboarding_without_a_model_proposes_popular_films(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {COMEDY[0]: 4.0})
    response = visitor_client.get(reverse("ratings:onboarding"))
    assert response.status_code == 200
    ids = card_ids(response.content.decode())
    assert ids
    assert COMEDY[0] not in ids  # rated films are not proposed again
    popular = Movie.objects.filter(in_catalogue=True, mean_rating__gte=3.5).order_by("-num_ratings")
    assert ids[0] == next(m.pk for m in popular if m.pk != COMEDY[0])


# --- my ratings --------------------------------------------------------------------------------


@pytest.mark.usefixtures("planted_catalogue")
def test_my_ratings_lists_every_rating_sorted_three_ways(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {ROMANCE[0]: 2.0, COMEDY[1]: 5.0, HORROR[2]: 3.5})
    rate(User.objects.create_user(username="other", password="x"), {COMEDY[5]: 1.0})
    page = visitor_client.get(reverse("ratings:my_ratings")).content.decode()
    assert "3 movies rated" in page
    assert card_ids(page) == [HORROR[2], COMEDY[1], ROMANCE[0]]  # newest first
    assert "Rated " in page
    assert re.search(rf'id="rate-{COMEDY[1]}-10" value="5.0" checked', page)
    by_stars = visitor_client.get(reverse("ratings:my_ratings"), {"order": "stars"})
    assert card_ids(by_stars.content.decode()) == [COMEDY[1], HORROR[2], ROMANCE[0]]
    by_title = visitor_client.get(reverse("ratings:my_ratings"), {"order": "title"})
    assert card_ids(by_title.content.decode()) == [COMEDY[1], HORROR[2], ROMANCE[0]]
    junk = visitor_client.get(reverse("ratings:my_ratings"), {"order": "x; drop"})
    assert card_ids(junk.content.decode()) == [HORROR[2], COMEDY[1], ROMANCE[0]]


@pytest.mark.usefixtures("planted_catalogue")
def test_my_ratings_edit_and_delete_in_place(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    rate(visitor, {COMEDY[0]: 2.0, COMEDY[1]: 3.0})
    visitor_client.post(rate_url(COMEDY[0]), {"stars": "4.5"}, **JSON)
    visitor_client.post(rate_url(COMEDY[1]), {"stars": ""}, **JSON)
    page = visitor_client.get(reverse("ratings:my_ratings")).content.decode()
    assert card_ids(page) == [COMEDY[0]]
    assert re.search(rf'id="rate-{COMEDY[0]}-9" value="4.5" checked', page)


def test_my_ratings_when_there_are_none(visitor_client: Client) -> None:
    page = visitor_client.get(reverse("ratings:my_ratings")).content.decode()
    assert "You have not rated any movie yet." in page


@pytest.mark.usefixtures("planted_catalogue")
def test_my_ratings_takes_the_same_queries_for_10_and_40_ratings(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    url = reverse("ratings:my_ratings")
    rate(visitor, {m: 3.0 for m in list(COMEDY[:10])})
    ten = page_queries(visitor_client, url)
    rate(visitor, {m: 3.0 for m in [*COMEDY[10:24], *HORROR[:16]]})
    assert visitor.ratings.count() == 40
    forty = page_queries(visitor_client, url)
    assert ten == forty == MY_RATINGS_QUERIES


@pytest.mark.usefixtures("site_model")
def test_onboarding_takes_a_fixed_number_of_queries(
    visitor_client: Client, visitor: User, rate: Rate
) -> None:
    url = reverse("ratings:onboarding")
    rate(visitor, {COMEDY[0]: 3.0})
    one = page_queries(visitor_client, url)
    rate(visitor, {m: 3.0 for m in COMEDY[1:8]})
    eight = page_queries(visitor_client, url)
    assert one == eight == ONBOARDING_QUERIES


#: session, user, the count, the page of ratings, their genres (titles: in English the
#: movies' own)
MY_RATINGS_QUERIES = 5
#: session, user, skips, the picker's ratings, movies and genres, the count (titles: in
#: English the movies' own)
ONBOARDING_QUERIES = 7
