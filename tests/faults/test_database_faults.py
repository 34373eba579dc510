"""The database refusing a write (locked past its timeout, gone, a conflict): the visitor gets a
message (503, or 409 for a conflict) from the rating endpoint and from the API, never a 500,
and nothing of the write is saved.

The failure is injected at the database driver (``connection.execute_wrapper``), so it runs
the same on SQLite and PostgreSQL. A real SQLite lock held by another process is in
``test_server_faults.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client
from rest_framework.authtoken.models import Token

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("web_state")]

ERRORS: dict[str, Callable[[], Exception]] = {
    "locked": lambda: OperationalError("database is locked"),
    "gone": lambda: OperationalError("server closed the connection unexpectedly"),
    "conflict": lambda: IntegrityError("duplicate key value violates unique constraint"),
}
STATUS = {"locked": 503, "gone": 503, "conflict": 409}


@contextmanager
def failing_writes(table: str, error: Callable[[], Exception]) -> Iterator[list[str]]:
    """Every INSERT or UPDATE of ``table`` raises ``error()``; yields the refused statements."""
    refused: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        head = sql.lstrip().upper()
        if head.startswith(("INSERT", "UPDATE")) and table in sql:
            refused.append(sql)
            raise error()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield refused


@pytest.fixture
def visitor_with_a_rating() -> User:
    for movie_id in (1, 2):
        Movie.objects.create(
            id=movie_id, title=f"Film {movie_id}", in_catalogue=True, excluded_reason=""
        )
    user = User.objects.create_user(username="ann", password="a long secret 42")
    Rating.objects.create(user=user, movie_id=1, stars=Decimal("2.0"))
    return user


def _unchanged(user: User) -> None:
    assert dict(Rating.objects.filter(user=user).values_list("movie_id", "stars")) == {
        1: Decimal("2.0")
    }


@pytest.mark.parametrize("kind", list(ERRORS))
def test_the_star_widget_gets_a_message_and_nothing_is_saved(
    client: Client, visitor_with_a_rating: User, kind: str
) -> None:
    client.force_login(visitor_with_a_rating)
    client.get("/rate/")  # the session and last visit are written before the fault
    for movie_id in (1, 2):  # a change of an existing rating, and a new one
        with failing_writes("ratings_rating", ERRORS[kind]) as refused:
            response = client.post(
                f"/ratings/{movie_id}/", {"stars": "4.5"}, headers={"Accept": "application/json"}
            )
        assert refused, "the write was attempted"
        assert response.status_code == STATUS[kind]
        message = response.json()["error"]
        assert "not saved" in message or "nothing was changed" in message
    # A plain form post (no script) gets a page with the message.
    with failing_writes("ratings_rating", ERRORS[kind]):
        page = client.post("/ratings/2/", {"stars": "4.5", "next": "/rate/"})
    assert page.status_code == STATUS[kind]
    assert "Please" in page.content.decode()
    _unchanged(visitor_with_a_rating)


@pytest.mark.parametrize("kind", list(ERRORS))
def test_the_api_answers_with_its_error_body_and_nothing_is_saved(
    visitor_with_a_rating: User, kind: str
) -> None:
    token = Token.objects.create(user=visitor_with_a_rating)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    for movie_id in (1, 2):
        with failing_writes("ratings_rating", ERRORS[kind]):
            response = api.put(
                f"/api/me/ratings/{movie_id}/", {"stars": 4.5}, content_type="application/json"
            )
        assert response.status_code == STATUS[kind]
        body = response.json()
        assert body["code"] == ("conflict" if kind == "conflict" else "database_unavailable")
        assert "nothing was changed" in body["detail"]
        assert body["fields"] == {}
        if kind != "conflict":
            assert response["Retry-After"] == "5"
    _unchanged(visitor_with_a_rating)
