"""Answers for the site from the published model: lists, similar movies, picks, reasons
(the home feed is ``home``).

Each process keeps the published model loaded and switches to a newly published one within
a second, without a restart (``model_current``). A user is folded in from their ratings on
every call (well under a millisecond), so a rating made anywhere changes the next answer
without retraining. Movies that left the catalogue since the model was trained are dropped
from every answer.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from moviematch.accounts.models import User
from moviematch.catalog.models import MOVIE_ID_MAX, Movie
from moviematch.catalog.selectors import (
    movie_catalogue_ids,
    movie_in_bulk,
    movie_popular_list,
)
from moviematch.ratings.models import Rating
from moviematch.recommendations.errors import ModelUnavailableError, MovieNotRecommendableError
from moviematch.recommendations.services.results import (
    BecauseYouRated,
    ModelStatus,
    MovieExplanation,
    RecommendedMovie,
    SimilarMovie,
)
from moviematch.recommender import (
    CURRENT_FILE,
    Model,
    ModelCache,
    UnknownMovieError,
    UserProfile,
    load_current,
)

logger = logging.getLogger(__name__)

#: Extra candidates asked of the engine, so that lists stay full after dropping movies that
#: left the catalogue since training.
SLACK = 20


def model_root() -> Path:
    """The model directory: ``settings.MOVIEMATCH["MODEL_PATH"]`` (next to the database)."""
    return Path(settings.MOVIEMATCH["MODEL_PATH"])


def onboarding_target() -> int:
    """Ratings a new user is asked for before the home page counts as personal."""
    return int(settings.MOVIEMATCH["ONBOARDING_RATINGS"])


_caches: dict[Path, ModelCache[Model]] = {}


def model_current() -> Model | None:
    """This process's model, reloaded within a second of a new publish; None before any."""
    root = model_root()
    cache = _caches.get(root)
    if cache is None:
        cache = _caches.setdefault(root, ModelCache(root, load=load_current))
    return cache.get()


def model_status() -> ModelStatus:
    """Whether this process has a usable model, without raising (the health check)."""
    model = model_current()
    if model is None:
        published = (model_root() / CURRENT_FILE).exists()
        return ModelStatus(False, problem="cannot be loaded" if published else "not published")
    return ModelStatus(
        True, model_id=model.model_id, trained_at=str(model.metadata.get("trained_at", ""))
    )


def model_forget() -> None:
    """Drop every process-local model (tests; the next call loads again)."""
    for cache in _caches.values():
        cache.clear()
    _caches.clear()


def model_required() -> Model:
    model = model_current()
    if model is None:
        if (model_root() / CURRENT_FILE).exists():
            raise ModelUnavailableError("the published model cannot be loaded (see the log)")
        raise ModelUnavailableError()
    return model


def user_ratings(user: User) -> tuple[dict[int, float], int]:
    """``({movie id: stars}, how many of them are catalogue movies)``, in one query.

    Every page that predicts reads all of its visitor's ratings (hundreds for some), so the
    query the ORM writes is compiled once per database and its rows read as they come:
    through the ORM, compiling it and turning each row's stars into a ``Decimal`` (then a
    float) took most of the time of a home page's feed (README "Pages").
    """
    with connection.cursor() as cursor:
        cursor.execute(_user_ratings_sql(connection.vendor), [user.pk])
        rows = cursor.fetchall()
    return {int(m): float(s) for m, s, _ in rows}, sum(1 for *_, shown in rows if shown)


@functools.cache
def _user_ratings_sql(vendor: str) -> str:
    """The ratings query of ``user_ratings`` with the user's id left as its one parameter."""
    query = Rating.objects.filter(user_id=0).values_list("movie_id", "stars", "movie__in_catalogue")
    sql, params = query.query.sql_with_params()
    if list(params) != [0]:
        raise RuntimeError(f"unexpected parameters of the ratings query: {params!r}")
    return sql


def profile_of(model: Model, rated: dict[int, float]) -> UserProfile:
    """The user folded in (an empty profile, the cold-start case, when they rated nothing)."""
    return model.fold_in(list(rated), list(rated.values()))


def catalogue_movies(movie_ids: Iterable[int]) -> dict[int, Movie]:
    """The catalogue movies among ``movie_ids`` (the catalogue may have changed since training)."""
    return {
        m: movie for m, movie in movie_in_bulk(movie_ids=movie_ids).items() if movie.in_catalogue
    }


@contextmanager
def _known_movie(movie_id: int) -> Iterator[Model]:
    """The current model, for a question about one catalogue movie it must know.

    Raises ``MovieNotRecommendableError`` when the movie is not in the catalogue, or when
    the engine reports it unknown (``UnknownMovieError``) inside the ``with`` block.
    """
    if movie_id not in movie_catalogue_ids(movie_ids=[movie_id]):
        raise MovieNotRecommendableError(movie_id, "not in the catalogue")
    model = model_required()
    try:
        yield model
    except UnknownMovieError:
        raise MovieNotRecommendableError(movie_id, "unknown to the current model") from None


def _recommend(
    model: Model,
    rated: dict[int, float],
    n: int,
    adventurous: float = 0.5,
    exclude: Collection[int] = (),
) -> list[RecommendedMovie]:
    recs = model.recommend(
        profile_of(model, rated),
        n=n + SLACK,
        exclude=[*rated, *(m for m in exclude if 0 < m <= MOVIE_ID_MAX)],
        adventurous=adventurous,
    )
    movies = catalogue_movies(r.movie_id for r in recs)
    return [
        RecommendedMovie(movies[r.movie_id], float(r.stars), float(r.score))
        for r in recs
        if r.movie_id in movies
    ][:n]


def recommendation_list(
    *, user: User, n: int = 20, adventurous: float = 0.5, exclude: Collection[int] = ()
) -> list[RecommendedMovie]:
    """The user's top-``n`` catalogue movies, best first, never one they rated nor one in
    ``exclude`` (e.g. the films already on their page; ids that name no movie are ignored).

    A user with no rating gets the engine's cold-start list. ``adventurous`` in [0, 1]
    trades familiar, popular films (0) against less-known, more personal ones (1); 0.5 is
    the default blend.

    Raises
    ------
    ModelUnavailableError
        No model is published (or it cannot be loaded).
    ValueError
        ``n`` < 0 or ``adventurous`` outside [0, 1].
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return _recommend(model_required(), user_ratings(user)[0], n, adventurous, exclude)


def movie_explanation(*, user: User, movie_id: int, k: int = 3) -> MovieExplanation:
    """Why ``movie_id`` is recommended to ``user``: the rated films that pushed it up most.

    The engine splits the film's ranking score into one share per film the user rated
    and a part that is the same for everyone (``Model.explain``); this returns the ``k``
    rated catalogue films with the largest positive shares ("Because you rated *Alien*
    ★★★★½"), the film's genres shared with films the user rated 4★ or more, and the stars
    the model predicts. The shares are those of the user's familiar ↔ adventurous setting,
    the one their home page is ranked with.

    Raises
    ------
    MovieNotRecommendableError
        ``movie_id`` is not a catalogue movie, or the current model does not know it.
    ModelUnavailableError
        No model is published (or it cannot be loaded).
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    with _known_movie(movie_id) as model:
        why = model.explain(
            profile_of(model, user_ratings(user)[0]), movie_id, adventurous=user.adventurous
        )
    positive = [c for c in why.contributions if c.total > 0]
    shown = movie_catalogue_ids(movie_ids=[c.movie_id for c in positive])
    named = [c for c in positive if c.movie_id in shown][:k]
    movies = catalogue_movies([movie_id, *(c.movie_id for c in named)])
    because = [
        BecauseYouRated(movies[c.movie_id], c.stars, c.total) for c in named if c.movie_id in movies
    ]
    return MovieExplanation(
        movie=movies[movie_id],
        stars=why.predicted_stars,
        because=because,
        genres=why.genres,
    )


_last_fallback_log = float("-inf")


def log_fallback() -> None:
    global _last_fallback_log
    now = time.monotonic()
    if now - _last_fallback_log >= 60:  # a clear line, not one per request
        _last_fallback_log = now
        logger.warning("no usable recommendation model: pages show the popular list instead")


def movie_predicted_stars(
    *, user: User, movie_ids: Collection[int], min_rated: int = 0
) -> dict[int, float]:
    """Stars the model predicts ``user`` would give each of ``movie_ids``.

    Movies the model does not know are left out of the answer. The prediction is made
    whether or not the user rated the movie (a page shows both). None at all while the user
    has rated fewer than ``min_rated`` catalogue movies (counted with the ratings it reads).

    Raises
    ------
    ModelUnavailableError
        No model is published (or it cannot be loaded).
    """
    ids = [int(m) for m in movie_ids]
    if not ids:
        return {}
    model = model_required()
    rated, rated_count = user_ratings(user)
    if rated_count < min_rated:
        return {}
    stars = model.predict(profile_of(model, rated), ids)
    return {m: float(s) for m, s in zip(ids, stars.tolist(), strict=True) if s == s}


def movie_similar_list(*, movie_id: int, k: int = 10) -> list[SimilarMovie]:
    """The ``k`` catalogue movies most similar to ``movie_id``, best first.

    Raises
    ------
    MovieNotRecommendableError
        ``movie_id`` is not a catalogue movie, or the current model does not know it.
    ModelUnavailableError
        No model is published (or it cannot be loaded).
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    with _known_movie(movie_id) as model:
        similar = model.similar(movie_id, k + SLACK)
    movies = catalogue_movies(m for m, _ in similar)
    return [SimilarMovie(movies[m], float(c)) for m, c in similar if m in movies][:k]


def onboarding_movies(
    *, user: User, n: int = 20, skipped: Collection[int] = (), fallback: bool = False
) -> list[Movie]:
    """Movies to ask ``user`` to rate next: likely seen, informative, diverse.

    Movies the user rated steer the proposals; ``skipped`` (movies the user said they have
    not seen) are never proposed again and steer away. Proposals are stable for a user
    (seeded by their id) until they rate or skip something.

    With ``fallback``, a missing or broken model gives the most-rated well-liked films
    instead of an error.

    Raises
    ------
    ModelUnavailableError
        No model is published (or it cannot be loaded), and ``fallback`` is false.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rated = user_ratings(user)[0]
    skipped_ids = sorted({int(m) for m in skipped})
    try:
        model = model_required()
    except ModelUnavailableError:
        if not fallback:
            raise
        log_fallback()
        return movie_popular_list(n=n, exclude=set(rated) | set(skipped_ids))
    proposed = model.onboarding(
        n + SLACK,
        exclude=set(rated) | set(skipped_ids),
        seed=int(user.pk),
        rated=list(rated),
        skipped=skipped_ids,
    )
    movies = catalogue_movies(proposed)
    return [movies[m] for m in proposed if m in movies][:n]
