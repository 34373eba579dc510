"""The "similarity" model slot: fitted by ``train``, saved and loaded with the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moviematch.recommender import Model, TrainConfig, train
from moviematch.recommender.data import MovieInfo, Ratings
from moviematch.recommender.errors import CorruptModelError, UnknownMovieError
from moviematch.recommender.item_features import l2_normalize
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.onboarding import OnboardingPicker
from moviematch.recommender.similarity_component import SimilarityComponent, SimilaritySpec

# Movies 1-8 are watched by audience A (horror fans), 11-18 by audience B (romance fans);
# movie 99 is in the catalogue but nobody rated it.
HORROR = list(range(1, 9))
ROMANCE = list(range(11, 19))


def audiences(seed: int = 0) -> Ratings:
    rng = np.random.default_rng(seed)
    users, movies, stars = [], [], []
    for user in range(80):
        own, other = (HORROR, ROMANCE) if user < 45 else (ROMANCE, HORROR)
        for movie in own:
            if rng.random() < 0.8:
                users.append(user)
                movies.append(movie)
                stars.append(float(rng.choice([4.0, 4.5, 5.0])))
        for movie in other:
            if rng.random() < 0.1:
                users.append(user)
                movies.append(movie)
                stars.append(float(rng.choice([1.0, 1.5, 2.0])))
    return Ratings(np.array(users), np.array(movies), np.array(stars, np.float32))


def catalogue() -> MovieInfo:
    ids = [*HORROR, *ROMANCE, 99]
    genres = [("Horror",)] * 8 + [("Romance", "Comedy")] * 8 + [("Horror", "Thriller")]
    return MovieInfo(
        np.array(ids, np.int64), [f"m{i}" for i in ids], np.zeros(17, np.int32), genres
    )


@pytest.fixture
def trained(monkeypatch: pytest.MonkeyPatch) -> Model:
    config = TrainConfig(mf=MFConfig(n_factors=8, n_epochs=15), similarity=SimilaritySpec())
    return train(audiences(), config, movies=catalogue())


def test_train_fits_the_similarity_slot(trained: Model) -> None:
    component = trained.components["similarity"]
    assert isinstance(component, SimilarityComponent)
    for movie in HORROR:
        assert {m for m, _ in component.similar(movie, 5)} <= {*HORROR, 99}
    # The unrated catalogue movie is indexed and finds its genre.
    assert {m for m, _ in component.similar(99, 4)} <= set(HORROR)
    with pytest.raises(UnknownMovieError):
        component.similar(12345)

    groups = component.group([1, 11, 2, 12, 3, 13, 4, 14, 5, 15, 6, 16, 7, 17, 8, 18])
    # Romance and Comedy are equally rare in this catalogue: both name the group.
    assert [g.label for g in groups] == ["Horror", "Comedy · Romance"]
    assert groups[0].movie_ids == HORROR
    # An id outside the index still lands in some group.
    assert sum(len(g.movie_ids) for g in component.group([1, 2, 3, 424242])) == 4

    # The onboarding picker is the model's own slot, not this one's.
    assert not hasattr(component, "onboarding")
    first = trained.onboarding(n=4, seed=1)
    assert len(first) == 4
    assert not set(trained.onboarding(n=16, exclude=first)) & set(first)
    after = trained.onboarding(n=4, rated=[11, 12], skipped=[1, 2], seed=1)
    assert all(m in ROMANCE for m in after)


def test_the_picker_keeps_slates_diverse_with_the_similarity_vectors(trained: Model) -> None:
    picker = trained.components["onboarding"]
    index = trained.components["similarity"].index  # type: ignore[attr-defined]
    assert isinstance(picker, OnboardingPicker)
    rows = index.vocab.rows(picker.vocab.ids)
    np.testing.assert_allclose(picker.vectors_, l2_normalize(index.vectors_[rows]), atol=1e-6)


def test_model_save_and_load_keep_the_component(trained: Model, tmp_path: Path) -> None:
    path = tmp_path / "model"
    trained.save(path)
    loaded = Model.load(path)
    ours, theirs = trained.components["similarity"], loaded.components["similarity"]
    assert isinstance(theirs, SimilarityComponent)
    for movie in [1, 11, 99]:
        assert theirs.similar(movie, 6) == ours.similar(movie, 6)
    ranked = [1, 11, 2, 12, 3, 13]
    assert theirs.group(ranked) == ours.group(ranked)
    assert loaded.onboarding(n=6, rated=[3], seed=2) == trained.onboarding(n=6, rated=[3], seed=2)


def test_from_arrays_rejects_corrupt_parts(trained: Model) -> None:
    component = trained.components["similarity"]
    assert isinstance(component, SimilarityComponent)
    arrays, config = component.to_arrays(), component.config_dict()
    with pytest.raises(CorruptModelError):
        SimilarityComponent.from_arrays(
            {k: v for k, v in arrays.items() if k != "index_vectors"}, config
        )
    with pytest.raises(CorruptModelError):
        SimilarityComponent.from_arrays(arrays, {**config, "grouping": {"colour": 1}})
    with pytest.raises(CorruptModelError):
        SimilarityComponent.from_arrays(
            {**arrays, "genres_members": np.zeros((1, 1), bool)}, config
        )
