"""What the ranker's selection benchmarks share: the validation split inside one outer
split's training users, and the model the site trains on a whole dataset."""

from __future__ import annotations

from pathlib import Path

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender import MFConfig, RankerConfig, TrainConfig
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.evaluation.protocol import split_users
from moviematch.recommender.model import Model
from moviematch.recommender.training import train
from moviematch.recommender.tuning import Validation, validation_split


def training_users_validation(path: Path, seed: int) -> Validation:
    """The cold-start benchmark's outer split of ``path`` (20% held out, seed ``seed``); its
    training users split again 80/20 by ``tuning.validation_split``, random reveal of 10."""
    ratings, features = load_ratings(path), load_features(path)
    outer = split_users(ratings, test_fraction=0.2, n_reveal=10, seed=seed)
    return validation_split(
        outer.train,
        TrainConfig(mf=MFConfig(seed=seed), ranker=RankerConfig()),
        movies=features.movies,
        tags=features.tags,
        genome=features.genome,
        reveal="random",
        seed=seed,
    )


def site_model(path: Path, config: TrainConfig) -> tuple[Model, MovieInfo]:
    """``config`` trained on all of ``path`` with the site's features, and its movies."""
    features = load_features(path)
    assert features.movies is not None
    model = train(
        load_ratings(path),
        config,
        movies=features.movies,
        tags=features.tags,
        genome=features.genome,
    )
    return model, features.movies
