"""Every migration runs backwards and forwards again, and the models match the migrations."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OUR_APPS = ("accounts", "catalog", "ratings", "recommendations", "media")


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if not
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_every_app_migrates_to_zero_and_back() -> None:
    for app in OUR_APPS:
        call_command("migrate", app, "zero", verbosity=0)
        executor = MigrationExecutor(connection)
        applied = {name for label, name in executor.loader.applied_migrations if label == app}
        assert applied == set(), f"{app} still has {applied}"
        call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
