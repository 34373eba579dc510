"""``filter_catalog``: which movies are recommendable, and why the others are not."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moviematch.catalog.models import Movie
from moviematch.catalog.services import catalogue_filter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def imported(movielens_dir: Path) -> None:
    call_command("import_movielens", str(movielens_dir), stdout=StringIO())


def reasons() -> dict[int, str]:
    return dict(Movie.objects.values_list("id", "excluded_reason"))


def test_default_keeps_linked_dated_movies_with_five_ratings() -> None:
    out = StringIO()
    call_command("filter_catalog", stdout=out)
    text = out.getvalue()
    assert "Catalogue: 3 of 8 movies kept (min 5 ratings)" in text
    assert "dropped      2  few_ratings" in text
    assert sorted(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True)) == [1, 2, 5]
    assert reasons() == {
        1: "",
        2: "",
        5: "",
        3: "no_year",  # 5 ratings, linked, but no year in the title
        4: "few_ratings",  # 2 ratings
        6: "few_ratings",  # 1 rating (and lost its shared TMDb link: first rule wins)
        7: "no_tmdb",
        8: "no_imdb",
    }


def test_threshold_is_configurable_and_rerun_updates() -> None:
    report = catalogue_filter(min_ratings=1)
    assert report.kept == 4  # movie 4 now qualifies
    assert report.dropped == {"few_ratings": 0, "no_imdb": 1, "no_tmdb": 2, "no_year": 1}
    assert report.total == 8
    report = catalogue_filter(min_ratings=6)
    assert report.kept == 1
    assert report.dropped["few_ratings"] == 7


def test_second_run_changes_no_row() -> None:
    first = catalogue_filter()
    assert first.changed == 8
    again = catalogue_filter()
    assert again.changed == 0
    assert (again.kept, again.dropped) == (first.kept, first.dropped)


def test_negative_threshold_rejected() -> None:
    with pytest.raises(CommandError, match="--min-ratings"):
        call_command("filter_catalog", "--min-ratings", "-1", stdout=StringIO())


@pytest.mark.parametrize(
    ("dataset", "bar"), [("ml-25m", 110), ("ml-latest", 110), ("ml-latest-small", 5), ("", 5)]
)
def test_the_default_bar_follows_the_imported_dataset(
    movielens_dir: Path, tmp_path: Path, dataset: str, bar: int
) -> None:
    # The install marker names the dataset (a copy from --from or a download writes it).
    marker = {"dataset": dataset, "verified": "test", "sizes": {}}
    (movielens_dir / ".moviematch-dataset.json").write_text(json.dumps(marker))
    call_command("import_movielens", str(movielens_dir), stdout=StringIO())
    out = StringIO()
    call_command("filter_catalog", stdout=out)
    assert f"(min {bar} ratings)" in out.getvalue()
    # ML-25M's bar keeps no film of these tiny files; the explicit option still rules
    call_command("filter_catalog", "--min-ratings", "5", stdout=out)
    assert Movie.objects.filter(in_catalogue=True).count() == 3
