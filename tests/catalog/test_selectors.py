"""Catalogue selectors over an imported and filtered catalogue."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from moviematch.catalog.models import ImportKind, Movie
from moviematch.catalog.selectors import (
    MovieFilters,
    catalogue_movie_ids,
    catalogue_tag_applications,
    catalogue_tag_relevances,
    import_run_latest,
    movie_catalogue_ids,
    movie_get,
    movie_in_bulk,
    movie_list,
    movie_popular_list,
    movie_top_tags,
)
from moviematch.catalog.services import catalogue_filter
from tests.catalog.movielens_files import write_movielens

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(tmp_path: Path) -> Path:
    directory = write_movielens(tmp_path / "ml", genome=True)
    call_command("import_movielens", str(directory), stdout=StringIO())
    catalogue_filter(min_ratings=5)
    return directory


def ids(qs: object) -> list[int]:
    return [m.id for m in qs]  # type: ignore[attr-defined]


def test_movie_list_is_catalogue_by_popularity() -> None:
    assert ids(movie_list()) == [1, 2, 5]  # 6, 5 and 5 ratings; ties by id


def test_movie_list_filters() -> None:
    assert ids(movie_list(filters=MovieFilters(query="president"))) == [2]
    assert ids(movie_list(filters=MovieFilters(genre="Comedy"))) == [1, 2, 5]
    assert ids(movie_list(filters=MovieFilters(genre="Drama"))) == [2]
    assert ids(movie_list(filters=MovieFilters(year_from=1996))) == [5]
    assert ids(movie_list(filters=MovieFilters(year_to=1995))) == [1, 2]
    everything = movie_list(filters=MovieFilters(in_catalogue=None))
    assert len(everything) == 8


def test_movie_get_and_bulk() -> None:
    assert movie_get(movie_id=2).title == "The American President"
    with pytest.raises(Movie.DoesNotExist):
        movie_get(movie_id=999)
    assert sorted(movie_in_bulk(movie_ids=[1, 2, 999])) == [1, 2]


def test_movie_catalogue_ids_finds_catalogue_movies_in_one_query(
    django_assert_num_queries: object,
) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert movie_catalogue_ids(movie_ids=[1, 2, 3, 4, 999]) == {1, 2}  # 3, 4 left out
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert movie_catalogue_ids(movie_ids=[]) == set()


def test_bulk_loaded_genres_are_the_relations_own(
    django_assert_num_queries: Any,
) -> None:
    """Two queries for any number of movies; the genres read as the relation would (by
    name), and a further query on them is the real relation's."""
    every = list(Movie.objects.values_list("id", flat=True))
    with django_assert_num_queries(2):
        movies = movie_in_bulk(movie_ids=every)
        loaded = {m: [g.name for g in movie.genres.all()] for m, movie in movies.items()}
        assert all(movie.genres.count() == len(loaded[m]) for m, movie in movies.items())
    for m, movie in movies.items():
        fresh = Movie.objects.get(pk=m)
        assert loaded[m] == [g.name for g in fresh.genres.all()]
        assert list(movie.genres.filter(name="Drama")) == list(fresh.genres.filter(name="Drama"))
        assert [g.pk for g in movie.genres.all()] == [g.pk for g in fresh.genres.all()]
    assert any(len(names) > 1 for names in loaded.values())
    popular = movie_popular_list(n=3)
    assert [[g.name for g in p.genres.all()] for p in popular] == [loaded[p.pk] for p in popular]


def test_catalogue_feature_reads() -> None:
    assert catalogue_movie_ids() == [1, 2, 5]
    assert movie_top_tags(movie=Movie.objects.get(pk=1)) == ["pixar", "funny"]
    assert catalogue_tag_applications() == [
        (1, "funny", 1),
        (1, "pixar", 3),
        (2, "highly quotable", 2),
        (2, "politics", 1),
    ]
    relevances = catalogue_tag_relevances()
    assert len(relevances) == 6
    assert relevances[0] == (1, "funny", pytest.approx(0.7))


def test_import_run_latest(catalogue: Path) -> None:
    run = import_run_latest(kind=ImportKind.MOVIELENS)
    assert run is not None
    assert run.source_dir == str(catalogue.resolve())
    assert run.stats["movies"] == 8
    assert import_run_latest(kind=ImportKind.IMDB) is None
