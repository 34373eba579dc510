"""Home (taste rows loaded as the visitor scrolls, cards rated in place, the familiar ↔
adventurous setting, "Why?" on each card) and similar movies."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from moviematch.accounts.selectors import signed_in_user
from moviematch.accounts.services import user_adventurous_set
from moviematch.catalog.selectors import movie_get, movie_titles
from moviematch.pages.selectors import MovieCard, movie_cards, movie_predictions, movie_why
from moviematch.ratings.selectors import rating_count
from moviematch.recommendations import services
from moviematch.recommendations.errors import ModelUnavailableError, MovieNotRecommendableError

#: Movies on a home page, how many rows the first answer renders, and how many each scroll adds.
HOME_MOVIES = 60
FIRST_ROWS = 2
ROWS_PER_FETCH = 2
SIMILAR_MOVIES = 12
#: Recommendations (best first, none on the page) among which the card that replaces one
#: rated on the home page is chosen: the first in the row's genres, else the first.
REPLACEMENT_CHOICES = 20
#: The most ``shown=`` ids read (a page holds far fewer); the rest are ignored.
MAX_SHOWN = 400
#: The steps of the home page's familiar ↔ adventurous control: (value, label).
ADVENTUROUS_STEPS = (
    ("0", gettext_lazy("Familiar")),
    ("0.5", gettext_lazy("Balanced")),
    ("1", gettext_lazy("Adventurous")),
)


@dataclass(frozen=True)
class Row:
    """One named row of the home page; ``genres`` are MovieLens names (translated by the page)."""

    number: int
    label: str
    genres: tuple[str, ...]
    cards: list[MovieCard]


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _visible_groups(feed: services.HomeFeed) -> list[services.TasteGroup]:
    """Rows to show: the user's, or with no rating yet the popular preview; none mid-onboarding."""
    if feed.needs_onboarding and feed.is_personal:
        return []
    return feed.groups


def _is_personal(feed: services.HomeFeed) -> bool:
    """The rows are the visitor's own picks: predicted stars, "Why?" and the setting shown.

    Not while the visitor is rating, nor when there is no model to make them."""
    return not feed.needs_onboarding and not feed.degraded


def _feed(request: HttpRequest, start: int, stop: int) -> services.HomeFeed:
    """Groups ``start`` to ``stop`` of the visitor's home feed, in the order of their
    familiar ↔ adventurous setting."""
    user = signed_in_user(request=request)
    return services.home_feed(
        user=user,
        n=HOME_MOVIES,
        adventurous=user.adventurous,
        fallback=True,
        start=start,
        stop=stop,
    )


def _rows(
    request: HttpRequest, feed: services.HomeFeed, start: int, stop: int
) -> tuple[list[Row], int | None]:
    """The feed's rows (groups ``start`` to ``stop``) and where the next fetch starts (None
    at the end)."""
    chosen = _visible_groups(feed)
    personal = _is_personal(feed)
    recs = [r for g in chosen for r in g.movies]
    cards = iter(
        movie_cards(
            movies=[r.movie for r in recs],
            user=request.user,
            language=_language(),
            predicted={r.movie.pk: r.stars for r in recs} if personal else None,
            ratings={},  # recommendations are never movies the user rated
            explain=personal,
        )
    )
    rows = [
        Row(start + i, g.label, g.genres, [next(cards) for _ in g.movies])
        for i, g in enumerate(chosen)
    ]
    return rows, (stop if feed.more_groups and chosen else None)


def _steps(adventurous: float) -> list[dict[str, object]]:
    """The control's steps, the one nearest the visitor's setting checked."""
    nearest = min(ADVENTUROUS_STEPS, key=lambda step: abs(float(step[0]) - adventurous))
    return [
        {"value": value, "label": label, "checked": (value, label) == nearest}
        for value, label in ADVENTUROUS_STEPS
    ]


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # ?all=1: every row at once, for browsers without scripts (the "More rows" link)
    stop = HOME_MOVIES if request.GET.get("all") else FIRST_ROWS
    feed = _feed(request, 0, stop)
    rows, next_row = _rows(request, feed, 0, stop)
    return render(
        request,
        "recommendations/home.html",
        {
            "feed": feed,
            "rows": rows,
            "next_row": next_row,
            "target": services.onboarding_target(),
            "steps": _steps(signed_in_user(request=request).adventurous)
            if _is_personal(feed)
            else None,
        },
    )


@login_required
@require_safe
def home_rows(request: HttpRequest) -> HttpResponse:
    """More rows of the home page (``start=``), as the visitor scrolls down to them."""
    start = request.GET.get("start", "")
    first = int(start) if start.isdigit() else FIRST_ROWS
    feed = _feed(request, first, first + ROWS_PER_FETCH)
    rows, next_row = _rows(request, feed, first, first + ROWS_PER_FETCH)
    return render(
        request, "recommendations/partials/rows.html", {"rows": rows, "next_row": next_row}
    )


class AdventurousForm(forms.Form):
    adventurous = forms.FloatField(min_value=0.0, max_value=1.0)


@login_required
@require_POST
def home_adventurous(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's familiar (0) ↔ adventurous (1) setting, from 0 to 1.

    A script sends ``fragment=1`` and gets the home page's first rows in the new order; a
    plain form post is sent back home. A value outside [0, 1] is a 400.
    """
    user = signed_in_user(request=request)
    form = AdventurousForm(request.POST)
    if not form.is_valid():
        message = _("Choose a setting from familiar to adventurous.")
        return render(request, "400.html", {"message": message}, status=400)
    user_adventurous_set(user=user, adventurous=form.cleaned_data["adventurous"])
    if not request.POST.get("fragment"):
        return redirect("recommendations:home")
    rows, next_row = _rows(request, _feed(request, 0, FIRST_ROWS), 0, FIRST_ROWS)
    return render(
        request, "recommendations/partials/rows.html", {"rows": rows, "next_row": next_row}
    )


@login_required
@require_safe
def why(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Why ``movie_id`` is recommended to the visitor, as the fragment a home card's "Why?"
    opens (computed only then). When nothing can be said (no model, a movie the model does
    not know) the fragment says so: a reason is never worth an error page."""
    explanation = movie_why(user=request.user, movie_id=movie_id, language=_language())
    return render(request, "recommendations/partials/why.html", {"why": explanation})


@login_required
@require_safe
def home_next(request: HttpRequest) -> HttpResponse:
    """The card that replaces one just rated: the best recommendation not on the page.

    ``shown=`` lists the movies on the page; ``genres=`` the row's genres, preferred for the
    replacement. 204 when nothing is left.
    """
    user = signed_in_user(request=request)
    shown = {int(p) for p in request.GET.get("shown", "").split(",")[:MAX_SHOWN] if p.isdigit()}
    wanted = {g for g in request.GET.get("genres", "").split(",") if g}
    try:
        fresh = services.recommendation_list(
            user=user, n=REPLACEMENT_CHOICES, adventurous=user.adventurous, exclude=shown
        )
    except ModelUnavailableError:  # the page is showing the popular list: nothing to add
        return HttpResponse(status=204)
    if not fresh:
        return HttpResponse(status=204)
    best = next((r for r in fresh if wanted & {g.name for g in r.movie.genres.all()}), fresh[0])
    show_stars = rating_count(user=user) >= services.onboarding_target()
    card = movie_cards(
        movies=[best.movie],
        user=user,
        language=_language(),
        predicted={best.movie.pk: best.stars} if show_stars else None,
        ratings={},
        explain=show_stars,
    )[0]
    return render(request, "recommendations/partials/card.html", {"card": card})


@require_safe
def similar(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Movies like ``movie_id`` as rateable cards; ``fragment=1`` for the movie page's section."""
    try:
        similar_movies = services.movie_similar_list(movie_id=movie_id, k=SIMILAR_MOVIES)
    except MovieNotRecommendableError:
        raise Http404("no similar movies for this movie") from None
    movies = [s.movie for s in similar_movies]
    cards = movie_cards(
        movies=movies,
        user=request.user,
        language=_language(),
        predicted=movie_predictions(user=request.user, movie_ids=[m.pk for m in movies]),
    )
    if request.GET.get("fragment"):
        return render(request, "recommendations/partials/similar.html", {"cards": cards})
    movie = movie_get(movie_id=movie_id)
    title = movie_titles(movie_ids=[movie.pk], language=_language()).get(movie.pk, "")
    return render(
        request, "recommendations/similar.html", {"cards": cards, "movie": movie, "title": title}
    )
