"""Property tests of ``ratings_import`` (``manage.py ratings_import``): any file content is
either imported exactly or refused with ``<file>:<line>: <reason>``, and a refused file
writes nothing (all or nothing).

Files are made from valid rows with at most one of them spoilt (a bad id, stars, date or
name, a missing or extra field, broken quoting or JSON), so the expected outcome is known:
the spoilt row's line in the error, or every row stored. Arbitrary text and bytes must be
refused (or imported) the same clean way.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.models import STAR_VALUES, Rating
from moviematch.ratings.transfer import FIELDS, TransferError, ratings_import

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MOVIES = (1, 2, 3)
USERS = ("ann", "bo")

#: One spoilt field: (field, value) that makes a row invalid.
SPOILERS = [
    ("movie_id", "abc"),
    ("movie_id", "1.5"),
    ("movie_id", "99"),  # not a known movie
    ("movie_id", str(2**64)),
    ("movie_id", "9" * 40),
    ("movie_id", ""),
    ("stars", "3.3"),
    ("stars", "0"),
    ("stars", "NaN"),
    ("stars", "5.5"),
    ("stars", "1e999999"),
    ("stars", ""),
    ("username", ""),
    ("username", "nobody"),  # unknown, and no --create-users
    ("created", "yesterday"),
    ("created", "2020-13-45T00:00:00"),
    ("updated", "2021-02-30T10:00:00+00:00"),
    ("updated", "2021-01-01T25:61:00"),
]

rows_strategy = st.lists(
    st.tuples(st.sampled_from(USERS), st.sampled_from(MOVIES), st.sampled_from(STAR_VALUES)),
    min_size=1,
    max_size=6,
    unique_by=lambda r: (r[0], r[1]),
)


@pytest.fixture
def site(db: None) -> None:
    for movie_id in MOVIES:
        Movie.objects.create(id=movie_id, title=f"Film {movie_id}", year=2000)
    for name in USERS:
        User.objects.create_user(username=name, password="x")
    Rating.objects.create(user=User.objects.get(username="ann"), movie_id=1, stars=Decimal(2))


def _state() -> list[tuple[str, int, Decimal]]:
    ratings = Rating.objects.order_by("user__username", "movie_id")
    return [
        *ratings.values_list("user__username", "movie_id", "stars"),
        ("users", User.objects.count(), Decimal(0)),
    ]


def _records(rows: list[tuple[str, int, Decimal]]) -> list[dict[str, str]]:
    return [
        {
            "username": u,
            "movie_id": str(m),
            "stars": str(s),
            "created": "2020-05-01T10:00:00+00:00",
            "updated": "2021-06-02T11:30:00+00:00",
        }
        for u, m, s in rows
    ]


def _write(path: Path, records: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        path.write_text(out.getvalue(), encoding="utf-8")
    else:  # one record per line after "[", as ratings_export writes
        lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
        path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


@FAST
@given(
    rows=rows_strategy,
    spoil=st.none() | st.tuples(st.integers(0, 5), st.sampled_from(SPOILERS)),
    fmt=st.sampled_from(["csv", "json"]),
)
def test_valid_rows_are_imported_and_one_bad_row_is_named_with_nothing_written(
    site: None, tmp_path_factory: pytest.TempPathFactory, rows: list[Any], spoil: Any, fmt: str
) -> None:
    path = tmp_path_factory.mktemp("import") / f"ratings.{fmt}"
    records = _records(rows)
    before = _state()
    if spoil is not None:
        index, (field, value) = spoil
        index %= len(records)
        records[index][field] = value
    _write(path, records, fmt)
    if spoil is None:
        report = ratings_import(path=path, fmt=fmt)  # type: ignore[arg-type]
        assert report.created + report.updated + report.unchanged == len(rows)
        stored = {(u, m): s for u, m, s in _state()[:-1]}
        for user, movie, stars in rows:
            assert stored[(user, movie)] == stars
        return
    with pytest.raises(TransferError) as refused:
        ratings_import(path=path, fmt=fmt)  # type: ignore[arg-type]
    assert str(refused.value).startswith(f"{path}:{index + 2}: "), str(refused.value)
    assert refused.value.line == index + 2
    assert _state() == before


@FAST
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")),
        st.lists(
            st.lists(st.sampled_from(["ann", "1", "4.5", "", '"', "x,y", "\x00", "2**99"])),
            max_size=5,
        ).map(lambda rows: ",".join(FIELDS) + "\n" + "\n".join(",".join(r) for r in rows)),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(FIELDS), c),
            max_leaves=12,
        ).map(lambda v: json.dumps(v)),
    ),
    fmt=st.sampled_from(["csv", "json"]),
    create_users=st.booleans(),
)
def test_any_content_is_imported_or_refused_with_file_and_line(
    site: None,
    tmp_path_factory: pytest.TempPathFactory,
    text: str,
    fmt: str,
    create_users: bool,
) -> None:
    path = tmp_path_factory.mktemp("import") / f"ratings.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = _state()
    refused: TransferError | None = None
    try:
        ratings_import(path=path, fmt=fmt, create_users=create_users)  # type: ignore[arg-type]
    except TransferError as exc:
        refused = exc
    if refused is not None:
        assert str(refused).startswith(f"{path}:{refused.line}: ")
        assert 1 <= refused.line <= text.count("\n") + 2
        assert _state() == before
        return
    # imported: every stored rating is an allowed value, every new user has no password
    for _, _, stars in _state()[:-1]:
        assert stars in STAR_VALUES
    assert not [u for u in User.objects.exclude(username__in=USERS) if u.has_usable_password()]


def test_a_user_name_the_site_could_not_have_made_is_refused(site: None, tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    records = _records([("ann", 1, Decimal(4))])
    for bad in ("<script>alert(1)</script>", "x" * 151, "two words"):
        records[0]["username"] = bad
        _write(path, records, "csv")
        with pytest.raises(CommandError, match=r"ratings\.csv:2: .*username"):
            call_command("ratings_import", str(path), "--create-users")
        assert not User.objects.filter(username=bad).exists()


def test_the_command_says_nothing_was_written(site: None, tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    records: list[dict[str, Any]] = [*_records([("bo", 2, Decimal(4))]), {"username": "bo"}]
    _write(path, records, "json")
    before = _state()
    with pytest.raises(CommandError, match=r"nothing written: .*ratings\.json:3: missing"):
        call_command("ratings_import", str(path))
    assert _state() == before
