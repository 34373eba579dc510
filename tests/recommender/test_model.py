"""The public API: train, fold in, predict, recommend, save/load, components."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from moviematch.recommender import model as model_module
from moviematch.recommender.artifact import load_artifact, save_artifact
from moviematch.recommender.components import TrainingContext
from moviematch.recommender.data import MovieInfo, Ratings
from moviematch.recommender.errors import (
    CorruptModelError,
    InvalidRatingError,
    ModelFitError,
    RecommenderError,
)
from moviematch.recommender.mf import MFConfig, train_mf
from moviematch.recommender.model import Model, Recommendation, TrainConfig
from moviematch.recommender.training import data_fingerprint, train
from moviematch.recommender.vocab import Vocabulary
from tests.recommender.planted import Planted, make_planted

# MF only: these tests check the fold-in and the default ranking against trained users.
CONFIG = TrainConfig(
    mf=MFConfig(n_factors=5, n_epochs=120, lr=0.005, reg=0.1, reg_bias=0.02, init_std=0.1, seed=4),
    ranker=None,
    similarity=None,
)


@pytest.fixture(scope="module")
def planted() -> Planted:
    return make_planted(n_users=150, n_items=120, rank=3, density=0.4, seed=5)


@pytest.fixture(scope="module")
def model(planted: Planted) -> Model:
    return train(planted.ratings, CONFIG)


def _user(planted: Planted, user_id: int) -> tuple[np.ndarray, np.ndarray]:
    mine = planted.ratings.user_ids == user_id
    return planted.ratings.movie_ids[mine], planted.ratings.values[mine]


def test_model_keeps_only_item_side_parameters(planted: Planted, model: Model) -> None:
    r = planted.ratings
    n_items = len(np.unique(r.movie_ids))
    assert model.item_factors_.shape == (n_items, 5)
    assert model.item_factors_.dtype == np.float32
    assert model.item_bias_.dtype == np.float32
    assert not any("user" in name for name in vars(model) if name.endswith("_"))
    assert model.global_mean_ == pytest.approx(float(r.values.mean(dtype=np.float64)))
    row = model.items.rows([int(r.movie_ids[0])])[0]
    theirs = r.values[r.movie_ids == r.movie_ids[0]]
    assert model.item_count_[row] == len(theirs)
    assert model.item_mean_[row] == pytest.approx(theirs.mean(), rel=1e-6)
    meta = model.metadata
    assert meta["data_fingerprint"] == data_fingerprint(r)
    assert meta["n_ratings"] == len(r)
    assert meta["n_users"] == 150
    assert 0 < meta["metrics"]["train_rmse"] < 0.4


def test_fingerprint_changes_with_any_rating(planted: Planted) -> None:
    r = planted.ratings
    values = r.values.copy()
    values[17] = 5.0 if values[17] != 5.0 else 4.5
    assert data_fingerprint(Ratings(r.user_ids, r.movie_ids, values)) != data_fingerprint(r)


def test_predictions_track_the_planted_truth(planted: Planted, model: Model) -> None:
    t = planted.test
    errors, baseline = [], []
    anonymous = model.fold_in([], [])
    for user_id in np.unique(t.user_ids)[:60]:
        profile = model.fold_in(*_user(planted, int(user_id)))
        mine = t.user_ids == user_id
        errors.append(model.predict(profile, t.movie_ids[mine]) - t.values[mine])
        baseline.append(model.predict(anonymous, t.movie_ids[mine]) - t.values[mine])
    rmse = float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))
    assert rmse < 1.4 * planted.noise
    # Item biases alone (what an anonymous profile gets) are far worse.
    assert float(np.sqrt(np.mean(np.concatenate(baseline) ** 2))) > 2 * rmse


def test_predict_is_clipped_float32_with_nan_for_unknown(planted: Planted, model: Model) -> None:
    ids, stars = _user(planted, 1003)
    profile = model.fold_in(ids, stars)
    movies = [int(model.items.ids[0]), 777_777, int(model.items.ids[5])]
    out = model.predict(profile, movies)
    assert out.dtype == np.float32
    assert np.isnan(out[1])
    assert np.all((out[[0, 2]] >= 0.5) & (out[[0, 2]] <= 5.0))
    everything = model.predict_all(profile)
    assert everything.shape == (len(model.items),)
    assert everything[5] == out[2]
    # An extreme user is clipped, not extrapolated.
    lover = model.fold_in(model.items.ids[:40], np.full(40, 5.0))
    assert model.predict_all(lover).max() <= 5.0


def test_folded_in_training_user_gets_that_users_recommendations(planted: Planted) -> None:
    """Fold-in reproduces a training user: same top 10 as with the SGD-trained vector."""
    model = train(planted.ratings, CONFIG)
    r = planted.ratings
    users, items = Vocabulary(r.user_ids), Vocabulary(r.movie_ids)
    fit = train_mf(
        users.rows(r.user_ids), items.rows(r.movie_ids), r.values,
        len(users), len(items), CONFIG.mf,
    )  # fmt: skip
    np.testing.assert_array_equal(fit.item_factors_.astype(np.float32), model.item_factors_)
    for user_id in (1000, 1031, 1077, 1120, 1149):
        ids, stars = _user(planted, user_id)
        got = [rec.movie_id for rec in model.recommend(model.fold_in(ids, stars), n=10)]
        u = users.rows([user_id])[0]
        trained = fit.item_factors_ @ fit.user_factors_[u] + fit.user_bias_[u]
        trained = np.clip(trained + fit.global_mean_ + fit.item_bias_, 0.5, 5)
        scores = model.default_scores(trained.astype(np.float32)).astype(np.float64)
        scores[items.rows(ids)] = -np.inf
        expected = items.ids[np.argsort(-scores, kind="stable")[:10]].tolist()
        # The same ten films in the same order, up to swaps between near-ties of the
        # trained scores (SGD stops just short of the optimum the fold-in solves exactly).
        by_id = dict(zip(items.ids.tolist(), scores.tolist(), strict=True))
        assert len(set(got) & set(expected)) >= 9
        for mine, theirs in zip(got, expected, strict=True):
            assert by_id[mine] == pytest.approx(by_id[theirs], abs=0.03)


def test_recommend_excludes_rated_and_excluded_and_sorts(planted: Planted, model: Model) -> None:
    ids, stars = _user(planted, 1010)
    profile = model.fold_in(ids, stars)
    first = model.recommend(profile, n=15)
    assert all(isinstance(rec, Recommendation) for rec in first)
    assert len(first) == 15
    assert not {rec.movie_id for rec in first} & set(ids.tolist())
    scores = [rec.score for rec in first]
    assert scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(
        [rec.stars for rec in first], model.predict(profile, [rec.movie_id for rec in first])
    )
    banned = [first[0].movie_id, first[3].movie_id, 123_456_789]
    second = model.recommend(profile, n=15, exclude=banned)
    assert not {rec.movie_id for rec in second} & set(banned)
    assert second[0] == first[1]
    unrated = len(model.items) - len(ids)
    assert len(model.recommend(profile, n=10_000)) == unrated
    assert model.recommend(profile, n=0) == []
    with pytest.raises(ValueError, match="n must be"):
        model.recommend(profile, n=-1)


def test_new_user_without_known_ratings_gets_shrunk_popularity(model: Model) -> None:
    profile = model.fold_in([999_999], [4.0])
    assert profile.unknown_movie_ids.tolist() == [999_999]
    recs = model.recommend(profile, n=5)
    expected = model.default_scores(model.predict_all(profile))
    assert [rec.score for rec in recs] == pytest.approx(np.sort(expected)[::-1][:5].tolist())


def test_default_ranking_demotes_films_with_few_ratings(model: Model) -> None:
    tiny = Model(
        items=Vocabulary([1, 2]),
        global_mean=3.5,
        item_bias=np.zeros(2, np.float32),
        item_factors=np.zeros((2, 1), np.float32),
        item_count=np.array([2, 400]),
        item_mean=np.array([5.0, 4.3], np.float32),
        config=TrainConfig(popularity_prior=25.0),
        metadata={},
        model_id="x",
    )
    scores = tiny.default_scores(np.array([4.9, 4.4], np.float32))
    assert scores[1] > scores[0]  # 400 ratings at 4.4 beat 2 ratings at 4.9
    plain = TrainConfig(popularity_prior=0.0)
    assert tiny._replace(config=plain).default_scores(np.array([4.9, 4.4], np.float32))[0] > 4.8


def test_profile_from_another_model_is_refused(planted: Planted, model: Model) -> None:
    other = train(planted.ratings, TrainConfig(mf=MFConfig(n_factors=5, n_epochs=1)))
    profile = other.fold_in(*_user(planted, 1001))
    with pytest.raises(RecommenderError, match="fold the ratings in again"):
        model.recommend(profile)


def test_invalid_ratings_surface_from_fold_in(model: Model) -> None:
    with pytest.raises(InvalidRatingError):
        model.fold_in([int(model.items.ids[0])], [7.0])


def test_training_on_nothing_fails() -> None:
    empty = Ratings(np.array([], np.int64), np.array([], np.int64), np.array([], np.float32))
    with pytest.raises(ModelFitError, match="empty"):
        train(empty)


def test_save_load_round_trip_is_exact(planted: Planted, model: Model, tmp_path: Path) -> None:
    model = model.with_metrics({"cv_rmse": 0.2561})
    model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    assert loaded.model_id == model.model_id
    assert loaded.global_mean_ == model.global_mean_
    assert loaded.metadata == model.metadata
    assert loaded.metadata["metrics"]["cv_rmse"] == 0.2561
    assert loaded.config == model.config
    for name in ("item_bias_", "item_factors_", "item_count_", "item_mean_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
        assert getattr(loaded, name).dtype == getattr(model, name).dtype
    np.testing.assert_array_equal(loaded.items.ids, model.items.ids)
    ids, stars = _user(planted, 1042)
    a, b = model.fold_in(ids, stars), loaded.fold_in(ids, stars)
    np.testing.assert_array_equal(a.factors, b.factors)
    assert model.recommend(a, n=20) == loaded.recommend(b, n=20)


def test_inconsistent_artifact_raises_corrupt_model_error(model: Model, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    arrays, payload = load_artifact(tmp_path / "m")
    arrays["item_bias"] = arrays["item_bias"][:-1]
    save_artifact(tmp_path / "bad", arrays, payload)
    with pytest.raises(CorruptModelError, match="inconsistent"):
        Model.load(tmp_path / "bad")
    arrays, payload = load_artifact(tmp_path / "m")
    arrays["item_ids"] = arrays["item_ids"][::-1].copy()
    save_artifact(tmp_path / "bad3", arrays, payload)
    with pytest.raises(CorruptModelError, match="not strictly increasing"):
        Model.load(tmp_path / "bad3")
    arrays, payload = load_artifact(tmp_path / "m")
    del payload["config"]
    save_artifact(tmp_path / "bad2", arrays, payload)
    with pytest.raises(CorruptModelError, match="inconsistent"):
        Model.load(tmp_path / "bad2")


# --------------------------------------------------------------------- components
class BoostRanker:
    """A test ranker: predicted stars plus ``weight`` × a per-item boost."""

    def __init__(self, boost: npt.NDArray[np.float32], weight: float) -> None:
        self.boost = boost
        self.weight = weight

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {"boost": self.boost}

    def config_dict(self) -> dict[str, Any]:
        return {"weight": self.weight}

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]], config: dict[str, Any]):
        return cls(arrays["boost"], float(config["weight"]))

    def score(self, rated_rows, rated_stars, predicted_stars, *, adventurous=0.5):
        return (predicted_stars + self.weight * self.boost).astype(np.float32)

    def order(self, scores, rated_rows, rated_stars, n, *, adventurous=0.5):
        allowed = np.flatnonzero(np.isfinite(scores))
        return allowed[np.lexsort((allowed, -scores[allowed]))][:n]


@dataclass(frozen=True)
class BoostSpec:
    weight: float = 10.0

    def fit(self, context: TrainingContext) -> BoostRanker:
        # Boost the least-rated films, so that the ranker visibly changes the order.
        count = np.bincount(context.item_rows, minlength=len(context.items))
        return BoostRanker((count == count.min()).astype(np.float32), self.weight)


def test_a_ranker_component_is_used_saved_and_rebuilt(
    planted: Planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(model_module.COMPONENT_TYPES, "BoostRanker", BoostRanker)
    config = TrainConfig(mf=MFConfig(n_factors=3, n_epochs=5), ranker=BoostSpec(), similarity=None)
    boosted = train(planted.ratings, config)
    ranker = boosted.component("ranker")
    assert isinstance(ranker, BoostRanker)
    profile = boosted.fold_in(*_user(planted, 1005))
    favoured = set(boosted.items.ids[ranker.boost > 0].tolist()) - set(profile.rated_movie_ids)
    top = boosted.recommend(profile, n=len(favoured))
    assert {rec.movie_id for rec in top} == favoured
    boosted.save(tmp_path / "m")
    arrays, payload = load_artifact(tmp_path / "m")
    assert "ranker.boost" in arrays
    assert payload["components"]["ranker"] == {"type": "BoostRanker", "config": {"weight": 10.0}}
    assert sorted(payload["components"]) == ["onboarding", "ranker"]
    loaded = Model.load(tmp_path / "m")
    assert loaded.recommend(loaded.fold_in(*_user(planted, 1005)), n=len(top)) == top
    monkeypatch.delitem(model_module.COMPONENT_TYPES, "BoostRanker")
    with pytest.raises(CorruptModelError, match="unknown component type 'BoostRanker'"):
        Model.load(tmp_path / "m")


def test_missing_component_is_a_clear_error(model: Model) -> None:
    with pytest.raises(RecommenderError, match="no 'similarity' component"):
        model.component("similarity")


def test_unregistered_component_cannot_be_saved(model: Model, tmp_path: Path) -> None:
    odd = model.with_component("ranker", BoostRanker(np.zeros(len(model.items), np.float32), 1))
    with pytest.raises(RecommenderError, match="not registered"):
        odd.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_default_config_trains_every_component_and_round_trips(
    planted: Planted, tmp_path: Path
) -> None:
    ids = np.unique(planted.ratings.movie_ids)
    genres = [("Drama",) if i % 2 else ("Comedy",) for i in range(len(ids))]
    movies = MovieInfo(ids, [f"m{i}" for i in ids], np.zeros(len(ids), np.int32), genres)
    full = train(planted.ratings, TrainConfig(mf=CONFIG.mf), movies=movies)
    assert sorted(full.components) == ["onboarding", "ranker", "similarity"]
    full.save(tmp_path / "full")
    loaded = Model.load(tmp_path / "full")
    ids_u, stars_u = _user(planted, 1007)
    top = full.recommend(full.fold_in(ids_u, stars_u), n=30)
    assert loaded.recommend(loaded.fold_in(ids_u, stars_u), n=30) == top
    assert not {r.movie_id for r in top} & set(ids_u.tolist())
    first = top[0].movie_id
    assert loaded.similar(first, 5) == full.similar(first, 5)
    groups = loaded.group([r.movie_id for r in top])
    assert sorted(m for g in groups for m in g.movie_ids) == sorted(r.movie_id for r in top)
    labels = [g.label for g in groups]
    assert all(labels)
    assert len(set(labels)) == len(labels)
    proposals = loaded.onboarding(10, rated=ids_u[:3].tolist())
    assert len(proposals) == 10
    assert not set(proposals) & set(ids_u[:3].tolist())


def test_every_model_can_onboard_even_without_similarity(planted: Planted, model: Model) -> None:
    # CONFIG leaves the ranker and similarity slots empty: the picker is still there, its
    # slates kept diverse with the MF item factors.
    assert sorted(model.components) == ["onboarding"]
    first = model.onboarding(8, seed=3)
    assert len(first) == 8
    assert len(set(first)) == 8
    assert set(first) <= set(model.items.ids.tolist())
    ids_u, _ = _user(planted, 1003)
    nxt = model.onboarding(8, seed=3, rated=ids_u[:2].tolist(), skipped=first[:2])
    assert not set(nxt) & {*ids_u[:2].tolist(), *first[:2]}
    with pytest.raises(ValueError, match="cannot be disabled"):
        TrainConfig(onboarding=None)  # type: ignore[arg-type]


def test_an_artifact_without_the_onboarding_picker_is_corrupt(model: Model, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    arrays, payload = load_artifact(tmp_path / "m")
    kept = {k: v for k, v in arrays.items() if not k.startswith("onboarding.")}
    del payload["components"]["onboarding"]
    save_artifact(tmp_path / "bare", kept, payload)
    with pytest.raises(CorruptModelError, match="no onboarding picker"):
        Model.load(tmp_path / "bare")
