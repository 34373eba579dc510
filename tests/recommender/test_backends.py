"""One engine contract, two MF backends: the numba trainer and the Spark trainer (local mode).

Each backend's test class inherits ``EngineContract``: folding a training user in reproduces
what the backend trained for them, the ``train(..., backend=...)`` model round-trips through
its artifact exactly, and it recommends, finds similar movies, groups and onboards. The Spark
class is ``slow`` (a JVM starts, once for the module) and needs pyspark and Java, which
``.ci/run`` installs; without them it skips, except under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from moviematch.recommender import MF_BACKENDS, Model, SparkConfig, TrainConfig, train
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.foldin import FoldInConfig, solve_user
from moviematch.recommender.mf import MFConfig, MFFit, train_mf
from moviematch.recommender.mf_spark import train_mf_spark
from moviematch.recommender.vocab import Vocabulary
from tests.recommender.planted import Planted, make_planted
from tests.spark_support import local_session

MF = MFConfig(n_factors=4, n_epochs=120, lr=0.005, reg=0.1, init_std=0.1, seed=3)
SPARK = SparkConfig(master="local[2]", als_iterations=10)


@pytest.fixture(scope="module")
def planted() -> Planted:
    return make_planted(n_users=200, n_items=90, rank=3, density=0.35, seed=11)


@pytest.fixture(scope="module")
def movies(planted: Planted) -> MovieInfo:
    ids = np.unique(planted.ratings.movie_ids)
    genres = [("Drama",) if i % 3 else ("Comedy", "Romance") for i in range(len(ids))]
    return MovieInfo(ids, [f"film {i}" for i in ids], np.full(len(ids), 1999, np.int32), genres)


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    """One local Spark session for the module (JVM start-up is 20-60 s on a busy machine)."""
    with local_session("moviematch-contract", SPARK.master) as session:
        yield session


class EngineContract:
    """What every MF backend must give the rest of the engine."""

    backend: ClassVar[str]
    #: RMS gap (stars) between a folded-in training user and the backend's own fit of them.
    fold_in_tolerance: ClassVar[float]

    @pytest.fixture(scope="class")
    def fit(self, planted: Planted) -> MFFit:
        r = planted.ratings
        users, items = Vocabulary(r.user_ids), Vocabulary(r.movie_ids)
        rows = (users.rows(r.user_ids), items.rows(r.movie_ids), r.values)
        if self.backend == "spark":
            return train_mf_spark(*rows, len(users), len(items), MF, SPARK)
        return train_mf(*rows, len(users), len(items), MF)

    @pytest.fixture(scope="class")
    def model(self, planted: Planted, movies: MovieInfo) -> Model:
        return train(
            planted.ratings, TrainConfig(mf=MF), movies=movies, backend=self.backend, spark=SPARK
        )

    def test_folding_in_a_training_user_reproduces_its_fit(
        self, planted: Planted, fit: MFFit
    ) -> None:
        r = planted.ratings
        users, items = Vocabulary(r.user_ids), Vocabulary(r.movie_ids)
        for user_id in (1003, 1050, 1121, 1177):
            mine = r.user_ids == user_id
            rows = items.rows(r.movie_ids[mine])
            bias, factors = solve_user(
                rows,
                r.values[mine],
                global_mean=fit.global_mean_,
                item_bias=fit.item_bias_.astype(np.float32),
                item_factors=fit.item_factors_.astype(np.float32),
                # no floors: they are for new visitors with a handful of ratings
                config=FoldInConfig(
                    reg=MF.reg, reg_bias=MF.reg_bias, prior_factors=0.0, prior_bias=0.0
                ),
            )
            folded = (
                fit.global_mean_ + bias + fit.item_bias_[rows] + fit.item_factors_[rows] @ factors
            )
            trained = fit.predict(np.full(len(rows), users.rows([user_id])[0]), rows)
            # the fold-in solves (numba) or approximates (Spark) what the backend fitted
            gap = np.sqrt(np.mean((folded - trained) ** 2))
            assert gap < self.fold_in_tolerance, (user_id, gap)

    def test_predictions_follow_the_planted_truth(self, planted: Planted, model: Model) -> None:
        t = planted.test
        items = Vocabulary(planted.ratings.movie_ids)
        errors = []
        for user_id in np.unique(t.user_ids)[:60].tolist():
            mine = planted.ratings.user_ids == user_id
            profile = model.fold_in(planted.ratings.movie_ids[mine], planted.ratings.values[mine])
            held = t.user_ids == user_id
            errors.append(model.predict(profile, t.movie_ids[held]) - t.values[held])
        rmse = float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))
        spread = float(np.std(t.values))
        assert rmse < 0.6 * spread, (rmse, spread)
        assert len(model.items) == len(items)

    def test_the_artifact_round_trips_exactly(self, model: Model, tmp_path: Path) -> None:
        model.save(tmp_path / "m")
        loaded = Model.load(tmp_path / "m")
        np.testing.assert_array_equal(loaded.item_factors_, model.item_factors_)
        np.testing.assert_array_equal(loaded.item_bias_, model.item_bias_)
        assert loaded.metadata["mf_backend"] == self.backend
        profile = model.fold_in(model.items.ids[:10], np.linspace(1, 5, 10))
        again = loaded.fold_in(model.items.ids[:10], np.linspace(1, 5, 10))
        assert loaded.recommend(again, n=15) == model.recommend(profile, n=15)

    def test_recommend_similar_group_and_onboarding_work(
        self, planted: Planted, model: Model
    ) -> None:
        assert sorted(model.components) == ["onboarding", "ranker", "similarity"]
        mine = planted.ratings.user_ids == 1010
        ids = planted.ratings.movie_ids[mine]
        top = model.recommend(model.fold_in(ids, planted.ratings.values[mine]), n=20)
        assert len(top) == 20
        assert not {r.movie_id for r in top} & set(ids.tolist())
        assert all(0.5 <= r.stars <= 5.0 for r in top)
        similar = model.similar(top[0].movie_id, 5)
        assert len(similar) == 5
        assert top[0].movie_id not in [m for m, _ in similar]
        groups = model.group([r.movie_id for r in top])
        assert sorted(m for g in groups for m in g.movie_ids) == sorted(r.movie_id for r in top)
        proposals = model.onboarding(8, rated=ids[:2].tolist())
        assert len(set(proposals)) == 8
        assert not set(proposals) & set(ids[:2].tolist())
        assert set(model.metadata["stage_seconds"]) == {"mf", "ranker", "similarity", "onboarding"}


class TestNumbaBackend(EngineContract):
    backend = "numba"
    # The fold-in solves SGD's objective exactly (docs/engine.md, section 2); SGD stops a
    # little short of that optimum.
    fold_in_tolerance = 0.15


@pytest.mark.slow
@pytest.mark.usefixtures("spark_session")
class TestSparkBackend(EngineContract):
    backend = "spark"
    # ALS fits the factors with the fold-in's objective, but the biases are damped means
    # (a constant pseudo-count, not k·reg_bias): close, not identical.
    fold_in_tolerance = 0.15


def test_the_backends_are_named_and_an_unknown_one_refused(planted: Planted) -> None:
    assert MF_BACKENDS == ("numba", "spark")
    with pytest.raises(ValueError, match="unknown MF backend 'gpu'"):
        train(planted.ratings, TrainConfig(mf=MF), backend="gpu")  # type: ignore[arg-type]
