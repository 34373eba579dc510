"""A comparable picture of every catalogue table, to show an operation changed nothing."""

from __future__ import annotations

from moviematch.catalog.models import Credit, Genre, Movie, MovieTag, Person, Tag, TagRelevance


def catalogue_snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of the catalogue tables (primary keys included), in a stable order."""
    through = Movie.genres.through
    tables = {
        "movie": Movie.objects.order_by("id").values_list(),
        "genre": Genre.objects.order_by("id").values_list(),
        "movie_genre": through.objects.order_by("id").values_list(),
        "tag": Tag.objects.order_by("id").values_list(),
        "movie_tag": MovieTag.objects.order_by("id").values_list(),
        "relevance": TagRelevance.objects.order_by("id").values_list(),
        "person": Person.objects.order_by("id").values_list(),
        "credit": Credit.objects.order_by("id").values_list(),
    }
    return {name: list(qs) for name, qs in tables.items()}
