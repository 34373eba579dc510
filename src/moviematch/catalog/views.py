"""Catalogue pages: a movie's page, search with "Load more", the header's autocomplete (JSON)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from moviematch.catalog.forms import SearchForm
from moviematch.catalog.models import Movie
from moviematch.catalog.selectors import (
    movie_credits,
    movie_get,
    movie_search,
    movie_titles,
    movie_top_tags,
)
from moviematch.integrations.tmdb import MovieDetails
from moviematch.media.services import movie_poster_url, movie_tmdb_details
from moviematch.pages.selectors import movie_cards, movie_predictions, movie_why
from moviematch.ratings.selectors import rating_get

SEARCH_PAGE_SIZE = 20
SUGGESTIONS = 8
SUGGEST_MIN_CHARS = 2
#: TMDb languages asked for each page language: the first is preferred, the next fill gaps.
TMDB_LANGUAGES = {"ko": ("ko-KR", "en-US"), "en": ("en-US",)}
#: A movie page says why the film is for the visitor ("Because you rated …") only when the
#: model predicts at least this many stars: below it (the ranker's stars floor) the film is
#: not one it would recommend, and a reason would contradict the prediction.
WHY_MIN_STARS = 3.0


@dataclass(frozen=True)
class MovieTexts:
    """What a movie page shows in the visitor's language, TMDb's where it has them."""

    title: str
    other_title: str
    overview: str
    runtime: int | None
    directors: list[str]
    cast: list[str]


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _texts(movie: Movie, details: MovieDetails | None, language: str) -> MovieTexts:
    title = movie_titles(movie_ids=[movie.pk], language=language).get(movie.pk, "")
    if details is not None and details.language.startswith(language) and details.title:
        title = details.title
    others = [t for t in (movie.display_title, movie.title) if t and t != title]
    overview = movie.overview
    # TMDb's overview in the page's language wins; in another language it only fills a gap
    if (
        details is not None
        and details.overview
        and (details.overview_language.startswith(language) or not overview)
    ):
        overview = details.overview
    credits = movie_credits(movie=movie)
    directors = [c.person.name for c in credits["director"]]
    cast = [c.person.name for c in credits["cast"]]
    if details is not None:
        directors = directors or [d.name for d in details.directors]
        cast = cast or [c.name for c in details.cast[:10]]
    return MovieTexts(
        title=title,
        other_title=others[0] if others else "",
        overview=overview,
        runtime=movie.runtime_minutes or (details.runtime if details else None),
        directors=directors,
        cast=cast,
    )


@require_safe
def movie_detail(request: HttpRequest, movie_id: int) -> HttpResponse:
    try:
        movie = movie_get(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404("no such movie") from None
    if not movie.in_catalogue:
        raise Http404("not in the catalogue")
    language = _language()
    details = movie_tmdb_details(
        movie=movie, languages=TMDB_LANGUAGES.get(language, ("en-US",))
    ).value
    user = request.user
    rating = rating_get(user=user, movie_id=movie.pk) if user.is_authenticated else None
    predicted = movie_predictions(user=user, movie_ids=[movie.pk]).get(movie.pk)
    # why it is recommended: for a film the visitor has not rated and would be offered. The
    # reason is loaded by the page's script as it comes into view (its cost grows with the
    # visitor's ratings); ?why=1 puts it in the page, for browsers without scripts.
    show_why = rating is None and predicted is not None and predicted >= WHY_MIN_STARS
    why_inline = show_why and bool(request.GET.get("why"))
    return render(
        request,
        "catalog/movie_detail.html",
        {
            "movie": movie,
            "texts": _texts(movie, details, language),
            "poster_url": movie_poster_url(movie=movie, size="w500"),
            "tags": movie_top_tags(movie=movie, n=12),
            "stars": rating.stars if rating else None,
            "predicted": predicted,
            "show_why": show_why,
            "why_inline": why_inline,
            "why": movie_why(user=user, movie_id=movie.pk, language=language)
            if why_inline
            else None,
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """``?q=`` (and ``page=``); ``fragment=1`` answers only the results, for "Load more"."""
    form = SearchForm(request.GET)
    query, page = form.query(), form.page_number()
    movies: list[Movie] = []
    if query:
        movies = movie_search(
            query=query,
            limit=SEARCH_PAGE_SIZE + 1,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
            language=_language(),
        )
    shown = movies[:SEARCH_PAGE_SIZE]
    context = {
        "form": form,
        "query": query,
        "cards": movie_cards(
            movies=shown,
            user=request.user,
            language=_language(),
            predicted=movie_predictions(user=request.user, movie_ids=[m.pk for m in shown]),
        ),
        "next_page": page + 1 if len(movies) > SEARCH_PAGE_SIZE else None,
        "first": (page - 1) * SEARCH_PAGE_SIZE,
    }
    if request.GET.get("fragment"):
        return render(request, "catalog/partials/search_results.html", context)
    return render(request, "catalog/search.html", context)


@require_safe
def suggest(request: HttpRequest) -> JsonResponse:
    """``?q=`` → ``{"results": [{"id", "title", "year", "url"}]}`` (nothing under 2 letters)."""
    query = SearchForm(request.GET).query()
    if len(query) < SUGGEST_MIN_CHARS:
        return JsonResponse({"results": []})
    language = _language()
    movies = movie_search(query=query, limit=SUGGESTIONS, language=language)
    titles = movie_titles(movie_ids=[m.pk for m in movies], language=language)
    return JsonResponse(
        {
            "results": [
                {
                    "id": m.pk,
                    "title": titles[m.pk],
                    "year": m.year,
                    "url": reverse("catalog:movie", kwargs={"movie_id": m.pk}),
                }
                for m in movies
            ]
        }
    )
