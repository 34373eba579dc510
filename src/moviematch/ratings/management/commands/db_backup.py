"""``manage.py db_backup DEST``: a consistent copy of the SQLite database, while the site runs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from moviematch.ratings.backup import BackupError, sqlite_backup


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to DEST with SQLite's online backup API: consistent even "
        "while the site writes. For PostgreSQL use pg_dump (see README, Deploying)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, help="file to create, e.g. backup.sqlite3")

    def handle(self, *args: object, destination: Path, **options: object) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("db_backup copies SQLite databases; for PostgreSQL use pg_dump")
        connection.ensure_connection()
        try:
            sqlite_backup(source=connection.connection, destination=destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backed up {connection.settings_dict['NAME']} to {destination}")
