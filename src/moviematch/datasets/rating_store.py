"""A dataset's ratings and tag genome as compact arrays on disk, read without re-parsing.

``ratings.csv`` of ML-25M is 25M lines (678 MB); parsing it costs seconds and, as int64
columns, 0.7 GB. An import streams it once (:func:`write_store`, a chunk at a time) into
a *store*: a directory of ``.npy`` files, memory-mapped when read, so training reads the
ratings of the movies it wants without the CSV and without holding the file's full width::

    ratings.user_ids.npy    int32 (n,)     userId
    ratings.movie_ids.npy   int32 (n,)     movieId
    ratings.stars.npy       float32 (n,)   0.5-5 in half stars
    ratings.timestamps.npy  int32 (n,)     Unix seconds (MovieLens' fit until 2038)
    genome.movie_ids.npy    int32 (m,)     ascending (only with a tag genome)
    genome.scores.npy       float32 (m, t) relevance, tags in tagId order
    manifest.json           format, version, source, row counts, genome tag names, and each
                            array's shape, dtype and sha256

The rows are the file's, in the file's order, after the readers' validation (field count,
ids, half stars, one rating per user and movie). Writing is atomic: a staging directory
beside the target is renamed into place only when everything was written. No pickle:
``np.load(allow_pickle=False)``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from moviematch.datasets.errors import DatasetError
from moviematch.datasets.genome import read_genome
from moviematch.datasets.install import move_into_place
from moviematch.datasets.movielens import iter_ratings
from moviematch.recommender.data import Genome, Ratings

FORMAT = "moviematch-rating-store"
VERSION = 1
MANIFEST = "manifest.json"
_RATING_COLUMNS = {
    "user_ids": np.dtype("<i4"),
    "movie_ids": np.dtype("<i4"),
    "stars": np.dtype("<f4"),
    "timestamps": np.dtype("<i4"),
}
_INT32 = np.iinfo(np.int32)


@dataclass(frozen=True)
class StoreSummary:
    """What :func:`write_store` wrote.

    Attributes
    ----------
    path : Path
        The store directory.
    n_ratings : int
    movie_ids : int64 array
        Every movieId with at least one rating, ascending.
    counts : int64 array
        Ratings per movie of ``movie_ids``.
    sums : float64 array
        Sum of stars per movie of ``movie_ids``.
    genome_movies : int
        Movies in the genome (0 without one).
    """

    path: Path
    n_ratings: int
    movie_ids: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    sums: npt.NDArray[np.float64]
    genome_movies: int


def write_store(
    dataset_dir: Path | str,
    target: Path | str,
    *,
    source: str = "",
    genome: Genome | None = None,
    chunk_rows: int = 1_000_000,
) -> StoreSummary:
    """Stream a dataset's ratings (and genome) into a store at ``target``, atomically.

    Parameters
    ----------
    dataset_dir : Path
        A MovieLens directory (``ratings.csv`` or ``u.data``; genome files optional).
    target : Path
        The store directory; an existing store there is replaced once the new one is whole.
    source : str
        Recorded in the manifest (e.g. the import's fingerprint), to tell stores apart.
    genome : Genome, optional
        The genome already read by the caller (it is read from ``dataset_dir`` otherwise).
    chunk_rows : int
        Rows parsed at a time; memory holds a few chunks plus the per-movie sums.

    Raises
    ------
    DatasetError
        No ratings file; a timestamp outside int32. ``MalformedRowError`` (file and line)
        from the readers. Nothing is left at ``target`` or beside it then.
    """
    dataset_dir, target = Path(dataset_dir), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    try:
        counts = np.zeros(0, dtype=np.int64)
        sums = np.zeros(0, dtype=np.float64)
        n = 0
        with _raw_columns(staging) as raw:
            for chunk in iter_ratings(dataset_dir, chunk_rows=chunk_rows):
                _check_int32(dataset_dir, chunk)
                for name, values in _columns(chunk).items():
                    raw[name].write(values.astype(_RATING_COLUMNS[name], copy=False).tobytes())
                top = int(chunk.movie_ids.max()) + 1
                if top > len(counts):
                    counts = np.concatenate([counts, np.zeros(top - len(counts), np.int64)])
                    sums = np.concatenate([sums, np.zeros(top - len(sums))])
                counts += np.bincount(chunk.movie_ids, minlength=len(counts))
                sums += np.bincount(
                    chunk.movie_ids, weights=chunk.values.astype(np.float64), minlength=len(sums)
                )
                n += len(chunk)
        arrays: dict[str, dict[str, Any]] = {}
        for name, dtype in _RATING_COLUMNS.items():
            arrays[f"ratings.{name}"] = _npy_from_raw(staging, f"ratings.{name}", dtype, n)
        if genome is None:
            genome = read_genome(dataset_dir)
        tag_names: list[str] = []
        if genome is not None:
            tag_names = list(genome.tag_names)
            for name, array in (
                ("genome.movie_ids", genome.movie_ids.astype(np.int32)),
                ("genome.scores", np.ascontiguousarray(genome.scores, dtype=np.float32)),
            ):
                np.save(staging / f"{name}.npy", array, allow_pickle=False)
                arrays[name] = _describe(staging / f"{name}.npy", array)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "source": source,
            "dataset_dir": str(dataset_dir.resolve()),
            "n_ratings": n,
            "genome_tags": tag_names,
            "arrays": arrays,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    rated = np.flatnonzero(counts)
    return StoreSummary(
        path=target,
        n_ratings=n,
        movie_ids=rated.astype(np.int64),
        counts=counts[rated],
        sums=sums[rated],
        genome_movies=0 if genome is None else len(genome.movie_ids),
    )


def _columns(chunk: Ratings) -> dict[str, npt.NDArray[Any]]:
    return {
        "user_ids": chunk.user_ids,
        "movie_ids": chunk.movie_ids,
        "stars": chunk.values,
        "timestamps": chunk.timestamps,
    }


def _check_int32(dataset_dir: Path, chunk: Ratings) -> None:
    # Ids are checked below 2**31 by the reader; timestamps are the one column to guard.
    stamps = chunk.timestamps
    if len(stamps) and (stamps.min() < _INT32.min or stamps.max() > _INT32.max):
        raise DatasetError(
            f"{dataset_dir}: a rating timestamp does not fit in 32 bits (after 2038?); "
            "the rating store keeps int32 timestamps"
        )


@contextlib.contextmanager
def _raw_columns(staging: Path) -> Iterator[dict[str, BinaryIO]]:
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context((staging / f"ratings.{name}.raw").open("wb"))
            for name in _RATING_COLUMNS
        }


def _npy_from_raw(staging: Path, name: str, dtype: np.dtype[Any], n: int) -> dict[str, Any]:
    """Turn ``name.raw`` (the column's bytes) into ``name.npy``: a header, then the bytes."""
    raw, final = staging / f"{name}.raw", staging / f"{name}.npy"
    digest = hashlib.sha256()
    with final.open("wb") as out, raw.open("rb") as data:
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
        np.lib.format.write_array_header_1_0(out, {**header, "shape": (n,)})
        while block := data.read(16 << 20):
            out.write(block)
            digest.update(block)
    raw.unlink()
    return {"shape": [n], "dtype": dtype.str, "sha256": digest.hexdigest()}


def _describe(path: Path, array: npt.NDArray[Any]) -> dict[str, Any]:
    return {
        "shape": list(array.shape),
        "dtype": array.dtype.str,
        "sha256": hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest(),
    }


def _replace(staging: Path, target: Path) -> None:
    for path in staging.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    staging.chmod(0o755)  # mkdtemp makes it private
    move_into_place(staging, target)


# ----------------------------------------------------------------------------- reading
def read_manifest(store: Path | str) -> dict[str, Any]:
    """The store's manifest.

    Raises
    ------
    DatasetError
        No store there, or a manifest of another format/version (re-import to rebuild it).
    """
    path = Path(store) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{store}: no rating store (run import_movielens)") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: unreadable manifest ({exc})") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DatasetError(f"{path}: not a version-{VERSION} rating store (run import_movielens)")
    return dict(manifest)


def _open(store: Path, manifest: dict[str, Any], name: str, *, verify: bool) -> np.ndarray:
    described = manifest["arrays"].get(name)
    if described is None:
        raise DatasetError(f"{store}: the rating store has no {name}")
    path = store / f"{name}.npy"
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: unreadable ({exc})") from None
    if list(array.shape) != described["shape"] or array.dtype.str != described["dtype"]:
        raise DatasetError(
            f"{path}: shape {array.shape} / dtype {array.dtype.str} differ from the manifest "
            f"({described['shape']} / {described['dtype']}): a damaged store; re-import"
        )
    if verify:
        digest = hashlib.sha256()
        for start in range(0, len(array), 4_000_000):
            digest.update(np.ascontiguousarray(array[start : start + 4_000_000]).tobytes())
        if digest.hexdigest() != described["sha256"]:
            raise DatasetError(f"{path}: checksum mismatch: a damaged store; re-import")
    return array


def read_ratings(
    store: Path | str, *, movie_ids: npt.ArrayLike | None = None, verify: bool = False
) -> Ratings:
    """The store's ratings (of ``movie_ids`` only, when given), as the engine's ``Ratings``.

    The columns are memory-mapped and only the selected rows are copied (to int64 ids and
    timestamps, as ``Ratings`` holds them). ``verify`` re-hashes each column (a second or
    so per 25M ratings).

    Raises
    ------
    DatasetError
        No store, a damaged one (shape, dtype or, with ``verify``, checksum).
    """
    store = Path(store)
    manifest = read_manifest(store)
    columns = {
        name: _open(store, manifest, f"ratings.{name}", verify=verify) for name in _RATING_COLUMNS
    }
    if movie_ids is None:
        rows: slice | npt.NDArray[np.bool_] = slice(None)
    else:
        wanted = np.asarray(movie_ids, dtype=np.int64)
        rows = np.isin(columns["movie_ids"], wanted)
    try:
        return Ratings(
            np.asarray(columns["user_ids"][rows], dtype=np.int64),
            np.asarray(columns["movie_ids"][rows], dtype=np.int64),
            np.asarray(columns["stars"][rows], dtype=np.float32),
            np.asarray(columns["timestamps"][rows], dtype=np.int64),
        )
    except ValueError as exc:  # stars out of range: the files were changed after writing
        raise DatasetError(f"{store}: a damaged rating store ({exc}); re-import") from None


def read_genome_arrays(
    store: Path | str, *, movie_ids: npt.ArrayLike | None = None, verify: bool = False
) -> Genome | None:
    """The store's tag genome (rows of ``movie_ids`` only, when given); None without one."""
    store = Path(store)
    manifest = read_manifest(store)
    if "genome.scores" not in manifest["arrays"]:
        return None
    ids = np.asarray(_open(store, manifest, "genome.movie_ids", verify=verify), dtype=np.int64)
    scores = _open(store, manifest, "genome.scores", verify=verify)
    rows = slice(None) if movie_ids is None else np.isin(ids, np.asarray(movie_ids, np.int64))
    return Genome(
        movie_ids=ids[rows],
        tag_names=list(manifest["genome_tags"]),
        scores=np.array(scores[rows], dtype=np.float32),
    )
