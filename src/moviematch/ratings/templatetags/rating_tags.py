"""The star widget: one partial for every place a movie can be rated.

W3C's radio-group pattern: ten visually hidden radios (half a star to five stars) plus a
"no rating" choice that clears the rating, each with a text label for screen readers; the
arrow keys move between them, the labels are the half stars a pointer clicks. A script
saves every change at once; without scripts a "Save rating" button posts the same form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import ngettext

from moviematch.ratings.models import STAR_VALUES

register = template.Library()


def stars_text(value: Decimal) -> str:
    """ "3.5 stars", "1 star" (the label a screen reader announces)."""
    number = f"{value.normalize():f}"
    return ngettext("%(stars)s star", "%(stars)s stars", 1 if value == 1 else 2) % {"stars": number}


@register.inclusion_tag("ratings/partials/stars.html", takes_context=True)
def star_widget(
    context: template.Context,
    movie_id: int,
    stars: Decimal | None,
    title: str,
    prefix: str = "",
) -> dict[str, Any]:
    """``{% star_widget movie.pk card.stars card.title %}``.

    ``prefix`` keeps element ids unique when one movie is on a page twice.
    """
    request = context.get("request")
    widget_id = f"rate-{prefix}{movie_id}"
    current = stars.quantize(Decimal("0.1")) if stars is not None else None
    choices = [
        {
            "value": f"{value:.1f}",
            "label": stars_text(value),
            "id": f"{widget_id}-{index + 1}",
            "half": "left" if index % 2 == 0 else "right",
            "checked": current == value,
        }
        for index, value in enumerate(STAR_VALUES)
    ]
    return {
        "request": request,
        "user": context.get("user"),
        "movie_id": movie_id,
        "title": title,
        "widget_id": widget_id,
        "choices": choices,
        "current": f"{current.normalize():f}" if current is not None else "",
        "next": request.get_full_path() if request is not None else "/",
    }
