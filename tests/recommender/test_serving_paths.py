"""The request path's fast forms give exactly what the straightforward expressions give.

Serving computes the blend's z-scores, the stars floor and taste guard shifts, the
calibrated greedy re-ranking and the group labels' genre lookups in forms that make fewer
passes over the catalogue (``docs/serving.md``). Each test here compares one of them with
the plain expression it replaced, bit for bit (``array_equal``), on random inputs with
ties, constant rows and excluded films, so that a list never changes because of its speed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from moviematch.recommender.calibration import (
    ALPHA,
    calibrated_order,
    distinct_rows,
    genre_distribution,
    target_distribution,
)
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.errors import CorruptModelError
from moviematch.recommender.grouping import GenreTable, _clusters, ward_linkage
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.model_io import _restore_content_vectors
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig
from moviematch.recommender.ranker_blend import (
    BlendConstants,
    blend_scores,
    demote,
    input_weights,
    zscore_rows,
)
from moviematch.recommender.training import train
from tests.recommender.test_similarity_component import audiences, catalogue


def plain_zscore(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if values.shape[1] == 0:
        return np.zeros_like(values)
    std = values.std(axis=1, keepdims=True)
    usable = np.isfinite(std) & (std > 0)
    centred = values - values.mean(axis=1, keepdims=True)
    return np.where(usable, centred / np.where(usable, std, 1.0), 0.0)


def plain_demote(
    scores: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    for row in np.flatnonzero(mask.any(axis=1) & ~mask.all(axis=1)):
        sel = mask[row]
        scores[row, sel] -= scores[row, sel].max() - scores[row, ~sel].min() + 1.0
    return scores


def plain_calibrated_order(
    scores: npt.NDArray[np.float64],
    distribution: npt.NDArray[np.float64],
    target: npt.NDArray[np.float64],
    n: int,
    *,
    weight: float,
    pool: int,
    depth: int,
) -> npt.NDArray[np.int64]:
    """Steck's greedy rule written out (every candidate, a fresh array per step)."""
    allowed = np.flatnonzero(np.isfinite(scores))
    n = min(n, len(allowed))
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    size = min(len(allowed), max(pool, n))
    values = scores[allowed]
    if size < len(allowed):
        keep = np.argpartition(-values, size - 1)[:size]
        allowed, values = allowed[keep], values[keep]
    order = np.lexsort((allowed, -values))
    candidates, values = allowed[order], values[order]
    steps = min(depth, n)
    if weight <= 0 or steps == 0 or not target.any():
        return candidates[:n]
    tenth = values[min(9, len(values) - 1)]
    spread = values[0] - tenth
    relevance = (values - tenth) / spread if spread > 0 else np.zeros(len(values))
    genres = distribution[candidates][:, target > 0]
    p = target[target > 0]
    chosen: list[int] = []
    available = np.ones(len(candidates), dtype=bool)
    q_sum = np.zeros(len(p))
    rel_sum = 0.0
    for step in range(steps):
        q = (q_sum + genres) / (step + 1)
        smoothed = (1.0 - ALPHA) * q + ALPHA * p
        kl = np.sum(p * np.log(p / smoothed), axis=1)
        objective = (1.0 - weight) * (rel_sum + relevance) - weight * kl
        objective[~available] = -np.inf
        best = int(np.argmax(objective))
        chosen.append(best)
        available[best] = False
        q_sum += genres[best]
        rel_sum += float(relevance[best])
    rest = np.flatnonzero(available)[: n - steps]
    return np.concatenate([candidates[chosen], candidates[rest]]).astype(np.int64)


def random_row(rng: np.random.Generator, kind: int, n: int) -> npt.NDArray[np.float64]:
    if kind == 0:
        return rng.normal(3.0, 2.0, (1, n))
    if kind == 1:
        return np.round(rng.normal(size=(1, n)), 1)  # many ties
    if kind == 2:
        return np.full((1, n), 3.5)  # constant: no order
    if kind == 3:
        return np.log1p(rng.zipf(1.5, (1, n)).astype(np.float64))
    return rng.integers(0, 3, (1, n)).astype(np.float64)


@pytest.mark.parametrize("seed", range(6))
def test_one_row_zscore_and_the_vectorised_shift_are_the_plain_numbers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for kind in range(5):
        for n in (1, 2, 7, 100, 9_999, 60_001):
            values = random_row(rng, kind, n)
            assert np.array_equal(zscore_rows(values), plain_zscore(values))
            many = np.vstack([values, random_row(rng, 0, n), np.full((1, n), 1.0)])
            assert np.array_equal(zscore_rows(many), plain_zscore(many))
            mask = rng.random(many.shape) < rng.uniform(0.0, 1.0)
            mask[1] = True  # a row where everything is masked is left alone
            assert np.array_equal(demote(many.copy(), mask), plain_demote(many.copy(), mask))


def plain_blend_parts(
    item_item: npt.NDArray[np.float64],
    has_input: npt.NDArray[np.bool_],
    side: npt.NDArray[np.float64],
    modelled: npt.NDArray[np.bool_],
    popularity: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    inputs = item_item[:, modelled].copy()
    inputs[~has_input] = popularity[modelled][None, :]
    out = np.empty_like(side)
    out[:, modelled] = plain_zscore(inputs) + side[:, modelled]
    if not modelled.all():
        rest = side[:, ~modelled]
        floor = out[:, modelled].min(axis=1, keepdims=True) if modelled.any() else 0.0
        out[:, ~modelled] = floor - 1.0 - (rest.max(axis=1, keepdims=True) - rest)
    return out


@pytest.mark.parametrize("share", [1.0, 0.9, 0.2, 0.0])
def test_the_blend_over_column_indices_is_the_masked_blend(share: float) -> None:
    rng = np.random.default_rng(int(share * 10))
    n = 3_000
    config = RankerConfig(stars_weight=0.3, min_stars=0.0)
    modelled = rng.random(n) < share
    popularity = np.log1p(rng.zipf(1.7, n).astype(np.float64))
    for users in (1, 3):
        item_item = rng.normal(size=(users, n))
        has_input = rng.random(users) < 0.7
        predicted = rng.uniform(0.5, 5.0, (users, n))
        content = rng.normal(size=(users, n))
        served = blend_scores(
            item_item, has_input, predicted, modelled=modelled, log_popularity=popularity,
            config=config, content=content,
            constants=BlendConstants.of(popularity, modelled) if users == 1 else None,
        )  # fmt: skip
        side = (
            config.stars_weight * plain_zscore(predicted)
            + config.popularity_weight_at(0.5) * plain_zscore(popularity[None, :])
            + config.content_weight_at(0.5) * plain_zscore(content)
        )
        plain = plain_blend_parts(item_item, has_input, side, modelled, popularity)
        assert np.array_equal(served, plain)


@pytest.mark.parametrize("seed", range(4))
def test_the_calibrated_order_is_the_plain_greedy_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(150):
        n_items = int(rng.integers(1, 400))
        genres = int(rng.integers(1, 20))
        # Few distinct genre rows (as in a catalogue), so candidates share their KL terms.
        patterns = rng.random((int(rng.integers(1, 30)), genres)) < 0.25
        members = patterns[rng.integers(0, len(patterns), n_items)]
        distribution = genre_distribution(members)
        scores = np.round(rng.normal(size=n_items), int(rng.integers(1, 4)))
        scores[rng.random(n_items) < 0.1] = -np.inf
        rated = rng.choice(n_items, size=min(n_items, 10), replace=False)
        target = target_distribution(distribution, rated, rng.integers(1, 11, len(rated)) / 2)
        settings = {
            # above 1 too: the greedy rule's mask of taken films then takes another path
            "weight": float(rng.uniform(0.0, 0.95)) if rng.random() < 0.9 else 1.2,
            "pool": int(rng.integers(1, 150)),
            "depth": int(rng.integers(0, 30)),
        }
        n = int(rng.integers(0, 60))
        served = calibrated_order(scores, distribution, target, n, **settings)
        plain = plain_calibrated_order(scores, distribution, target, n, **settings)
        assert served.dtype == plain.dtype
        assert np.array_equal(served, plain)


@pytest.mark.parametrize("seed", range(3))
def test_the_sampled_candidate_pool_is_the_whole_catalogues(seed: int) -> None:
    # Catalogues large enough for the sampled threshold, with ties (rounded scores, some
    # at the pool's boundary) and excluded films: the same lists as the plain rule.
    rng = np.random.default_rng(seed)
    for _ in range(40):
        n_items = int(rng.integers(3_200, 12_000))
        members = rng.random((n_items, 8)) < 0.3
        distribution = genre_distribution(members)
        scores = np.round(rng.normal(size=n_items), int(rng.integers(1, 5)))
        scores[rng.random(n_items) < rng.uniform(0.0, 0.6)] = -np.inf
        rated = rng.choice(n_items, size=10, replace=False)
        target = target_distribution(distribution, rated, rng.integers(1, 11, 10) / 2)
        pool, n = int(rng.integers(40, 101)), int(rng.integers(1, 41))
        served = calibrated_order(scores, distribution, target, n, weight=0.5, pool=pool)
        plain = plain_calibrated_order(
            scores, distribution, target, n, weight=0.5, pool=pool, depth=20
        )
        assert np.array_equal(served, plain)


def test_the_damping_from_distinct_popularities_is_the_damping_of_every_film() -> None:
    # BlendConstants' exp over the distinct log popularities, gathered, is the exp over
    # every film, for one user and many, every film modelled or some.
    rng = np.random.default_rng(4)
    n = 4_000
    popularity = np.log1p(rng.zipf(1.4, n).astype(np.float64))
    config = RankerConfig()
    for modelled in (np.ones(n, dtype=np.bool_), rng.random(n) < 0.4):
        for users in (1, 3):
            parts = {
                "item_item": rng.normal(size=(users, n)),
                "has_input": np.ones(users, dtype=np.bool_),
                "predicted": rng.uniform(0.5, 5.0, (users, n)),
            }
            damping = rng.uniform(0.0, 0.8, users)
            common = {"modelled": modelled, "log_popularity": popularity, "config": config}
            served = blend_scores(
                **parts, **common, damping=damping,
                constants=BlendConstants.of(popularity, modelled),
            )  # fmt: skip
            assert np.array_equal(served, blend_scores(**parts, **common, damping=damping))


def test_the_votes_are_the_plain_centred_stars() -> None:
    rng = np.random.default_rng(2)
    for k in range(1, 40):
        for stars in (rng.integers(1, 11, k) / 2, rng.normal(3.0, 1.5, k), np.full(k, 4.0)):
            plain = (stars - stars.mean()) / max(float(stars.std()), 0.5) + 1.0
            assert np.array_equal(input_weights(stars), plain)


def plain_cut(tree: npt.NDArray[np.float64], n: int, k: int) -> npt.NDArray[np.int64]:
    """Each row's linkage node after the first n − k merges (and any at distance 0)."""
    parent = list(range(2 * n - 1))

    def root(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for step in range(n - 1):
        if step >= n - k and tree[step, 2] > 1e-12:
            break
        parent[root(int(tree[step, 0]))] = parent[root(int(tree[step, 1]))] = n + step
    return np.array([root(i) for i in range(n)], dtype=np.int64)


def plain_clusters(vectors: npt.NDArray[np.float64], k: int, min_size: int) -> list[int]:
    """The flat clusters written out (SciPy's linkage, NumPy's unique), numbered by node."""
    n = len(vectors)
    if k <= 1 or n < 2:
        return [0] * n
    labels = plain_cut(linkage(vectors, method="ward"), n, k)
    while n >= 2 * min_size:
        ids, sizes = np.unique(labels, return_counts=True)
        if len(ids) <= 1 or sizes.min() >= min_size:
            break
        small = ids[np.lexsort((ids, sizes))[0]]
        centroids = np.stack([vectors[labels == c].mean(axis=0) for c in ids])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        sims = centroids @ centroids[ids == small][0]
        sims[ids == small] = -np.inf
        labels[labels == small] = ids[int(np.argmax(sims))]
    return np.unique(labels, return_inverse=True)[1].reshape(-1).tolist()


def test_the_clusters_are_the_plain_cut_with_small_clusters_merged() -> None:
    # Numbered by linkage node, the smallest cluster (lowest node on ties) merged first:
    # the same labels, and the cut the same partition as SciPy's fcluster.
    rng = np.random.default_rng(6)
    for n in (2, 5, 12, 40, 60):
        for k in (1, 2, 4, 6):
            points = rng.normal(size=(n, 8)) + 3.0 * rng.integers(0, 3, (n, 1))
            points[n // 2] = points[0]
            points /= np.linalg.norm(points, axis=1, keepdims=True)
            assert _clusters(points, k, 3).tolist() == plain_clusters(points, k, 3)
            if n >= 2:
                tree = linkage(points, method="ward")
                cut = plain_cut(tree, n, k).tolist()
                scipy_cut = fcluster(tree, t=k, criterion="maxclust").tolist()
                assert len(set(zip(cut, scipy_cut, strict=True))) == len(set(scipy_cut))


def test_distinct_rows_is_numpys_unique_over_rows() -> None:
    rng = np.random.default_rng(0)
    for rows in (1, 2, 50, 100):
        matrix = (rng.random((rows, 7)) < 0.3) / rng.integers(1, 4, (rows, 1))
        found, inverse = distinct_rows(matrix)
        expected, expected_inverse = np.unique(matrix, axis=0, return_inverse=True)
        assert np.array_equal(found, expected)
        assert np.array_equal(inverse, expected_inverse.reshape(-1))
        assert np.array_equal(found[inverse], matrix)


def test_the_rankers_order_reads_only_the_genres_it_needs() -> None:
    # The ranker computes p(g|i) of the rated films and of the candidates only; the list
    # is the one the whole catalogue's table gives.
    rng = np.random.default_rng(1)
    n = 500
    users = rng.integers(0, 80, 6_000)
    items = rng.integers(0, n, 6_000)
    stars = rng.integers(1, 11, 6_000) / 2
    members = rng.random((n, 12)) < 0.2
    names = tuple(f"g{j}" for j in range(12))
    ranker = ItemItemRanker(RankerConfig(top_k=30, min_item_ratings=1)).fit(
        users, items, stars, n, genres=members, genre_names=names
    )
    table = genre_distribution(members)
    # The target's prior: the genre mix of all training ratings, m films' worth.
    counts = np.bincount(items, minlength=n).astype(np.float64)
    prior = counts @ table / (counts @ table).sum()
    m = ranker.config.calibration_prior
    assert m > 0
    assert ranker.config.damped_calibration > 0
    # The damping's share d = clip(z̄ − onset, 0, 1) of the rated films' log popularity.
    log_pop = np.asarray(ranker.log_popularity_, np.float64)
    inside = log_pop[np.asarray(ranker.modelled_)]
    famous = np.argsort(-log_pop, kind="stable")[:40]
    shares = []
    for user in range(20):
        # Every other visitor rated only the most-rated films: they get the damping.
        rows = rng.choice(famous if user % 2 else n, 10, replace=False)
        z = (log_pop[rows].mean() - inside.mean()) / inside.std()
        share = min(1.0, max(0.0, z - ranker.config.damping_onset))
        shares.append(share)
        rated = (rng.integers(1, 11, 10) / 2).astype(np.float32)
        scores = ranker.score(rows, rated, rng.uniform(1, 5, n).astype(np.float32))
        scores = scores.astype(np.float64)
        scores[rows] = -np.inf
        adventurous = user / 19
        served = ranker.order(scores, rows, rated, 40, adventurous=adventurous)
        plain = plain_calibrated_order(
            scores,
            table,
            (10 * target_distribution(table, rows, rated) + m * prior) / (10 + m),
            40,
            weight=min(
                0.95,
                ranker.config.calibration * (0.5 + adventurous)
                + ranker.config.damped_calibration * share,
            ),
            pool=ranker.config.calibration_pool,
            depth=ranker.config.calibration_depth,
        )
        assert np.array_equal(served, plain)
    assert max(shares) > 0
    assert min(shares) == 0


def test_genres_map_is_genres_of_for_every_listed_film() -> None:
    table = GenreTable.from_genres(
        [30, 10, 20, 40], [("Drama", "Crime"), ("Comedy",), (), ("Horror", "Comedy")]
    )
    listed = [40, 10, 99, 20, 30, 5]  # 99 and 5 are unknown
    assert table.genres_map(listed) == {m: table.genres_of(m) for m in listed}
    again = [20, 30, 40, 30]  # from the combinations kept by the first call, and a repeat
    assert table.genres_map(again) == {m: table.genres_of(m) for m in again}
    assert table.genres_map([]) == {}
    empty = GenreTable.from_genres([], [])
    assert empty.genres_map([1, 2]) == {1: (), 2: ()}


def test_ward_linkage_is_scipys_linkage() -> None:
    rng = np.random.default_rng(3)
    for n in (2, 3, 17, 40, 60):
        points = rng.normal(size=(n, 16))
        points[n // 2] = points[0]  # a duplicate: a merge at distance zero
        points /= np.linalg.norm(points, axis=1, keepdims=True)
        assert np.array_equal(
            ward_linkage(points), linkage(points, method="ward", metric="euclidean")
        )


@pytest.mark.parametrize("with_unrated", [False, True])
def test_the_artifact_stores_the_content_vectors_once(tmp_path: Path, with_unrated: bool) -> None:
    # The ranker's content vectors are the similarity index's in item rows: saved as rows
    # of the index, loaded back as the same numbers (one shared array when the index holds
    # exactly the model's films), and the served lists do not change.
    ratings = audiences()
    movies = catalogue() if with_unrated else rated_only(catalogue())
    config = TrainConfig(mf=MFConfig(n_factors=8, n_epochs=15))
    model = train(ratings, config, movies=movies)
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    assert ranker.content_vectors_.shape[1] > 0
    model.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "arrays.npz") as stored:
        assert "ranker.content_vectors" not in stored.files
        assert stored["ranker.content_rows"].shape == (len(model.items),)
    loaded = Model.load(tmp_path / "m")
    again = loaded.components["ranker"]
    index = loaded.components["similarity"].index  # type: ignore[attr-defined]
    assert isinstance(again, ItemItemRanker)
    assert np.array_equal(again.content_vectors_, ranker.content_vectors_)
    assert (again.content_vectors_ is index.vectors_) == (not with_unrated)
    for rated in ([1, 2, 3], [11, 12, 5], [4, 13]):
        stars = [5.0, 4.0, 1.5][: len(rated)]
        before = model.recommend(model.fold_in(rated, stars), n=8)
        after = loaded.recommend(loaded.fold_in(rated, stars), n=8)
        assert [(r.movie_id, r.score) for r in before] == [(r.movie_id, r.score) for r in after]
    # Rows that do not point at the model's films are a corrupt artifact.
    arrays = dict(np.load(tmp_path / "m" / "arrays.npz"))
    arrays["ranker.content_rows"] = arrays["ranker.content_rows"][::-1].copy()
    with pytest.raises(CorruptModelError, match="content_rows"):
        _restore_content_vectors(arrays, model.items.ids, "m")


def rated_only(movies: MovieInfo) -> MovieInfo:
    keep = movies.movie_ids != 99
    return MovieInfo(
        movies.movie_ids[keep],
        [t for t, k in zip(movies.titles, keep, strict=True) if k],
        movies.years[keep],
        [g for g, k in zip(movies.genres, keep, strict=True) if k],
    )
