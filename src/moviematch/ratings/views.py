"""Rating pages: the onboarding (rate 10), My ratings, and the endpoint every star widget posts to.

The rating endpoint acts on the signed-in user's own rating only: its URL names a movie,
never a user or a rating id, so nobody can touch another user's ratings through it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from moviematch.accounts.selectors import signed_in_user
from moviematch.catalog.selectors import movie_search
from moviematch.pages.selectors import MovieCard, movie_cards
from moviematch.ratings.errors import InvalidStarsError, MovieNotRateableError, RatingError
from moviematch.ratings.selectors import (
    RatingOrder,
    rating_count,
    rating_list,
    skipped_movie_ids,
)
from moviematch.ratings.services import onboarding_skip, rating_delete, rating_upsert
from moviematch.recommendations.services import onboarding_movies, onboarding_target

#: Cards per onboarding batch (first screen, then each time the visitor scrolls to the end).
ONBOARDING_BATCH = 12
ONBOARDING_SEARCH_RESULTS = 8
#: The most card ids a page may send back (``shown=``), to bound the work of one request.
MAX_SHOWN = 400
MY_RATINGS_PAGE_SIZE = 60
ORDERS: tuple[RatingOrder, ...] = ("recent", "stars", "title")


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _shown(request: HttpRequest) -> list[int]:
    """The movie ids already on the visitor's page (``shown=1,2,3``); junk is ignored."""
    raw = request.POST.get("shown") or request.GET.get("shown") or ""
    ids = [int(p) for p in raw.split(",") if p.strip().isdigit()]
    return ids[:MAX_SHOWN]


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def _rating_error_message(error: RatingError) -> str:
    if isinstance(error, InvalidStarsError):
        return _("Choose from half a star to five stars, in half stars.")
    if isinstance(error, MovieNotRateableError):
        return _("This movie is not in the catalogue, so it cannot be rated.")
    return str(error)


def _new_onboarding_cards(request: HttpRequest, batch: int) -> list[MovieCard]:
    """The next ``batch`` proposals of the picker that are not on the visitor's page yet."""
    user = signed_in_user(request=request)
    shown = set(_shown(request))
    proposed = onboarding_movies(
        user=user, n=len(shown) + batch, skipped=skipped_movie_ids(user=user), fallback=True
    )
    movies = [m for m in proposed if m.pk not in shown][:batch]
    return movie_cards(movies=movies, user=user, language=_language(), ratings={})


@login_required
@require_safe
def onboarding(request: HttpRequest) -> HttpResponse:
    """Rate 10 movies: the picker's cards (no predicted stars here), a search, the count."""
    user = signed_in_user(request=request)
    language = _language()
    query = request.GET.get("q", "").strip()[:200]
    movies = onboarding_movies(
        user=user, n=ONBOARDING_BATCH, skipped=skipped_movie_ids(user=user), fallback=True
    )
    found = (
        movie_search(query=query, limit=ONBOARDING_SEARCH_RESULTS, language=language)
        if query
        else []
    )
    count, target = rating_count(user=user), onboarding_target()
    return render(
        request,
        "ratings/onboarding.html",
        {
            "cards": movie_cards(movies=movies, user=user, language=language, ratings={}),
            "found": movie_cards(movies=found, user=user, language=language),
            "query": query,
            "count": count,
            "target": target,
            "done": count >= target,
        },
    )


@login_required
@require_safe
def onboarding_more(request: HttpRequest) -> HttpResponse:
    """The next batch of onboarding cards (``shown=`` ids excluded), for infinite scroll."""
    cards = _new_onboarding_cards(request, ONBOARDING_BATCH)
    return render(request, "ratings/partials/onboarding_cards.html", {"cards": cards})


@login_required
@require_POST
def onboarding_skip_view(request: HttpRequest) -> HttpResponse:
    """ "Haven't seen it": never proposed again; answers the card to put in its place."""
    user = signed_in_user(request=request)
    movie_id = request.POST.get("movie_id", "")
    try:
        onboarding_skip(user=user, movie_id=int(movie_id) if movie_id.isdigit() else -1)
    except MovieNotRateableError as exc:
        return _refuse(request, _rating_error_message(exc))
    if not request.POST.get("fragment"):
        return _back(request, reverse("ratings:onboarding"))
    cards = _new_onboarding_cards(request, 1)
    if not cards:
        return HttpResponse(status=204)
    return render(request, "ratings/partials/onboarding_cards.html", {"cards": cards})


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


@require_POST
def rate(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Set (``stars=3.5``) or clear (``stars=``) the visitor's rating of ``movie_id``.

    Scripts send ``Accept: application/json`` and get ``{"movie_id", "stars",
    "rated_count", "target"}``, or ``{"error"}`` with 400; a plain form post is sent back
    to ``next``.
    """
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"error": _("Log in to rate movies.")}, status=401)
        return redirect_to_login(request.POST.get("next", "/"))
    user = request.user
    raw = request.POST.get("stars", "").strip()
    try:
        if raw:
            stars: str | None = str(rating_upsert(user=user, movie_id=movie_id, stars=raw).stars)
        else:
            rating_delete(user=user, movie_id=movie_id)
            stars = None
    except RatingError as exc:
        return _refuse(request, _rating_error_message(exc))
    if not _wants_json(request):
        messages.success(request, _("Saved") if stars else _("Rating removed"))
        return _back(request, reverse("catalog:movie", kwargs={"movie_id": movie_id}))
    return JsonResponse(
        {
            "movie_id": movie_id,
            "stars": stars,
            "rated_count": rating_count(user=user),
            "target": onboarding_target(),
        }
    )


@login_required
@require_safe
def my_ratings(request: HttpRequest) -> HttpResponse:
    """Every rating with poster and date; ``order=recent|stars|title``; edit or clear in place."""
    user = signed_in_user(request=request)
    order: RatingOrder = next((o for o in ORDERS if o == request.GET.get("order")), "recent")
    page = Paginator(rating_list(user=user, order=order), MY_RATINGS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ratings = list(page.object_list)
    cards = movie_cards(
        movies=[r.movie for r in ratings],
        user=user,
        language=_language(),
        ratings={r.movie_id: r.stars for r in ratings},
        rated_at={r.movie_id: r.updated for r in ratings},
    )
    return render(
        request,
        "ratings/my_ratings.html",
        {"cards": cards, "page": page, "order": order, "orders": ORDERS},
    )
