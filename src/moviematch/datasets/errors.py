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
