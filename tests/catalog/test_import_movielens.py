"""``import_movielens``: content, idempotency, all-or-nothing failure, MovieLens' formats."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moviematch.catalog.models import (
    ExclusionReason,
    ImportKind,
    ImportRun,
    Movie,
    MovieTag,
    Tag,
    TagRelevance,
)
from moviematch.datasets.errors import DatasetError
from tests.catalog.movielens_files import RATINGS, write_movielens
from tests.catalog.snapshot import catalogue_snapshot

pytestmark = pytest.mark.django_db


def run(directory: Path) -> str:
    out = StringIO()
    call_command("import_movielens", str(directory), stdout=out)
    return out.getvalue()


def genres_of(movie_id: int) -> list[str]:
    return sorted(Movie.objects.get(pk=movie_id).genres.values_list("name", flat=True))


def test_movies_titles_years_genres(movielens_dir: Path) -> None:
    output = run(movielens_dir)
    assert "8 movies (8 new, 0 updated)" in output
    assert Movie.objects.count() == 8
    president = Movie.objects.get(pk=2)
    assert (president.title, president.year) == ("The American President", 1995)
    assert genres_of(2) == ["Comedy", "Drama", "Romance"]
    assert Movie.objects.get(pk=7).title == 'Quote "Unquote"'
    yearless = Movie.objects.get(pk=3)
    assert (yearless.title, yearless.year) == ("Movie Without Year", None)
    assert genres_of(3) == []  # "(no genres listed)" is not a genre
    assert genres_of(1) == ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    assert Movie.objects.filter(excluded_reason=ExclusionReason.NOT_FILTERED).count() == 8


def test_links_with_missing_and_shared_ids(movielens_dir: Path) -> None:
    output = run(movielens_dir)
    ids = dict(Movie.objects.values_list("id", "imdb_id"))
    assert ids[1] == "tt0114709"
    assert ids[8] is None
    tmdb = dict(Movie.objects.values_list("id", "tmdb_id"))
    assert tmdb[1] == 862
    assert tmdb[7] is None
    # movies 5 and 6 share TMDb id 505 in links.csv: the more-rated movie 5 keeps it
    assert (tmdb[5], tmdb[6]) == (505, None)
    assert "1 duplicate links dropped" in output


def test_rating_counts_and_means(movielens_dir: Path) -> None:
    output = run(movielens_dir)
    rows = Movie.objects.values_list("id", "num_ratings", "mean_rating")
    stats = {m: (n, mean) for m, n, mean in rows}
    for movie_id, stars in RATINGS.items():
        assert stats[movie_id][0] == len(stars)
        assert stats[movie_id][1] == pytest.approx(sum(stars) / len(stars), abs=1e-4)
    assert f"{sum(len(s) for s in RATINGS.values())} ratings read" in output


def test_tags_are_normalised_and_counted_per_user(movielens_dir: Path) -> None:
    run(movielens_dir)
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "funny",
        "highly quotable",
        "pixar",
        "politics",
    ]
    counts = {
        (m, t): c for m, t, c in MovieTag.objects.values_list("movie_id", "tag__name", "count")
    }
    # users 1, 2, 3 tagged movie 1 "pixar" in three spellings; user 3 twice
    assert counts == {
        (1, "pixar"): 3,
        (1, "funny"): 1,
        (2, "politics"): 1,
        (2, "highly quotable"): 2,
    }
    assert TagRelevance.objects.count() == 0


def test_genome_shares_tag_names(tmp_path: Path) -> None:
    directory = write_movielens(tmp_path / "ml", genome=True)
    run(directory)
    # genome tag "Funny" is the user tag "funny": one Tag row
    assert Tag.objects.filter(name="funny").count() == 1
    assert Tag.objects.count() == 4
    rows = TagRelevance.objects.values_list("movie_id", "tag__name", "relevance")
    rel = {(m, t): r for m, t, r in rows}
    assert len(rel) == 6
    assert rel[(1, "pixar")] == pytest.approx(0.95)
    assert rel[(2, "politics")] == pytest.approx(0.9)
    assert rel[(1, "funny")] == pytest.approx(0.7)


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    directory = write_movielens(tmp_path / "ml", genome=True)
    run(directory)
    before = catalogue_snapshot()
    output = run(directory)
    assert "0 rows changed" in output
    assert "(0 new, 0 updated)" in output
    assert catalogue_snapshot() == before
    assert ImportRun.objects.filter(kind=ImportKind.MOVIELENS).count() == 2


def test_reimport_applies_changes_only(tmp_path: Path) -> None:
    run(write_movielens(tmp_path / "a"))
    ratings = {**RATINGS, 4: [5.0, 4.0, 3.0]}
    output = run(write_movielens(tmp_path / "b", ratings=ratings))
    assert "(0 new, 1 updated)" in output
    movie = Movie.objects.get(pk=4)
    assert (movie.num_ratings, movie.mean_rating) == (3, pytest.approx(4.0))


def test_crlf_files_import_identically(tmp_path: Path) -> None:
    run(write_movielens(tmp_path / "lf", genome=True))
    lf = catalogue_snapshot()
    output = run(write_movielens(tmp_path / "crlf", genome=True, newline="\r\n"))
    assert "0 rows changed" in output
    assert catalogue_snapshot() == lf


def corrupt(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = text
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "line", "text"),
    [
        ("movies.csv", 4, "x,Broken (2000),Drama\n"),
        ("links.csv", 3, "2,0112346\n"),
        ("ratings.csv", 10, "1,2,four,964982703\n"),
        ("ratings.csv", 5, "1,1,4.0\n"),
        ("tags.csv", 2, "1,1\n"),
        ("tags.csv", 3, "1,one,funny,1445714994\n"),
    ],
)
def test_malformed_row_aborts_naming_file_and_line(
    tmp_path: Path, name: str, line: int, text: str
) -> None:
    good = write_movielens(tmp_path / "good")
    run(good)
    before = catalogue_snapshot()
    runs = ImportRun.objects.count()
    bad = write_movielens(tmp_path / "bad", ratings={**RATINGS, 4: [1.0]})
    corrupt(bad / name, line, text)
    with pytest.raises(CommandError) as info:
        run(bad)
    assert f"{bad / name}:{line}" in str(info.value)
    assert "database unchanged" in str(info.value)
    assert catalogue_snapshot() == before
    assert ImportRun.objects.count() == runs


def test_failure_after_writes_rolls_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in the last step undoes the movies already written in the same run."""
    from moviematch.catalog import import_movielens

    def boom(*args: object, **kwargs: object) -> None:
        raise DatasetError("disk vanished")

    monkeypatch.setattr(import_movielens, "directory_fingerprint", boom)
    with pytest.raises(CommandError, match="disk vanished"):
        run(write_movielens(tmp_path / "ml"))
    assert Movie.objects.count() == 0
    assert Tag.objects.count() == 0


def test_missing_directory_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a directory"):
        run(tmp_path / "nope")


def test_missing_movies_file_is_a_command_error(tmp_path: Path) -> None:
    directory = write_movielens(tmp_path / "ml")
    (directory / "movies.csv").unlink()
    with pytest.raises(CommandError, match=r"movies\.csv"):
        run(directory)


@pytest.mark.parametrize("ratings", ["userId,movieId,rating,timestamp\n", None])
def test_files_that_would_empty_the_catalogue_are_refused_unless_forced(
    tmp_path: Path, ratings: str | None
) -> None:
    run(write_movielens(tmp_path / "good"))
    before = catalogue_snapshot()
    broken = write_movielens(tmp_path / "broken")
    if ratings is None:
        (broken / "ratings.csv").unlink()
    else:
        (broken / "ratings.csv").write_text(ratings)
    with pytest.raises(CommandError, match=r"no rating in the files.*--force"):
        run(broken)
    assert catalogue_snapshot() == before
    call_command("import_movielens", str(broken), "--force", stdout=StringIO())
    assert set(Movie.objects.values_list("num_ratings", flat=True)) == {0}


def test_a_second_import_at_the_same_time_is_told_to_wait(tmp_path: Path, settings: object) -> None:
    import fcntl

    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    (tmp_path / "var").mkdir()
    with (tmp_path / "var" / ".catalogue.lock").open("a") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        with pytest.raises(CommandError, match="another import, catalogue filter or setup"):
            run(write_movielens(tmp_path / "ml"))
        with pytest.raises(CommandError, match="another import"):
            call_command("filter_catalog", stdout=StringIO())
    assert Movie.objects.count() == 0
    run(write_movielens(tmp_path / "ml"))  # free again
    assert Movie.objects.count() == 8


def test_a_data_directory_that_is_a_file_is_a_clear_error(tmp_path: Path, settings: object) -> None:
    (tmp_path / "var").write_text("not a folder")
    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    with pytest.raises(CommandError) as error:
        run(write_movielens(tmp_path / "ml"))
    message = str(error.value)
    assert message.startswith("import aborted, database unchanged: ")
    assert str(tmp_path / "var") in message
    assert "Traceback" not in message
    assert Movie.objects.count() == 0


def test_a_full_disk_aborts_the_import_and_keeps_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from moviematch.datasets import rating_store

    run(write_movielens(tmp_path / "ml"))
    before = catalogue_snapshot()
    changed = write_movielens(tmp_path / "ml2", ratings={**RATINGS, 6: [5.0, 5.0]})

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/moviematch/var/store")

    monkeypatch.setattr(rating_store, "write_store", full)
    with pytest.raises(CommandError, match=r"unchanged: /srv/moviematch/var/store: No space left"):
        run(changed)
    assert catalogue_snapshot() == before
