"""``/healthz``: 200 when the database and a model answer, 503 naming the part that does not."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client

from moviematch.recommendations import services

pytestmark = pytest.mark.django_db


def health(client: Client) -> tuple[int, dict[str, str]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


@pytest.mark.usefixtures("model_dir")
def test_without_a_model_the_site_is_degraded(client: Client) -> None:
    assert health(client) == (
        503,
        {"status": "degraded", "database": "ok", "model": "not published"},
    )


@pytest.mark.usefixtures("planted_catalogue")
def test_healthy_then_degraded_by_a_damaged_model(client: Client, model_dir: Path) -> None:
    call_command("train_model", "--no-eval", stdout=StringIO(), stderr=StringIO())
    assert health(client) == (200, {"status": "ok", "database": "ok", "model": "ok"})
    assert services.model_status().model_id
    services.model_forget()  # a fresh worker finds the published model damaged
    version = next(p for p in model_dir.iterdir() if p.name.startswith("v"))
    (version / "arrays.npz").write_bytes(b"damaged")
    status, body = health(client)
    assert (status, body["model"]) == (503, "cannot be loaded")
    assert str(model_dir) not in str(body)  # nothing internal leaks


@pytest.mark.usefixtures("model_dir")
def test_a_database_that_does_not_answer_is_reported(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    def down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    status, body = health(client)
    assert (status, body["database"], body["status"]) == (503, "unavailable", "degraded")
