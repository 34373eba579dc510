"""Writes of titles: localised titles from TMDb, and the search text built from all titles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from moviematch.catalog.bulk_sync import update_rows
from moviematch.catalog.models import Movie, MovieTitle
from moviematch.catalog.search_text import search_text


def language_code(language: str) -> str:
    """``"ko-KR"`` → ``"ko"``: localised titles are kept per language, not per region."""
    return language.split("-", 1)[0].lower()


def movie_search_text_refresh(*, movie_ids: Iterable[int] | None = None) -> int:
    """Rebuild ``Movie.search_text`` from every title of these movies (all when None).

    Returns how many rows changed. Runs in the caller's transaction when there is one.
    """
    movies = Movie.objects.only("id", "title", "english_title", "search_text")
    localized = MovieTitle.objects.all()
    if movie_ids is not None:
        ids = list(movie_ids)
        movies = movies.filter(pk__in=ids)
        localized = localized.filter(movie_id__in=ids)
    others: dict[int, list[str]] = defaultdict(list)
    for movie_id, title in localized.order_by("language").values_list("movie_id", "title"):
        others[movie_id].append(title)
    dirty: list[tuple[object, ...]] = []
    for movie in movies.iterator(chunk_size=2000):
        text = search_text([movie.title, movie.english_title, *others.get(movie.pk, [])])
        if text != movie.search_text:
            dirty.append((text, movie.pk))
    update_rows(Movie, ["search_text"], dirty)
    return len(dirty)


@transaction.atomic
def movie_title_store(*, movie_id: int, language: str, title: str, overview: str = "") -> bool:
    """Keep ``movie_id``'s title (and overview, when in that language) in ``language``.

    English titles are not stored here: the catalogue's English title comes from IMDb.
    Returns whether anything changed (the movie's search text is then rebuilt).
    """
    code = language_code(language)
    title = title.strip()[:300]
    if code == "en" or not title:
        return False
    row, created = MovieTitle.objects.get_or_create(
        movie_id=movie_id, language=code, defaults={"title": title, "overview": overview}
    )
    if not created:
        if (row.title, row.overview or "") == (title, overview or row.overview):
            return False
        row.title = title
        row.overview = overview or row.overview
        row.save(update_fields=["title", "overview"])
    movie_search_text_refresh(movie_ids=[movie_id])
    return True
