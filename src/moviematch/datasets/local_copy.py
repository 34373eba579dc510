"""Adopting MovieLens/IMDb files the user already has (``--from DIR``), checked like a download.

Files are **copied** by default, atomically, so the data directory never depends on the
source staying put; ``symlink=True`` links the folder instead (no copy; the source must stay).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from moviematch.datasets import install
from moviematch.datasets.checksums import file_digest, verify_pinned
from moviematch.datasets.errors import ChecksumError, DatasetError
from moviematch.datasets.specs import DatasetSpec, dataset_spec

_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")


def use_local(
    name: str, source_dir: Path | str, data_dir: Path | str, *, symlink: bool = False
) -> Path:
    """Install dataset `name` from files the user already has; return ``data_dir/name``.

    Parameters
    ----------
    source_dir : Path or str
        The dataset folder itself, a folder containing it (``DIR/ml-25m``), or for MovieLens
        the downloaded ``.zip`` (checked against a ``.zip.md5`` beside it when there is one).
    symlink : bool
        False (default): copy the dataset's known files into a fresh directory, atomically.
        True: make ``data_dir/name`` a symlink to the folder (no copy; the source must stay).

    Raises
    ------
    DatasetError
        Required files missing (all are listed). :class:`ChecksumError` when a pinned file
        differs from its sha256, or the zip from its md5.
    """
    spec = dataset_spec(name)
    source = Path(source_dir).expanduser()
    data_dir = Path(data_dir)
    target = data_dir / spec.name
    if source.is_file() and source.suffix == ".zip" and spec.kind == "movielens":
        return _use_local_zip(spec, source, data_dir)
    nested = source / spec.name
    root = nested if nested.is_dir() and install.missing_files(source, spec.required) else source
    missing = install.missing_files(root, spec.required)
    if missing:
        raise DatasetError(
            f"{source}: not a {spec.name} dataset; missing {', '.join(missing)} "
            f"(looked in {source} and {source / spec.name})"
        )
    verify_pinned(spec.sha256, root, require_all=False)
    if target.exists() and root.resolve() == target.resolve():
        return target
    data_dir.mkdir(parents=True, exist_ok=True)
    if symlink:
        install.link_into_place(root, target)
        return target
    staging = install.staging_dir(data_dir, spec.name)
    try:
        install.copy_files(root, spec.required + spec.optional, staging)
        install.write_marker(staging, spec.name, f"copied from {root.resolve()}")
        install.move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _use_local_zip(spec: DatasetSpec, archive: Path, data_dir: Path) -> Path:
    checksum_file = archive.with_name(archive.name + ".md5")
    verification = f"local zip {archive.resolve()}"
    if checksum_file.is_file():
        match = _MD5.search(checksum_file.read_text(encoding="utf-8", errors="replace"))
        if match is None:
            raise DatasetError(f"{checksum_file}: no md5 digest in it")
        actual = file_digest(archive, "md5")
        if actual != match.group(1).lower():
            raise ChecksumError(archive, "md5", match.group(1).lower(), actual)
        verification += f", md5 {actual}"
    return install.install_zip(spec, archive, data_dir, verification=verification)
