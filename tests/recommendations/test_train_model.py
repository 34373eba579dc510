"""``train_model`` and the services around it, on planted tastes with a known answer."""

from __future__ import annotations

import time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from moviematch.catalog.services import catalogue_filter
from moviematch.ratings.models import Rating
from moviematch.recommendations import services
from moviematch.recommendations.models import TrainingRun
from tests.catalog.movielens_files import planted_tastes, write_movielens

pytestmark = pytest.mark.django_db

N_USERS, N_MOVIES = 60, 40


@pytest.fixture
def planted_dir(tmp_path: Path) -> Path:
    movies, ratings = planted_tastes(N_USERS, N_MOVIES)
    directory = write_movielens(tmp_path / "ml", movies=movies, ratings=ratings, genome=True)
    call_command("import_movielens", str(directory), stdout=StringIO())
    return directory


def train(*args: str) -> str:
    out = StringIO()
    call_command("train_model", *args, stdout=out)
    return out.getvalue()


def rate(user: object, stars: dict[int, str]) -> None:
    for movie_id, value in stars.items():
        Rating.objects.create(user=user, movie_id=movie_id, stars=Decimal(value))


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_train_restricted_to_catalogue_and_published() -> None:
    catalogue_filter(min_ratings=5)
    output = train()
    assert f"Trained on {N_USERS * N_MOVIES} ratings (0 from site users)" in output
    assert f"of {N_USERS} users and {N_MOVIES} movies" in output
    assert "cold-start evaluation on 6 held-out users" in output
    assert "Published" in output
    run = TrainingRun.objects.get()
    assert run.ratings == N_USERS * N_MOVIES
    # planted tastes are easy: the model must beat the movie-mean baseline clearly
    assert run.evaluation["rmse"] < 0.8 * run.evaluation["baseline_rmse"]
    assert run.evaluation["precision_at_10"] >= 0.9
    assert services.model_current() is not None
    assert services.model_is_up_to_date()


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_movies_outside_catalogue_are_not_trained_on() -> None:
    catalogue_filter(min_ratings=5)
    from moviematch.catalog.models import Movie

    Movie.objects.filter(pk__in=[1, 2]).update(in_catalogue=False, excluded_reason="no_year")
    output = train("--no-eval")
    assert f"Trained on {N_USERS * (N_MOVIES - 2)} ratings" in output
    model = services.model_current()
    assert model is not None
    profile = model.fold_in([3, 4, 21], [5.0, 5.0, 1.0])
    predicted = model.predict(profile, [1, 2, 5])
    assert np.isnan(predicted[:2]).all()  # excluded movies are unknown to the model
    assert predicted[2] > 3.5


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_site_user_gets_their_taste_recommended() -> None:
    catalogue_filter(min_ratings=5)
    train("--no-eval")
    user = get_user_model().objects.create_user(username="horror-fan", password="x")
    rate(user, {1: "1", 2: "1.5", 3: "1", 4: "1", 5: "1", 21: "5", 22: "5", 23: "4.5", 24: "5"})
    recs = services.recommendation_list(user=user, n=10)
    assert len(recs) == 10
    ids = [r.movie_id for r in recs]
    assert not set(ids) & {1, 2, 3, 4, 5, 21, 22, 23, 24}  # rated movies are excluded
    assert all(m > N_MOVIES // 2 for m in ids[:8]), ids  # horror first
    assert recs[0].stars > 3.5


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_include_site_ratings_and_hot_reload() -> None:
    catalogue_filter(min_ratings=5)
    train("--no-eval")
    first = services.model_current()
    assert first is not None
    user = get_user_model().objects.create_user(username="ann", password="x")
    rate(user, {1: "5", 2: "5", 21: "1", 22: "0.5"})
    assert not services.model_is_up_to_date(include_site_ratings=True)
    output = train("--no-eval", "--include-site-ratings")
    assert "(4 from site users)" in output
    assert f"of {N_USERS + 1} users" in output
    time.sleep(1.05)  # the pointer is checked at most once per second
    second = services.model_current()
    assert second is not None
    assert second is not first


@pytest.mark.usefixtures("planted_dir", "model_dir")
def test_empty_catalogue_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="catalogue is empty"):
        train()
    assert TrainingRun.objects.count() == 0


@pytest.mark.usefixtures("model_dir")
def test_no_import_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="no MovieLens import yet"):
        train()


@pytest.mark.usefixtures("model_dir")
def test_no_model_published_means_no_recommendations() -> None:
    assert services.model_current() is None
    user = get_user_model().objects.create_user(username="bob", password="x")
    assert services.recommendation_list(user=user) == []
