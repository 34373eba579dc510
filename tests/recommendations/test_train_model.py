"""``train_model`` on sparse planted tastes: what it trains on, how it scores, what it records.

The planted data (``planted_tastes``) is shaped like MovieLens: every user rates a small,
popularity-skewed subset, mostly in their own genre; a "cult" tail of films few people
watch is rated 4-5 stars by all of them. So the known answers are: the full default model
(item-item ranker ordering + fold-in stars) finds a new user's genre from ten revealed
ratings and clearly beats most-popular, the movie-mean (bias-only) baseline and sorting by
predicted stars (which pushes the cult tail up); the fold-in's stars beat bias-only's.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from moviematch.catalog.models import Movie
from moviematch.catalog.services import catalogue_filter
from moviematch.ratings.models import Rating
from moviematch.recommendations import services
from moviematch.recommendations.models import TrainingRun
from moviematch.recommender import Model, RankerConfig, RankerGrid
from moviematch.recommender.artifact import current
from tests.catalog.movielens_files import write_movielens
from tests.spark_support import require_spark

pytestmark = pytest.mark.django_db

N_USERS = 240
Planted = tuple[list[tuple[int, str, str]], dict[int, dict[int, float]]]


def train(*args: str) -> str:
    out = StringIO()
    call_command("train_model", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rate(user: object, stars: dict[int, str]) -> None:
    for movie_id, value in stars.items():
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(value))


def catalogue_ratings(planted: Planted, catalogue: set[int]) -> int:
    return sum(len(by_user) for m, by_user in planted[1].items() if m in catalogue)


@pytest.mark.usefixtures("model_dir")
def test_train_reports_the_engines_cold_start_evaluation(
    planted: Planted, planted_catalogue: set[int]
) -> None:
    output = train()  # defaults: picker reveal, default ranker
    n_ratings = catalogue_ratings(planted, planted_catalogue)
    assert len(planted_catalogue) < len(planted[0])  # the rare films were filtered out
    assert f"Trained on {n_ratings} ratings (0 from site users)" in output
    assert f"of {N_USERS} users and {len(planted_catalogue)} movies" in output
    assert "Ranker defaults: l2=1, dropout=30" in output
    assert f"48 held-out users of {N_USERS}" in output  # 20 % of the users
    assert "through the onboarding picker" in output
    for method in ("popularity", "bias-only", "ease", "mf-stars", "ours"):
        assert f"\n{method} " in output
    assert "Published" in output

    run = TrainingRun.objects.get()
    assert run.ratings == n_ratings
    assert run.config["ranker"] == dataclasses.asdict(RankerConfig())
    assert run.config["ranker_source"] == "defaults"
    evaluation = run.evaluation
    json.dumps(evaluation, allow_nan=False)  # stored JSON has no NaN
    assert evaluation["protocol"]["reveal"] == "picker"
    assert evaluation["split"]["evaluated_test_users"] == 48
    assert evaluation["split"]["mean_revealed"] == pytest.approx(10.0)
    by = evaluation["by_method"]
    ours = by["ours"]
    # The ranker finds the planted genre: far ahead of every baseline on NDCG@10.
    for baseline in ("popularity", "bias-only", "ease", "mf-stars"):
        assert ours["ndcg@10"] > 1.4 * by[baseline]["ndcg@10"], (baseline, by)
    assert ours["precision@10"] > 2 * by["popularity"]["precision@10"]
    assert ours["recall@10"] > 2 * by["popularity"]["recall@10"]
    # Fold-in stars know the user's genre; bias-only only knows how generous they are.
    assert ours["rmse"] < 0.7 * by["bias-only"]["rmse"]
    assert by["popularity"]["rmse"] is None  # no stars: null, not NaN

    model = services.model_current()
    assert model is not None
    metrics = model.metadata["metrics"]
    assert metrics["coldstart_ndcg10"] == pytest.approx(ours["ndcg@10"])
    assert metrics["popularity_ndcg10"] == pytest.approx(by["popularity"]["ndcg@10"])
    assert services.model_is_up_to_date()


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_large_data_is_evaluated_on_a_user_sample_and_trained_on_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ML-25M's 162k users would take the evaluation alone past 20 minutes: it samples users.
    monkeypatch.setattr("moviematch.recommendations.services.training.EVALUATION_MAX_USERS", 150)
    output = train("--reveal", "random")
    assert "30 held-out users of 150" in output
    assert f"(evaluated on a seeded sample of 150 of the {N_USERS} users)" in output
    run = TrainingRun.objects.get()
    assert run.evaluation["user_sample"] == {"users": 150, "of": N_USERS}
    assert run.users == N_USERS  # the published model still learns from everyone


@pytest.mark.slow
@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_train_on_spark_publishes_a_model_the_site_serves(tmp_path: Path) -> None:
    require_spark()
    spark = ["--backend", "spark", "--spark-master", "local[2]", "--spark-spool", str(tmp_path)]
    output = train("--no-eval", *spark)
    assert "Published" in output
    run = TrainingRun.objects.get()
    assert run.config["mf_backend"] == "spark"
    model = services.model_current()
    assert model is not None
    assert model.metadata["mf_backend"] == "spark"
    assert services.model_is_up_to_date()
    user = get_user_model().objects.create_user(username="sparky", password="x")
    rated = sorted(model.items.ids.tolist())[:5]
    rate(user, dict.fromkeys(rated, "4.5"))
    recs = services.recommendation_list(user=user, n=10)
    assert len(recs) == 10
    assert not {r.movie.id for r in recs} & set(rated)


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_random_reveal_evaluation() -> None:
    output = train("--reveal", "random")
    assert "each revealing 10.0 ratings at random" in output
    by = TrainingRun.objects.get().evaluation["by_method"]
    assert by["ours"]["ndcg@10"] > 1.4 * by["ease"]["ndcg@10"]
    assert by["ours"]["ndcg@10"] > 2 * by["popularity"]["ndcg@10"]
    assert by["ours"]["ndcg@10"] > 3 * by["mf-stars"]["ndcg@10"]


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_tune_chooses_the_ranker_on_training_users_and_records_it() -> None:
    output = train("--tune")
    run = TrainingRun.objects.get()
    config = run.config
    grid = RankerGrid()
    chosen = config["ranker"]
    tuning = config["tuning"]
    if tuning["kept_default"]:
        # no grid point was at least as good on every checked reveal mode
        assert config["ranker_source"].startswith("defaults")
        assert chosen == dataclasses.asdict(RankerConfig())
        # either the default beat the grid on the picker reveal (no other checks run), or a
        # tuned point lost on another reveal mode
        worse = [c for c in tuning["checks"].values() if c["tuned"] < c.get("default", -1)]
        assert worse or not tuning["checks"]
    else:
        assert config["ranker_source"] == "tuned on the training users"
        assert chosen["l2"] in grid.l2
        assert chosen["dropout"] in grid.dropout
        assert chosen["seen_weight"] in grid.seen_weight
        assert chosen["stars_weight"] in grid.stars_weight
        assert chosen["popularity_weight"] in grid.popularity_weight
    assert tuning["reveal"] == "picker"
    assert tuning["trials"] == 5 * 4 * 3 * 4 * 2
    assert 0 < tuning["validation_ndcg10"] <= 1
    assert f"Ranker tuned on the training users (picker reveal, {tuning['trials']} trials" in output
    # the evaluation re-tuned on its own training users (held-out users unseen)
    assert run.evaluation["ranker"] == "tuned on the split's training users"
    assert run.evaluation["tuning"]["ranker_trials"] == tuning["trials"]
    # the published artifact carries exactly the recorded ranker
    model = Model.load(current(Path(run.artifact).parent))
    assert dataclasses.asdict(model.components["ranker"].config) == chosen  # type: ignore[attr-defined]
    assert model.metadata["metrics"]["ranker_validation_ndcg10"] == tuning["validation_ndcg10"]
    by = run.evaluation["by_method"]
    assert by["ours"]["ndcg@10"] > 1.4 * by["popularity"]["ndcg@10"]


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_movies_outside_catalogue_are_not_trained_on(planted: Planted) -> None:
    Movie.objects.filter(pk__in=[1, 2]).update(in_catalogue=False, excluded_reason="no_year")
    catalogue = set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
    output = train("--no-eval")
    assert f"Trained on {catalogue_ratings(planted, catalogue)} ratings" in output
    assert "Evaluation" not in output
    assert TrainingRun.objects.get().evaluation == {"skipped": "not requested"}
    model = services.model_current()
    assert model is not None
    assert set(model.items.ids.tolist()) == catalogue
    profile = model.fold_in([3, 4, 5], [5.0, 5.0, 4.5])  # comedies
    predicted = model.predict(profile, [1, 2, 6, 30])
    assert np.isnan(predicted[:2]).all()  # excluded movies are unknown to the model
    assert predicted[2] > 3.5 > predicted[3]  # another comedy vs a horror film


@pytest.mark.usefixtures("model_dir")
def test_tiny_data_trains_but_skips_the_evaluation(tmp_path: Path) -> None:
    call_command("import_movielens", str(write_movielens(tmp_path / "tiny")), stdout=StringIO())
    catalogue_filter(min_ratings=1)
    output = train()
    assert "Evaluation skipped: " in output
    assert "Published" in output
    assert "skipped" in TrainingRun.objects.get().evaluation


@pytest.mark.usefixtures("model_dir", "planted_catalogue")
def test_include_site_ratings_and_hot_reload() -> None:
    train("--no-eval")
    first = services.model_current()
    assert first is not None
    user = get_user_model().objects.create_user(username="ann", password="x")
    rate(user, {1: "5", 2: "5", 28: "1", 29: "0.5"})
    assert not services.model_is_up_to_date(include_site_ratings=True)
    output = train("--no-eval", "--include-site-ratings")
    assert "(4 from site users)" in output
    assert f"of {N_USERS + 1} users" in output
    time.sleep(1.05)  # the pointer is checked at most once per second
    second = services.model_current()
    assert second is not None
    assert second is not first
    assert second.model_id != first.model_id


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_empty_catalogue_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="catalogue is empty"):
        train()
    assert TrainingRun.objects.count() == 0


@pytest.mark.usefixtures("model_dir")
def test_no_import_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="no MovieLens import yet"):
        train()


@pytest.mark.usefixtures("planted_catalogue")
def test_a_refused_training_record_publishes_nothing(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train("--no-eval")
    served = current(model_dir)
    from django.db import OperationalError

    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(TrainingRun.objects, "create", locked)
    with pytest.raises(CommandError, match="training failed, nothing published: the database"):
        train("--no-eval")
    assert current(model_dir) == served
    assert sorted(p.name for p in model_dir.iterdir() if p.name.startswith("v")) == [served.name]


@pytest.mark.usefixtures("planted_catalogue")
def test_a_read_only_model_directory_is_a_clear_error(model_dir: Path) -> None:
    model_dir.mkdir(parents=True)
    model_dir.chmod(0o500)
    try:
        if os.access(model_dir, os.W_OK):  # root ignores permissions: make it a file instead
            model_dir.chmod(0o700)
            model_dir.rmdir()
            model_dir.write_text("not a directory")
        with pytest.raises(CommandError, match="cannot write the model to"):
            train("--no-eval")
    finally:
        if model_dir.is_dir():
            model_dir.chmod(0o700)
    assert TrainingRun.objects.count() == 0
