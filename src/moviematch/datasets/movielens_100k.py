"""ML-100K's movie list: ``u.item`` with genre flags named by ``u.genre``.

Both files are ``|``-separated Latin-1 (ISO-8859-1) without a header. ``u.item`` holds
``item id | title | release date | video release date | IMDb URL | 19 genre flags``;
``u.genre`` holds ``name|index`` lines (and a trailing blank line). The ``unknown`` genre is
read as "no genre", like ``(no genres listed)`` in the CSV releases. Genre names are kept as
``u.genre`` spells them (``Children's``, where the CSV releases say ``Children``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.text_csv import iter_csv_rows, parse_int

ENCODING = "latin-1"
UNKNOWN_GENRE = "unknown"
_DATE = re.compile(r"^\d{2}-[A-Za-z]{3}-(\d{4})$")


@dataclass(frozen=True)
class Item:
    """One row of ``u.item``: ``release_year`` comes from the release-date column."""

    movie_id: int
    raw_title: str
    release_year: int | None
    genres: tuple[str, ...]


def read_genres(directory: Path) -> list[str]:
    """Genre names of ``u.genre`` in flag order (index 0 first).

    Raises
    ------
    DatasetError
        The file is missing.
    MalformedRowError
        A line that is not ``name|index``, or indices that are not 0, 1, 2, ... in order.
    """
    path = directory / "u.genre"
    names: list[str] = []
    for line, row in iter_csv_rows(path, None, delimiter="|", encoding=ENCODING, quoting=False):
        if row == []:
            continue  # the trailing blank line
        if len(row) != 2:
            raise MalformedRowError(path, line, f"expected 'name|index', got {'|'.join(row)!r}")
        index = parse_int(path, line, row[1], "genre index", minimum=0)
        if index != len(names):
            raise MalformedRowError(path, line, f"genre index {index}, expected {len(names)}")
        names.append(row[0])
    if not names:
        raise DatasetError(f"{path}: no genres")
    return names


def read_items(directory: Path) -> list[Item]:
    """Read ``u.item`` (and ``u.genre`` to name its flags).

    Raises
    ------
    DatasetError
        A file is missing.
    MalformedRowError
        A wrong field count, a non-integer or duplicate item id, a genre flag other than 0/1.
    """
    genres = read_genres(directory)
    path = directory / "u.item"
    items: list[Item] = []
    seen: set[int] = set()
    fields = 5 + len(genres)
    for line, row in iter_csv_rows(path, None, delimiter="|", encoding=ENCODING, quoting=False):
        if len(row) != fields:
            raise MalformedRowError(path, line, f"expected {fields} fields, got {len(row)}")
        movie_id = parse_int(path, line, row[0], "item id", minimum=1)
        if movie_id in seen:
            raise MalformedRowError(path, line, f"duplicate item id {movie_id}")
        seen.add(movie_id)
        flags = row[5:]
        if any(flag not in ("0", "1") for flag in flags):
            raise MalformedRowError(path, line, f"genre flags must be 0 or 1, got {flags}")
        date = _DATE.match(row[2].strip())
        items.append(
            Item(
                movie_id=movie_id,
                raw_title=row[1],
                release_year=int(date.group(1)) if date else None,
                genres=tuple(
                    name
                    for name, flag in zip(genres, flags, strict=True)
                    if flag == "1" and name != UNKNOWN_GENRE
                ),
            )
        )
    return items
