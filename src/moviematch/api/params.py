"""Query parameters read strictly, by the view's ``InputSerializer``.

DRF reads a ``QueryDict`` like an HTML form: a parameter given empty (``?order=``) counts as
absent, so the default applies. The schema promises more (an enum, an integer), so the
parameters are handed over as plain values: an empty value is then a 400 like any other bad
one. List fields take every value of a repeated parameter (``?skipped=1&skipped=2``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def params_parse(request: Request, serializer: type[serializers.Serializer[Any]]) -> dict[str, Any]:
    """The validated query parameters of ``request`` (a 400 naming each bad one)."""
    query = request.query_params
    data: dict[str, Any] = {}
    for name, field in serializer().fields.items():
        if name in query:
            many = isinstance(field, serializers.ListField)
            data[name] = query.getlist(name) if many else query[name]
    parsed = serializer(data=data)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)
