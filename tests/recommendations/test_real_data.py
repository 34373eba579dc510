"""The whole pipeline on the real ml-latest-small: import, filter, train, publish, serve."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from moviematch.catalog.models import Movie
from moviematch.recommendations import services
from moviematch.recommendations.models import TrainingRun

pytestmark = [pytest.mark.django_db, pytest.mark.dataset, pytest.mark.slow]


@pytest.mark.usefixtures("model_dir")
def test_setup_on_ml_latest_small(ml_small: Path) -> None:
    out = StringIO()
    call_command("setup", "--from", str(ml_small), stdout=out)
    output = out.getvalue()
    assert "9742 movies (9742 new, 0 updated)" in output
    assert "1 duplicate links dropped" in output
    assert "catalogue: 3650 of 9742 movies kept (dropped: 6092 few_ratings)" in output
    assert Movie.objects.filter(in_catalogue=True).count() == 3650

    run = TrainingRun.objects.get()
    # 89.5 % of the 100,836 ratings are of catalogue movies; all 610 users keep some
    assert run.ratings == 90_274
    assert run.users == 610
    assert run.movies == 3650
    evaluation = run.evaluation
    assert evaluation["test_users"] == 61
    assert evaluation["rmse"] < evaluation["baseline_rmse"]
    assert evaluation["precision_at_10"] > evaluation["popularity_precision_at_10"] * 0.8

    # the published artifact loads in a fresh cache and answers
    services._caches.clear()
    model = services.model_current()
    assert model is not None
    similar = services.movie_similar_list(movie_id=1, k=10)  # Toy Story
    assert len(similar) == 10
    ids = [m for m, _ in similar]
    assert 1 not in ids
    assert set(ids) <= set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
    cosines = [c for _, c in similar]
    assert cosines == sorted(cosines, reverse=True)
    assert services.model_is_up_to_date()

    again = StringIO()
    call_command("setup", "--from", str(ml_small), stdout=again)
    assert "already imported" in again.getvalue()
    assert "model: up to date (skipped)" in again.getvalue()
