"""The home page costs the same SQL queries for a visitor with 10 ratings and with 200 (no
query per rated film), on a planted catalogue wide enough for 200 ratings."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.catalog.services import catalogue_filter
from moviematch.recommendations import services
from tests.catalog.movielens_files import planted_tastes, write_movielens
from tests.recommendations.test_views import HOME_QUERIES, HOME_QUERIES_FRESH, home_queries_fresh
from tests.site_fixtures import MIN_RATINGS, card_ids, page_queries

pytestmark = [pytest.mark.slow, pytest.mark.django_db, pytest.mark.usefixtures("web_state")]
Rate = Callable[[User, dict[int, float]], None]


@pytest.fixture
def wide_catalogue(model_dir: Path, tmp_path: Path) -> list[int]:
    """300 planted films (279 in the catalogue) and a model: the catalogue's movie
    ids, most rated first."""
    movies, ratings = planted_tastes(n_users=600, n_movies=300)
    # release years the catalogue accepts (the planted ones run past this year)
    movies = [(m, f"{title.rsplit(' (', 1)[0]} ({1900 + m % 120})", g) for m, title, g in movies]
    directory = write_movielens(tmp_path / "ml-wide", movies=movies, ratings=ratings)
    call_command("import_movielens", str(directory), stdout=StringIO())
    catalogue_filter(min_ratings=MIN_RATINGS)
    call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
    services.model_forget()
    return list(
        Movie.objects.filter(in_catalogue=True)
        .order_by("-num_ratings", "id")
        .values_list("id", flat=True)
    )


def test_home_takes_the_same_queries_for_10_and_200_ratings(
    client: Client, visitor: User, rate: Rate, wide_catalogue: list[int]
) -> None:
    assert len(wide_catalogue) >= 240
    client.force_login(visitor)
    home = reverse("recommendations:home")
    rate(visitor, {m: 4.0 + (m % 3) / 2 for m in wide_catalogue[:10]})
    ten = page_queries(client, home)
    ten_fresh = home_queries_fresh(client)
    rate(visitor, {m: 1.0 + (m % 9) / 2 for m in wide_catalogue[10:200]})
    assert visitor.ratings.count() == 200
    two_hundred = page_queries(client, home)
    two_hundred_fresh = home_queries_fresh(client)
    page = client.get(home).content.decode()
    assert card_ids(page)
    assert page.count("We think ★") == len(card_ids(page))
    assert ten == two_hundred == HOME_QUERIES
    assert ten_fresh == two_hundred_fresh == HOME_QUERIES_FRESH
