"""The star widget: one partial for every place a movie can be rated.

W3C's radio-group pattern: ten visually hidden radios (half a star to five stars) plus a
"no rating" choice that clears the rating, each with a text label for screen readers; the
arrow keys move between them, the labels are the half stars a pointer clicks. A script
saves every change at once; without scripts a "Save rating" button posts the same form.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from moviematch.ratings.models import STAR_VALUES
from moviematch.ratings.templatetags.slots import Slots

register = template.Library()


def stars_text(value: Decimal) -> str:
    """ "3.5 stars", "1 star" (the label a screen reader announces)."""
    number = f"{value.normalize():f}"
    return ngettext("%(stars)s star", "%(stars)s stars", 1 if value == 1 else 2) % {"stars": number}


def _text(value: str) -> str:
    """``value`` escaped for HTML and for a ``Slots`` template (braces doubled)."""
    return html.escape(value).replace("{", "{{").replace("}", "}}")


@functools.lru_cache(maxsize=64)
def _choices(language: str, checked: str) -> str:
    """The ten choices, ``checked`` (a value such as "3.5", or "") checked, as a ``Slots``
    template with ``{widget_id}`` to fill: one per language and value."""
    fragments = []
    for index, value in enumerate(STAR_VALUES, start=1):
        label = _text(stars_text(value))
        half = "left" if index % 2 == 1 else "right"
        mark = " checked" if f"{value:.1f}" == checked else ""
        fragments.append(
            f'<input type="radio" class="visually-hidden" name="stars" id="{{widget_id}}-{index}" '
            f'value="{value:.1f}"{mark}><label class="mm-half mm-half--{half}" '
            f'for="{{widget_id}}-{index}" title="{label}"><span class="visually-hidden">{label}'
            "</span></label>"
        )
    return "".join(fragments)


def per_request(request: Any, key: str, make: Any) -> Any:
    """A value computed once per request (the CSRF token, the rating URL's pattern)."""
    if request is None:
        return make()
    cache = request.__dict__.setdefault("_mm_star_widget", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


_SENTINEL = 987654321


def _url_pattern(request: Any, name: str) -> str:
    """The URL ``name`` of a sentinel movie, reversed once per response."""
    return str(per_request(request, f"url:{name}", lambda: reverse(name, args=[_SENTINEL])))


def movie_url_maker(request: Any, name: str) -> Callable[[int], str]:
    """``movie_id`` → ``reverse(name, args=[movie_id])``, for the URLs of one movie each,
    reversed once per response."""
    head, _, tail = _url_pattern(request, name).partition(str(_SENTINEL))
    return lambda movie_id: f"{head}{int(movie_id)}{tail}"


def url_template(request: Any, name: str) -> str:
    """The URL ``name`` of one movie for a ``Slots`` template: escaped, ``{movie_id}`` for
    the movie."""
    return _text(_url_pattern(request, name)).replace(str(_SENTINEL), "{movie_id}")


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
    Every value is escaped (``html.escape``); the widget is compiled once per response,
    language and checked value (``StarWidgets``), a widget fills in its id, movie and title.
    """
    return SafeString(star_widgets(context)(movie_id, stars, title, prefix))


def star_widgets(context: template.Context) -> Callable[[int, Decimal | None, str, str], str]:
    """What draws the star widgets of this response (``(movie_id, stars, title, prefix)`` →
    HTML): the rating form for a signed-in visitor, compiled once per response and language;
    the "Log in to rate" link for anyone else."""
    request = context.get("request")
    if not getattr(context.get("user"), "is_authenticated", False):
        return lambda *_: _login_to_rate(request)
    widgets = per_request(request, f"star-widgets:{get_language()}", lambda: StarWidgets(request))
    return cast(StarWidgets, widgets).html


def _login_to_rate(request: Any) -> str:
    next_url = request.get_full_path() if request is not None else "/"
    return format_html(
        '<p class="mm-login-to-rate"><a href="{}?next={}">{}</a></p>\n',
        reverse("accounts:login"),
        quote(next_url, safe="/"),
        _("Log in to rate"),
    )


class StarWidgets:
    """The star widgets of one response in one language: the texts, CSRF token, ``next``
    and the rating URL's pattern made once, each checked value's HTML compiled once."""

    def __init__(self, request: Any) -> None:
        self._request = request
        self._language = get_language() or ""
        self._legend = _("Your rating of %(title)s")
        self._compiled: dict[str, Slots] = {}

    def html(self, movie_id: int, stars: Decimal | None, title: str, prefix: str = "") -> str:
        """One widget (escaped HTML) of ``movie_id``, rated ``stars`` (None: not rated)."""
        current = stars.quantize(Decimal("0.1")) if stars is not None else None
        checked = f"{current:.1f}" if current is not None else ""
        slots = self._compiled.get(checked)
        if slots is None:
            slots = self._compiled[checked] = Slots(self._template(current, checked))
        return slots.fill(
            {
                "widget_id": html.escape(f"rate-{prefix}{movie_id}"),
                "movie_id": str(int(movie_id)),
                "legend": html.escape(self._legend % {"title": title}),
            }
        )

    def _template(self, current: Decimal | None, checked: str) -> str:
        """The widget as a ``Slots`` template with ``{widget_id}``, ``{movie_id}`` and
        ``{legend}`` left to fill."""
        request = self._request
        token = per_request(request, "token", lambda: get_token(request)) if request else ""
        next_url = request.get_full_path() if request is not None else "/"
        action = url_template(request, "ratings:rate")
        none_checked = "" if current else " checked"
        shown = _text(f"★ {current.normalize():f}" if current is not None else "–")
        no_rating, save = _text(_("No rating")), _text(_("Save rating"))
        return (
            f'<form class="mm-rate" method="post" action="{action}" data-movie-id="{{movie_id}}">\n'
            f'  <input type="hidden" name="csrfmiddlewaretoken" value="{_text(token)}">\n'
            f'  <input type="hidden" name="next" value="{_text(next_url)}">\n'
            '  <fieldset class="mm-stars">\n'
            '    <legend class="visually-hidden">{legend}</legend>\n'
            '    <input type="radio" class="visually-hidden mm-none" name="stars" '
            f'id="{{widget_id}}-0" value=""{none_checked}>\n'
            f'    <label class="mm-none-label" for="{{widget_id}}-0">{no_rating}</label>\n'
            '    <div class="mm-stars-track">\n'
            f"      {_choices(self._language, checked)}\n"
            "    </div>\n"
            f'    <span class="mm-stars-value" aria-hidden="true" data-empty="–">{shown}</span>\n'
            '    <output class="mm-stars-status" aria-live="polite"></output>\n'
            "  </fieldset>\n"
            '  <noscript><button type="submit" class="btn btn-sm btn-outline-light mt-1">'
            f"{save}</button></noscript>\n"
            "</form>\n"
        )
