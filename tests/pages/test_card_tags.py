"""The movie card's parts that skip Django's general helpers for speed: the predicted stars
written as ``floatformat`` writes them, the genres read from their prefetch, and a whole list
drawn by one tag."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import engines
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.utils import translation
from django.utils.formats import get_format

from moviematch.accounts.models import User
from moviematch.catalog.models import Genre, Movie
from moviematch.catalog.selectors import movie_genre_list, movie_in_bulk
from moviematch.pages.selectors import MovieCard
from moviematch.pages.templatetags.card_tags import one_decimal

VALUES = [0.5, 1.0, 3.05, 3.15, 3.25, 3.849999, 3.85, 3.95, 4.04999, 4.45, 4.999, 5.0, 2 / 3]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_predicted_stars_are_written_as_floatformat_writes_them(language: str) -> None:
    with translation.override(language):
        separator = str(get_format("DECIMAL_SEPARATOR"))
        assert [one_decimal(v, separator) for v in VALUES] == [floatformat(v, 1) for v in VALUES]
    assert one_decimal(3.85) == "3.9"  # half up, as the filter rounds (not to even)
    assert one_decimal(4.0) == "4.0"


@pytest.mark.django_db
def test_a_cards_genres_come_from_their_prefetch(
    django_assert_num_queries: object,
) -> None:
    drama, action = Genre.objects.create(name="Drama"), Genre.objects.create(name="Action")
    movie = Movie.objects.create(id=5, title="Heat")
    movie.genres.set([drama, action])
    loaded = movie_in_bulk(movie_ids=[5])[5]
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert [g.name for g in movie_genre_list(movie=loaded)] == ["Action", "Drama"]
    plain = Movie.objects.get(id=5)  # nothing prefetched: the relation is asked
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert {g.name for g in movie_genre_list(movie=plain)} == {"Action", "Drama"}


@pytest.mark.django_db
def test_a_list_tag_draws_each_card_as_the_card_tag_does() -> None:
    user = User.objects.create_user(username="cards")
    for pk, title in [(5, "Heat"), (6, 'A "<b>" & {x} %(y)s')]:
        Movie.objects.create(id=pk, title=title, year=1995)
    movies = movie_in_bulk(movie_ids=[5, 6])
    cards = [
        MovieCard(movies[5], "Heat", "/posters/5.svg", predicted=3.85, explain=True),
        MovieCard(movies[6], movies[6].title, "/p?a=<1>", stars=Decimal("4.5")),
    ]
    request = RequestFactory().get("/home/")
    request.user = user
    source = '{% load card_tags %}{% movie_cards cards "poster" "p-" skip=True %}'
    one_by_one = (
        "{% load card_tags %}{% for card in cards %}"
        '{% movie_card card "poster" "p-" skip=True %}{% endfor %}'
    )
    context = {"cards": cards, "request": request, "user": user}
    listed = engines["django"].from_string(source).render(context)
    assert listed == engines["django"].from_string(one_by_one).render(context)
    assert listed.count("<article ") == 2
    assert "We think ★3.9" in listed
    assert 'id="rate-p-6-9" value="4.5" checked' in listed
    assert "A &quot;&lt;b&gt;&quot; &amp; {x} %(y)s</a></h3>" in listed
    assert 'src="/p?a=&lt;1&gt;"' in listed
