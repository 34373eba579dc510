"""Limit/offset pages: the query parameters, the page body and its schema.

A page is ``{"next": url|null, "previous": url|null, "results": [...]}``, plus ``count``
where the total is known cheaply. Lists fetch one item more than ``limit`` to know whether
a next page exists (a search has no cheap total).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_LIMIT = 100
MAX_OFFSET = 100_000


class PageInputSerializer(serializers.Serializer[dict[str, Any]]):
    """``?limit=&offset=`` of every list."""

    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=20, help_text="Items per page."
    )
    offset = serializers.IntegerField(
        min_value=0, max_value=MAX_OFFSET, default=0, help_text="Items to skip."
    )


def page_serializer(
    item: type[serializers.BaseSerializer[Any]], name: str, *, counted: bool
) -> type[serializers.Serializer[dict[str, Any]]]:
    """The serializer (and schema component ``name``) of a page of ``item``."""
    fields: dict[str, Any] = {
        "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, if any."),
        "results": item(many=True),
    }
    if counted:
        fields = {"count": serializers.IntegerField(help_text="Items in all pages."), **fields}
    return type(name, (serializers.Serializer,), fields)


def page(
    request: Request,
    items: Sequence[Any],
    *,
    limit: int,
    offset: int,
    count: int | None = None,
) -> dict[str, Any]:
    """The page body of ``items`` (up to ``limit + 1`` of them, from ``offset`` on)."""
    url = request.build_absolute_uri()
    has_next = len(items) > limit if count is None else offset + limit < count
    previous = None
    if offset > 0:
        previous = replace_query_param(url, "offset", max(0, offset - limit))
        if offset - limit <= 0:
            previous = remove_query_param(previous, "offset")
    body: dict[str, Any] = {
        "next": replace_query_param(url, "offset", offset + limit) if has_next else None,
        "previous": previous,
        "results": list(items[:limit]),
    }
    if count is not None:
        body = {"count": count, **body}
    return body
