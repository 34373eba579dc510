"""The movie card's parts that skip Django's general helpers for speed: the predicted stars
written as ``floatformat`` writes them, and the genres read from their prefetch."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.formats import get_format

from moviematch.catalog.models import Genre, Movie
from moviematch.catalog.selectors import movie_genre_list, movie_in_bulk
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
