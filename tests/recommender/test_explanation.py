"""``Model.explain``: the rated films' shares of a film's score add up to the score."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from moviematch.recommender.data import MovieInfo
from moviematch.recommender.errors import UnknownMovieError
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig
from moviematch.recommender.similarity_component import SimilaritySpec
from moviematch.recommender.training import train
from tests.recommender.planted import taste_groups

#: Tolerance of the identity baseline + Σ contributions = score (the score is float32).
TOLERANCE = 1e-4

CONFIG = TrainConfig(
    mf=MFConfig(n_factors=8, n_epochs=20, seed=0),
    ranker=RankerConfig(l2=0.1, dropout=1.0, top_k=20, min_item_ratings=1, stars_weight=0.5),
    similarity=None,
)


@pytest.fixture(scope="module")
def model() -> Model:
    ratings = taste_groups()
    ids = np.unique(ratings.movie_ids)
    # Films of taste group 0 (id/10 − 1 even) are "Comedy", the others "Horror".
    genres = [("Comedy",) if (m // 10 - 1) % 2 == 0 else ("Horror",) for m in ids.tolist()]
    movies = MovieInfo(ids, [f"Film {m}" for m in ids], np.zeros(len(ids), np.int32), genres)
    return train(ratings, CONFIG, movies=movies)


def horror_fan(model: Model):  # type: ignore[no-untyped-def]
    # Loves four horror films, dislikes two comedies.
    return model.fold_in([20, 40, 60, 80, 10, 30], [5.0, 4.5, 5.0, 4.0, 1.0, 1.5])


def test_contributions_and_baseline_add_up_to_the_served_score(model: Model) -> None:
    profile = horror_fan(model)
    recommended = model.recommend(profile, n=10)
    for rec in recommended:
        why = model.explain(profile, rec.movie_id)
        assert why.score == pytest.approx(rec.score, abs=1e-6)
        total = why.baseline + sum(c.total for c in why.contributions)
        assert total == pytest.approx(why.score, abs=TOLERANCE * max(1.0, abs(why.score)))
        assert why.predicted_stars == pytest.approx(rec.stars, abs=1e-6)
        assert [c.total for c in why.contributions] == sorted(
            (c.total for c in why.contributions), reverse=True
        )
    # The list is horror; the loved horror films explain it, the hated comedies do not.
    best = model.explain(profile, recommended[0].movie_id)
    assert {c.movie_id for c in best.top(2)} <= {20, 40, 60, 80}
    assert best.genres == ("Horror",)
    assert all(c.stars >= 4.0 for c in best.top(3))


def test_a_film_far_down_the_list_decomposes_too(model: Model) -> None:
    profile = horror_fan(model)
    everything = model.recommend(profile, n=len(model.items))
    for rec in everything[-5:] + everything[20:25]:
        why = model.explain(profile, rec.movie_id, adventurous=0.5)
        total = why.baseline + sum(c.total for c in why.contributions)
        assert total == pytest.approx(why.score, abs=TOLERANCE * max(1.0, abs(why.score)))
    # Adventurous settings change the popularity term, hence the score and the baseline.
    a, b = (model.explain(profile, everything[0].movie_id, adventurous=x) for x in (0.0, 1.0))
    assert a.baseline != b.baseline
    assert [c.item_item for c in a.contributions] == [c.item_item for c in b.contributions]


def test_the_default_ranking_is_explained_by_the_stars_alone(model: Model) -> None:
    plain = model.with_component("ranker", model.component("ranker"))
    del plain.components["ranker"]
    profile = horror_fan(plain)
    for rec in plain.recommend(profile, n=5):
        why = plain.explain(profile, rec.movie_id)
        assert why.score == pytest.approx(rec.score, abs=1e-5)
        total = why.baseline + sum(c.total for c in why.contributions)
        assert total == pytest.approx(why.score, abs=TOLERANCE * max(1.0, abs(why.score)))
        assert all(c.item_item == 0 for c in why.contributions)


def test_unknown_movie_and_foreign_profile(model: Model) -> None:
    profile = horror_fan(model)
    with pytest.raises(UnknownMovieError):
        model.explain(profile, 999_999)
    other = train(taste_groups(seed=1), dataclasses.replace(CONFIG, ranker=None))
    with pytest.raises(Exception, match="another model"):
        model.explain(other.fold_in([20], [5.0]), 20)


def test_the_content_taste_term_is_split_over_the_rated_films_exactly() -> None:
    ratings = taste_groups()
    ids = np.unique(ratings.movie_ids)
    genres = [("Comedy",) if (m // 10 - 1) % 2 == 0 else ("Horror",) for m in ids.tolist()]
    movies = MovieInfo(ids, [f"Film {m}" for m in ids], np.zeros(len(ids), np.int32), genres)
    assert isinstance(CONFIG.ranker, RankerConfig)
    config = dataclasses.replace(
        CONFIG,
        ranker=dataclasses.replace(CONFIG.ranker, content_weight=1.0),
        similarity=SimilaritySpec(),
    )
    model = train(ratings, config, movies=movies)
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    assert ranker.content_vectors_.shape[0] == len(model.items)
    assert ranker.content_vectors_.shape[1] > 0
    profile = horror_fan(model)
    for adventurous in (0.0, 0.5, 1.0):
        for rec in model.recommend(profile, n=len(model.items), adventurous=adventurous):
            why = model.explain(profile, rec.movie_id, adventurous=adventurous)
            assert why.score == pytest.approx(rec.score, abs=1e-6)
            total = why.baseline + sum(c.total for c in why.contributions)
            assert total == pytest.approx(why.score, abs=TOLERANCE * max(1.0, abs(why.score)))
    # The content channel is there and follows taste: for the first (horror) film the
    # loved horror films add content, the hated comedies take it away or add less.
    best = model.explain(profile, model.recommend(profile, n=1)[0].movie_id)
    content = {c.movie_id: c.content for c in best.contributions}
    assert min(content[m] for m in (20, 40, 60, 80)) > max(content[m] for m in (10, 30))
    assert max(content[m] for m in (20, 40, 60, 80)) > 0


def test_the_damped_item_item_and_the_genre_prior_add_up_too() -> None:
    ratings = taste_groups()
    ids = np.unique(ratings.movie_ids)
    genres = [("Comedy",) if (m // 10 - 1) % 2 == 0 else ("Horror", "Drama") for m in ids.tolist()]
    movies = MovieInfo(ids, [f"Film {m}" for m in ids], np.zeros(len(ids), np.int32), genres)
    assert isinstance(CONFIG.ranker, RankerConfig)
    config = dataclasses.replace(
        CONFIG,
        ranker=dataclasses.replace(
            CONFIG.ranker, popularity_damping=0.5, damping_onset=-10.0, genre_weight=1.0
        ),
    )
    model = train(ratings, config, movies=movies)
    profile = horror_fan(model)
    for rec in model.recommend(profile, n=len(model.items)):
        why = model.explain(profile, rec.movie_id)
        assert why.score == pytest.approx(rec.score, abs=1e-6)
        total = why.baseline + sum(c.total for c in why.contributions)
        assert total == pytest.approx(why.score, abs=TOLERANCE * max(1.0, abs(why.score)))
    # The genre prior is a content share: each loved horror film adds to a horror film's.
    best = model.explain(profile, model.recommend(profile, n=1)[0].movie_id)
    content = {c.movie_id: c.content for c in best.contributions}
    assert min(content[m] for m in (20, 40, 60, 80)) > 0
