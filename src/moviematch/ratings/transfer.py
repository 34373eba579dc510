"""Export and import the site users' ratings as CSV or JSON (backups, moving a site).

One row per rating: ``username, movie_id, stars, created, updated``. An import is all or
nothing: every row is checked first (a clear message naming the file and line), then all
are written in one transaction. Users are matched by username; an import that names users
this site does not have is refused unless ``create_users`` is set, which creates them as
accounts without a usable password (their owners set one with "forgot password" or an
administrator does).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from moviematch.accounts.models import User
from moviematch.catalog.models import MOVIE_ID_MAX, Movie
from moviematch.ratings.errors import InvalidStarsError
from moviematch.ratings.models import Rating
from moviematch.ratings.services import stars_parse

Format = Literal["csv", "json"]
FIELDS = ("username", "movie_id", "stars", "created", "updated")


class TransferError(Exception):
    """A row that cannot be imported: ``<path>:<line>: <reason>``."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.line = line


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    users_created: int


def ratings_export(*, out: io.TextIOBase | Any, fmt: Format) -> int:
    """Write every rating to ``out``; returns how many. Ordered by user, then movie."""
    rows = (
        Rating.objects.select_related("user")
        .order_by("user__username", "movie_id")
        .values_list("user__username", "movie_id", "stars", "created", "updated")
    )
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        for username, movie_id, stars, created, updated in rows.iterator():
            writer.writerow(
                [username, movie_id, str(stars), created.isoformat(), updated.isoformat()]
            )
            count += 1
        return count
    out.write("[\n")
    for username, movie_id, stars, created, updated in rows.iterator():
        record = {
            "username": username,
            "movie_id": movie_id,
            "stars": float(stars),
            "created": created.isoformat(),
            "updated": updated.isoformat(),
        }
        out.write(("," if count else "") + json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    out.write("]\n")
    return count


@dataclass(frozen=True)
class _Row:
    line: int
    username: str
    movie_id: int
    stars: Decimal
    created: datetime | None
    updated: datetime | None


def _records(path: Path, fmt: Format) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TransferError(path, 1, f"cannot read the file ({exc})") from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            if tuple(reader.fieldnames or ()) != FIELDS:
                raise TransferError(path, 1, f"expected header {','.join(FIELDS)}")
            for record in reader:
                if None in record or None in record.values():
                    raise TransferError(
                        path, reader.line_num, f"expected {len(FIELDS)} fields ({','.join(FIELDS)})"
                    )
                yield reader.line_num, record
        except csv.Error as exc:  # NUL, a field longer than the csv module reads, …
            raise TransferError(path, reader.line_num or 1, f"not valid CSV ({exc})") from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TransferError(path, exc.lineno, f"not valid JSON ({exc.msg})") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise TransferError(path, 1, f"not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise TransferError(path, 1, "expected a JSON list of ratings")
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise TransferError(path, index + 2, f"rating {index + 1} is not an object")
        yield index + 2, record  # one record per line after "[", as ratings_export writes


def _stamp(path: Path, line: int, name: str, value: object) -> datetime | None:
    """An ISO date-time (UTC when it names no zone), or None when empty."""
    if value in (None, ""):
        return None
    try:
        stamp = parse_datetime(str(value))
        if stamp is not None:
            zone = stamp.tzinfo or UTC
            return stamp.replace(tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # well formed but no such time (month 13, …)
        pass
    raise TransferError(path, line, f"{name} {value!r} is not an ISO date-time")


def _username(path: Path, line: int, value: object) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TransferError(path, line, f"username {value!r} is not a string")
    name = str(value)
    max_length = User._meta.get_field("username").max_length or 150
    if len(name) > max_length or "\x00" in name:
        raise TransferError(path, line, f"username {name[:40]!r} is not a valid username")
    return name


def _parse(path: Path, fmt: Format) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[tuple[str, int], int] = {}
    for line, record in _records(path, fmt):
        missing = [f for f in ("username", "movie_id", "stars") if record.get(f) in (None, "")]
        if missing:
            raise TransferError(path, line, f"missing {', '.join(missing)}")
        try:
            movie_id = int(str(record["movie_id"]))
        except ValueError:
            raise TransferError(
                path, line, f"movie_id {str(record['movie_id'])[:40]!r} is not an integer"
            ) from None
        if not 1 <= movie_id <= MOVIE_ID_MAX:
            raise TransferError(path, line, f"movie {movie_id} is not a known movie")
        try:
            stars = stars_parse(record["stars"])
        except InvalidStarsError as exc:
            raise TransferError(path, line, str(exc)) from None
        created, updated = (_stamp(path, line, n, record.get(n)) for n in ("created", "updated"))
        username = _username(path, line, record["username"])
        key = (username, movie_id)
        if key in seen:
            raise TransferError(
                path, line, f"{username} rated movie {movie_id} again (line {seen[key]})"
            )
        seen[key] = line
        rows.append(_Row(line, username, movie_id, stars, created, updated))
    return rows


def ratings_import(*, path: Path, fmt: Format, create_users: bool = False) -> ImportReport:
    """Import ratings from ``path``, all or nothing (see the module docstring).

    Raises
    ------
    TransferError
        A malformed row, an unknown movie, or (without ``create_users``) an unknown user;
        nothing is written then.
    """
    rows = _parse(path, fmt)
    known_movies = set(
        Movie.objects.filter(pk__in={r.movie_id for r in rows}).values_list("id", flat=True)
    )
    for row in rows:
        if row.movie_id not in known_movies:
            raise TransferError(path, row.line, f"movie {row.movie_id} is not a known movie")
    names = {r.username for r in rows}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    unknown = sorted(names - set(users))
    if unknown and not create_users:
        first = next(r.line for r in rows if r.username in unknown)
        shown = ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")
        raise TransferError(
            path, first, f"unknown user(s) {shown}: create them or pass --create-users"
        )
    for name in unknown:  # a name the site's sign-up would refuse is not created either
        try:
            User.username_validator(name)
        except ValidationError:
            first = next(r.line for r in rows if r.username == name)
            raise TransferError(
                path, first, f"username {name[:40]!r} is not a valid username"
            ) from None
    with transaction.atomic():
        for name in unknown:
            user = User(username=name)
            user.set_unusable_password()
            user.save()
            users[name] = user
        existing = {
            (r.user_id, r.movie_id): r
            for r in Rating.objects.filter(user__in=users.values(), movie_id__in=known_movies)
        }
        created = updated = unchanged = 0
        for row in rows:
            user = users[row.username]
            current = existing.get((user.pk, row.movie_id))
            if current is None:
                rating = Rating.objects.create(user=user, movie_id=row.movie_id, stars=row.stars)
                created += 1
            elif current.stars != row.stars:
                current.stars = row.stars
                current.save(update_fields=["stars", "updated"])
                rating = current
                updated += 1
            else:
                unchanged += 1
                continue
            stamps = {k: v for k, v in (("created", row.created), ("updated", row.updated)) if v}
            if stamps:  # keep the exported dates (auto_now would set today's)
                Rating.objects.filter(pk=rating.pk).update(**stamps)
    return ImportReport(created, updated, unchanged, len(unknown))
