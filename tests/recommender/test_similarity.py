"""Similar movies: planted structure, invariants, persistence and real MovieLens data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from moviematch.datasets import movielens
from moviematch.recommender.data import Genome, MovieInfo, TagApplications
from moviematch.recommender.errors import CorruptModelError, UnknownMovieError
from moviematch.recommender.item_features import tag_matrix
from moviematch.recommender.similarity import SimilarityConfig, SimilarityIndex
from moviematch.recommender.vocab import Vocabulary
from tests.recommender.stand_in_factors import svd_item_factors

PLANTED_TAGS = (
    ("space", "alien", "robot", "future"),
    ("ghost", "haunted", "gore", "scary"),
    ("wedding", "love", "kiss", "paris"),
)


def movie_info(ids: list[int], genres: list[tuple[str, ...]]) -> MovieInfo:
    return MovieInfo(
        np.array(ids, np.int64),
        [f"Movie {i}" for i in ids],
        np.zeros(len(ids), np.int32),
        genres,
    )


def planted_catalogue(
    per_cluster: int = 6, seed: int = 0
) -> tuple[list[int], MovieInfo, TagApplications]:
    """Three clusters of movies; each movie gets 3 of its cluster's 4 tags from 4 users.

    All movies share one genre, so only the tags can tell the clusters apart. Movie id
    ``100 * (cluster + 1) + i``.
    """
    rng = np.random.default_rng(seed)
    ids, movies, users, tags = [], [], [], []
    for c, vocabulary in enumerate(PLANTED_TAGS):
        for i in range(per_cluster):
            movie = 100 * (c + 1) + i
            ids.append(movie)
            for tag in rng.choice(vocabulary, size=3, replace=False):
                for user in range(4):
                    movies.append(movie)
                    users.append(user)
                    tags.append(str(tag).upper() if user % 2 else str(tag))
    info = movie_info(ids, [("Drama",)] * len(ids))
    apps = TagApplications(np.array(movies, np.int64), tags, np.array(users, np.int64))
    return ids, info, apps


def cluster_of(movie_id: int) -> int:
    return movie_id // 100


def test_movies_sharing_planted_tags_are_each_others_neighbours() -> None:
    ids, info, apps = planted_catalogue()
    index = SimilarityIndex.build(ids, info, apps, None, None, SimilarityConfig(dim=8))
    for movie in ids:
        neighbours = index.similar(movie, 5)
        assert [cluster_of(m) for m, _ in neighbours] == [cluster_of(movie)] * 5
        # Cluster mates are clearly closer than any other cluster's movies.
        outside = [
            s for m, s in index.similar(movie, len(ids)) if cluster_of(m) != cluster_of(movie)
        ]
        assert neighbours[-1][1] > max(outside) + 0.15


def test_movie_without_tags_gets_neighbours_of_its_genre() -> None:
    ids, _, apps = planted_catalogue()
    genre_by_cluster = {1: ("Sci-Fi",), 2: ("Horror",), 3: ("Romance",)}
    genres = [genre_by_cluster[cluster_of(m)] for m in ids]
    untagged = 999  # a horror film nobody tagged
    info = movie_info([*ids, untagged], [*genres, ("Horror",)])
    index = SimilarityIndex.build([*ids, untagged], info, apps, None, None)
    neighbours = index.similar(untagged, 6)
    assert all(cluster_of(m) == 2 for m, _ in neighbours)
    assert neighbours[0][1] > 0.3


def test_movie_without_tags_or_genres_gets_neighbours_of_its_factor_cluster() -> None:
    ids, info, apps = planted_catalogue()
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 8))
    factors = np.array([centres[cluster_of(m) - 1] + 0.1 * rng.normal(size=8) for m in ids])
    lonely = 555  # no tags, no genres, factors near cluster 3's centre
    all_ids = [*ids, lonely]
    all_factors = np.vstack([factors, centres[2] + 0.1 * rng.normal(size=8)])
    info = movie_info(all_ids, [*info.genres, ()])
    counts = np.full(len(all_ids), 200)
    index = SimilarityIndex.build(
        all_ids, info, apps, None, all_factors, SimilarityConfig(dim=16), rating_counts=counts
    )
    assert all(cluster_of(m) == 3 for m, _ in index.similar(lonely, 6))


def test_genome_movie_matches_a_movie_with_the_same_user_tags() -> None:
    """A genome row and a user-tag row meet on the shared normalised tag names."""
    ids, info, apps = planted_catalogue()
    # Movie 700 only has a genome, strongly relevant to cluster 2's tags (spelt differently).
    names = ["Ghost", "haunted", "Gore", "scary!", "space", "wedding", "boring"]
    scores = np.full((3, len(names)), 0.1, np.float32)
    scores[0, :4] = 0.95
    scores[1, 4] = 0.9  # two other genome movies make the per-tag centring meaningful
    scores[2, 5] = 0.9
    genome = Genome(np.array([700, 701, 702], np.int64), names, scores)
    all_ids = [*ids, 700, 701, 702]
    info = movie_info(all_ids, [*info.genres, ("Drama",), ("Drama",), ("Drama",)])
    index = SimilarityIndex.build(all_ids, info, apps, genome, None, SimilarityConfig(dim=12))
    assert [cluster_of(m) for m, _ in index.similar(700, 4)] == [2, 2, 2, 2]


def test_tag_evidence_counts_distinct_users_after_normalisation() -> None:
    vocab = Vocabulary([1, 2])
    # User 7 typed the same tag three ways on movie 1; users 8 and 9 tagged movie 2.
    apps = TagApplications(
        np.array([1, 1, 1, 2, 2], np.int64),
        ["Sci-Fi", "sci fi", "SCI_FI!", "sci-fi", "Sci Fi"],
        np.array([7, 7, 7, 8, 9], np.int64),
    )
    _, evidence = tag_matrix(
        vocab, apps, None, min_movies=1, tag_prior=1.0, genome_weight=1.0, genome_top=10
    )
    np.testing.assert_allclose(evidence, [1 / 2, 2 / 3], rtol=1e-6)
    # Without user ids each application counts as its own user.
    plain = TagApplications(apps.movie_ids, apps.tags)
    _, evidence = tag_matrix(
        vocab, plain, None, min_movies=1, tag_prior=1.0, genome_weight=1.0, genome_top=10
    )
    np.testing.assert_allclose(evidence, [3 / 4, 2 / 3], rtol=1e-6)


def test_movie_with_no_data_never_outranks_a_real_neighbour() -> None:
    info = movie_info([1, 2, 3, 4], [("Horror",), ("Horror",), ("Comedy",), ()])
    index = SimilarityIndex.build([1, 2, 3, 4], info)
    assert index.similar(1, 1)[0][0] == 2
    assert all(score == 0.0 for _, score in index.similar(4, 3))
    assert np.all(index.vectors_for([4]) == 0)


def test_unknown_movie_and_bad_k() -> None:
    ids, info, apps = planted_catalogue()
    index = SimilarityIndex.build(ids, info, apps)
    with pytest.raises(UnknownMovieError, match="42"):
        index.similar(42)
    with pytest.raises(UnknownMovieError) as error:
        index.vectors_for([100, 42, 43])
    assert error.value.movie_ids == [42, 43]
    with pytest.raises(ValueError, match="k must be"):
        index.similar(100, -1)
    assert index.similar(100, 0) == []
    assert len(index.similar(100, 10_000)) == len(ids) - 1


def test_build_rejects_misaligned_inputs() -> None:
    info = movie_info([1, 2, 3], [("Drama",)] * 3)
    with pytest.raises(ValueError, match="duplicates"):
        SimilarityIndex.build([1, 1, 2], info)
    with pytest.raises(ValueError, match="item_factors has shape"):
        SimilarityIndex.build([1, 2, 3], info, item_factors=np.ones((2, 4)))
    with pytest.raises(ValueError, match="confidence_floor"):
        SimilarityConfig(confidence_floor=1.5)


def test_precomputed_lists_agree_with_the_full_scan() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, 5)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(10, 70, dtype=np.int64)
    index = SimilarityIndex.from_vectors(ids, vectors, SimilarityConfig(neighbours=5))
    for movie in ids[::7].tolist():
        short = index.similar(movie, 5)  # from the precomputed lists
        long = index.similar(movie, 30)  # matrix-vector scan
        assert [m for m, _ in long[:5]] == [m for m, _ in short]
        np.testing.assert_allclose([s for _, s in long[:5]], [s for _, s in short], atol=1e-6)


def test_round_trip_through_npz(tmp_path: Path) -> None:
    ids, info, apps = planted_catalogue()
    index = SimilarityIndex.build(ids, info, apps, None, None, SimilarityConfig(neighbours=4))
    path = tmp_path / "similarity.npz"
    np.savez(path, **index.to_arrays())
    with np.load(path, allow_pickle=False) as data:
        loaded = SimilarityIndex.from_arrays(dict(data), index.config_dict())
    assert loaded.config == index.config
    for movie in ids:
        assert loaded.similar(movie, 4) == index.similar(movie, 4)
        assert loaded.similar(movie, 9) == index.similar(movie, 9)
    np.testing.assert_array_equal(loaded.vectors_for(ids), index.vectors_for(ids))


def test_from_arrays_rejects_corrupt_input() -> None:
    ids, info, apps = planted_catalogue()
    index = SimilarityIndex.build(ids, info, apps)
    arrays = index.to_arrays()
    config = index.config_dict()
    with pytest.raises(CorruptModelError, match="missing"):
        SimilarityIndex.from_arrays({k: v for k, v in arrays.items() if k != "vectors"}, config)
    with pytest.raises(CorruptModelError, match="vectors"):
        SimilarityIndex.from_arrays({**arrays, "vectors": arrays["vectors"][:-1]}, config)
    bad_rows = arrays["neighbour_rows"].copy()
    bad_rows[0, 0] = len(ids)
    with pytest.raises(CorruptModelError, match="out of range"):
        SimilarityIndex.from_arrays({**arrays, "neighbour_rows": bad_rows}, config)
    with pytest.raises(CorruptModelError, match="unknown similarity config"):
        SimilarityIndex.from_arrays(arrays, {**config, "colour": 3})


# Vectors drawn from a tiny grid so exact ties (and exact duplicates) are common.
grid_vectors = st.integers(3, 25).flatmap(
    lambda n: arrays(np.float32, (n, 3), elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0]))
)


@settings(max_examples=60, deadline=None)
@given(vectors=grid_vectors, neighbours=st.integers(0, 6), data=st.data())
def test_similarity_invariants(vectors: np.ndarray, neighbours: int, data: st.DataObject) -> None:
    n = len(vectors)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = (vectors / np.where(norms > 0, norms, 1)).astype(np.float32)
    confidence = data.draw(arrays(np.float32, n, elements=st.floats(0.125, 1.0, width=32))) * (
        norms[:, 0] > 0
    )
    ids = np.arange(1, n + 1, dtype=np.int64) * 3
    index = SimilarityIndex.from_vectors(
        ids, unit, SimilarityConfig(neighbours=neighbours), confidence
    )
    full = {m: index.similar(m, n) for m in ids.tolist()}
    score = {(a, b): s for a, row in full.items() for b, s in row}
    for movie, row in full.items():
        others = [m for m, _ in row]
        assert movie not in others
        assert sorted(others) == sorted(set(ids.tolist()) - {movie})
        values = [s for _, s in row]
        assert all(-1.0 <= s <= 1.0 for s in values)
        # Best first; equal scores by ascending id.
        assert row == sorted(row, key=lambda pair: (-pair[1], pair[0]))
        for k in range(n):
            assert index.similar(movie, k) == row[:k] or np.allclose(
                [s for _, s in index.similar(movie, k)], values[:k], atol=1e-6
            )
    for (a, b), s in score.items():
        assert s == pytest.approx(score[(b, a)], abs=1e-6)


@settings(max_examples=80, deadline=None)
@given(vectors=grid_vectors, data=st.data())
def test_the_build_kernel_selects_exactly_what_the_numpy_reference_does(
    vectors: np.ndarray, data: st.DataObject
) -> None:
    """``neighbours_kernels.top_k_block`` == ``neighbours.top_k_rows``, ties included."""
    from moviematch.recommender.neighbours import top_k_rows
    from moviematch.recommender.neighbours_kernels import top_k_block

    n = len(vectors)
    k = data.draw(st.integers(1, n - 1))
    query = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1))), np.int64)
    expected_rows, expected_scores = top_k_rows(vectors, query, k)
    rows, scores = top_k_block(vectors[query] @ vectors.T, query, k)
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_array_equal(scores, expected_scores)


@pytest.fixture(scope="module")
def real_index(ml_small: Path, ml_20m_partial: Path) -> tuple[SimilarityIndex, MovieInfo]:
    movies = movielens.movie_info(movielens.read_movies(ml_small))
    tags = movielens.tag_applications(movielens.read_tags(ml_small))
    genome = movielens.read_genome(ml_20m_partial)
    factors, counts = svd_item_factors(movielens.load_ratings(ml_small), movies.movie_ids)
    index = SimilarityIndex.build(
        movies.movie_ids, movies, tags, genome, factors, rating_counts=counts
    )
    return index, movies


@pytest.mark.dataset
@pytest.mark.slow
def test_toy_story_neighbours_include_toy_story_2(
    real_index: tuple[SimilarityIndex, MovieInfo],
) -> None:
    index, _ = real_index
    assert 3114 in [m for m, _ in index.similar(1, 10)]
    assert 1 in [m for m, _ in index.similar(3114, 10)]


@pytest.mark.dataset
@pytest.mark.slow
def test_neighbours_of_horror_films_are_mostly_horror(
    real_index: tuple[SimilarityIndex, MovieInfo], ml_small: Path
) -> None:
    index, movies = real_index
    genres = dict(zip(movies.movie_ids.tolist(), movies.genres, strict=True))
    rated = np.unique(movielens.load_ratings(ml_small).movie_ids, return_counts=True)
    popular = set(rated[0][rated[1] >= 20].tolist())
    horror = [m for m in popular if "Horror" in genres[m]]
    shares = [np.mean(["Horror" in genres[n] for n, _ in index.similar(m, 10)]) for m in horror]
    # Catalogue share of horror is ~10%; measured 0.81 with the default config.
    assert len(horror) > 50
    assert np.mean(shares) >= 0.7


GENRE_NAMES = ["Action", "Comedy", "Drama", "Horror", "Sci-Fi"]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 30),
    seed=st.integers(0, 10_000),
    with_tags=st.booleans(),
    with_genome=st.booleans(),
    with_factors=st.booleans(),
)
def test_build_handles_any_small_catalogue(
    n: int, seed: int, with_tags: bool, with_genome: bool, with_factors: bool
) -> None:
    """Sparse or missing data of every kind still gives a valid, deterministic index."""
    rng = np.random.default_rng(seed)
    ids = (rng.permutation(5 * n)[:n] + 1).tolist()
    genres = [tuple(g for g in GENRE_NAMES if rng.random() < 0.3) for _ in ids]
    info = movie_info(ids, genres)
    tags = None
    if with_tags:
        k = int(rng.integers(0, 3 * n))
        tags = TagApplications(
            rng.choice([*ids, 10000], size=k).astype(np.int64),  # one unknown movie
            [f"Tag {t}" for t in rng.integers(0, 6, size=k)],
            rng.integers(0, 4, size=k).astype(np.int64),
        )
    genome = None
    if with_genome:
        chosen = rng.choice(ids, size=min(n, 3), replace=False)
        genome = Genome(
            np.sort(chosen).astype(np.int64),
            ["tag 1", "Tag 2", "other"],
            rng.random((len(chosen), 3)).astype(np.float32),
        )
    factors = rng.normal(size=(n, 4)) * (rng.random((n, 1)) < 0.7) if with_factors else None
    counts = rng.integers(0, 50, size=n) if with_factors else None
    config = SimilarityConfig(dim=6, tag_dim=4, neighbours=3)
    index = SimilarityIndex.build(ids, info, tags, genome, factors, config, rating_counts=counts)
    again = SimilarityIndex.build(ids, info, tags, genome, factors, config, rating_counts=counts)
    np.testing.assert_array_equal(index.vectors_, again.vectors_)
    norms = np.linalg.norm(index.vectors_, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
    assert np.all((index.confidence_ >= 0) & (index.confidence_ <= 1))
    for movie in ids:
        row = index.similar(movie, n)
        assert len(row) == n - 1
        assert movie not in [m for m, _ in row]
        assert all(-1.0 <= s <= 1.0 for _, s in row)
