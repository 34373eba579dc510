"""Template helpers for movies: translated genres and row headings, outside links."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from moviematch.catalog import genres as genre_names
from moviematch.catalog.models import Genre, Movie

register = template.Library()


@register.filter
def genre_name(value: Genre | str) -> str:
    """``{{ genre|genre_name }}``: the genre in the page's language."""
    return genre_names.genre_name(value.name if isinstance(value, Genre) else str(value))


@register.filter
def genre_line(movie: Movie, limit: int = 3) -> str:
    """``{{ movie|genre_line }}``: up to ``limit`` genres, translated, joined by " · "."""
    return genre_names.SEPARATOR.join(
        genre_names.genre_name(g.name) for g in list(movie.genres.all())[:limit]
    )


@register.simple_tag
def group_heading(genres: Iterable[str], label: str) -> str:
    """``{% group_heading row.genres row.label %}``."""
    return genre_names.group_heading(genres=genres, label=label)


@register.filter
def imdb_url(movie: Movie) -> str:
    return f"https://www.imdb.com/title/{movie.imdb_id}/" if movie.imdb_id else ""


@register.filter
def tmdb_url(movie: Movie) -> str:
    return f"https://www.themoviedb.org/movie/{movie.tmdb_id}" if movie.tmdb_id else ""
