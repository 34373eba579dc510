"""The movie card (``{% movie_card card layout prefix %}``): one renderer for every list.

Built in Python rather than by an included template: a home page shows dozens of cards and
the template engine spent about a millisecond on each (README "Pages"); here
a card is a few string substitutions. Every value is escaped (``html.escape``); the texts
are the templates' msgids, so their translations stay as they were, and are looked up once
per response, as are the URL patterns.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from moviematch.catalog import genres as genre_names
from moviematch.pages.selectors import MovieCard
from moviematch.ratings.templatetags.rating_tags import movie_url, per_request, star_widget

register = template.Library()

#: Genres a card's meta line names.
CARD_GENRES = 2

_CARD = (
    '<article class="mm-card mm-card--{layout}" data-movie-id="{pk}" id="{card_id}"'
    ' aria-labelledby="{title_id}">\n'
    '<a class="mm-card-poster" href="{url}" tabindex="-1" aria-hidden="true">'
    '<img src="{poster}" alt="" width="342" height="513" loading="lazy" decoding="async"></a>\n'
    '<div class="mm-card-body">\n'
    '<h3 class="mm-card-title" id="{title_id}"><a href="{url}">{title}</a></h3>\n'
    '<p class="mm-card-meta">{meta}</p>\n'
    "{pick}{rated}{stars}{skip}"
    "</div>\n</article>\n"
)
_WHY = (
    '<details class="mm-why-toggle"><summary aria-describedby="{title_id}">{why}</summary>'
    '<div class="mm-why mm-why--card" data-mm-why-url="{why_url}" aria-live="polite">'
    '<a href="{url}?why=1#mm-why">{see_why}</a></div></details>'
)
_SKIP = (
    '<form class="mm-skip" method="post" action="{action}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="movie_id" value="{pk}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="btn btn-sm btn-outline-secondary mm-skip-button">'
    "{label}</button></form>\n"
)


def _texts() -> dict[str, str]:
    """The card's texts in the page's language, escaped (the blocktranslate ones keep their
    ``%(name)s`` to fill)."""
    return {
        "why": html.escape(_("Why?")),
        "see_why": html.escape(_("See why on the movie page")),
        "skip": html.escape(_("Haven't seen it")),
        "predicted": _("We think ★%(stars)s"),
        "rated": _("Rated %(date)s"),
    }


def _genre_line(card: MovieCard, names: dict[str, str]) -> str:
    """Up to ``CARD_GENRES`` genres, translated (``names``: this response's translations)."""
    line = []
    for genre in list(card.movie.genres.all())[:CARD_GENRES]:
        if genre.name not in names:
            names[genre.name] = genre_names.genre_name(genre.name)
        line.append(names[genre.name])
    return genre_names.SEPARATOR.join(line)


def _meta(card: MovieCard, names: dict[str, str]) -> str:
    year = card.movie.year
    genres = _genre_line(card, names)
    return (f'<span class="mm-year">{int(year)}</span>' if year else "") + (
        f'<span class="mm-genres">{html.escape(genres)}</span>' if genres else ""
    )


def _pick(card: MovieCard, request: Any, texts: dict[str, str], url: str, title_id: str) -> str:
    """The predicted stars and "Why?" of a recommendation (empty for other cards)."""
    predicted = ""
    if card.predicted is not None:
        stars = html.escape(floatformat(card.predicted, 1))
        predicted = f'<p class="mm-predicted">{texts["predicted"] % {"stars": stars}}</p>'
    if not card.explain:
        return predicted
    why = _WHY.format(
        title_id=title_id,
        why=texts["why"],
        why_url=html.escape(movie_url(request, "recommendations:why", card.movie.pk)),
        url=url,
        see_why=texts["see_why"],
    )
    return f'<div class="mm-card-pick">{predicted}{why}</div>'


def _skip(request: Any, movie_id: int, texts: dict[str, str]) -> str:
    """The onboarding's "Haven't seen it" button."""
    return _SKIP.format(
        action=html.escape(per_request(request, "url:skip", lambda: reverse("ratings:skip"))),
        token=html.escape(per_request(request, "token", lambda: get_token(request))),
        pk=int(movie_id),
        next=html.escape(request.get_full_path() if request is not None else "/"),
        label=texts["skip"],
    )


@register.simple_tag(takes_context=True)
def movie_card(
    context: template.Context,
    card: MovieCard,
    layout: str = "list",
    prefix: str = "",
    skip: bool = False,
) -> SafeString:
    """``{% movie_card card "poster" "similar-" %}``: one card; ``layout`` is ``list`` or
    ``poster``, ``prefix`` keeps element ids unique when a movie is on a page twice, ``skip``
    adds the onboarding's "Haven't seen it"."""
    request = context.get("request")
    language = get_language()
    texts: dict[str, str] = per_request(request, f"card-texts:{language}", _texts)
    names: dict[str, str] = per_request(request, f"genre-names:{language}", dict)
    pk = int(card.movie.pk)
    url = html.escape(movie_url(request, "catalog:movie", pk))
    card_id = html.escape(f"{prefix}card-{pk}")
    rated = ""
    if card.rated_at:
        day = html.escape(date_filter(localtime(card.rated_at), "DATE_FORMAT"))
        rated = f'<p class="mm-card-date">{texts["rated"] % {"date": day}}</p>'
    return mark_safe(
        _CARD.format(
            layout=html.escape(layout or "list"),
            pk=pk,
            card_id=card_id,
            title_id=f"{card_id}-title",
            url=url,
            poster=html.escape(card.poster_url),
            title=html.escape(card.title),
            meta=_meta(card, names),
            pick=_pick(card, request, texts, url, f"{card_id}-title"),
            rated=rated,
            stars=star_widget(context, pk, card.stars, card.title, prefix),
            skip=_skip(request, pk, texts) if skip else "",
        )
    )
