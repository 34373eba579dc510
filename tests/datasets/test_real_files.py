"""Every real MovieLens file under MOVIEMATCH_DATASETS goes through the readers.

Counts come from /work/shared/datasets/README.md (rows, missing tmdbIds) or were checked by
hand against the raw files (titles without a year are listed in docs/data.md).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from moviematch.datasets import movielens as ml
from moviematch.datasets.checksums import PINNED_SHA256, file_digest
from moviematch.datasets.download import fetch, use_local
from moviematch.datasets.titles import parse_title

pytestmark = pytest.mark.dataset

_YEAR_AT_END = re.compile(r"\((1[89]\d\d|20\d\d)\)\)?\s*$")


def check_titles(directory: Path, movies: list[ml.MovieRecord], without_year: int) -> None:
    """Every raw title parses; the ones without a year are exactly those with no (yyyy) group."""
    assert sum(m.year is None for m in movies) == without_year
    for movie in movies:
        assert movie.title
        assert movie.title == movie.title.strip()
        assert movie.display_title
        assert movie.year is None or 1874 <= movie.year <= 2020
        assert not _YEAR_AT_END.search(movie.title), movie
    raw = (
        {
            int(r[0]): r[1]
            for r in csv.reader(
                io.StringIO((directory / "movies.csv").read_text(encoding="utf-8"), newline="")
            )
            if r[0] != "movieId"
        }
        if (directory / "movies.csv").is_file()
        else {}
    )
    for movie in movies[:: max(1, len(movies) // 500)]:
        if raw:
            assert parse_title(raw[movie.movie_id]).title == movie.title


def test_ml_latest_small(ml_small: Path) -> None:
    assert ml.detect_layout(ml_small) == "csv"
    movies = ml.read_movies(ml_small)
    assert len(movies) == 9742
    check_titles(ml_small, movies, without_year=12)
    by_id = {m.movie_id: m for m in movies}
    assert by_id[2571].display_title == "The Matrix"
    assert (by_id[2571].title, by_id[2571].year) == ("Matrix, The", 1999)
    links = ml.read_links(ml_small)
    assert len(links) == 9742
    assert sum(link.tmdb_id is None for link in links.values()) == 8
    assert links[1] == ml.LinkRecord(1, "tt0114709", 862)
    assert set(links) == set(by_id)
    tags = ml.read_tags(ml_small)
    assert len(tags) == 3683
    assert ml.read_genome(ml_small) is None
    ratings = ml.load_ratings(ml_small)
    assert len(ratings) == 100_836
    assert len(np.unique(ratings.user_ids)) == 610
    assert len(np.unique(ratings.movie_ids)) == 9724
    assert set(np.unique(ratings.values * 2)) == set(range(1, 11))
    assert ratings.timestamps.min() == 828124615  # 1996-03-29 UTC
    assert set(np.unique(ratings.movie_ids)) <= set(by_id)
    info = ml.movie_info(movies)
    assert len(info.titles) == 9742
    apps = ml.tag_applications(tags)
    assert len(apps.tags) == 3683


def test_ratings_fast_path_matches_csv_module(ml_small: Path) -> None:
    ratings = ml.load_ratings(ml_small)
    with (ml_small / "ratings.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    np.testing.assert_array_equal(ratings.user_ids, [int(r[0]) for r in rows])
    np.testing.assert_array_equal(ratings.movie_ids, [int(r[1]) for r in rows])
    np.testing.assert_array_equal(ratings.values, np.array([float(r[2]) for r in rows], np.float32))
    np.testing.assert_array_equal(ratings.timestamps, [int(r[3]) for r in rows])
    chunks = list(ml.iter_ratings(ml_small, chunk_rows=30_000))
    assert [len(c) for c in chunks] == [30_000, 30_000, 30_000, 10_836]


def test_ml_100k(ml_100k: Path) -> None:
    assert ml.detect_layout(ml_100k) == "100k"
    movies = ml.read_movies(ml_100k)
    assert len(movies) == 1682
    assert [m.movie_id for m in movies if m.year is None] == [267]  # "unknown"
    assert movies[0].genres == ("Animation", "Children's", "Comedy")
    assert any("é" in m.title for m in movies)  # Latin-1 decoded
    assert ml.read_links(ml_100k) == {}
    assert ml.read_tags(ml_100k) == []
    ratings = ml.load_ratings(ml_100k)
    assert len(ratings) == 100_000
    assert len(np.unique(ratings.user_ids)) == 943
    assert set(np.unique(ratings.movie_ids)) <= {m.movie_id for m in movies}


def test_ml_20m_partial_genome(ml_20m_partial: Path) -> None:
    movies = ml.read_movies(ml_20m_partial)
    assert len(movies) == 27278
    check_titles(ml_20m_partial, movies, without_year=19)
    links = ml.read_links(ml_20m_partial)
    assert sum(link.tmdb_id is None for link in links.values()) == 252
    genome = ml.read_genome(ml_20m_partial)
    assert genome is not None
    assert genome.scores.shape == (146, 1128)
    assert genome.tag_names[:2] == ["007", "007 (series)"]
    np.testing.assert_allclose(
        genome.scores[0, :8],
        [0.025, 0.025, 0.05775, 0.09675, 0.14675, 0.217, 0.067, 0.26275],
        rtol=1e-6,
    )
    assert genome.movie_ids[0] == 1
    assert genome.movie_ids.max() <= 158


def test_ml_25m_partial_crlf(ml_25m_partial: Path) -> None:
    movies = ml.read_movies(ml_25m_partial)
    assert len(movies) == 62423
    check_titles(ml_25m_partial, movies, without_year=409)
    links = ml.read_links(ml_25m_partial)
    assert len(links) == 62423
    assert sum(link.tmdb_id is None for link in links.values()) == 107
    genome = ml.read_genome(ml_25m_partial)
    assert genome is not None
    assert genome.scores.shape == (3, 1128)
    np.testing.assert_array_equal(genome.movie_ids, [1, 2, 3])
    assert genome.scores[0, 0] == pytest.approx(0.028749999999999998, rel=1e-6)


@pytest.mark.parametrize("name", ["ml-latest-small", "ml-100k"])
def test_pins_match_the_real_files(name: str, ml_small: Path, ml_100k: Path) -> None:
    source = ml_small if name == "ml-latest-small" else ml_100k
    for filename, expected in PINNED_SHA256[name].items():
        assert file_digest(source / filename) == expected, filename


def test_use_local_and_fetch_verify_real_pins(ml_small: Path, publisher, tmp_path: Path) -> None:
    target = use_local("ml-latest-small", ml_small, tmp_path / "copy")
    assert len(ml.load_ratings(target)) == 100_836
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(ml_small.iterdir()):
            bundle.write(path, f"ml-latest-small/{path.name}")
    publisher.files["/ml-latest-small.zip"] = buffer.getvalue()  # no .md5: the pins decide
    fetched = fetch("ml-latest-small", tmp_path / "net", base_url=publisher.url, progress=False)
    assert len(ml.read_movies(fetched)) == 9742
