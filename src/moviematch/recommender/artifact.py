"""Model artifacts on disk: a directory of ``arrays.npz`` + ``meta.json``.

``meta.json`` holds the format name and version, the SHA-256 of ``arrays.npz``, the name,
shape and dtype of every array, and whatever JSON payload the caller adds (hyperparameters,
training metadata). Nothing is pickled: arrays are read with ``allow_pickle=False``.

Writes are atomic: the directory is assembled in a temporary sibling, every file is
fsynced, and the sibling is renamed into place, so a reader never sees half an artifact.
Replacing an *existing* directory takes two renames (old out of the way, new in) and leaves
a moment without any artifact at that path; a running site should therefore use
``publish``/``current``, which never overwrite: each version gets a new directory and the
one-line ``CURRENT`` file is swapped with a single atomic ``os.replace``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.errors import CorruptModelError

FORMAT_NAME = "moviematch-model"
# 2: the onboarding picker is its own, required component (it was inside "similarity").
FORMAT_VERSION = 2
ARRAYS_FILE = "arrays.npz"
META_FILE = "meta.json"
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".publish.lock"
KEEP_VERSIONS = 2
_VERSION_RE = re.compile(r"^v(\d{6,})$")


def save_artifact(
    path: Path | str, arrays: Mapping[str, npt.NDArray[Any]], payload: Mapping[str, Any]
) -> None:
    """Write ``arrays`` and the JSON ``payload`` atomically as the directory ``path``.

    Parameters
    ----------
    path : Path
        Target directory; its parent must exist. An existing directory is replaced.
    arrays : mapping of str to ndarray
        Numeric arrays (object arrays are refused).
    payload : mapping
        JSON-serialisable metadata, stored under ``"payload"`` in ``meta.json``.

    Raises
    ------
    ValueError
        An array has dtype object or the payload is not JSON-serialisable.
    """
    path = Path(path)
    for name, array in arrays.items():
        if np.asarray(array).dtype.kind == "O":
            raise ValueError(f"array {name!r} has dtype object; only numeric arrays are stored")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        npz_path = tmp / ARRAYS_FILE
        with npz_path.open("wb") as handle:
            named = {name: np.asarray(a) for name, a in arrays.items()}
            np.savez(handle, **named)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        meta = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "arrays_sha256": _sha256(npz_path),
            "arrays": {
                name: {"shape": list(np.shape(a)), "dtype": np.asarray(a).dtype.str}
                for name, a in arrays.items()
            },
            "payload": payload,
        }
        text = json.dumps(meta, indent=2, sort_keys=True, allow_nan=False)
        _write_text_synced(tmp / META_FILE, text)
        _fsync_dir(tmp)
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:12]}"
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old)
        else:
            tmp.rename(path)
        _fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_artifact(
    path: Path | str,
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """Read and validate an artifact directory; returns ``(arrays, payload)``.

    Raises
    ------
    CorruptModelError
        Missing directory or file, unreadable/invalid JSON, unknown format or version,
        checksum mismatch, an array missing/extra or of the wrong shape or dtype, or a
        floating-point array holding NaN or infinity. The message names the path.
    """
    path = Path(path)
    meta_path, npz_path = path / META_FILE, path / ARRAYS_FILE
    if not path.is_dir():
        raise CorruptModelError(f"{path}: model artifact directory not found")
    for required in (meta_path, npz_path):
        if not required.is_file():
            raise CorruptModelError(f"{required}: file missing from the model artifact")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptModelError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise CorruptModelError(f"{meta_path}: not a {FORMAT_NAME} artifact")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CorruptModelError(
            f"{meta_path}: format version {meta.get('format_version')!r} is not supported "
            f"(this code reads version {FORMAT_VERSION}; retrain or upgrade)"
        )
    declared = meta.get("arrays")
    payload = meta.get("payload")
    if not isinstance(declared, dict) or not isinstance(payload, dict):
        raise CorruptModelError(f"{meta_path}: 'arrays' and 'payload' must be JSON objects")
    if _sha256(npz_path) != meta.get("arrays_sha256"):
        raise CorruptModelError(f"{npz_path}: checksum mismatch (file changed or truncated)")
    arrays = _read_npz(npz_path)
    if set(arrays) != set(declared):
        missing = sorted(set(declared) - set(arrays))
        extra = sorted(set(arrays) - set(declared))
        raise CorruptModelError(f"{npz_path}: arrays missing {missing}, unexpected {extra}")
    for name, array in arrays.items():
        spec = declared[name]
        if not isinstance(spec, dict):
            raise CorruptModelError(f"{meta_path}: bad description of array {name!r}")
        if list(array.shape) != spec.get("shape") or array.dtype.str != spec.get("dtype"):
            raise CorruptModelError(
                f"{npz_path}: array {name!r} is {array.dtype.str}{list(array.shape)}, "
                f"meta.json says {spec.get('dtype')}{spec.get('shape')}"
            )
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            raise CorruptModelError(f"{npz_path}: array {name!r} contains NaN or infinity")
    return arrays, payload


def require_arrays(arrays: Mapping[str, Any], keys: Sequence[str], owner: str) -> None:
    """Raise ``CorruptModelError`` naming which of ``keys`` a component's arrays lack."""
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise CorruptModelError(f"{owner} arrays missing: {missing}")


def are_sorted_ids(ids: npt.NDArray[Any]) -> bool:
    """True for a 1-d integer array in strictly increasing order (how ids are stored)."""
    return bool(ids.ndim == 1 and ids.dtype.kind == "i" and not np.any(np.diff(ids) <= 0))


def publish(
    root: Path | str,
    save_fn: Callable[[Path], None],
    *,
    before_switch: Callable[[Path], None] | None = None,
) -> Path:
    """Save a new version under ``root`` and point ``root/CURRENT`` at it.

    ``save_fn(path)`` must write an artifact at ``path`` (e.g. ``model.save``). Versions
    are directories ``v000001``, ``v000002``, …; after the pointer is swapped, all but the
    newest ``KEEP_VERSIONS`` are deleted (a reader still holding the previous version's
    arrays in memory is unaffected; one re-reading it has a full cycle to do so).

    Publishers take turns: an exclusive lock on ``root/.publish.lock`` is held from choosing
    the version number to swapping the pointer, so two trainings finishing together get two
    versions. Under the lock, leftovers of an earlier publisher that was killed mid-save
    (temporary directories and pointer files) are removed.

    Parameters
    ----------
    before_switch : callable, optional
        Called with the saved version directory before ``CURRENT`` is swapped (e.g. to
        record the run in a database). If it raises, the version is deleted and ``CURRENT``
        is unchanged.

    Returns
    -------
    Path
        The new version directory.

    Raises
    ------
    Exception
        Whatever ``save_fn`` or ``before_switch`` raises; then nothing is left behind and
        ``CURRENT`` is unchanged.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(root / LOCK_FILE):
        _remove_leftovers(root)
        numbers = [int(m.group(1)) for m in map(_VERSION_RE.match, _listdir(root)) if m]
        target = root / f"v{max(numbers, default=0) + 1:06d}"
        try:
            save_fn(target)
            if not target.is_dir():
                raise CorruptModelError(f"{target}: save function did not create the artifact")
            if before_switch is not None:
                before_switch(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        pointer_tmp = root / f".{CURRENT_FILE}.tmp-{uuid.uuid4().hex[:12]}"
        _write_text_synced(pointer_tmp, target.name + "\n")
        os.replace(pointer_tmp, root / CURRENT_FILE)
        _fsync_dir(root)
        _prune(root, keep=target.name)
    return target


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_leftovers(root: Path) -> None:
    """Temporary files and directories of publishers that died (call with the lock held)."""
    for entry in root.iterdir():
        if entry.name.startswith(".") and (".tmp-" in entry.name or ".old-" in entry.name):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def current(root: Path | str) -> Path:
    """The version directory ``root/CURRENT`` points to.

    Raises
    ------
    CorruptModelError
        No ``CURRENT`` file, or it names something that is not a version directory.
    """
    root = Path(root)
    pointer = root / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CorruptModelError(f"{pointer}: no published model (run training first)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptModelError(f"{pointer}: unreadable ({exc})") from None
    if not _VERSION_RE.match(name) or not (root / name).is_dir():
        raise CorruptModelError(f"{pointer}: points to {name!r}, which is not a model version")
    return root / name


def _prune(root: Path, keep: str) -> None:
    versions = sorted(
        (int(m.group(1)), m.group(0)) for m in map(_VERSION_RE.match, _listdir(root)) if m
    )
    for _, name in versions[:-KEEP_VERSIONS]:
        if name != keep:
            shutil.rmtree(root / name, ignore_errors=True)


def _listdir(root: Path) -> list[str]:
    return [entry.name for entry in root.iterdir() if entry.is_dir()]


def _read_npz(npz_path: Path) -> dict[str, npt.NDArray[Any]]:
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise CorruptModelError(f"{npz_path}: unreadable ({exc})") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_text_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
