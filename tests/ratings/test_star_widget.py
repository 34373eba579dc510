"""The star widget's HTML: each widget of a response its own form, ids, value and title,
however many share the response's compiled HTML; and the ``Slots`` it is filled from."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import Context
from django.test import RequestFactory
from django.utils import translation

from moviematch.accounts.models import User
from moviematch.ratings.templatetags.rating_tags import star_widget
from moviematch.ratings.templatetags.slots import Slots


@pytest.mark.parametrize(
    "template",
    ["", "plain", "{a}", "x{a}y{b}z{a}", "{{not a field}} {a}}}", "{{{a}}}", "}}{{"],
)
def test_slots_fill_as_format_does(template: str) -> None:
    values = {"a": "<1>", "b": "{b}"}
    assert Slots(template).fill(values) == template.format(**values)


@pytest.mark.parametrize("template", ["{0}", "{}", "{a!r}", "{a:>4}", "{a.b}", "{a[0]}"])
def test_slots_take_plain_named_fields_only(template: str) -> None:
    with pytest.raises(ValueError, match="named fields"):
        Slots(template)


def widgets(user: User, *calls: tuple[int, Decimal | None, str, str]) -> list[str]:
    """The widgets of one response, one per ``(movie id, stars, title, prefix)``."""
    request = RequestFactory().get("/home/?row=2")
    request.user = user
    context = Context({"request": request, "user": user})
    return [str(star_widget(context, *call)) for call in calls]


def checked(widget: str) -> list[str]:
    return re.findall(r'id="([^"]+)" value="[^"]*" checked', widget)


@pytest.mark.django_db
def test_widgets_of_one_response_keep_their_own_movie_value_and_title() -> None:
    user = User.objects.create_user(username="stars")
    first, rated, again = widgets(
        user,
        (7, None, "Heat", ""),
        (8, Decimal("3.5"), 'A "{b}" & %(title)s <i>', ""),
        (7, None, "Heat", "similar-"),
    )
    assert 'action="/ratings/7/" data-movie-id="7"' in first
    assert checked(first) == ["rate-7-0"]  # not rated: "No rating"
    assert 'data-empty="–">–</span>' in first
    assert 'action="/ratings/8/" data-movie-id="8"' in rated
    assert checked(rated) == ["rate-8-7"]
    assert 'data-empty="–">★ 3.5</span>' in rated
    assert "Your rating of A &quot;{b}&quot; &amp; %(title)s &lt;i&gt;</legend>" in rated
    assert "<i>" not in rated
    ids = {f"rate-similar-7-{i}" for i in range(11)}
    assert set(re.findall(r'id="(rate-[^"]+)"', again)) == ids
    assert again.count('name="csrfmiddlewaretoken"') == 1
    assert 'name="next" value="/home/?row=2"' in again
    for widget in (first, rated, again):
        assert widget.count('type="radio"') == 11
        assert widget.count('title="') == 10


@pytest.mark.django_db
def test_the_widget_speaks_the_pages_language() -> None:
    user = User.objects.create_user(username="stars-ko")
    with translation.override("ko"):
        (korean,) = widgets(user, (7, Decimal("5.0"), "히트", ""))
    (english,) = widgets(user, (7, Decimal("5.0"), "Heat", ""))
    assert '<span class="visually-hidden">별점 5</span>' in korean
    assert checked(korean) == ["rate-7-10"]
    assert "평가 안 함" in korean
    assert "평가 저장" in korean
    assert '<span class="visually-hidden">5 stars</span>' in english
    assert "별점" not in english
