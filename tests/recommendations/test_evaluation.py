"""The cold-start check's arithmetic, on data and models whose scores are known exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from moviematch.recommendations.evaluation import cold_start_evaluate
from moviematch.recommender.data import Ratings

N_USERS, N_MOVIES = 40, 30


def planted() -> Ratings:
    """Every user rates every movie; movies 1-20 get 5 stars, movies 21-30 get 1 star."""
    users = np.repeat(np.arange(1, N_USERS + 1), N_MOVIES)
    movies = np.tile(np.arange(1, N_MOVIES + 1), N_USERS)
    stars = np.where(movies <= 20, 5.0, 1.0)
    return Ratings(users, movies, stars)


@dataclass(frozen=True)
class Rec:
    movie_id: int
    score: float
    stars: float


class FixedModel:
    """Predicts ``stars_of(movie)``; recommends by that prediction, best first."""

    def __init__(self, stars_of: dict[int, float]) -> None:
        self.stars_of = stars_of
        self.trained_users: set[int] = set()

    def fold_in(self, movie_ids: list[int], stars: list[float]) -> tuple[int, ...]:
        assert len(movie_ids) == len(stars) == 10
        return tuple(movie_ids)

    def predict(self, profile: object, movie_ids: list[int]) -> np.ndarray:
        return np.array([self.stars_of.get(m, np.nan) for m in movie_ids], dtype=np.float32)

    def recommend(self, profile: object, n: int, exclude: list[int]) -> list[Rec]:
        ranked = sorted(self.stars_of, key=lambda m: (-self.stars_of[m], m))
        return [Rec(m, 0.0, self.stars_of[m]) for m in ranked if m not in exclude][:n]


def test_oracle_scores_perfectly() -> None:
    truth = {m: 5.0 if m <= 20 else 1.0 for m in range(1, N_MOVIES + 1)}
    seen: list[Ratings] = []

    def fit(train: Ratings) -> FixedModel:
        seen.append(train)
        return FixedModel(truth)

    report = cold_start_evaluate(planted(), fit=fit, seed=3)
    assert report is not None
    assert report.test_users == 4  # 10 % of 40 eligible users
    assert report.hidden_ratings == 4 * (N_MOVIES - 10)
    assert report.rmse == pytest.approx(0.0)
    assert report.mae == pytest.approx(0.0)
    assert report.baseline_rmse == pytest.approx(0.0)
    assert report.precision_at_10 == pytest.approx(1.0)
    # held-out users are really held out of training
    assert len(np.unique(seen[0].user_ids)) == N_USERS - 4


def test_constant_model_errors_and_inverted_ranking() -> None:
    def fit(train: Ratings) -> FixedModel:
        # 3 stars everywhere except it "prefers" the 1-star movies
        return FixedModel({m: 3.0 if m <= 20 else 3.5 for m in range(1, N_MOVIES + 1)})

    report = cold_start_evaluate(planted(), fit=fit, seed=3)
    assert report is not None
    # hidden stars are 5 or 1: |error| is 2 for 5-star movies, 2.5 for 1-star ones
    assert 2.0 <= report.mae <= 2.5
    assert 2.0 <= report.rmse <= 2.5
    # top-10 holds the ten 1-star movies minus the revealed ones, then 5-star ones: worse
    assert report.precision_at_10 < 1.0
    assert report.popularity_precision_at_10 == pytest.approx(1.0)


def test_unknown_movies_are_not_scored() -> None:
    def fit(train: Ratings) -> FixedModel:
        return FixedModel({m: 5.0 for m in range(1, 21)})  # knows nothing of 21-30

    report = cold_start_evaluate(planted(), fit=fit, seed=1)
    assert report is not None
    assert report.rmse == pytest.approx(0.0)
    assert report.hidden_ratings < 4 * (N_MOVIES - 10)


def test_too_few_users_gives_none() -> None:
    one_user = Ratings(np.ones(25, dtype=np.int64), np.arange(1, 26), np.full(25, 3.0))
    assert cold_start_evaluate(one_user, fit=lambda r: None, seed=0) is None
