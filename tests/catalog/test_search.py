"""Search as a visitor types it: case, accents, "Title, The", a year, Korean titles."""

from __future__ import annotations

import pytest

from moviematch.catalog.models import Movie, MovieTitle
from moviematch.catalog.search_text import (
    article_first,
    hangul_initials,
    normalise,
    parse_query,
    search_text,
)
from moviematch.catalog.selectors import movie_search, movie_titles
from moviematch.catalog.services import movie_search_text_refresh, movie_title_store

pytestmark = pytest.mark.django_db

# (id, MovieLens title, English title, year, MovieLens ratings)
FILMS = [
    (4973, "Amélie (Fabuleux destin d'Amélie Poulain, Le)", "Amélie", 2001, 120),
    (2571, "Matrix, The", "The Matrix", 1999, 278),
    (1214, "Alien", "", 1979, 146),
    (1200, "Aliens", "", 1986, 126),
    (1320, "Alien³ (a.k.a. Alien 3)", "", 1992, 50),
    (293, "Léon: The Professional (a.k.a. The Professional) (Léon)", "Léon", 1994, 133),
    (6365, "Matrix Reloaded, The", "The Matrix Reloaded", 2003, 90),
    (9999, "Reality Bites", "", 1994, 40),
]


@pytest.fixture
def films() -> None:
    for movie_id, title, english, year, count in FILMS:
        Movie.objects.create(
            id=movie_id,
            title=title,
            english_title=english,
            year=year,
            num_ratings=count,
            in_catalogue=True,
            excluded_reason="",
        )
    Movie.objects.create(id=1, title="Alien Outside", year=2000, num_ratings=500)  # not listed
    movie_search_text_refresh()


def ids(query: str, **kwargs: object) -> list[int]:
    return [m.id for m in movie_search(query=query, **kwargs)]  # type: ignore[arg-type]


def test_normal_forms() -> None:
    assert normalise("  Amélie,  Léon & WALL·E! ") == "amelie leon wall e"
    assert normalise("매트릭스 2: 리로디드") == "매트릭스 2 리로디드"
    assert article_first("Matrix, The") == "The Matrix"
    assert article_first("Haine, La") == "La Haine"
    assert article_first("Heat") == "Heat"
    assert hangul_initials("매트릭스") == "ㅁㅌㄹㅅ"
    assert search_text(["Matrix, The", "The Matrix"]) == " | matrix the | the matrix | "
    assert parse_query("Alien 1979").year == 1979
    assert parse_query("1984").words == ("1984",)  # a lone year is a title


@pytest.mark.usefixtures("films")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("amelie", [4973]),
        ("AMÉLIE", [4973]),
        ("leon", [293]),
        ("Matrix, The", [2571, 6365]),
        ("the matrix", [2571, 6365]),
        ("matrix reloaded", [6365]),
        ("alien 1979", [1214]),
        ("alien", [1214, 1200, 1320]),  # exact title first, then the most rated
        ("ali", [1214, 1200, 1320]),  # words are matched from their start: not "Reality"
        ("professional", [293]),
    ],
)
def test_search_finds_what_a_visitor_means(query: str, expected: list[int]) -> None:
    assert ids(query) == expected


@pytest.mark.usefixtures("films")
def test_search_pages_and_never_lists_movies_outside_the_catalogue() -> None:
    assert ids("alien", limit=2) == [1214, 1200]
    assert ids("alien", limit=2, offset=2) == [1320]
    assert 1 not in ids("alien outside")
    assert ids("") == []
    assert ids("   !!! ") == []
    with pytest.raises(ValueError, match="limit and offset"):
        movie_search(query="alien", limit=-1)


@pytest.mark.usefixtures("films")
def test_korean_titles_are_found_and_shown_once_tmdb_gave_them() -> None:
    assert ids("매트릭스") == []
    assert movie_title_store(movie_id=2571, language="ko-KR", title="매트릭스", overview="…")
    assert not movie_title_store(movie_id=2571, language="ko-KR", title="매트릭스", overview="…")
    assert not movie_title_store(movie_id=2571, language="en-US", title="The Matrix")
    assert ids("매트릭스") == [2571]
    assert ids("트릭") == [2571]  # Korean matches inside a word, on whole syllables
    assert ids("ㅁㅌㄹㅅ") == [2571]  # initial consonants (초성)
    assert movie_titles(movie_ids=[2571, 1214, 404], language="ko") == {
        2571: "매트릭스",
        1214: "Alien",
    }
    assert movie_titles(movie_ids=[2571], language="en") == {2571: "The Matrix"}
    assert MovieTitle.objects.get().overview == "…"
