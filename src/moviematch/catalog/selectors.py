"""Catalogue reads (HackSoft style: keyword-only, typed, ``<entity>_<action>``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from moviematch.catalog.models import (
    Credit,
    CreditRole,
    Genre,
    ImportKind,
    ImportRun,
    Movie,
    MovieTitle,
)
from moviematch.catalog.search_text import match_rank, parse_query
from moviematch.catalog.titles import language_code

#: Candidates ranked in Python per search (the most-rated matches): far more than a page.
_SEARCH_CANDIDATES = 300


@dataclass(frozen=True)
class MovieFilters:
    """Optional criteria of ``movie_list``; ``None`` means "any"."""

    query: str | None = None
    genre: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    in_catalogue: bool | None = True


def movie_get(*, movie_id: int) -> Movie:
    """One movie with its genres; raises ``Movie.DoesNotExist`` for an unknown id."""
    return Movie.objects.prefetch_related("genres").get(pk=movie_id)


def movie_list(*, filters: MovieFilters | None = None) -> QuerySet[Movie]:
    """Movies matching ``filters``, most-rated first (ties by id), genres prefetched.

    ``query`` matches the MovieLens or English title, case-insensitively, anywhere.
    """
    f = filters or MovieFilters()
    qs = Movie.objects.all()
    if f.in_catalogue is not None:
        qs = qs.filter(in_catalogue=f.in_catalogue)
    if f.query:
        qs = qs.filter(Q(title__icontains=f.query) | Q(english_title__icontains=f.query))
    if f.genre:
        qs = qs.filter(genres__name=f.genre)
    if f.year_from is not None:
        qs = qs.filter(year__gte=f.year_from)
    if f.year_to is not None:
        qs = qs.filter(year__lte=f.year_to)
    return qs.order_by("-num_ratings", "id").prefetch_related("genres")


def movie_search(
    *, query: str, limit: int = 20, offset: int = 0, language: str = "en"
) -> list[Movie]:
    """Catalogue movies whose titles match ``query``, best first (genres prefetched).

    Case and accents do not matter ("amelie" finds *Amélie*), nor where the article stands
    ("Matrix, The" and "the matrix"), and a year narrows the search ("alien 1979"). Every
    word must start a word of one title (Korean words may occur anywhere, on complete
    syllables; initial consonants "ㅁㅌㄹㅅ" match Korean titles). Titles equal to the query
    rank first, then titles starting with it, then the rest; within each, the most-rated
    first. ``language`` is accepted for symmetry with ``movie_titles``: every language's
    titles are always searched.

    Raises
    ------
    ValueError
        A negative ``limit`` or ``offset``.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    parsed = parse_query(query)
    if parsed.is_empty or limit == 0:
        return []
    qs = Movie.objects.filter(in_catalogue=True)
    for word in parsed.words:
        latin = word[0].isascii()
        qs = qs.filter(search_text__contains=(" " + word) if latin else word)
    if parsed.year is not None:
        qs = qs.filter(year=parsed.year)
    candidates = list(
        qs.order_by("-num_ratings", "id").only("id", "search_text", "num_ratings")[
            :_SEARCH_CANDIDATES
        ]
    )
    candidates.sort(key=lambda m: (match_rank(m.search_text, parsed), -m.num_ratings, m.id))
    page = [m.id for m in candidates[offset : offset + limit]]
    movies = movie_in_bulk(movie_ids=page)
    return [movies[m] for m in page]


def movie_titles(*, movie_ids: Iterable[int], language: str) -> dict[int, str]:
    """``{movie id: title}`` in ``language`` where TMDb gave one, else the display title.

    Unknown ids are left out.
    """
    ids = list(movie_ids)
    rows = Movie.objects.filter(pk__in=ids).values_list("id", "english_title", "title")
    out = {m: english or title for m, english, title in rows}
    out.update(movie_localized_titles(movie_ids=ids, language=language))
    return out


def movie_localized_titles(*, movie_ids: Iterable[int], language: str) -> dict[int, str]:
    """``{movie id: title}`` where TMDb gave a title in ``language`` (none in English, and no
    query): for movies already loaded, whose ``display_title`` stands in for the others."""
    code = language_code(language)
    if code == "en":
        return {}
    return dict(
        MovieTitle.objects.filter(movie_id__in=list(movie_ids), language=code).values_list(
            "movie_id", "title"
        )
    )


def movie_popular_list(*, n: int, exclude: Iterable[int] = ()) -> list[Movie]:
    """The ``n`` most-rated well-liked catalogue movies (MovieLens mean ≥ 3.5), genres prefetched.

    What the site shows when no recommendation model can be used: no personalisation, but
    films most visitors know and like.
    """
    return _with_genres(
        list(
            Movie.objects.filter(in_catalogue=True, mean_rating__gte=3.5)
            .exclude(pk__in=list(exclude))
            .order_by("-num_ratings", "id")[:n]
        )
    )


def movie_catalogue_ids(*, movie_ids: Iterable[int]) -> set[int]:
    """The catalogue movies among ``movie_ids`` (one query for their ids, nothing loaded)."""
    ids = list(movie_ids)
    if not ids:
        return set()
    return set(Movie.objects.filter(pk__in=ids, in_catalogue=True).values_list("pk", flat=True))


def movie_in_bulk(*, movie_ids: Iterable[int]) -> dict[int, Movie]:
    """``{id: Movie}`` for the ids that exist (genres prefetched), e.g. to render a list."""
    ids = list(movie_ids)
    return {m.id: m for m in _with_genres(list(Movie.objects.filter(pk__in=ids)))}


def movie_genre_list(*, movie: Movie) -> list[Genre]:
    """``list(movie.genres.all())``, from the genres ``_with_genres`` (or a prefetch) attached
    without building the relation's manager (a list of cards reads dozens of them)."""
    loaded = getattr(movie, "_prefetched_objects_cache", {}).get("genres")
    return list(loaded if loaded is not None else movie.genres.all())


class _MovieGenres(QuerySet[Genre]):
    """One movie's genres, loaded in bulk by ``_with_genres``: ``movie.genres.all()`` and
    iterating, counting or testing it use them; any further query (``filter``,
    ``order_by`` …) is the relation's own, so it can never answer with another movie's."""

    movie_id: int

    def _chain(self) -> QuerySet[Genre]:
        return Genre.objects.filter(movies=self.movie_id)


def _with_genres(movies: list[Movie]) -> list[Movie]:
    """``movies`` with their genres attached, as ``prefetch_related("genres")`` leaves them.

    One query for all of them, and none of the per-movie querysets that Django's prefetch
    builds (on a home page of 80 movies that halved the time spent loading them).
    """
    by_movie: dict[int, list[Genre]] = defaultdict(list)
    genres: dict[int, Genre] = {}
    links = (
        Movie.genres.through.objects.filter(movie_id__in=[m.pk for m in movies])
        .order_by("genre__name", "genre_id")
        .values_list("movie_id", "genre_id", "genre__name")
    )
    for movie_id, genre_id, name in links:
        genre = genres.get(genre_id)
        if genre is None:
            genre = genres[genre_id] = Genre(id=genre_id, name=name)
            genre._state.adding = False
            genre._state.db = links.db
        by_movie[movie_id].append(genre)
    for movie in movies:
        cached = _MovieGenres(model=Genre)
        cached.movie_id = movie.pk
        cached._result_cache = by_movie.get(movie.pk, [])
        cached._prefetch_done = True  # type: ignore[attr-defined]
        movie._prefetched_objects_cache = {"genres": cached}  # type: ignore[attr-defined]
    return movies


def movie_credits(*, movie: Movie, cast_limit: int = 10) -> dict[str, list[Credit]]:
    """``{"director": [...], "cast": [...]}`` in billing order, people selected."""
    credits = Credit.objects.filter(movie=movie).select_related("person").order_by("role", "order")
    out: dict[str, list[Credit]] = {CreditRole.DIRECTOR: [], CreditRole.CAST: []}
    for credit in credits:
        out[credit.role].append(credit)
    out[CreditRole.CAST] = out[CreditRole.CAST][:cast_limit]
    return {str(k): v for k, v in out.items()}


def movie_top_tags(*, movie: Movie, n: int = 10) -> list[str]:
    """The tags most users applied to the movie (ties by name)."""
    return list(
        movie.movie_tags.order_by("-count", "tag__name").values_list("tag__name", flat=True)[:n]
    )


def genre_list() -> QuerySet[Genre]:
    """All genres by name."""
    return Genre.objects.all()


def catalogue_movie_ids() -> list[int]:
    """Ids of the recommendable movies, ascending."""
    return list(Movie.objects.filter(in_catalogue=True).order_by("id").values_list("id", flat=True))


def catalogue_movies_with_genres() -> QuerySet[Movie]:
    """Catalogue movies with their genres prefetched (for building model features)."""
    return (
        Movie.objects.filter(in_catalogue=True)
        .order_by("id")
        .prefetch_related(Prefetch("genres", queryset=Genre.objects.order_by("name")))
    )


def catalogue_tag_applications() -> list[tuple[int, str, int]]:
    """``(movie_id, tag name, user count)`` for catalogue movies."""
    return list(
        Movie.objects.filter(in_catalogue=True, movie_tags__isnull=False)
        .order_by("id", "movie_tags__tag__name")
        .values_list("id", "movie_tags__tag__name", "movie_tags__count")
    )


def catalogue_tag_relevances() -> list[tuple[int, str, float]]:
    """``(movie_id, tag name, relevance)`` of the tag genome for catalogue movies."""
    return list(
        Movie.objects.filter(in_catalogue=True, tag_relevances__isnull=False)
        .order_by("id", "tag_relevances__tag__name")
        .values_list("id", "tag_relevances__tag__name", "tag_relevances__relevance")
    )


def import_run_latest(*, kind: ImportKind) -> ImportRun | None:
    """The most recent finished import of ``kind``, or ``None``."""
    return ImportRun.objects.filter(kind=kind).first()
