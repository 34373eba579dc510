"""Putting a dataset directory in place atomically, and recognising one already in place.

A dataset is assembled in a temporary directory *inside* the data directory (same file
system), checked, stamped with a small JSON marker, and only then renamed to its final name,
so a reader never sees half a dataset and an interrupted run leaves at most a ``.tmp-*``
directory that the next run removes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from moviematch.datasets.checksums import verify_pinned
from moviematch.datasets.errors import DatasetError
from moviematch.datasets.specs import DatasetSpec

MARKER = ".moviematch-dataset.json"


def staging_dir(data_dir: Path, name: str) -> Path:
    """A fresh temporary directory in `data_dir` for assembling dataset `name`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in data_dir.glob(f".tmp-{name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=data_dir))


def extract_zip(archive: Path, destination: Path, name: str) -> Path:
    """Unpack `archive` into `destination`; return the directory holding the dataset files.

    GroupLens zips hold one top folder named like the dataset (``ml-25m/``); a zip whose files
    sit at the top level is accepted too. Members with absolute paths or ``..`` are refused.

    Raises
    ------
    DatasetError
        The file is not a readable zip, a member fails its CRC, or a member path is unsafe.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                parts = PurePosixPath(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise DatasetError(f"{archive}: unsafe path in zip: {member.filename!r}")
            bundle.extractall(destination)
    except zipfile.BadZipFile as exc:
        raise DatasetError(f"{archive}: not a valid zip archive ({exc})") from None
    nested = destination / name
    return nested if nested.is_dir() else destination


def missing_files(directory: Path, required: Iterable[str]) -> list[str]:
    """The names in `required` that are not regular files in `directory`."""
    return [name for name in required if not (directory / name).is_file()]


def write_marker(directory: Path, name: str, verification: str) -> None:
    """Record what was checked and each file's size, for the cheap :func:`marker_matches`."""
    sizes = {
        entry.name: entry.stat().st_size
        for entry in sorted(directory.iterdir())
        if entry.is_file() and entry.name != MARKER
    }
    payload = {"dataset": name, "verified": verification, "sizes": sizes}
    (directory / MARKER).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def marker_matches(directory: Path, name: str) -> bool:
    """True when `directory` has a marker for `name` and every recorded file has its size.

    A directory without a marker (a user's own copy, a symlink) is judged by the caller on
    required files and pins alone.
    """
    path = directory / MARKER
    if not path.is_file():
        return True
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        sizes = dict(payload["sizes"])
        if payload["dataset"] != name:
            return False
    except (ValueError, KeyError, TypeError):
        return False
    for filename, size in sizes.items():
        file = directory / filename
        if not file.is_file() or file.stat().st_size != size:
            return False
    return True


def marker_dataset(directory: Path) -> str | None:
    """The dataset name in `directory`'s marker (None without a readable one)."""
    try:
        payload = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        return str(payload["dataset"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def move_into_place(source: Path, target: Path) -> None:
    """Rename `source` to `target`, replacing whatever (unverified) was at `target`."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        # Rename the old copy out of the way first so the swap is two renames, not a copy.
        doomed = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-old-", dir=target.parent))
        os.replace(target, doomed / "old")
        shutil.rmtree(doomed, ignore_errors=True)
    os.replace(source, target)


def copy_files(source: Path, names: Iterable[str], destination: Path) -> None:
    """Copy the named files of `source` that exist into `destination` (metadata kept)."""
    for name in names:
        if (source / name).is_file():
            shutil.copy2(source / name, destination / name)


def link_into_place(source: Path, target: Path) -> None:
    """Make `target` a symlink to `source`, atomically (symlink at a temp name, then rename)."""
    temporary = target.with_name(f".tmp-{target.name}-link")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(source.resolve(), target_is_directory=True)
    if target.exists() and not target.is_symlink() and target.is_dir():
        move_into_place(temporary, target)
    else:
        os.replace(temporary, target)


def install_zip(spec: DatasetSpec, archive: Path, data_dir: Path, *, verification: str) -> Path:
    """Unpack a dataset zip into ``data_dir/name`` atomically after checking its files.

    Raises
    ------
    DatasetError
        A bad zip or missing required files. :class:`ChecksumError` for a pin mismatch.
        Nothing is left in `data_dir` in either case.
    """
    staging = staging_dir(data_dir, spec.name)
    try:
        root = extract_zip(archive, staging, spec.name)
        missing = missing_files(root, spec.required)
        if missing:
            raise DatasetError(f"{archive}: zip lacks {', '.join(missing)} for {spec.name}")
        verify_pinned(spec.sha256, root, require_all=True)
        write_marker(root, spec.name, verification)
        move_into_place(root, data_dir / spec.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return data_dir / spec.name
