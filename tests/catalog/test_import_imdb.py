"""``import_imdb``: English titles, runtimes, directors and billed cast from gzip TSVs."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moviematch.catalog.models import Movie, Person
from moviematch.catalog.selectors import movie_credits
from tests.catalog.movielens_files import IMDB_ROWS, write_imdb
from tests.catalog.snapshot import catalogue_snapshot

pytestmark = pytest.mark.django_db


def run(directory: Path) -> str:
    out = StringIO()
    call_command("import_imdb", str(directory), stdout=out)
    return out.getvalue()


@pytest.fixture
def imported(movielens_dir: Path) -> None:
    call_command("import_movielens", str(movielens_dir), stdout=StringIO())


def names(credits: list) -> list[str]:
    return [c.person.name for c in credits]


@pytest.mark.usefixtures("imported")
def test_titles_runtimes_and_missing_year(imdb_dir: Path) -> None:
    output = run(imdb_dir)
    assert "3 movies matched" in output
    toy = Movie.objects.get(pk=1)
    assert (toy.english_title, toy.runtime_minutes, toy.year) == ("Toy Story", 81, 1995)
    president = Movie.objects.get(pk=2)
    # the US display aka wins over the German one listed first
    assert president.english_title == "The American President"
    assert president.runtime_minutes == 114
    yearless = Movie.objects.get(pk=3)
    assert yearless.year == 1950  # MovieLens had none: IMDb's startYear fills it
    assert yearless.runtime_minutes is None
    assert yearless.english_title == "Yearless"  # no aka: IMDb's primary title
    assert Movie.objects.get(pk=4).english_title == ""  # not in the IMDb files


@pytest.mark.usefixtures("imported")
def test_directors_and_cast_in_billing_order(imdb_dir: Path) -> None:
    run(imdb_dir)
    toy = movie_credits(movie=Movie.objects.get(pk=1))
    assert names(toy["director"]) == ["John Lasseter"]
    assert names(toy["cast"]) == ["Tom Hanks", "Tim Allen"]
    president = movie_credits(movie=Movie.objects.get(pk=2))
    # principals list Bening (ordering 2) before Douglas (ordering 1): billing order wins
    assert names(president["cast"]) == ["Michael Douglas", "Annette Bening"]
    assert [c.order for c in president["cast"]] == [0, 1]
    assert names(president["director"]) == ["Rob Reiner"]
    # only people of catalogue movies are stored
    assert not Person.objects.filter(imdb_id="nm0000001").exists()
    assert Person.objects.count() == 6


@pytest.mark.usefixtures("imported")
def test_second_run_changes_nothing(imdb_dir: Path) -> None:
    run(imdb_dir)
    before = catalogue_snapshot()
    assert "0 rows changed" in run(imdb_dir)
    assert catalogue_snapshot() == before


@pytest.mark.usefixtures("imported")
def test_changed_cast_is_synced(imdb_dir: Path, tmp_path: Path) -> None:
    run(imdb_dir)
    rows = {**IMDB_ROWS}
    rows["title.principals.tsv.gz"] = [
        r for r in IMDB_ROWS["title.principals.tsv.gz"] if "nm0000741" not in r
    ]
    run(write_imdb(tmp_path / "imdb2", rows=rows))
    assert names(movie_credits(movie=Movie.objects.get(pk=1))["cast"]) == ["Tom Hanks"]


@pytest.mark.usefixtures("imported")
def test_malformed_row_aborts_with_file_and_line(imdb_dir: Path, tmp_path: Path) -> None:
    run(imdb_dir)
    before = catalogue_snapshot()
    rows = {**IMDB_ROWS}
    rows["title.principals.tsv.gz"] = [
        *IMDB_ROWS["title.principals.tsv.gz"][:2],
        "tt0112346\tnot-a-number\tnm0000110\tactress\t\\N\t\\N",
    ]
    bad = write_imdb(tmp_path / "bad", rows=rows)
    # change another file too, to show nothing of it is applied
    basics = [r.replace("\t81\t", "\t99\t") for r in IMDB_ROWS["title.basics.tsv.gz"]]
    write_imdb(tmp_path / "bad", rows={**rows, "title.basics.tsv.gz": basics})
    with pytest.raises(CommandError) as info:
        run(bad)
    assert f"{bad / 'title.principals.tsv.gz'}:4" in str(info.value)
    assert catalogue_snapshot() == before


@pytest.mark.usefixtures("imported")
def test_truncated_gzip_is_reported(imdb_dir: Path) -> None:
    path = imdb_dir / "name.basics.tsv.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(CommandError, match=r"name\.basics\.tsv\.gz"):
        run(imdb_dir)
    assert Person.objects.count() == 0


@pytest.mark.usefixtures("imported")
def test_missing_file_is_named(imdb_dir: Path) -> None:
    (imdb_dir / "title.crew.tsv.gz").unlink()
    with pytest.raises(CommandError, match=r"missing IMDb file\(s\): title\.crew\.tsv\.gz"):
        run(imdb_dir)


def test_plain_gzip_helper_matches_publisher_format(imdb_dir: Path) -> None:
    """The test files are real gzip streams with IMDb's header line."""
    with gzip.open(imdb_dir / "title.crew.tsv.gz", "rt", encoding="utf-8") as handle:
        assert handle.readline() == "tconst\tdirectors\twriters\n"
