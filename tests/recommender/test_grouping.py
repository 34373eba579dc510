"""Grouping a ranked list into labelled taste groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage

from moviematch.recommender.errors import CorruptModelError
from moviematch.recommender.grouping import (
    FALLBACK_LABEL,
    GenreTable,
    Group,
    GroupingConfig,
    _cut,
    genre_shares,
    group,
    group_count,
)

CATALOGUE = {
    "Drama": 0.45,
    "Comedy": 0.38,
    "Thriller": 0.2,
    "Action": 0.19,
    "Romance": 0.15,
    "Crime": 0.12,
    "Sci-Fi": 0.1,
    "Horror": 0.1,
    "Animation": 0.06,
    "Film-Noir": 0.01,
}


def planted_list(
    sizes: list[int], genres: list[tuple[str, ...]], seed: int = 0, noise: float = 0.15
) -> tuple[list[int], np.ndarray, dict[int, tuple[str, ...]], list[int]]:
    """Movies from well-separated clusters (orthogonal centres + noise), shuffled.

    Returns ids, vectors, genres by id and the true cluster of each list position.
    """
    rng = np.random.default_rng(seed)
    dim = max(8, len(sizes) * 2)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(truth)
    centres = np.eye(dim)[: len(sizes)]
    vectors = centres[truth] + noise * rng.normal(size=(len(truth), dim))
    ids = (1000 + np.arange(len(truth)) * 7).tolist()
    genre_map = {m: genres[c] for m, c in zip(ids, truth.tolist(), strict=True)}
    return ids, vectors, genre_map, truth.tolist()


def as_partition(groups: list[Group]) -> set[frozenset[int]]:
    return {frozenset(g.movie_ids) for g in groups}


def test_planted_clusters_are_recovered_and_labelled_by_lift() -> None:
    genres = [("Sci-Fi", "Action"), ("Horror",), ("Romance", "Comedy")]
    ids, vectors, genre_map, truth = planted_list([6, 6, 6], genres)
    groups = group(ids, vectors, genre_map, CATALOGUE)  # 18 items → 3 groups
    expected = {frozenset(m for m, t in zip(ids, truth, strict=True) if t == c) for c in range(3)}
    assert as_partition(groups) == expected
    labels = {frozenset(g.movie_ids): g.label for g in groups}
    first_of = {c: next(m for m, t in zip(ids, truth, strict=True) if t == c) for c in range(3)}
    assert labels[frozenset(m for m, t in zip(ids, truth, strict=True) if t == 1)] == "Horror"
    # Sci-Fi (lift 10) beats Action (lift 5.3): only one genre in the label.
    scifi = next(g.label for g in groups if first_of[0] in g.movie_ids)
    assert scifi == "Sci-Fi"
    # Romance (6.7) and Comedy (2.6) are far apart: Romance alone.
    romance = next(g.label for g in groups if first_of[2] in g.movie_ids)
    assert romance == "Romance"


def test_groups_follow_best_rank_and_keep_list_order() -> None:
    genres = [("Crime", "Thriller"), ("Animation",), ("Drama",)]
    ids, vectors, genre_map, _ = planted_list([5, 5, 5], genres, seed=4)
    groups = group(ids, vectors, genre_map, CATALOGUE)
    position = {m: i for i, m in enumerate(ids)}
    firsts = [position[g.movie_ids[0]] for g in groups]
    assert firsts == sorted(firsts)
    assert firsts[0] == 0
    for g in groups:
        assert [position[m] for m in g.movie_ids] == sorted(position[m] for m in g.movie_ids)
    assert sorted(m for g in groups for m in g.movie_ids) == sorted(ids)


def test_two_genre_label_when_lifts_are_close() -> None:
    ids, vectors, genre_map, _ = planted_list([4, 4], [("Crime", "Thriller"), ("Animation",)])
    shares = {**CATALOGUE, "Crime": 0.15, "Thriller": 0.15}
    groups = sorted(group(ids, vectors, genre_map, shares), key=lambda g: g.label)
    assert [g.label for g in groups] == ["Animation", "Crime · Thriller"]
    # the genres a translated label is built from, in label order
    assert [g.genres for g in groups] == [("Animation",), ("Crime", "Thriller")]


def test_groups_whose_labels_repeat_or_nest_are_merged() -> None:
    # Three clusters that are all pure Drama; the second also has Crime.
    genres = [("Drama",), ("Drama", "Crime"), ("Drama",)]
    ids, vectors, genre_map, truth = planted_list([6, 6, 6], genres, seed=2)
    groups = group(ids, vectors, genre_map, CATALOGUE)
    # Crime has the higher score, so the Drama·Crime cluster is "Crime"; the two pure-Drama
    # clusters would both be "Drama": they are one group, in list order.
    assert sorted(g.label for g in groups) == ["Crime", "Drama"]
    drama = next(g for g in groups if g.label == "Drama")
    assert sorted(drama.movie_ids) == sorted(m for m, t in zip(ids, truth, strict=True) if t != 1)
    assert drama.movie_ids == [m for m in ids if m in drama.movie_ids]
    # A label nested in another ("Adventure" beside "Action · Adventure") merges too.
    nested = [("Action", "Adventure"), ("Adventure",), ("Horror",)]
    ids, vectors, genre_map, _truth = planted_list([6, 6, 6], nested, seed=3)
    shares = {**CATALOGUE, "Action": 0.1, "Adventure": 0.1}
    labels = [g.label for g in group(ids, vectors, genre_map, shares)]
    assert sorted(labels) == ["Adventure", "Horror"]


def test_labels_name_what_most_of_the_group_is() -> None:
    # Aladdin, The Lion King, Shrek, The Princess Bride: a rare genre on half of them does
    # not name the group; the genres all of them share do.
    genre_map = {
        1: ("Adventure", "Animation", "Children", "Comedy", "Musical"),
        2: ("Adventure", "Animation", "Children", "Drama", "Musical"),
        3: ("Adventure", "Animation", "Children", "Comedy", "Fantasy"),
        4: ("Action", "Adventure", "Comedy", "Fantasy", "Romance"),
    }
    shares = {**CATALOGUE, "Musical": 0.04, "Children": 0.07, "Adventure": 0.13, "Fantasy": 0.08}
    (only,) = group([1, 2, 3, 4], np.ones((4, 3)), genre_map, shares)
    assert "Musical" not in only.genres
    assert only.genres[0] in ("Animation", "Children", "Adventure")
    share = sum(only.genres[0] in genre_map[m] for m in (1, 2, 3, 4)) / 4
    assert share >= 0.6


def test_empty_and_single_item_lists() -> None:
    assert group([], np.zeros((0, 4)), {}, CATALOGUE) == []
    single = group([5], np.ones((1, 4)), {5: ("Horror", "Comedy")}, CATALOGUE)
    assert single == [Group("Horror", [5], ("Horror",))]
    no_genre = group([5], np.ones((1, 4)), {}, CATALOGUE)
    assert no_genre == [Group(FALLBACK_LABEL, [5])]


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0), (1, 1), (2, 1), (8, 2), (18, 3), (20, 3), (32, 4), (50, 5), (72, 6), (100, 6)],
)
def test_group_count_adapts_to_list_length(n: int, expected: int) -> None:
    assert group_count(n, GroupingConfig()) == expected


def test_number_of_groups_adapts_on_planted_data() -> None:
    genres = [(g,) for g in ["Sci-Fi", "Horror", "Romance", "Animation", "Film-Noir"]]
    ids, vectors, genre_map, _truth = planted_list([10] * 5, genres, seed=5)
    groups = group(ids, vectors, genre_map, CATALOGUE)  # 50 items → 5 groups
    assert len(groups) == 5
    assert {g.label for g in groups} == {g[0] for g in genres}
    short = group(ids[:8], vectors[:8], genre_map, CATALOGUE)  # 8 items → at most 2 groups
    assert 1 <= len(short) <= 2


def test_tiny_groups_merge_into_their_nearest() -> None:
    genres = [("Sci-Fi",), ("Horror",), ("Animation",)]
    ids, vectors, genre_map, _truth = planted_list([9, 8, 1], genres, seed=6)
    groups = group(ids, vectors, genre_map, CATALOGUE)
    assert all(len(g.movie_ids) >= GroupingConfig().min_group_size for g in groups)
    assert sum(len(g.movie_ids) for g in groups) == 18


def test_lift_prefers_rare_genres_and_support_floor_applies() -> None:
    ids = [1, 2, 3, 4, 5]
    genre_map = {1: ("Drama",), 2: ("Drama",), 3: ("Drama",), 4: ("Drama", "Film-Noir"), 5: ()}
    (only,) = group(ids, np.ones((5, 3)), genre_map, CATALOGUE)
    # Film-Noir has lift 100 but is in 1/5 < 60% of the group: Drama labels it.
    assert only.label == "Drama"
    genre_map[3] = ("Drama", "Film-Noir")
    (only,) = group(ids, np.ones((5, 3)), genre_map, CATALOGUE)
    assert only.label == "Drama"  # 2/5 is still below the floor
    genre_map[2] = ("Drama", "Film-Noir")
    (only,) = group(ids, np.ones((5, 3)), genre_map, CATALOGUE)
    assert only.label == "Film-Noir"


def test_a_screen_format_never_names_a_group() -> None:
    ids = [1, 2, 3, 4]
    genre_map = {m: ("IMAX", "Drama") if m < 4 else ("IMAX", "Action") for m in ids}
    catalogue = {**CATALOGUE, "IMAX": 0.02}  # rare, on every film: it would win by lift
    (only,) = group(ids, np.ones((4, 3)), genre_map, catalogue)
    assert only.label == "Drama"
    assert only.genres == ("Drama",)
    (only,) = group(ids, np.ones((4, 3)), genre_map, catalogue, GroupingConfig(unlabelled=()))
    assert only.label == "IMAX"
    # an artifact's JSON config gives a list; it round-trips to the same config
    assert GroupingConfig(unlabelled=["IMAX"]) == GroupingConfig()  # type: ignore[arg-type]


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="duplicates"):
        group([1, 1], np.ones((2, 3)), {}, CATALOGUE)
    with pytest.raises(ValueError, match="shape"):
        group([1, 2], np.ones((3, 3)), {}, CATALOGUE)
    with pytest.raises(ValueError, match="NaN"):
        group([1, 2], np.array([[1.0, np.nan], [0.0, 1.0]]), {}, CATALOGUE)


def test_genre_shares() -> None:
    shares = genre_shares([("Drama",), ("Drama", "Crime"), (), ("Crime", "Crime")])
    assert shares == {"Crime": 0.5, "Drama": 0.5}


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 60),
    dim=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    genre_pool=st.lists(st.sampled_from(sorted(CATALOGUE)), min_size=0, max_size=4, unique=True),
)
def test_groups_partition_the_list_with_distinct_labels(
    n: int, dim: int, seed: int, genre_pool: list[str]
) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim))
    vectors[rng.random(n) < 0.1] = 0.0  # movies without a vector are allowed
    ids = rng.permutation(10 * n)[:n].tolist()
    genre_map = {m: tuple(g for g in genre_pool if rng.random() < 0.5) for m in ids}
    groups = group(ids, vectors, genre_map, CATALOGUE)
    labels = [g.label for g in groups]
    assert all(label.strip() for label in labels)
    assert len(set(labels)) == len(labels)
    assert sorted(m for g in groups for m in g.movie_ids) == sorted(ids)
    assert 1 <= len(groups) <= GroupingConfig().max_groups
    position = {m: i for i, m in enumerate(ids)}
    firsts = [position[g.movie_ids[0]] for g in groups]
    assert firsts == sorted(firsts)


def test_genre_table_lookup_shares_and_round_trip(tmp_path: Path) -> None:
    table = GenreTable.from_genres([30, 10, 20], [("Horror",), ("Drama", "Crime"), ()])
    assert table.genres_of(10) == ("Crime", "Drama")
    assert table.genres_of(20) == ()
    assert table.genres_of(99) == ()
    assert table.shares() == pytest.approx({"Crime": 1 / 3, "Drama": 1 / 3, "Horror": 1 / 3})
    path = tmp_path / "genres.npz"
    np.savez(path, **table.to_arrays())
    with np.load(path, allow_pickle=False) as data:
        loaded = GenreTable.from_arrays(dict(data), table.config_dict())
    assert [loaded.genres_of(m) for m in (10, 20, 30)] == [("Crime", "Drama"), (), ("Horror",)]
    ids, vectors, genre_map, _ = planted_list([4, 4], [("Horror",), ("Drama",)])
    planted = GenreTable.from_genres(ids, [genre_map[m] for m in ids])
    assert group(ids, vectors, planted.genres_of, CATALOGUE) == group(
        ids, vectors, genre_map, CATALOGUE
    )
    with pytest.raises(CorruptModelError):
        GenreTable.from_arrays({**table.to_arrays(), "members": np.zeros((2, 2), bool)}, {})
    with pytest.raises(ValueError, match="unique"):
        GenreTable.from_genres([1, 1], [(), ()])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 1000), data=st.data())
def test_tree_cut_matches_scipy_fcluster(n: int, seed: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, n))
    vectors = np.random.default_rng(seed).normal(size=(n, 4))
    tree = linkage(vectors, method="ward")
    ours = np.empty(n, dtype=np.int64)
    for node, rows in _cut(tree, n, k).items():
        ours[rows] = node
    theirs = fcluster(tree, t=k, criterion="maxclust")
    # Same partition (cluster numbering differs).
    pairs = {(a, b) for a, b in zip(ours.tolist(), theirs.tolist(), strict=True)}
    assert len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist()))
