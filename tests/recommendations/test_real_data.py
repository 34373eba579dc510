"""The whole pipeline on the real ml-latest-small: import, filter, train, publish, serve."""

from __future__ import annotations

import json
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
    call_command("setup", "--from", str(ml_small), stdout=out, stderr=StringIO())
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
    assert run.config["ranker_source"] == "defaults"
    evaluation = run.evaluation
    json.dumps(evaluation, allow_nan=False)
    split = evaluation["split"]
    assert split["evaluated_test_users"] == 122  # 20 % of 610, all with >= 15 ratings
    assert evaluation["protocol"]["reveal"] == "picker"
    by = evaluation["by_method"]
    # Measured (seed 0): ours NDCG@10 0.151, popularity 0.112, EASE 0.165, bias-only 0.124,
    # mf-stars 0.009. The untuned ranker (ML-100K defaults) beats popularity and the
    # movie-mean baseline under picker reveals but not EASE; train_model --tune closes that.
    assert by["ours"]["ndcg@10"] > 1.2 * by["popularity"]["ndcg@10"]
    assert by["ours"]["ndcg@10"] > 1.1 * by["bias-only"]["ndcg@10"]
    assert by["ours"]["ndcg@10"] > 5 * by["mf-stars"]["ndcg@10"]
    assert by["ours"]["rmse"] < by["bias-only"]["rmse"] < 1.0
    assert "ours: NDCG@10" in output

    # the published artifact loads on its own, and through the per-process cache
    artifact = current(Path(settings.MOVIEMATCH["MODEL_PATH"]))
    assert Model.load(artifact).metadata["n_ratings"] == 90_274
    services.model_forget()
    assert services.model_current() is not None

    similar = [s.movie.id for s in services.movie_similar_list(movie_id=1, k=10)]
    assert 3114 in similar  # Toy Story -> Toy Story 2

    fan = get_user_model().objects.create_user(username="horror-fan", password="x")
    # Night of the Living Dead, Carrie, A Nightmare on Elm Street, The Omen, Friday the 13th,
    # Halloween, Poltergeist, The Exorcist, The Texas Chainsaw Massacre, The Evil Dead
    horror = [968, 1345, 1347, 1350, 1974, 1982, 1994, 1997, 2459, 4105]
    for movie_id in horror:
        Rating.objects.create(user=fan, movie_id=movie_id, stars=Decimal("5"))
    groups = services.home_feed(user=fan, n=40).groups
    assert groups[0].genres == ("Horror",)
    recommended = [r.movie for g in groups for r in g.movies]
    assert len(recommended) == 40
    assert all(movie.in_catalogue for movie in recommended)
    assert not {movie.id for movie in recommended} & set(horror)
    onboarding = services.onboarding_movies(user=fan, n=10)
    assert len(onboarding) == 10
    assert not {movie.id for movie in onboarding} & set(horror)
    assert services.model_is_up_to_date()

    again = StringIO()
    call_command("setup", "--from", str(ml_small), stdout=again)
    assert "already imported" in again.getvalue()
    assert "model: up to date (skipped)" in again.getvalue()
