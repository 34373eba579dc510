"""The catalogue reads of the API, each in one place.

``movie_page`` and ``movie_titles`` stand in for the catalogue's search and localised titles
(``catalog.selectors.movie_search`` / ``movie_titles``) until those selectors exist: the
switch is one line in each.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from moviematch.catalog.selectors import MovieFilters, movie_list


def movie_page(*, query: str, limit: int, offset: int) -> list[Any]:
    """Catalogue movies matching ``query`` (all when empty), best match first."""
    return list(movie_list(filters=MovieFilters(query=query or None))[offset : offset + limit])


def movie_titles(*, movie_ids: Collection[int], language: str) -> dict[int, str]:
    """Titles of ``movie_ids`` in ``language`` where known; the card falls back to its own."""
    return {}
