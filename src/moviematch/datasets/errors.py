"""Errors raised by the dataset readers, always naming the file and line."""

from __future__ import annotations

from pathlib import Path


class DatasetError(Exception):
    """A data file is missing, malformed or of an unknown layout."""


class MalformedRowError(DatasetError):
    """One row of a data file could not be parsed.

    The message reads ``<path>:<line>: <reason>`` so an operator can open the file there.
    """

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        super().__init__(f"{self.path}:{line}: {reason}")


class ChecksumError(DatasetError):
    """A file's digest differs from the published or pinned one (or the file is missing)."""

    def __init__(self, location: Path | str, algorithm: str, expected: str, actual: str) -> None:
        self.location = str(location)  # a file path or a URL
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{self.location}: {algorithm} mismatch (expected {expected}, got {actual}); "
            "the file is corrupt, incomplete or a different release"
        )


class OfflineError(DatasetError):
    """The publisher could not be reached; the message says how to supply the files by hand."""


def os_error_message(exc: OSError) -> str:
    """A file system error in one line a command can print: the path and what went wrong
    (a full disk, a read-only or missing folder, a file where a folder should be)."""
    where = exc.filename if exc.filename is not None else "the data directory"
    what = exc.strerror or exc.__class__.__name__
    return f"{where}: {what}"
