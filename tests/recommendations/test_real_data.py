"""The whole pipeline on the real ml-latest-small: import, filter, train, publish, serve."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from moviematch.catalog.models import Movie
from moviematch.ratings.models import Rating
from moviematch.recommendations import services
from moviematch.recommendations.models import TrainingRun
from moviematch.recommender import Model
from moviematch.recommender.artifact import current

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
    assert evaluation["test_users"] == 60  # 10 % of the 602 users with >= 20 such ratings
    assert evaluation["rmse"] < evaluation["baseline_rmse"]
    assert evaluation["precision_at_10"] > evaluation["popularity_precision_at_10"] * 0.8

    # the published artifact loads on its own, and through the per-process cache
    artifact = current(Path(settings.MOVIEMATCH["MODEL_PATH"]))
    assert Model.load(artifact).metadata["n_ratings"] == 90_274
    services._caches.clear()
    assert services.model_current() is not None
    fan = get_user_model().objects.create_user(username="pixar-fan", password="x")
    # Toy Story, Finding Nemo, Monsters Inc., Up, WALL-E: five stars; two horror films: one
    liked = {1: "5", 6377: "5", 4886: "5", 68954: "5", 60069: "5", 1258: "1", 1387: "1"}
    for movie_id, stars in liked.items():
        Rating.objects.create(user=fan, movie_id=movie_id, stars=Decimal(stars))
    recs = services.recommendation_list(user=fan, n=10)
    assert len(recs) == 10
    catalogue = set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
    assert {r.movie_id for r in recs} <= catalogue - set(liked)
    assert all(0.5 <= r.stars <= 5 for r in recs)
    assert services.model_is_up_to_date()

    again = StringIO()
    call_command("setup", "--from", str(ml_small), stdout=again)
    assert "already imported" in again.getvalue()
    assert "model: up to date (skipped)" in again.getvalue()
