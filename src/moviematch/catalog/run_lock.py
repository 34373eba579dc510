"""One catalogue writer at a time: imports, the catalogue filter and ``setup`` take turns.

Two imports at once would both rewrite the same rows; the second would wait on the database
and, past its timeout, fail with a raw "database is locked". Instead the second one is told
at once that another is running. The lock is a ``flock`` on a file in the data directory,
released by the kernel when the process ends, however it ends. It is re-entrant within a
process (``setup`` holds it while it calls the import commands).
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

_held = threading.local()


class CatalogueBusyError(Exception):
    """Another process is importing, filtering or setting up right now."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            "another import, catalogue filter or setup is running on this data directory "
            f"(lock {path}); wait for it to finish and run this again"
        )


@contextlib.contextmanager
def catalogue_lock() -> Iterator[None]:
    """Hold the catalogue lock for the block; ``CatalogueBusyError`` if another has it."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    directory = Path(settings.DATA_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".catalogue.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CatalogueBusyError(path) from None
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
