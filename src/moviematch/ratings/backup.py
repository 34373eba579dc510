"""A consistent copy of a live SQLite database (SQLite's online backup API)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The copy could not be made or failed its integrity check; nothing is left at DEST."""


def sqlite_backup(*, source: sqlite3.Connection, destination: Path) -> None:
    """Copy ``source`` to the new file ``destination`` as of one moment.

    The whole database is copied in one step inside one read transaction. In WAL mode (the
    site's default) a reader never blocks writers, so the site keeps writing during the
    copy, and the copy is the database as it was when the step began. (Copying a few pages
    per step instead would let a busy writer restart the copy forever.) The copy is written
    to a temporary name, checked with ``PRAGMA integrity_check`` and then renamed.

    Raises
    ------
    BackupError
        ``destination`` exists, or the copy failed (message says why).
    """
    if destination.exists():
        raise BackupError(f"{destination} exists; choose a new file")
    tmp = destination.with_name(f".{destination.name}.tmp")
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        tmp.replace(destination)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"backup to {destination} failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
