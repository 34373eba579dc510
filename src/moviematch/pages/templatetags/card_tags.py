"""The movie card (``{% movie_card card layout prefix %}``): one renderer for every list.

Built in Python rather than by an included template: a home page shows dozens of cards and
the template engine spent about a millisecond on each (README "Pages"); here a card fills
a few compiled templates (``Slots``). Every value is escaped (``html.escape``); the texts
are the templates' msgids, so their translations stay as they were, and are looked up once
per response and language (``_Cards``), as are the URL patterns and the genres' names.
"""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from moviematch.catalog import genres as genre_names
from moviematch.catalog.selectors import movie_genre_list
from moviematch.pages.selectors import MovieCard
from moviematch.ratings.templatetags.rating_tags import movie_url, per_request, star_widget
from moviematch.ratings.templatetags.slots import Slots

register = template.Library()

#: Genres a card's meta line names.
CARD_GENRES = 2

_CARD = Slots(
    '<article class="mm-card mm-card--{layout}" data-movie-id="{pk}" id="{card_id}"'
    ' aria-labelledby="{card_id}-title">\n'
    '<a class="mm-card-poster" href="{url}" tabindex="-1" aria-hidden="true">'
    '<img src="{poster}" alt="" width="342" height="513" loading="lazy" decoding="async"></a>\n'
    '<div class="mm-card-body">\n'
    '<h3 class="mm-card-title" id="{card_id}-title"><a href="{url}">{title}</a></h3>\n'
    '<p class="mm-card-meta">{meta}</p>\n'
    "{pick}{rated}{stars}{skip}"
    "</div>\n</article>\n"
)
_WHY = Slots(
    '<details class="mm-why-toggle"><summary aria-describedby="{card_id}-title">{why}</summary>'
    '<div class="mm-why mm-why--card" data-mm-why-url="{why_url}" aria-live="polite">'
    '<a href="{url}?why=1#mm-why">{see_why}</a></div></details>'
)
_SKIP = Slots(
    '<form class="mm-skip" method="post" action="{skip_url}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="movie_id" value="{pk}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="btn btn-sm btn-outline-secondary mm-skip-button">'
    "{skip}</button></form>\n"
)


class _Cards:
    """The cards of one response in one language: texts, URL patterns, the CSRF token and
    the genres' names looked up once (the templates' msgids, so their translations stay)."""

    def __init__(self, request: Any) -> None:
        self.request = request
        #: escaped texts and values every card shares, by field name
        self.shared = {
            "why": html.escape(_("Why?")),
            "see_why": html.escape(_("See why on the movie page")),
            "skip": html.escape(_("Haven't seen it")),
        }
        self.predicted = _("We think ★%(stars)s")
        self.rated = _("Rated %(date)s")
        self.separator = str(get_format("DECIMAL_SEPARATOR"))
        self.names: dict[str, str] = {}

    def skip_fields(self) -> dict[str, str]:
        """The onboarding's "Haven't seen it" form's fields (made on its first card)."""
        if "token" not in self.shared:
            request = self.request
            self.shared["skip_url"] = html.escape(
                per_request(request, "url:skip", lambda: reverse("ratings:skip"))
            )
            self.shared["token"] = html.escape(
                per_request(request, "token", lambda: get_token(request))
            )
            self.shared["next"] = html.escape(
                request.get_full_path() if request is not None else "/"
            )
        return self.shared

    def genre_line(self, card: MovieCard) -> str:
        """Up to ``CARD_GENRES`` genres, translated."""
        line = []
        for genre in movie_genre_list(movie=card.movie)[:CARD_GENRES]:
            name = self.names.get(genre.name)
            if name is None:
                name = self.names[genre.name] = genre_names.genre_name(genre.name)
            line.append(name)
        return genre_names.SEPARATOR.join(line)


def one_decimal(value: float, separator: str = ".") -> str:
    """``value`` with one decimal as ``floatformat(value, 1)`` writes it (half up), with the
    language's decimal ``separator``: "3.8" (without the filter's work per call)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rounded:f}".replace(".", separator)


def _meta(card: MovieCard, cards: _Cards) -> str:
    year = card.movie.year
    genres = cards.genre_line(card)
    return (f'<span class="mm-year">{int(year)}</span>' if year else "") + (
        f'<span class="mm-genres">{html.escape(genres)}</span>' if genres else ""
    )


def _pick(card: MovieCard, cards: _Cards, fields: dict[str, str]) -> str:
    """The predicted stars and "Why?" of a recommendation (empty for other cards)."""
    predicted = ""
    if card.predicted is not None:
        stars = html.escape(one_decimal(card.predicted, cards.separator))
        predicted = f'<p class="mm-predicted">{cards.predicted % {"stars": stars}}</p>'
    if not card.explain:
        return predicted
    fields["why_url"] = html.escape(movie_url(cards.request, "recommendations:why", card.movie.pk))
    return f'<div class="mm-card-pick">{predicted}{_WHY.fill(fields)}</div>'


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
    cards: _Cards = per_request(request, f"cards:{get_language()}", lambda: _Cards(request))
    pk = int(card.movie.pk)
    fields = {
        **(cards.skip_fields() if skip else cards.shared),
        "layout": html.escape(layout or "list"),
        "pk": str(pk),
        "card_id": html.escape(f"{prefix}card-{pk}"),
        "url": html.escape(movie_url(request, "catalog:movie", pk)),
        "poster": html.escape(card.poster_url),
        "title": html.escape(card.title),
        "meta": _meta(card, cards),
        "rated": "",
    }
    fields["pick"] = _pick(card, cards, fields)
    if card.rated_at:
        day = html.escape(date_filter(localtime(card.rated_at), "DATE_FORMAT"))
        fields["rated"] = f'<p class="mm-card-date">{cards.rated % {"date": day}}</p>'
    fields["stars"] = star_widget(context, pk, card.stars, card.title, prefix)
    fields["skip"] = _SKIP.fill(fields) if skip else ""
    return SafeString(_CARD.fill(fields))
