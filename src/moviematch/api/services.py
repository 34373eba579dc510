"""The API's own writes: the token of an account (DRF's ``authtoken``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.authtoken.models import Token

if TYPE_CHECKING:
    from django.contrib.auth.models import _User


def token_get_or_create(*, user: _User) -> str:
    """The API key of ``user``, created on first use (one per account; it does not expire)."""
    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)
