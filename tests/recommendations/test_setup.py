"""``setup``: one command from an empty database to a published model; re-runs skip work."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moviematch.catalog.models import ImportRun, Movie
from moviematch.recommendations import services
from moviematch.recommendations.models import TrainingRun
from tests.catalog.movielens_files import planted_tastes, write_imdb, write_movielens
from tests.catalog.snapshot import catalogue_snapshot

pytestmark = pytest.mark.django_db


def setup(*args: str) -> str:
    """``setup`` with the planted data's catalogue bar (5 ratings) unless ``args`` set one.

    The planted files are tiny: the default of ml-latest (110 ratings, chosen for the full
    release) would keep almost nothing, so the tests say which bar they use.
    """
    if "--min-ratings" not in args:
        args = (*args, "--min-ratings", "5")
    out = StringIO()
    call_command("setup", *args, stdout=out)
    return out.getvalue()


PLANTED = planted_tastes()
#: Movies with at least 5 ratings (setup's default --min-ratings) and their ratings.
KEPT = {m: len(by_user) for m, by_user in PLANTED[1].items() if len(by_user) >= 5}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    movies, ratings = PLANTED
    # "ml-latest" has no pinned checksums, so made-up files in its layout are accepted
    return write_movielens(tmp_path / "src", movies=movies, ratings=ratings, genome=True)


@pytest.mark.usefixtures("model_dir")
def test_setup_then_rerun_skips_everything(source: Path) -> None:
    output = setup("--dataset", "ml-latest", "--from", str(source))
    n_movies = len(PLANTED[0])
    assert "MovieLens import from" in output
    dropped = n_movies - len(KEPT)
    assert (
        f"catalogue: {len(KEPT)} of {n_movies} movies kept (dropped: {dropped} few_ratings); "
        "at least 5 ratings"
    ) in output
    assert f"model: Trained on {sum(KEPT.values())} ratings" in output
    assert "Cold-start evaluation: 48 held-out users of 240" in output
    assert "ours: NDCG@10" in output
    assert Movie.objects.count() == n_movies
    assert services.model_current() is not None
    before = catalogue_snapshot()

    again = setup("--dataset", "ml-latest", "--from", str(source), "--no-eval")
    assert "database: up to date" in again
    assert "already imported" in again
    assert "model: up to date (skipped)" in again
    assert catalogue_snapshot() == before
    assert ImportRun.objects.count() == 1
    assert TrainingRun.objects.count() == 1


@pytest.mark.usefixtures("model_dir")
def test_setup_uses_the_configured_local_copy(source: Path, settings: object) -> None:
    # MOVIEMATCH_MOVIELENS_DIR, as the settings read it
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "MOVIELENS_DIR": str(source)}  # type: ignore[attr-defined]
    output = setup("--dataset", "ml-latest", "--no-eval")
    installed = settings.DATA_DIR / "datasets" / "ml-latest"  # type: ignore[attr-defined]
    assert f"data: {installed}" in output
    assert (installed / "ratings.csv").read_bytes() == (source / "ratings.csv").read_bytes()
    assert Movie.objects.count() == len(PLANTED[0])


@pytest.mark.usefixtures("model_dir")
def test_setup_with_an_empty_catalogue_stops_before_training(source: Path) -> None:
    with pytest.raises(CommandError, match="catalogue is empty"):
        setup("--dataset", "ml-latest", "--from", str(source), "--min-ratings", "1000")
    assert Movie.objects.filter(excluded_reason="few_ratings").count() == len(PLANTED[0])
    assert TrainingRun.objects.count() == 0


@pytest.mark.usefixtures("model_dir")
def test_setup_offline_without_source_fails_with_instructions(settings: object) -> None:
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "MOVIELENS_URL": "http://127.0.0.1:9"}  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="--from DIR"):
        setup()


@pytest.mark.usefixtures("model_dir")
def test_setup_with_imdb_files(tmp_path: Path) -> None:
    movielens = write_movielens(tmp_path / "ml", genome=True)
    imdb = write_imdb(tmp_path / "imdb")
    args = ["--dataset", "ml-latest", "--from", str(movielens), "--imdb-from", str(imdb)]
    output = setup(*args, "--no-eval")
    assert "IMDb import from" in output
    assert "3 movies matched" in output
    assert Movie.objects.get(pk=3).year == 1950  # year from IMDb, so the filter keeps it
    assert "catalogue: 4 of 8 movies kept" in output
    assert "already imported" in setup(*args, "--no-eval").split("IMDb")[-1]


@pytest.mark.usefixtures("model_dir")
def test_setup_retrains_over_a_damaged_model(source: Path) -> None:
    setup("--dataset", "ml-latest", "--from", str(source), "--no-eval")
    version = Path(TrainingRun.objects.get().artifact)
    (version / "arrays.npz").write_bytes(b"damaged")
    assert not services.model_is_up_to_date()
    again = setup("--dataset", "ml-latest", "--from", str(source), "--no-eval")
    assert "model: up to date" not in again
    assert "model: Trained on" in again
    assert TrainingRun.objects.count() == 2
    assert services.model_is_up_to_date()


def test_a_data_directory_that_is_a_file_stops_setup_with_a_clear_error(
    source: Path, tmp_path: Path, settings: object
) -> None:
    (tmp_path / "var").write_text("not a folder")
    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    with pytest.raises(CommandError) as info:
        setup("--from", str(source))
    assert str(info.value).startswith("setup stopped: ")
    assert str(tmp_path / "var") in str(info.value)
    assert Movie.objects.count() == 0


def test_setup_while_an_import_runs_is_told_to_wait(
    source: Path, tmp_path: Path, settings: object
) -> None:
    import fcntl

    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    (tmp_path / "var").mkdir()
    with (tmp_path / "var" / ".catalogue.lock").open("a") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        with pytest.raises(CommandError, match="another import, catalogue filter or setup"):
            setup("--from", str(source))
    assert Movie.objects.count() == 0
    assert not TrainingRun.objects.exists()
