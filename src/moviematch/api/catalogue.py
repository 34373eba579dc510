"""The catalogue list of the API: a search, or the whole catalogue without one."""

from __future__ import annotations

from typing import Any

from moviematch.catalog.selectors import movie_list, movie_search


def movie_page(*, query: str, limit: int, offset: int, language: str) -> list[Any]:
    """Catalogue movies matching ``query``, best match first; most rated first when empty."""
    if not query.strip():
        return list(movie_list()[offset : offset + limit])
    return movie_search(query=query, limit=limit, offset=offset, language=language)
