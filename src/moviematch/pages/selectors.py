"""What every movie list of the site shows about a movie: the card.

Pages of several apps list movies (home rows, onboarding, search, similar movies, my
ratings); each builds its cards here, so that a card always has the same facts, fetched the
same way: titles in the visitor's language and the visitor's ratings in one query each for
the whole list (no title query in English: the movies' own titles are those), poster URLs
from the database only (never TMDb), genres prefetched by the caller's selector. Why a
movie is recommended ("Because you rated …") is built here too, for the movie page and the
home cards' "Why?".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.catalog.selectors import movie_localized_titles, movie_titles
from moviematch.media.services import movie_poster_urls
from moviematch.ratings.selectors import rating_map
from moviematch.recommendations import services
from moviematch.recommendations.errors import ModelUnavailableError, MovieNotRecommendableError

#: Poster width of a card (TMDb size) and the box the page reserves for it, in CSS pixels.
CARD_POSTER_SIZE = "w342"


@dataclass(frozen=True)
class MovieCard:
    """One movie as a card shows it.

    Attributes
    ----------
    movie : Movie
        Genres prefetched.
    title : str
        In the visitor's language when known, else the English (or MovieLens) title.
    poster_url : str
        TMDb's poster, or the generated placeholder.
    stars : Decimal or None
        The visitor's own rating (None: not rated, or anonymous).
    predicted : float or None
        The predicted stars to show ("We think ★3.8"); None where none is shown.
    rated_at : datetime or None
        When the visitor rated it (the My ratings page).
    explain : bool
        The card offers "Why?" (a recommendation; its reason is loaded when opened).
    """

    movie: Movie
    title: str
    poster_url: str
    stars: Decimal | None = None
    predicted: float | None = None
    rated_at: datetime | None = None
    explain: bool = False


def movie_predictions(*, user: User | AnonymousUser, movie_ids: Iterable[int]) -> dict[int, float]:
    """Predicted stars to show ``user`` beside these movies, or none at all.

    None for a visitor who is anonymous or still rating their first movies (predictions
    shown while someone rates pull their ratings toward them), or while no model is
    published (a list of movies is still worth showing without them).
    """
    if not user.is_authenticated:
        return {}
    try:
        return services.movie_predicted_stars(
            user=user, movie_ids=list(movie_ids), min_rated=services.onboarding_target()
        )
    except ModelUnavailableError:
        return {}


def movie_cards(
    *,
    movies: Iterable[Movie],
    user: User | AnonymousUser,
    language: str,
    predicted: Mapping[int, float] | None = None,
    ratings: Mapping[int, Decimal] | None = None,
    rated_at: Mapping[int, datetime] | None = None,
    explain: bool = False,
) -> list[MovieCard]:
    """Cards of ``movies`` for ``user``, in the given order.

    Parameters
    ----------
    predicted : mapping of movie id to stars, optional
        Predictions to show; a page that must not show any (the onboarding) passes none.
    ratings : mapping of movie id to stars, optional
        The user's ratings of these movies when the caller has them (or knows there are
        none, e.g. recommendations); else they are read in one query.
    explain : bool
        Every card offers "Why?" (recommendations only).
    """
    movies = list(movies)
    if ratings is None:
        ratings = (
            rating_map(user=user, movie_ids=[m.pk for m in movies]) if user.is_authenticated else {}
        )
    titles = movie_localized_titles(movie_ids=[m.pk for m in movies], language=language)
    posters = movie_poster_urls(movies=movies, size=CARD_POSTER_SIZE)
    return [
        MovieCard(
            movie=movie,
            title=titles.get(movie.pk, movie.display_title),
            poster_url=poster,
            stars=ratings.get(movie.pk),
            predicted=(predicted or {}).get(movie.pk),
            rated_at=(rated_at or {}).get(movie.pk),
            explain=explain,
        )
        for movie, poster in zip(movies, posters, strict=True)
    ]


@dataclass(frozen=True)
class RatedFilm:
    """One of the visitor's rated films behind a recommendation, as a page names it."""

    movie: Movie
    title: str
    stars: float


@dataclass(frozen=True)
class MovieWhy:
    """Why a movie is recommended to the visitor, ready for a page.

    Attributes
    ----------
    because : list of RatedFilm
        The visitor's rated films that pushed it up most, largest share first; empty when
        the film is there for what everyone likes.
    genres : tuple of str
        MovieLens names of its genres shared with films the visitor rated 4★ or more.
    """

    because: list[RatedFilm]
    genres: tuple[str, ...]


#: Rated films a reason names ("Because you rated A, B and C").
WHY_FILMS = 3


def movie_why(*, user: User | AnonymousUser, movie_id: int, language: str) -> MovieWhy | None:
    """Why ``movie_id`` is recommended to ``user``; None when nothing can be said.

    None for an anonymous visitor, while no model is published, or for a movie the model
    cannot recommend: a page is still worth showing without the reason.
    """
    if not user.is_authenticated:
        return None
    try:
        why = services.movie_explanation(user=user, movie_id=movie_id, k=WHY_FILMS)
    except (ModelUnavailableError, MovieNotRecommendableError):
        return None
    titles = movie_titles(movie_ids=[b.movie.pk for b in why.because], language=language)
    return MovieWhy(
        because=[
            RatedFilm(b.movie, titles.get(b.movie.pk, b.movie.display_title), b.stars)
            for b in why.because
        ],
        genres=why.genres,
    )
