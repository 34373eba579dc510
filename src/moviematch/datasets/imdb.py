"""Streaming readers of the public IMDb non-commercial datasets (``datasets.imdbws.com``).

The files are gzip-compressed, tab-separated UTF-8 with a header row and **no quoting**
(a ``"`` is an ordinary character); ``\\N`` marks a missing value; list columns are
comma-separated (``genres``, ``directors``), except ``title.akas``' ``types`` and ``attributes``,
which IMDb separates with the control character ``\\x02``. ``characters`` in
``title.principals`` is a JSON array of strings (``["Woody"]``).

Each reader takes ``keep``, a set of ids (``tt…`` for title files, ``nm…`` for
``name.basics``), and yields only the rows whose id is in it: the id is cut off the line
before anything else is parsed, so skipping the millions of other rows costs little, and the
file is read line by line (never loaded whole). ``keep=None`` yields every row. Both
``.tsv.gz`` and plain ``.tsv`` are accepted (decided by the gzip magic bytes, not the name).

Only kept rows are fully validated; a kept row with the wrong field count, a bad number or a
bad JSON ``characters`` raises :class:`MalformedRowError` with its line, as does a truncated
gzip stream.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from moviematch.datasets.errors import DatasetError, MalformedRowError

MISSING = "\\N"
ARRAY_SEPARATOR = "\x02"

TITLE_BASICS_HEADER = [
    "tconst",
    "titleType",
    "primaryTitle",
    "originalTitle",
    "isAdult",
    "startYear",
    "endYear",
    "runtimeMinutes",
    "genres",
]
TITLE_AKAS_HEADER = [
    "titleId",
    "ordering",
    "title",
    "region",
    "language",
    "types",
    "attributes",
    "isOriginalTitle",
]
TITLE_CREW_HEADER = ["tconst", "directors", "writers"]
TITLE_PRINCIPALS_HEADER = ["tconst", "ordering", "nconst", "category", "job", "characters"]
NAME_BASICS_HEADER = [
    "nconst",
    "primaryName",
    "birthYear",
    "deathYear",
    "primaryProfession",
    "knownForTitles",
]

#: The five files, without extension, as published under https://datasets.imdbws.com/.
FILE_STEMS = ("title.basics", "title.akas", "title.crew", "title.principals", "name.basics")

#: Regions whose titles count as English for :func:`english_title`, best first.
ENGLISH_REGIONS = ("US", "GB", "CA", "AU", "IE", "NZ")
#: aka types, best first; anything else ranks after these.
_TYPE_RANK = {"imdbDisplay": 0, "": 1, "original": 2, "dvd": 3, "video": 3, "tv": 3}

T = TypeVar("T")


@dataclass(frozen=True)
class TitleBasics:
    """A row of ``title.basics``; years and runtime (minutes) are None when ``\\N``."""

    tconst: str
    title_type: str
    primary_title: str
    original_title: str
    start_year: int | None
    runtime_minutes: int | None
    genres: tuple[str, ...]
    is_adult: bool = False
    end_year: int | None = None


@dataclass(frozen=True)
class TitleAka:
    """A row of ``title.akas``: one localised title of ``title_id``."""

    title_id: str
    ordering: int
    title: str
    region: str | None
    language: str | None
    types: tuple[str, ...]
    is_original_title: bool
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TitleCrew:
    """A row of ``title.crew``: ``nm`` ids of directors and writers."""

    tconst: str
    directors: tuple[str, ...]
    writers: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    """A row of ``title.principals``; ``characters`` is the decoded JSON list (empty if ``\\N``)."""

    tconst: str
    ordering: int
    nconst: str
    category: str
    job: str | None
    characters: tuple[str, ...]


@dataclass(frozen=True)
class NameBasics:
    """A row of ``name.basics``."""

    nconst: str
    primary_name: str
    birth_year: int | None
    death_year: int | None
    primary_profession: tuple[str, ...] = ()
    known_for_titles: tuple[str, ...] = ()


def find_files(directory: Path | str) -> dict[str, Path]:
    """Paths of the five IMDb files in `directory`, keyed by stem (``"title.basics"``, ...).

    ``<stem>.tsv.gz`` is preferred to ``<stem>.tsv``.

    Raises
    ------
    DatasetError
        Listing every file that is missing.
    """
    directory = Path(directory)
    found: dict[str, Path] = {}
    for stem in FILE_STEMS:
        for candidate in (directory / f"{stem}.tsv.gz", directory / f"{stem}.tsv"):
            if candidate.is_file():
                found[stem] = candidate
                break
    missing = [f"{stem}.tsv.gz" for stem in FILE_STEMS if stem not in found]
    if missing:
        raise DatasetError(f"{directory}: missing IMDb file(s) {', '.join(missing)}")
    return found


def _open_text(path: Path) -> IO[str]:
    try:
        with path.open("rb") as probe:
            magic = probe.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rt", encoding="utf-8", newline="\n")
        return path.open("rt", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from None


def _iter_rows(
    path: Path | str,
    header: Sequence[str],
    keep: set[str] | None,
    build: Callable[[Path, int, list[str]], T],
) -> Iterator[T]:
    path = Path(path)
    width = len(header)
    line = 0
    with _open_text(path) as handle:
        try:
            first = handle.readline().rstrip("\r\n").removeprefix("\ufeff")
            line = 1
            if first.split("\t") != list(header):
                raise MalformedRowError(
                    path, 1, f"expected header {'|'.join(header)}, got {first!r}"
                )
            for text in handle:
                line += 1
                tab = text.find("\t")
                if keep is not None and text[: tab if tab >= 0 else None] not in keep:
                    continue
                fields = text.rstrip("\r\n").split("\t")
                if len(fields) != width:
                    raise MalformedRowError(
                        path, line, f"expected {width} tab-separated fields, got {len(fields)}"
                    )
                yield build(path, line, fields)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise MalformedRowError(
                path, line + 1, f"gzip stream is corrupt or truncated ({exc})"
            ) from None
        except UnicodeDecodeError as exc:
            raise MalformedRowError(path, line + 1, f"not valid UTF-8: {exc.reason}") from None


def _text(value: str) -> str | None:
    return None if value == MISSING else value


def _int(path: Path, line: int, value: str, name: str) -> int | None:
    if value == MISSING or value == "":
        return None
    if not value.isdigit() or not value.isascii():
        raise MalformedRowError(path, line, f"{name} {value!r} is not an integer or \\N")
    return int(value)


def _required_int(path: Path, line: int, value: str, name: str) -> int:
    number = _int(path, line, value, name)
    if number is None:
        raise MalformedRowError(path, line, f"{name} is missing")
    return number


def _list(value: str, separator: str = ",") -> tuple[str, ...]:
    if value in (MISSING, ""):
        return ()
    return tuple(part for part in value.split(separator) if part)


def _flag(path: Path, line: int, value: str, name: str) -> bool:
    if value in ("0", MISSING):
        return False
    if value == "1":
        return True
    raise MalformedRowError(path, line, f"{name} {value!r} is not 0 or 1")


def iter_title_basics(path: Path | str, keep: set[str] | None) -> Iterator[TitleBasics]:
    """Rows of ``title.basics.tsv[.gz]`` whose ``tconst`` is in `keep`."""

    def build(p: Path, line: int, f: list[str]) -> TitleBasics:
        return TitleBasics(
            tconst=f[0],
            title_type=f[1],
            primary_title=f[2],
            original_title=f[3],
            start_year=_int(p, line, f[5], "startYear"),
            runtime_minutes=_int(p, line, f[7], "runtimeMinutes"),
            genres=_list(f[8]),
            is_adult=_flag(p, line, f[4], "isAdult"),
            end_year=_int(p, line, f[6], "endYear"),
        )

    return _iter_rows(path, TITLE_BASICS_HEADER, keep, build)


def iter_title_akas(path: Path | str, keep: set[str] | None) -> Iterator[TitleAka]:
    """Rows of ``title.akas.tsv[.gz]`` whose ``titleId`` is in `keep`."""

    def build(p: Path, line: int, f: list[str]) -> TitleAka:
        return TitleAka(
            title_id=f[0],
            ordering=_required_int(p, line, f[1], "ordering"),
            title=f[2],
            region=_text(f[3]) or None,
            language=_text(f[4]) or None,
            # The type vocabulary has no commas, so either separator is safe to split on.
            types=_list(f[5].replace(",", ARRAY_SEPARATOR), ARRAY_SEPARATOR),
            is_original_title=_flag(p, line, f[7], "isOriginalTitle"),
            attributes=_list(f[6], ARRAY_SEPARATOR),
        )

    return _iter_rows(path, TITLE_AKAS_HEADER, keep, build)


def iter_title_crew(path: Path | str, keep: set[str] | None) -> Iterator[TitleCrew]:
    """Rows of ``title.crew.tsv[.gz]`` whose ``tconst`` is in `keep`."""

    def build(p: Path, line: int, f: list[str]) -> TitleCrew:
        return TitleCrew(tconst=f[0], directors=_list(f[1]), writers=_list(f[2]))

    return _iter_rows(path, TITLE_CREW_HEADER, keep, build)


def iter_title_principals(path: Path | str, keep: set[str] | None) -> Iterator[Principal]:
    """Rows of ``title.principals.tsv[.gz]`` whose ``tconst`` is in `keep`."""

    def build(p: Path, line: int, f: list[str]) -> Principal:
        return Principal(
            tconst=f[0],
            ordering=_required_int(p, line, f[1], "ordering"),
            nconst=f[2],
            category=f[3],
            job=_text(f[4]),
            characters=_characters(p, line, f[5]),
        )

    return _iter_rows(path, TITLE_PRINCIPALS_HEADER, keep, build)


def _characters(path: Path, line: int, value: str) -> tuple[str, ...]:
    if value == MISSING:
        return ()
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError as exc:
        raise MalformedRowError(path, line, f"characters is not JSON: {exc.msg}") from None
    if not isinstance(decoded, list) or not all(isinstance(c, str) for c in decoded):
        raise MalformedRowError(path, line, "characters is not a JSON list of strings")
    return tuple(decoded)


def iter_name_basics(path: Path | str, keep: set[str] | None) -> Iterator[NameBasics]:
    """Rows of ``name.basics.tsv[.gz]`` whose ``nconst`` is in `keep`."""

    def build(p: Path, line: int, f: list[str]) -> NameBasics:
        return NameBasics(
            nconst=f[0],
            primary_name=f[1],
            birth_year=_int(p, line, f[2], "birthYear"),
            death_year=_int(p, line, f[3], "deathYear"),
            primary_profession=_list(f[4]),
            known_for_titles=_list(f[5]),
        )

    return _iter_rows(path, NAME_BASICS_HEADER, keep, build)


def english_title(akas: Iterable[TitleAka]) -> str | None:
    """Pick the best English title among the akas of one title, or None if there is none.

    Candidates are akas from an English-speaking region (:data:`ENGLISH_REGIONS`) or with
    language ``en``. They are ranked by, in order:

    1. type: ``imdbDisplay`` (the title IMDb shows in that region) first, then untyped, then
       ``original``, then ``dvd``/``video``/``tv``, then the rest (``alternative``,
       ``festival``, ``working``, which are often provisional);
    2. attributes: an aka with attributes (``literal English title``, ``short title``, …)
       after one without;
    3. region: US, GB, CA, AU, IE, NZ, then language-only matches (e.g. region ``XWW``);
    4. IMDb's ``ordering``.
    """
    best: tuple[tuple[int, int, int, int], str] | None = None
    for aka in akas:
        in_region = aka.region in ENGLISH_REGIONS
        if not in_region and aka.language != "en":
            continue
        type_rank = min((_TYPE_RANK.get(t, 4) for t in aka.types), default=_TYPE_RANK[""])
        region_rank = ENGLISH_REGIONS.index(aka.region) if in_region else len(ENGLISH_REGIONS)
        key = (type_rank, 1 if aka.attributes else 0, region_rank, aka.ordering)
        if aka.title and (best is None or key < best[0]):
            best = (key, aka.title)
    return None if best is None else best[1]
