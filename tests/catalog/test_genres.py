"""Genre names and home-row headings in the visitor's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from moviematch.catalog.genres import GENRE_NAMES, genre_name, group_heading

KOREAN = {
    "Drama": "드라마",
    "Romance": "로맨스",
    "Sci-Fi": "SF",
    "Animation": "애니메이션",
    "Children": "어린이/가족",
    "Film-Noir": "필름 누아르",
    "(no genres listed)": "(장르 정보 없음)",
}


def test_every_movielens_genre_has_a_name() -> None:
    assert len(GENRE_NAMES) == 20
    with translation.override("ko"):
        names = [genre_name(g) for g in GENRE_NAMES]
    assert len(set(names)) == 20
    untranslated = [g for g, n in zip(GENRE_NAMES, names, strict=True) if g == n]
    assert untranslated == ["IMAX"]  # the same word in Korean


@pytest.mark.parametrize(("genre", "korean"), KOREAN.items())
def test_korean_genre_names(genre: str, korean: str) -> None:
    with translation.override("ko"):
        assert genre_name(genre) == korean
    with translation.override("en"):
        assert genre_name(genre) == genre


@pytest.mark.parametrize(
    ("genres", "label", "english", "korean"),
    [
        (("Crime", "Thriller"), "Crime · Thriller", "Crime · Thriller", "범죄 · 스릴러"),
        (("Sci-Fi",), "Sci-Fi", "Sci-Fi", "SF"),
        ((), "More picks", "More picks", "추천 더 보기"),
        ((), "More picks 2", "More picks 2", "추천 더 보기 2"),
        (("Kung Fu",), "Kung Fu", "Kung Fu", "Kung Fu"),  # unknown names shown as they are
    ],
)
def test_row_headings(genres: tuple[str, ...], label: str, english: str, korean: str) -> None:
    with translation.override("en"):
        assert group_heading(genres=genres, label=label) == english
    with translation.override("ko"):
        assert group_heading(genres=genres, label=label) == korean
