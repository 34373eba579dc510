"""Cheap fingerprints of data files, to tell whether an import has to run again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def directory_fingerprint(directory: Path, names: Iterable[str]) -> str:
    """SHA-256 over the name, size and modification time of each listed file that exists.

    Reading metadata instead of contents keeps ``setup`` re-runs instant even for the
    multi-gigabyte IMDb files; a copied or edited file changes its size or mtime.
    """
    digest = hashlib.sha256()
    for name in sorted(names):
        path = Path(directory) / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
