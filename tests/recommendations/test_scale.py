"""Scale behaviour on every run: ``setup --dataset ml-25m`` on a generated ML-25M-shaped
archive at 1 % of the real size, downloaded from a loopback server like GroupLens'.

The full size (25M ratings) is ``bench/bench_setup.py``; this is the same pipeline with the
same file layout and formats, small enough for CI. What it checks is what makes the full
size fit: the ratings go to the rating store as int32/float32 arrays (never into the
database), training reads those arrays (the CSV can be gone), the genome is a dense matrix
in the store while the database keeps each movie's few strongest genome tags, and the
ML-25M catalogue rule is the default.
"""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from moviematch.catalog.import_movielens import GENOME_TAGS_KEPT
from moviematch.catalog.models import ImportRun, Movie, TagRelevance
from moviematch.catalog.services import DATASET_MIN_RATINGS
from moviematch.datasets import rating_store
from moviematch.datasets.synthetic import ML25M
from moviematch.datasets.synthetic_archive import ArchiveSpec, write_archive
from moviematch.ratings.models import Rating
from moviematch.recommendations import services

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SHAPE = ML25M.scaled(0.01)  # 1,625 users, 590 rated of 624 movies, 250,001 ratings


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> object:
    return write_archive(ArchiveSpec(shape=SHAPE, seed=11), tmp_path_factory.mktemp("gl"))


def test_setup_ml25m_downloads_imports_into_arrays_and_trains(
    archive, publisher, model_dir: Path, settings: object, capsys: pytest.CaptureFixture[str]
) -> None:
    body = archive.path.read_bytes()
    publisher.files["/ml-25m.zip"] = body
    publisher.files["/ml-25m.zip.md5"] = archive.md5_path.read_bytes()
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "MOVIELENS_URL": publisher.url}  # type: ignore[attr-defined]
    out = StringIO()
    call_command("setup", "--dataset", "ml-25m", "--no-eval", stdout=out)
    output = out.getvalue()

    # downloaded from the loopback "GroupLens", checked against the published md5
    assert publisher.gets("/ml-25m.zip") == 1
    assert publisher.gets("/ml-25m.zip.md5") == 1
    installed = settings.DATA_DIR / "datasets" / "ml-25m"  # type: ignore[attr-defined]
    assert hashlib.md5(body).hexdigest() in (installed / ".moviematch-dataset.json").read_text()
    assert "ml-25m.zip" in capsys.readouterr().err  # the progress bar names the file

    # the ratings are arrays in the data directory, not rows of the site's database
    assert Rating.objects.count() == 0
    run = ImportRun.objects.get()
    manifest = rating_store.read_manifest(run.stats["rating_store"])
    assert manifest["n_ratings"] == SHAPE.n_ratings
    assert manifest["arrays"]["ratings.movie_ids"]["dtype"] == "<i4"
    assert manifest["arrays"]["ratings.stars"]["dtype"] == "<f4"
    assert manifest["arrays"]["genome.scores"]["shape"] == [archive.genome_movies, 1128]
    # the database keeps a few genome tags per movie, not the genome's 1,128
    assert TagRelevance.objects.count() == archive.genome_movies * GENOME_TAGS_KEPT

    # the ML-25M catalogue rule is the default
    bar = DATASET_MIN_RATINGS["ml-25m"]
    kept = set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
    assert f"at least {bar} ratings" in output
    assert kept
    assert all(
        n >= bar for n in Movie.objects.filter(id__in=kept).values_list("num_ratings", flat=True)
    )

    # the published model serves the catalogue
    model = services.model_current()
    assert model is not None
    assert set(model.items.ids.tolist()) == kept
    assert "model: Trained on" in output


def test_training_reads_the_store_not_the_csv(archive, model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "ml-25m.zip"
    source.write_bytes(archive.path.read_bytes())
    call_command(
        "setup", "--dataset", "ml-25m", "--from", str(source), "--no-eval", stdout=StringIO()
    )
    first = services.model_current()
    installed = Path(ImportRun.objects.get().source_dir)
    (installed / "ratings.csv").unlink()  # training must not need it again
    out = StringIO()
    call_command("train_model", "--no-eval", stdout=out)
    assert "Trained on" in out.getvalue()
    again = services.model_current()
    assert first is not None
    assert again is not None
    np.testing.assert_array_equal(again.items.ids, first.items.ids)
    assert again.metadata["data_fingerprint"] == first.metadata["data_fingerprint"]
