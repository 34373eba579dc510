"""The star widget: one partial for every place a movie can be rated.

W3C's radio-group pattern: ten visually hidden radios (half a star to five stars) plus a
"no rating" choice that clears the rating, each with a text label for screen readers; the
arrow keys move between them, the labels are the half stars a pointer clicks. A script
saves every change at once; without scripts a "Save rating" button posts the same form.
"""

from __future__ import annotations

import functools
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


def _per_request(request: Any, key: str, make: Any) -> Any:
    """A value computed once per request (the CSRF token, the rating URL's pattern)."""
    if request is None:
        return make()
    cache = request.__dict__.setdefault("_mm_star_widget", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


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
    Every value is escaped (``format_html``, ``escape``); one CSRF token serves every
    widget of a response.
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
    widget_id = escape(f"rate-{prefix}{movie_id}")
    current = stars.quantize(Decimal("0.1")) if stars is not None else None
    current_value = f"{current:.1f}" if current is not None else ""
    choices = mark_safe(
        "".join(
            fragment.format(id=widget_id, checked=" checked" if value == current_value else "")
            for value, fragment in _choices_html(get_language() or "")
        )
    )
    token = _per_request(request, "token", lambda: get_token(request) if request else "")
    sentinel = 987654321
    action = _per_request(
        request, "action", lambda: reverse("ratings:rate", args=[sentinel])
    ).replace(str(sentinel), str(int(movie_id)))
    current_text = f"{current.normalize():f}" if current is not None else ""
    return format_html(
        '<form class="mm-rate" method="post" action="{action}" data-movie-id="{movie_id}">\n'
        '  <input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
        '  <input type="hidden" name="next" value="{next}">\n'
        '  <fieldset class="mm-stars">\n'
        '    <legend class="visually-hidden">{legend}</legend>\n'
        '    <input type="radio" class="visually-hidden mm-none" name="stars" '
        'id="{widget_id}-0" value=""{none_checked}>\n'
        '    <label class="mm-none-label" for="{widget_id}-0">{no_rating}</label>\n'
        '    <div class="mm-stars-track">\n'
        "      {choices}\n"
        "    </div>\n"
        '    <span class="mm-stars-value" aria-hidden="true" data-empty="–">{value}</span>\n'
        '    <output class="mm-stars-status" aria-live="polite"></output>\n'
        "  </fieldset>\n"
        '  <noscript><button type="submit" class="btn btn-sm btn-outline-light mt-1">'
        "{save}</button></noscript>\n"
        "</form>\n",
        action=action,
        movie_id=movie_id,
        token=token,
        next=next_url,
        legend=_("Your rating of %(title)s") % {"title": title},
        widget_id=widget_id,
        none_checked=mark_safe("" if current else " checked"),
        no_rating=_("No rating"),
        choices=choices,
        value=f"★ {current_text}" if current_text else "–",
        save=_("Save rating"),
    )
