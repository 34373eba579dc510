"""The production tuning: grid search on training users only, and its fast path.

The fast path (``tuning.ValidationScores``) scores many validation users at once from the
unpruned solver parts; it is only allowed because these tests show it gives what the
served ``Model.recommend`` gives, on planted data and on ml-latest-small.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.evaluation.experiment import tune_ease
from moviematch.recommender.evaluation.runner import evaluate_method
from moviematch.recommender.evaluation.served import ServedModel
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import TrainConfig
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig
from moviematch.recommender.similarity_component import SimilaritySpec
from moviematch.recommender.training import train
from moviematch.recommender.tuning import (
    RankerGrid,
    ValidationScores,
    tune_for_training,
    tune_ranker,
    validation_ndcg,
    validation_split,
)
from tests.recommender.planted import taste_groups

SMALL = TrainConfig(
    mf=MFConfig(n_factors=8, n_epochs=20, seed=0),
    ranker=RankerConfig(min_item_ratings=1, top_k=7),
    similarity=None,
)
GRID = RankerGrid(
    l2=(0.1, 1.0),
    dropout=(1.0,),
    seen_weight=(0.0, 0.5),
    stars_weight=(0.0,),
    popularity_weight=(0.0,),
)
#: A point that exercises every term of the blend and the stars floor.
POINT = RankerConfig(
    l2=0.2,
    dropout=3.0,
    seen_weight=0.4,
    stars_weight=0.3,
    popularity_weight=0.1,
    min_stars=3.0,
    top_k=0,
    min_item_ratings=3,
)


def test_fast_path_equals_the_rankers_own_score() -> None:
    validation = validation_split(taste_groups(), SMALL, reveal="random", seed=0)
    data = validation.data
    ranker = ItemItemRanker(POINT).fit(data.user_rows, data.item_rows, data.stars, data.n_items)
    solved = ValidationScores(validation, POINT)
    for adventurous in (0.5, 0.9):
        fast = solved.scores(POINT, adventurous)
        for u, user in enumerate(validation.users):
            direct = ranker.score(
                user.revealed_rows,
                user.revealed_stars,
                validation.predicted[u],
                adventurous=adventurous,
            )
            assert_allclose(fast[u], direct, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="another l2"):
        ValidationScores(validation, POINT).scores(dataclasses.replace(POINT, l2=1.0))


def test_tuning_picks_from_the_grid_using_training_users_only() -> None:
    ratings = taste_groups()
    result = tune_for_training(ratings, SMALL, grid=GRID, reveal="random", seed=1)
    assert len(result.trials) == 4
    assert result.config.top_k == 7  # untuned fields come from the config's ranker
    best = max(t["ndcg10"] for t in result.trials)
    if result.kept_default:  # the untuned config scored at least as well as the grid
        assert result.config == SMALL.ranker
        assert result.ndcg >= best - 1e-6
    else:
        assert result.config.l2 in (0.1, 1.0)
        assert result.ndcg == pytest.approx(best, abs=1e-6)
    # The validation users are a share of the given users: nobody else is ever seen.
    validation = validation_split(ratings, SMALL, reveal="random", seed=1)
    assert set(np.unique(validation.split.train.user_ids)) < set(np.unique(ratings.user_ids))
    again = tune_ranker(validation, SMALL.ranker, grid=GRID)  # type: ignore[arg-type]
    assert again == result
    l2, trials = tune_ease(validation, l2_grid=(1.0, 30.0))
    assert l2 in (1.0, 30.0)
    assert len(trials) == 2


def test_tuning_reveals_like_the_protocol_it_targets() -> None:
    ratings = taste_groups()
    grid = RankerGrid(l2=(0.1,), dropout=(1.0,), seen_weight=(0.0,), stars_weight=(0.0,))
    picker = tune_for_training(ratings, SMALL, grid=grid, reveal="picker", seed=1)
    popular = tune_for_training(ratings, SMALL, grid=grid, reveal="popular", seed=1)
    random = tune_for_training(ratings, SMALL, grid=grid, reveal="random", seed=1)
    assert len({picker.ndcg, popular.ndcg, random.ndcg}) == 3  # different revealed ratings
    with pytest.raises(ValueError, match="unknown reveal"):
        tune_for_training(ratings, SMALL, grid=grid, reveal="alphabetical")
    with pytest.raises(ValueError, match="RankerConfig"):
        tune_for_training(ratings, dataclasses.replace(SMALL, ranker=None), grid=grid)


@pytest.mark.dataset
@pytest.mark.slow
def test_fast_path_gives_model_recommend_on_ml_latest_small(ml_small: Path) -> None:
    """The lists (calibrated) and the NDCG the tuning ranks grid points by are the served
    model's, with genres, signed input votes and every blend term in play."""
    config = TrainConfig(mf=MFConfig(), ranker=RankerConfig(), similarity=None)
    movies = load_features(ml_small).movies
    validation = validation_split(
        load_ratings(ml_small), config, movies=movies, reveal="random", seed=0
    )
    point = dataclasses.replace(POINT, min_item_ratings=5)
    solved = ValidationScores(validation, point)
    lists = solved.lists(solved.scores(point), point, n=20)
    # The model the site would serve with this grid point (unpruned, as tuning scores).
    model = train(validation.split.train, dataclasses.replace(config, ranker=point), movies=movies)
    catalogue = validation.split.catalogue
    assert np.array_equal(model.item_factors_, validation.model.item_factors_)
    for u, user in enumerate(validation.users):
        profile = model.fold_in(catalogue.external(user.revealed_rows), user.revealed_stars)
        served = [r.movie_id for r in model.recommend(profile, n=20)]
        assert catalogue.external(lists[u]).tolist() == served
    ours = evaluate_method(ServedModel(model, catalogue), validation.users, validation.split)
    assert validation_ndcg(validation, lists) == ours.ndcg[10]


def test_tuning_never_chooses_a_point_worse_than_the_default_on_any_reveal() -> None:
    ratings = taste_groups()
    grid = RankerGrid(l2=(0.1, 4.0), dropout=(0.0, 10.0), seen_weight=(0.0, 1.0))
    result = tune_for_training(ratings, SMALL, grid=grid, reveal="random", seed=2)
    assert SMALL.ranker is not None
    if result.kept_default:
        assert result.config == SMALL.ranker
    else:
        assert set(result.checks) == {"random", "popular", "time", "picker"}
        for reveal, figures in result.checks.items():
            if reveal != "random":
                assert figures["tuned"] >= figures["default"], reveal
    # A grid made only of a hopeless point keeps the default.
    bad = RankerGrid(l2=(1e4,), dropout=(0.0,), seen_weight=(0.0,), stars_weight=(0.0,))
    hopeless = tune_for_training(ratings, SMALL, grid=bad, reveal="random", seed=2)
    assert hopeless.kept_default
    assert hopeless.config == SMALL.ranker


def test_fast_path_includes_the_content_taste_term_as_served() -> None:
    ratings = taste_groups()
    ids = np.unique(ratings.movie_ids)
    genres = [("Comedy",) if (m // 10 - 1) % 2 == 0 else ("Horror",) for m in ids.tolist()]
    movies = MovieInfo(ids, [f"Film {m}" for m in ids], np.zeros(len(ids), np.int32), genres)
    point = dataclasses.replace(POINT, content_weight=1.5)
    config = dataclasses.replace(SMALL, ranker=point, similarity=SimilaritySpec())
    validation = validation_split(ratings, config, movies=movies, reveal="random", seed=0)
    solved = ValidationScores(validation, point)
    assert solved.content is not None
    without = solved.scores(dataclasses.replace(point, content_weight=0.0))
    assert not np.allclose(solved.scores(point), without)
    model = train(validation.split.train, config, movies=movies)
    catalogue = validation.split.catalogue
    for adventurous in (0.5, 1.0):
        lists = solved.lists(
            solved.scores(point, adventurous), point, n=10, adventurous=adventurous
        )
        for u, user in enumerate(validation.users):
            profile = model.fold_in(catalogue.external(user.revealed_rows), user.revealed_stars)
            served = model.recommend(profile, n=10, adventurous=adventurous)
            assert catalogue.external(lists[u]).tolist() == [r.movie_id for r in served]
