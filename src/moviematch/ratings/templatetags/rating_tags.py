"""The star widget: one partial for every place a movie can be rated.

W3C's radio-group pattern: ten visually hidden radios (half a star to five stars) plus a
"no rating" choice that clears the rating, each with a text label for screen readers; the
arrow keys move between them, the labels are the half stars a pointer clicks. A script
saves every change at once; without scripts a "Save rating" button posts the same form.
"""

from __future__ import annotations

import functools
import html
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from moviematch.ratings.models import STAR_VALUES

register = template.Library()


def stars_text(value: Decimal) -> str:
    """ "3.5 stars", "1 star" (the label a screen reader announces)."""
    number = f"{value.normalize():f}"
    return ngettext("%(stars)s star", "%(stars)s stars", 1 if value == 1 else 2) % {"stars": number}


@functools.lru_cache(maxsize=16)
def _choices_html(language: str) -> tuple[tuple[str, str], ...]:
    """The ten choices as escaped HTML with ``{id}`` left to fill: (value, fragment).

    Computed once per language; a widget then only substitutes its (escaped) element id.
    """
    fragments = []
    for index, value in enumerate(STAR_VALUES, start=1):
        label = escape(stars_text(value)).replace("{", "{{").replace("}", "}}")
        half = "left" if index % 2 == 1 else "right"
        fragments.append(
            (
                f"{value:.1f}",
                f'<input type="radio" class="visually-hidden" name="stars" id="{{id}}-{index}" '
                f'value="{value:.1f}"{{checked}}><label class="mm-half mm-half--{half}" '
                f'for="{{id}}-{index}" title="{label}"><span class="visually-hidden">{label}'
                "</span></label>",
            )
        )
    return tuple(fragments)


#: Where a widget's element id goes in ``_choices_checked`` (never in escaped text).
_ID = "\x00"


@functools.lru_cache(maxsize=64)
def _choices_checked(language: str, checked: str) -> str:
    """The ten choices with ``checked`` (a value such as "3.5", or "") checked and ``_ID``
    where the widget's id goes: one string per language and value, filled by one replace."""
    return "".join(
        fragment.format(id=_ID, checked=" checked" if value == checked else "")
        for value, fragment in _choices_html(language)
    )


def per_request(request: Any, key: str, make: Any) -> Any:
    """A value computed once per request (the CSRF token, the rating URL's pattern)."""
    if request is None:
        return make()
    cache = request.__dict__.setdefault("_mm_star_widget", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


_SENTINEL = 987654321


def movie_url(request: Any, name: str, movie_id: int) -> str:
    """``reverse(name, args=[movie_id])`` for a URL of one movie, reversed once per response."""
    pattern = per_request(request, f"url:{name}", lambda: reverse(name, args=[_SENTINEL]))
    return str(pattern).replace(str(_SENTINEL), str(int(movie_id)))


@register.filter
def star_glyphs(value: float | Decimal) -> str:
    """``{{ 4.5|star_glyphs }}`` → "★★★★½" (to show; pair it with ``star_label`` for readers)."""
    halves = round(float(value) * 2)
    return "★" * (halves // 2) + ("½" if halves % 2 else "")


@register.filter
def star_label(value: float | Decimal) -> str:
    """``{{ 4.5|star_label }}`` → "4.5 stars", in the page's language."""
    return stars_text(Decimal(str(float(value))))


@register.simple_tag(takes_context=True)
def star_widget(
    context: template.Context,
    movie_id: int,
    stars: Decimal | None,
    title: str,
    prefix: str = "",
) -> SafeString:
    """``{% star_widget movie.pk card.stars card.title %}``.

    ``prefix`` keeps element ids unique when one movie is on a page twice. Built in Python
    rather than by a template: a home page has dozens of these, and rendering the ten
    choices through the template engine was half of the page's time (README "Load test").
    Every value is escaped (``html.escape``); the frame around the choices (texts, CSRF
    token, ``next``) is built once per response, a widget fills in its own fields.
    """
    request = context.get("request")
    user = context.get("user")
    next_url = request.get_full_path() if request is not None else "/"
    if not getattr(user, "is_authenticated", False):
        return format_html(
            '<p class="mm-login-to-rate"><a href="{}?next={}">{}</a></p>\n',
            reverse("accounts:login"),
            quote(next_url, safe="/"),
            _("Log in to rate"),
        )
    language = get_language() or ""
    frame = per_request(request, f"star-frame:{language}", lambda: _frame(request, next_url))
    legend = per_request(request, f"star-legend:{language}", lambda: _("Your rating of %(title)s"))
    widget_id = html.escape(f"rate-{prefix}{movie_id}")
    current = stars.quantize(Decimal("0.1")) if stars is not None else None
    current_value = f"{current:.1f}" if current is not None else ""
    choices = _choices_checked(language, current_value).replace(_ID, widget_id)
    current_text = f"{current.normalize():f}" if current is not None else ""
    return mark_safe(
        frame.format(
            action=html.escape(movie_url(request, "ratings:rate", movie_id)),
            movie_id=int(movie_id),
            legend=html.escape(legend % {"title": title}),
            widget_id=widget_id,
            none_checked="" if current else " checked",
            choices=choices,
            value=html.escape(f"★ {current_text}" if current_text else "–"),
        )
    )


def _frame(request: Any, next_url: str) -> str:
    """The widget's HTML with the per-widget parts left as ``{fields}``: the texts, token and
    ``next`` are the same for every widget of a response."""

    def text(value: str) -> str:
        return html.escape(value).replace("{", "{{").replace("}", "}}")

    token = per_request(request, "token", lambda: get_token(request)) if request else ""
    no_rating, save = text(_("No rating")), text(_("Save rating"))
    return (
        '<form class="mm-rate" method="post" action="{action}" data-movie-id="{movie_id}">\n'
        f'  <input type="hidden" name="csrfmiddlewaretoken" value="{text(token)}">\n'
        f'  <input type="hidden" name="next" value="{text(next_url)}">\n'
        '  <fieldset class="mm-stars">\n'
        '    <legend class="visually-hidden">{legend}</legend>\n'
        '    <input type="radio" class="visually-hidden mm-none" name="stars" '
        'id="{widget_id}-0" value=""{none_checked}>\n'
        f'    <label class="mm-none-label" for="{{widget_id}}-0">{no_rating}</label>\n'
        '    <div class="mm-stars-track">\n'
        "      {choices}\n"
        "    </div>\n"
        '    <span class="mm-stars-value" aria-hidden="true" data-empty="–">{value}</span>\n'
        '    <output class="mm-stars-status" aria-live="polite"></output>\n'
        "  </fieldset>\n"
        '  <noscript><button type="submit" class="btn btn-sm btn-outline-light mt-1">'
        f"{save}</button></noscript>\n"
        "</form>\n"
    )
