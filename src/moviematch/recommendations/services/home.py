"""The home feed: a user's recommendations in taste groups, made once per set of ratings.

The engine's part (fold-in, ranking, grouping) depends only on the model, the user's ratings
and their familiar ↔ adventurous setting, so its result, the *plan* (each group's label,
genres and ``(movie id, stars, score)``), is kept in the ``"feeds"`` cache under a digest of
exactly those: a rating, changed or removed anywhere, gives another key, and the next view
is computed afresh (there is nothing to invalidate). The cache is the site's configured
kind: per process in development, a file cache shared by every gunicorn worker of a host
(``MOVIEMATCH_CACHE=file``), so that the rows a page fetches as the visitor scrolls, and a
second look at the page, reuse it whichever worker answers.

Only the groups a page shows are turned into movies (one query for the movies, one for their
genres), so the cost of a page does not grow with the feed's length; a movie that left the
catalogue since the plan was made is dropped then.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import caches

from moviematch.accounts.models import User
from moviematch.catalog.genres import POPULAR_LABEL
from moviematch.catalog.selectors import movie_catalogue_ids, movie_popular_list
from moviematch.recommendations.errors import ModelUnavailableError
from moviematch.recommendations.services.results import HomeFeed, RecommendedMovie, TasteGroup
from moviematch.recommendations.services.serving import (
    SLACK,
    catalogue_movies,
    log_fallback,
    model_required,
    onboarding_target,
    profile_of,
    user_ratings,
)
from moviematch.recommender import Model

#: The cache alias of the plans (settings.CACHES) and how long a plan is kept, in seconds.
FEED_CACHE = "feeds"
FEED_SECONDS = 600

#: One group of a plan: label, genres, [(movie id, stars, score)] best first.
PlanGroup = tuple[str, list[str], list[tuple[int, float, float]]]


def home_feed(
    *,
    user: User,
    n: int = 40,
    adventurous: float = 0.5,
    fallback: bool = False,
    start: int = 0,
    stop: int | None = None,
) -> HomeFeed:
    """The user's top-``n`` recommendations in taste groups, and where their onboarding is.

    Groups come in the order of the best rank they hold and keep the list's order inside.
    A user who has not finished onboarding still gets groups (from what they rated so far,
    or the cold-start list with no rating): the page decides how to present them.
    ``adventurous`` as in ``recommendation_list``. Only groups ``start`` to ``stop`` (all
    by default) are returned, ``more_groups`` says whether others follow: a page that shows
    the first rows loads only their movies.

    With ``fallback``, a missing or broken model gives a ``degraded`` feed of popular films
    instead of an error (the page stays useful; the health check reports the model).

    Raises
    ------
    ModelUnavailableError
        No model is published (or it cannot be loaded), and ``fallback`` is false.
    ValueError
        ``n`` < 0, ``adventurous`` outside [0, 1], or ``start``/``stop`` negative.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if start < 0 or (stop is not None and stop < 0):
        raise ValueError(f"start and stop must be >= 0, got {start}, {stop}")
    rated, rated_count = user_ratings(user)
    needed = max(0, onboarding_target() - rated_count)
    try:
        model = model_required()  # one model for every step, even if a new one is published
    except ModelUnavailableError:
        if not fallback:
            raise
        return _popular_feed(rated, rated_count, n, start, stop)
    plan = _plan(model, user, rated, n, adventurous)
    chosen = plan[start:stop]
    movies = catalogue_movies(m for _, _, recs in chosen for m, _, _ in recs)
    groups = [
        TasteGroup(
            label,
            tuple(genres),
            [RecommendedMovie(movies[m], stars, score) for m, stars, score in recs if m in movies],
        )
        for label, genres, recs in chosen
    ]
    more = stop is not None and stop < len(plan)
    return HomeFeed(rated_count, needed, [g for g in groups if g.movies], more_groups=more)


def _plan_key(model: Model, user: User, rated: dict[int, float], n: int, adventurous: float) -> str:
    """Everything the plan depends on, digested (a key any cache accepts)."""
    facts = [model.model_id, user.pk, n, float(adventurous), sorted(rated.items())]
    digest = hashlib.blake2b(json.dumps(facts).encode(), digest_size=20).hexdigest()
    return f"mm-feed:{digest}"


def _plan(
    model: Model, user: User, rated: dict[int, float], n: int, adventurous: float
) -> list[PlanGroup]:
    """The engine's groups for these ratings, from the cache or computed (and kept)."""
    cache = caches[FEED_CACHE]
    key = _plan_key(model, user, rated, n, adventurous)
    plan: list[PlanGroup] | None = cache.get(key)
    if plan is not None:
        return plan
    recs = model.recommend(
        profile_of(model, rated), n=n + SLACK, exclude=list(rated), adventurous=adventurous
    )
    in_catalogue = movie_catalogue_ids(movie_ids=[r.movie_id for r in recs])
    kept = {r.movie_id: r for r in [r for r in recs if r.movie_id in in_catalogue][:n]}
    plan = [
        (
            g.label,
            list(g.genres),
            [(m, float(kept[m].stars), float(kept[m].score)) for m in g.movie_ids],
        )
        for g in model.group(list(kept))
    ]
    cache.set(key, plan, FEED_SECONDS)
    return plan


def _popular_feed(
    rated: dict[int, float], rated_count: int, n: int, start: int, stop: int | None
) -> HomeFeed:
    log_fallback()
    popular = [
        RecommendedMovie(m, float(m.mean_rating or 0.0), float(m.num_ratings))
        for m in movie_popular_list(n=n, exclude=rated)
    ]
    groups = [TasteGroup(POPULAR_LABEL, (), popular)] if popular else []
    return HomeFeed(
        rated_count=rated_count,
        ratings_needed=max(0, onboarding_target() - rated_count),
        groups=groups[start:stop],
        degraded=True,
        more_groups=stop is not None and stop < len(groups),
    )
