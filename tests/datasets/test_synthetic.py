"""The ML-25M-shaped generator and its archive: shape, formats, and the readers on them."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from moviematch.datasets import movielens
from moviematch.datasets.synthetic import (
    ML25M,
    STAR_COUNTS,
    SyntheticShape,
    popularity_curve,
    synthetic_ratings,
)
from moviematch.datasets.synthetic_archive import (
    ML25M_GENOME_TAGS,
    ArchiveSpec,
    write_archive,
    write_directory,
)

#: 2 % of ML-25M: 3,251 users, 1,181 rated movies, 500k ratings (about a second).
SMALL = ML25M.scaled(0.02)


@pytest.fixture(scope="module")
def small() -> object:
    return synthetic_ratings(SMALL, seed=3)


def test_sizes_are_exact_and_pairs_distinct_and_sorted(small) -> None:
    r = small.ratings
    assert len(r) == SMALL.n_ratings
    assert len(np.unique(r.user_ids)) == SMALL.n_users
    assert np.array_equal(np.unique(r.movie_ids), small.item_ids)  # every movie rated
    keys = (r.user_ids << 32) | r.movie_ids
    assert np.all(np.diff(keys) > 0)  # sorted by (userId, movieId), no pair twice
    per_user = np.bincount(r.user_ids)[1:]
    assert per_user.min() >= 20
    assert per_user.max() <= SMALL.max_activity(SMALL.n_items)


def test_stars_follow_the_real_half_star_distribution(small) -> None:
    values, counts = np.unique(small.ratings.values, return_counts=True)
    np.testing.assert_array_equal(values, np.arange(1, 11) / 2)
    target = np.asarray(STAR_COUNTS) / sum(STAR_COUNTS)
    np.testing.assert_allclose(counts / counts.sum(), target, atol=0.002)


def test_popularity_is_long_tailed_with_the_top_share_of_ml25m(small) -> None:
    counts = np.bincount(np.searchsorted(small.item_ids, small.ratings.movie_ids))
    top = counts.max() / counts.sum()
    assert top == pytest.approx(SMALL.top_share, rel=0.15)
    # long-tailed even at 2 % (where a film can have at most every one of 3,251 users): the
    # most popular tenth of the films holds nearly three times its share of the ratings
    tenth = np.sort(counts)[::-1][: len(counts) // 10].sum() / counts.sum()
    assert tenth > 0.25
    # the curve the sampler aims at has the published full-size shape
    full = popularity_curve(ML25M)
    assert full[0] == pytest.approx(81_491, rel=0.01)
    assert full.sum() == pytest.approx(ML25M.n_ratings, rel=1e-6)


def test_timestamps_lie_in_ml25m_span_and_the_seed_decides(small) -> None:
    stamps = small.ratings.timestamps
    assert stamps.min() >= 789_652_009
    assert stamps.max() <= 1_574_327_703
    again = synthetic_ratings(SMALL, seed=3)
    np.testing.assert_array_equal(again.ratings.values, small.ratings.values)
    other = synthetic_ratings(SMALL, seed=4)
    assert not np.array_equal(other.ratings.movie_ids[:1000], small.ratings.movie_ids[:1000])


def test_planted_tastes_follow_genres() -> None:
    shape = SyntheticShape(n_users=2000, n_items=300, n_ratings=200_000)
    genres = np.zeros((300, 2), dtype=bool)
    genres[:150, 0] = genres[150:, 1] = True
    data = synthetic_ratings(shape, item_genres=genres, seed=1)
    taste = data.item_taste
    same = np.mean(
        [taste[i] @ taste[j] for i, j in zip(range(0, 150), range(1, 150), strict=False)]
    )
    across = np.mean([taste[i] @ taste[150 + i] for i in range(150)])
    assert same > across + 0.1


def test_impossible_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="n_ratings"):
        SyntheticShape(n_users=10, n_items=100, n_ratings=100)  # below 20 per user
    with pytest.raises(ValueError, match="n_ratings"):
        SyntheticShape(n_users=10, n_items=30, n_ratings=10_000)  # more than every pair


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> object:
    return write_archive(
        ArchiveSpec(shape=ML25M.scaled(0.01), seed=2), tmp_path_factory.mktemp("a")
    )


def test_archive_has_ml25m_layout_and_md5(archive) -> None:
    with zipfile.ZipFile(archive.path) as bundle:
        names = sorted(bundle.namelist())
        raw = {name.split("/")[1]: bundle.read(name) for name in names}
    assert names == sorted(
        f"ml-25m/{f}"
        for f in (
            "genome-scores.csv",
            "genome-tags.csv",
            "links.csv",
            "movies.csv",
            "ratings.csv",
            "README.txt",
            "tags.csv",
        )
    )
    md5 = hashlib.md5(archive.path.read_bytes()).hexdigest()
    assert archive.md5_path.read_text() == f"MD5 (ml-25m.zip) = {md5}\n"
    for crlf in ("movies.csv", "links.csv", "genome-scores.csv", "genome-tags.csv"):
        assert raw[crlf].count(b"\r\n") == raw[crlf].count(b"\n"), crlf
    for lf in ("ratings.csv", "tags.csv"):
        assert b"\r" not in raw[lf], lf
    assert raw["ratings.csv"].startswith(b"userId,movieId,rating,timestamp\n1,")
    assert b"SYNTHETIC" in raw["README.txt"]
    # full-precision relevances as in the real file, e.g. 0.028749999999999998
    assert any(len(v) > 12 for v in raw["genome-scores.csv"].split(b",")[-200:])


def test_the_readers_read_the_generated_files(archive, tmp_path: Path) -> None:
    with zipfile.ZipFile(archive.path) as bundle:
        bundle.extractall(tmp_path)
    directory = tmp_path / "ml-25m"
    ratings = movielens.load_ratings(directory)
    movies = movielens.read_movies(directory)
    links = movielens.read_links(directory)
    tags = movielens.read_tags(directory)
    genome = movielens.read_genome(directory)
    assert len(ratings) == ML25M.scaled(0.01).n_ratings
    assert len(movies) == archive.movies == len(links)
    assert archive.rated_movies == len(np.unique(ratings.movie_ids)) < archive.movies
    assert set(np.unique(ratings.movie_ids)) <= {m.movie_id for m in movies}
    assert genome is not None
    assert genome.scores.shape == (archive.genome_movies, ML25M_GENOME_TAGS)
    assert 0.05 < float(genome.scores.mean()) < 0.2  # the real genome's mean is about 0.1
    assert len(tags) == archive.files["tags.csv"]["lines"] - 1
    # made-up titles carry MovieLens' quirks: trailing articles, quotes, no year
    assert any(m.display_title.startswith("The ") for m in movies)
    assert any('"' in m.title for m in movies)
    assert any(m.year is None for m in movies)


def test_tags_are_quoted_like_csv_and_rows_sorted(archive) -> None:
    with zipfile.ZipFile(archive.path) as bundle:
        text = bundle.read("ml-25m/tags.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["userId", "movieId", "tag", "timestamp"]
    assert all(len(row) == 4 for row in rows[1:])
    tags = {row[2] for row in rows[1:]}
    assert {"slow, but worth it", 'so bad it\'s "good"'} <= tags  # a comma, quotes
    assert '"slow, but worth it"' in text
    assert '"so bad it\'s ""good"""' in text
    keys = [(int(row[0]), int(row[1])) for row in rows[1:]]
    assert keys == sorted(keys)


@pytest.mark.dataset
def test_real_titles_genres_and_links_can_be_taken(ml_25m_partial: Path, tmp_path: Path) -> None:
    spec = ArchiveSpec(shape=ML25M.scaled(0.005), movies_from=ml_25m_partial, seed=1)
    written = write_directory(spec, tmp_path)
    movies = {m.movie_id: m for m in movielens.read_movies(written.path)}
    real = {m.movie_id: m for m in movielens.read_movies(ml_25m_partial)}
    assert set(movies) <= set(real)
    sample = sorted(movies)[:50]
    assert [movies[m].title for m in sample] == [real[m].title for m in sample]
    names = [t.tag for t in movielens.read_tags(written.path)]
    genome_names = set(movielens.read_genome(ml_25m_partial).tag_names)  # type: ignore[union-attr]
    assert len(genome_names & set(names)) > 50
