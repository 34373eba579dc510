"""The movie card (``{% movie_card card layout prefix %}``, a whole list by ``{% movie_cards cards
layout prefix %}``): one renderer for every list.

Built in Python rather than by an included template: a home page shows dozens of cards and
the template engine spent about a millisecond on each (README "Pages"); here a card fills
a few compiled templates (``Slots``). Every value is escaped (``html.escape``); the texts
are the templates' msgids, so their translations stay as they were, and are looked up once
per response and language (``_Cards``), as are the URL patterns and the genres' names.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

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
from moviematch.ratings.templatetags.rating_tags import (
    movie_url_maker,
    per_request,
    star_widgets,
)
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
    """The cards of one response in one language: texts, URL patterns, the CSRF token, the
    star widgets and the genres' names looked up once (the texts are the templates' msgids,
    so their translations stay)."""

    def __init__(self, context: template.Context) -> None:
        self.request: Any = context.get("request")
        request = self.request
        self.stars = star_widgets(context)
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
        self.movie_url = movie_url_maker(request, "catalog:movie")
        self.why_url = movie_url_maker(request, "recommendations:why")

    def card(self, card: MovieCard, layout: str, prefix: str, skip: bool) -> str:
        """One card's HTML (escaped)."""
        pk = int(card.movie.pk)
        fields = {
            **(self._skip_fields() if skip else self.shared),
            "layout": html.escape(layout or "list"),
            "pk": str(pk),
            "card_id": html.escape(f"{prefix}card-{pk}"),
            "url": html.escape(self.movie_url(pk)),
            "poster": html.escape(card.poster_url),
            "title": html.escape(card.title),
            "meta": self._meta(card),
            "rated": "",
        }
        fields["pick"] = self._pick(card, fields)
        if card.rated_at:
            day = html.escape(date_filter(localtime(card.rated_at), "DATE_FORMAT"))
            fields["rated"] = f'<p class="mm-card-date">{self.rated % {"date": day}}</p>'
        fields["stars"] = self.stars(pk, card.stars, card.title, prefix)
        fields["skip"] = _SKIP.fill(fields) if skip else ""
        return _CARD.fill(fields)

    def _skip_fields(self) -> dict[str, str]:
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

    def _meta(self, card: MovieCard) -> str:
        """The year and up to ``CARD_GENRES`` genres, translated."""
        line = []
        for genre in movie_genre_list(movie=card.movie)[:CARD_GENRES]:
            name = self.names.get(genre.name)
            if name is None:
                name = self.names[genre.name] = genre_names.genre_name(genre.name)
            line.append(name)
        genres = genre_names.SEPARATOR.join(line)
        year = card.movie.year
        return (f'<span class="mm-year">{int(year)}</span>' if year else "") + (
            f'<span class="mm-genres">{html.escape(genres)}</span>' if genres else ""
        )

    def _pick(self, card: MovieCard, fields: dict[str, str]) -> str:
        """The predicted stars and "Why?" of a recommendation (empty for other cards)."""
        predicted = ""
        if card.predicted is not None:
            stars = html.escape(one_decimal(card.predicted, self.separator))
            predicted = f'<p class="mm-predicted">{self.predicted % {"stars": stars}}</p>'
        if not card.explain:
            return predicted
        fields["why_url"] = html.escape(self.why_url(card.movie.pk))
        return f'<div class="mm-card-pick">{predicted}{_WHY.fill(fields)}</div>'


def one_decimal(value: float, separator: str = ".") -> str:
    """``value`` with one decimal as ``floatformat(value, 1)`` writes it (half up), with the
    language's decimal ``separator``: "3.8" (without the filter's work per call)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rounded:f}".replace(".", separator)


def _cards(context: template.Context) -> _Cards:
    request = context.get("request")
    return cast(_Cards, per_request(request, f"cards:{get_language()}", lambda: _Cards(context)))


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
    return SafeString(_cards(context).card(card, layout, prefix, skip))


@register.simple_tag(takes_context=True)
def movie_cards(
    context: template.Context,
    cards: Iterable[MovieCard],
    layout: str = "list",
    prefix: str = "",
    skip: bool = False,
) -> SafeString:
    """``{% movie_cards row.cards "poster" %}``: every card of a list, as ``movie_card``
    draws each (one tag for the list: no template work per card)."""
    renderer = _cards(context)
    return SafeString("".join([renderer.card(card, layout, prefix, skip) for card in cards]))
