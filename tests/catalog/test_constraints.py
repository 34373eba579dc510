"""The catalogue's rules are enforced by the database itself, not only by Python."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from moviematch.catalog.models import (
    Credit,
    CreditRole,
    ExclusionReason,
    Genre,
    Movie,
    MovieTag,
    Person,
    Tag,
    TagRelevance,
)

pytestmark = pytest.mark.django_db


def movie(movie_id: int = 1, **fields: object) -> Movie:
    return Movie.objects.create(id=movie_id, title=f"Movie {movie_id}", **fields)


def assert_rejected(make: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()  # type: ignore[operator]


def test_movie_defaults_to_not_filtered_out_of_catalogue() -> None:
    m = movie()
    assert (m.in_catalogue, m.excluded_reason) == (False, ExclusionReason.NOT_FILTERED)


def test_imdb_and_tmdb_ids_are_unique_but_may_be_missing() -> None:
    movie(1, imdb_id="tt0000001", tmdb_id=10)
    movie(2)
    movie(3)  # two NULLs do not collide
    assert_rejected(lambda: movie(4, imdb_id="tt0000001"))
    assert_rejected(lambda: movie(5, tmdb_id=10))


def test_imdb_id_must_start_with_tt() -> None:
    assert_rejected(lambda: movie(1, imdb_id="0114709"))


@pytest.mark.parametrize("mean", [0.4, 5.01, -1.0])
def test_mean_rating_within_stars(mean: float) -> None:
    assert_rejected(lambda: movie(1, num_ratings=3, mean_rating=mean))


def test_mean_rating_needs_ratings() -> None:
    assert_rejected(lambda: movie(1, num_ratings=0, mean_rating=3.0))


def test_in_catalogue_and_reason_are_exclusive() -> None:
    assert_rejected(lambda: movie(1, in_catalogue=True, excluded_reason="few_ratings"))
    assert_rejected(lambda: movie(2, in_catalogue=False, excluded_reason=""))
    movie(3, in_catalogue=True, excluded_reason="")


def test_raw_sql_cannot_bypass_the_catalogue_check() -> None:
    movie(1, in_catalogue=True, excluded_reason="")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE catalog_movie SET excluded_reason = '' , in_catalogue = %s", [False])


def test_genre_and_tag_names_unique() -> None:
    Genre.objects.create(name="Drama")
    Tag.objects.create(name="pixar")
    assert_rejected(lambda: Genre.objects.create(name="Drama"))
    assert_rejected(lambda: Tag.objects.create(name="pixar"))


def test_credit_unique_per_movie_person_role_and_role_valid() -> None:
    m = movie()
    p = Person.objects.create(imdb_id="nm0000158", name="Tom Hanks")
    Credit.objects.create(movie=m, person=p, role=CreditRole.CAST, order=0)
    Credit.objects.create(movie=m, person=p, role=CreditRole.DIRECTOR, order=0)
    assert_rejected(lambda: Credit.objects.create(movie=m, person=p, role=CreditRole.CAST))
    assert_rejected(lambda: Credit.objects.create(movie=m, person=p, role="writer"))


def test_person_imdb_id_is_an_nconst() -> None:
    assert_rejected(lambda: Person.objects.create(imdb_id="tt0000001", name="Not a person"))


def test_movie_tag_count_positive_and_unique() -> None:
    m, t = movie(), Tag.objects.create(name="funny")
    assert_rejected(lambda: MovieTag.objects.create(movie=m, tag=t, count=0))
    MovieTag.objects.create(movie=m, tag=t, count=2)
    assert_rejected(lambda: MovieTag.objects.create(movie=m, tag=t, count=1))


@pytest.mark.parametrize("relevance", [-0.01, 1.01])
def test_tag_relevance_between_zero_and_one(relevance: float) -> None:
    m, t = movie(), Tag.objects.create(name="funny")
    assert_rejected(lambda: TagRelevance.objects.create(movie=m, tag=t, relevance=relevance))


def test_tag_relevance_unique_per_movie_and_tag() -> None:
    m, t = movie(), Tag.objects.create(name="funny")
    TagRelevance.objects.create(movie=m, tag=t, relevance=1.0)
    assert_rejected(lambda: TagRelevance.objects.create(movie=m, tag=t, relevance=0.5))
