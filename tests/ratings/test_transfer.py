"""Ratings export/import (CSV and JSON, all or nothing) and the online SQLite backup."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.backup import BackupError, sqlite_backup
from moviematch.ratings.models import Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> None:
    for movie_id in (1, 2, 3):
        Movie.objects.create(id=movie_id, title=f"Film {movie_id}", year=2000)
    ann, bo = (User.objects.create_user(username=n, password="x") for n in ("ann", "bo"))
    for user, movie_id, stars in ((ann, 1, "4.5"), (ann, 2, "1"), (bo, 1, "3")):
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(stars))
    Rating.objects.filter(user=ann, movie_id=1).update(
        created=datetime(2020, 5, 1, tzinfo=UTC), updated=datetime(2021, 6, 2, tzinfo=UTC)
    )


def export(fmt: str, path: Path) -> str:
    out = StringIO()
    call_command("ratings_export", "--format", fmt, "--output", str(path), stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[str, int, Decimal, datetime]]:
    return list(
        Rating.objects.order_by("user__username", "movie_id").values_list(
            "user__username", "movie_id", "stars", "updated"
        )
    )


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_restores_every_rating_and_date(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"ratings.{fmt}"
    assert "exported 3 ratings" in export(fmt, path)
    before = snapshot()
    Rating.objects.all().delete()
    out = StringIO()
    call_command("ratings_import", str(path), stdout=out)
    assert "3 new, 0 changed, 0 unchanged" in out.getvalue()
    assert snapshot() == before
    call_command("ratings_import", str(path), stdout=out)  # again: nothing to do
    assert "0 new, 0 changed, 3 unchanged" in out.getvalue()
    if fmt == "json":
        assert json.loads(path.read_text())[0]["stars"] == 4.5


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ann,3,3.3,,", r"ratings\.csv:3: stars must be a number from 0\.5 to 5"),
        ("ann,99,4,,", r"ratings\.csv:3: movie 99 is not a known movie"),
        ("ann,x,4,,", r"ratings\.csv:3: movie_id 'x' is not an integer"),
        ("cy,3,4,,", r"ratings\.csv:3: unknown user\(s\) cy"),
        ("ann,3,2,,", r"ratings\.csv:3: ann rated movie 3 again \(line 2\)"),
        ("ann,3,4,yesterday,", r"ratings\.csv:3: created 'yesterday' is not an ISO date-time"),
    ],
)
def test_a_bad_row_names_its_line_and_writes_nothing(
    tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("username,movie_id,stars,created,updated\nann,3,5,,\n" + row + "\n")
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("ratings_import", str(path), stdout=StringIO())
    assert snapshot() == before


@pytest.mark.usefixtures("site")
def test_unknown_users_can_be_created_without_a_password(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    path.write_text(json.dumps([{"username": "cy", "movie_id": 3, "stars": 2.5}]))
    call_command("ratings_import", str(path), "--create-users", stdout=StringIO())
    cy = User.objects.get(username="cy")
    assert not cy.has_usable_password()
    assert Rating.objects.get(user=cy).stars == Decimal("2.5")


def test_online_backup_is_consistent_while_the_site_writes(tmp_path: Path) -> None:
    database = tmp_path / "site.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x INTEGER)")
        db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(20_000)])
    stop = threading.Event()
    written = []

    def write() -> None:
        with sqlite3.connect(database, timeout=10) as db:
            while not stop.is_set():
                db.execute("INSERT INTO t VALUES (-1)")
                db.commit()
                written.append(1)

    writer = threading.Thread(target=write)
    writer.start()
    source = sqlite3.connect(database)
    try:
        started = len(written)
        sqlite_backup(source=source, destination=tmp_path / "copy.sqlite3")
        while len(written) < started + 5:  # and goes on writing: it was never blocked
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
        source.close()
    assert written  # the site really wrote during the copy
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM t WHERE x >= 0").fetchone() == (20_000,)
    with pytest.raises(BackupError, match="exists"):
        sqlite_backup(source=sqlite3.connect(database), destination=tmp_path / "copy.sqlite3")
    assert not (tmp_path / ".copy.sqlite3.tmp").exists()


@pytest.mark.django_db(transaction=True)  # a backup reads committed data, not a test's transaction
def test_the_backup_command_copies_the_site_database(tmp_path: Path) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="for PostgreSQL use pg_dump"):
            call_command("db_backup", str(tmp_path / "copy"), stdout=StringIO())
        return
    User.objects.create_user(username="ann", password="x")
    out = StringIO()
    call_command("db_backup", str(tmp_path / "site-copy.sqlite3"), stdout=out)
    assert "backed up" in out.getvalue()
    with sqlite3.connect(tmp_path / "site-copy.sqlite3") as copy:
        assert copy.execute("SELECT username FROM accounts_user").fetchall() == [("ann",)]
