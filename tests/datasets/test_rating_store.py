"""The rating store: ratings streamed into int32/float32 arrays, read back memory-mapped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from moviematch.datasets import movielens, rating_store
from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.synthetic import ML25M
from moviematch.datasets.synthetic_archive import ArchiveSpec, write_directory


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = ArchiveSpec(shape=ML25M.scaled(0.01), seed=5)  # 250k ratings, a genome
    return write_directory(spec, tmp_path_factory.mktemp("ds")).path


def test_the_store_holds_exactly_the_files_ratings(dataset: Path, tmp_path: Path) -> None:
    # small chunks: the ratings go through in many pieces, as a 25M-row file would
    summary = rating_store.write_store(dataset, tmp_path / "store", source="abc", chunk_rows=7_001)
    expected = movielens.load_ratings(dataset)
    got = rating_store.read_ratings(tmp_path / "store", verify=True)
    for name in ("user_ids", "movie_ids", "values", "timestamps"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    assert summary.n_ratings == len(expected)
    ids, counts = np.unique(expected.movie_ids, return_counts=True)
    np.testing.assert_array_equal(summary.movie_ids, ids)
    np.testing.assert_array_equal(summary.counts, counts)
    sums = np.bincount(np.searchsorted(ids, expected.movie_ids), weights=expected.values)
    np.testing.assert_allclose(summary.sums, sums)
    manifest = rating_store.read_manifest(tmp_path / "store")
    assert manifest["source"] == "abc"
    dtypes = {name: a["dtype"] for name, a in manifest["arrays"].items()}
    assert dtypes == {
        "ratings.user_ids": "<i4",
        "ratings.movie_ids": "<i4",
        "ratings.stars": "<f4",
        "ratings.timestamps": "<i4",
        "genome.movie_ids": "<i4",
        "genome.scores": "<f4",
    }
    # 16 bytes per rating on disk (and nothing pickled: plain .npy files)
    sizes = sum(p.stat().st_size for p in (tmp_path / "store").glob("ratings.*.npy"))
    assert sizes < 16 * len(expected) + 4 * 1024


def test_selected_movies_only(dataset: Path, tmp_path: Path) -> None:
    summary = rating_store.write_store(dataset, tmp_path / "store")
    wanted = summary.movie_ids[::3]
    got = rating_store.read_ratings(tmp_path / "store", movie_ids=wanted)
    assert set(np.unique(got.movie_ids)) == set(wanted.tolist())
    assert len(got) == int(summary.counts[::3].sum())
    assert got.user_ids.dtype == np.int64  # what the engine's Ratings holds


def test_the_genome_is_a_dense_float32_matrix(dataset: Path, tmp_path: Path) -> None:
    rating_store.write_store(dataset, tmp_path / "store")
    expected = movielens.read_genome(dataset)
    assert expected is not None
    genome = rating_store.read_genome_arrays(tmp_path / "store")
    assert genome is not None
    assert genome.scores.dtype == np.float32
    np.testing.assert_array_equal(genome.scores, expected.scores)
    np.testing.assert_array_equal(genome.movie_ids, expected.movie_ids)
    assert genome.tag_names == expected.tag_names
    some = expected.movie_ids[[0, 5]]
    part = rating_store.read_genome_arrays(tmp_path / "store", movie_ids=some)
    assert part is not None
    np.testing.assert_array_equal(part.scores, expected.scores[[0, 5]])


def write_ratings(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ratings.csv").write_text(text, encoding="utf-8")
    return directory


def test_a_bad_row_leaves_the_old_store_and_nothing_else(tmp_path: Path) -> None:
    good = write_ratings(tmp_path / "good", "userId,movieId,rating,timestamp\n1,2,4.0,5\n")
    rating_store.write_store(good, tmp_path / "store")
    bad = write_ratings(
        tmp_path / "bad", "userId,movieId,rating,timestamp\n1,2,4.0,5\n1,3,4.0,5\n2,2,7.0,5\n"
    )
    with pytest.raises(MalformedRowError, match=r"ratings.csv:4: rating 7.0 outside"):
        rating_store.write_store(bad, tmp_path / "store")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "store"]
    assert len(rating_store.read_ratings(tmp_path / "store")) == 1


def test_timestamps_beyond_int32_are_refused(tmp_path: Path) -> None:
    late = write_ratings(tmp_path / "late", "userId,movieId,rating,timestamp\n1,2,4.0,4102444800\n")
    with pytest.raises(DatasetError, match="32 bits"):
        rating_store.write_store(late, tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_a_damaged_store_is_a_clear_error(dataset: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    rating_store.write_store(dataset, store)
    with pytest.raises(DatasetError, match="no rating store"):
        rating_store.read_ratings(tmp_path / "elsewhere")
    stars = store / "ratings.stars.npy"
    data = bytearray(stars.read_bytes())
    last = np.frombuffer(bytes(data[-4:]), dtype="<f4")[0]
    data[-4:] = np.array([1.0 if last != 1.0 else 2.0], dtype="<f4").tobytes()  # still a star
    stars.write_bytes(bytes(data))
    rating_store.read_ratings(store)  # shapes still agree: only a checksum notices
    with pytest.raises(DatasetError, match="checksum mismatch"):
        rating_store.read_ratings(store, verify=True)
    data[-4:] = np.array([7.5], dtype="<f4").tobytes()  # not a star at all
    stars.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="damaged"):
        rating_store.read_ratings(store)
    stars.write_bytes(bytes(data[:-400]))
    with pytest.raises(DatasetError, match=r"ratings\.stars\.npy"):
        rating_store.read_ratings(store)
    manifest = json.loads((store / "manifest.json").read_text())
    (store / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(DatasetError, match="not a version-1 rating store"):
        rating_store.read_manifest(store)
