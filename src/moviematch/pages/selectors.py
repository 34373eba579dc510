"""What every movie list of the site shows about a movie: the card.

Pages of several apps list movies (home rows, onboarding, search, similar movies, my
ratings); each builds its cards here, so that a card always has the same facts, fetched the
same way: titles in the visitor's language and the visitor's ratings in one query each for
the whole list, poster URLs from the database only (never TMDb), genres prefetched by the
caller's selector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.catalog.selectors import movie_titles
from moviematch.media.services import movie_poster_url
from moviematch.ratings.selectors import rating_count, rating_map
from moviematch.recommendations import services
from moviematch.recommendations.errors import ModelUnavailableError

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
    """

    movie: Movie
    title: str
    poster_url: str
    stars: Decimal | None = None
    predicted: float | None = None
    rated_at: datetime | None = None


def movie_predictions(*, user: User | AnonymousUser, movie_ids: Iterable[int]) -> dict[int, float]:
    """Predicted stars to show ``user`` beside these movies, or none at all.

    None for a visitor who is anonymous or still rating their first movies (predictions
    shown while someone rates pull their ratings toward them), or while no model is
    published (a list of movies is still worth showing without them).
    """
    if not user.is_authenticated or rating_count(user=user) < services.onboarding_target():
        return {}
    try:
        return services.movie_predicted_stars(user=user, movie_ids=list(movie_ids))
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
) -> list[MovieCard]:
    """Cards of ``movies`` for ``user``, in the given order.

    Parameters
    ----------
    predicted : mapping of movie id to stars, optional
        Predictions to show; a page that must not show any (the onboarding) passes none.
    ratings : mapping of movie id to stars, optional
        The user's ratings of these movies when the caller has them (or knows there are
        none, e.g. recommendations); else they are read in one query.
    """
    movies = list(movies)
    if ratings is None:
        ratings = (
            rating_map(user=user, movie_ids=[m.pk for m in movies]) if user.is_authenticated else {}
        )
    titles = movie_titles(movie_ids=[m.pk for m in movies], language=language)
    return [
        MovieCard(
            movie=movie,
            title=titles.get(movie.pk, movie.display_title),
            poster_url=movie_poster_url(movie=movie, size=CARD_POSTER_SIZE),
            stars=ratings.get(movie.pk),
            predicted=(predicted or {}).get(movie.pk),
            rated_at=(rated_at or {}).get(movie.pk),
        )
        for movie in movies
    ]
