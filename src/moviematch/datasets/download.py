"""Getting the MovieLens and IMDb files onto this machine: download, or adopt a local copy.

* :func:`fetch` downloads from the publisher with a progress bar, resumes an interrupted
  download (HTTP ``Range``), verifies checksums (see :mod:`moviematch.datasets.checksums`)
  and installs the dataset directory atomically. When the dataset is already installed and
  verified it returns at once, without touching the network.
* :func:`use_local` adopts files the user already has (``--from DIR``): a dataset folder, its
  parent, or the ``.zip`` as downloaded. Files are **copied** by default (the data directory
  then never depends on the source staying put); ``symlink=True`` links the folder instead.
* :func:`ensure` picks between the two: an explicit source, else the environment variable
  ``MOVIEMATCH_MOVIELENS_DIR`` / ``MOVIEMATCH_IMDB_DIR``, else the network.

The publisher base URLs can be overridden with ``MOVIEMATCH_MOVIELENS_URL`` /
``MOVIEMATCH_IMDB_URL`` or the ``base_url`` argument (the tests point them at loopback).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import requests
from tqdm import tqdm

from moviematch.datasets import install
from moviematch.datasets.checksums import PINNED_SHA256, file_digest, verify_pinned
from moviematch.datasets.errors import ChecksumError, DatasetError, OfflineError

__all__ = ["DATASETS", "DatasetSpec", "OfflineError", "ensure", "fetch", "use_local"]

MOVIELENS_URL = "https://files.grouplens.org/datasets/movielens"
IMDB_URL = "https://datasets.imdbws.com"
#: Seconds to wait for a TCP connection: short, so an offline machine fails fast.
CONNECT_TIMEOUT = 5.0
# Bytes per write; an interrupted transfer loses at most the block in flight.
_BLOCK = 64 << 10
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")

_CSV_RATINGS = ("ratings.csv", "movies.csv", "links.csv", "tags.csv")
_GENOME = ("genome-scores.csv", "genome-tags.csv")
_IMDB_FILES = tuple(
    f"{stem}.tsv.gz"
    for stem in ("title.basics", "title.akas", "title.crew", "title.principals", "name.basics")
)


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset is made of and where it comes from.

    Attributes
    ----------
    name : str
        Key in :data:`DATASETS` and the directory name under the data directory.
    kind : {"movielens", "imdb"}
        MovieLens datasets are one zip (``<name>.zip`` + ``<name>.zip.md5``); IMDb is a set of
        ``.tsv.gz`` files downloaded as they are.
    remote_files : tuple of str
        File names under the base URL.
    required : tuple of str
        Files that must be present in the installed directory.
    optional : tuple of str
        Further files copied along by :func:`use_local` when present.
    sha256 : mapping of str to str
        Pinned checksums of installed files (empty when none are known).
    """

    name: str
    kind: Literal["movielens", "imdb"]
    remote_files: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)

    @property
    def url_env(self) -> str:
        return "MOVIEMATCH_IMDB_URL" if self.kind == "imdb" else "MOVIEMATCH_MOVIELENS_URL"

    @property
    def dir_env(self) -> str:
        return "MOVIEMATCH_IMDB_DIR" if self.kind == "imdb" else "MOVIEMATCH_MOVIELENS_DIR"

    def base_url(self, override: str | None = None) -> str:
        default = IMDB_URL if self.kind == "imdb" else MOVIELENS_URL
        return (override or os.environ.get(self.url_env) or default).rstrip("/")

    def urls(self, base_url: str | None = None) -> list[str]:
        base = self.base_url(base_url)
        return [f"{base}/{name}" for name in self.remote_files]


def _movielens(name: str, required: tuple[str, ...], optional: tuple[str, ...]) -> DatasetSpec:
    pins = dict(PINNED_SHA256.get(name, {}))
    return DatasetSpec(name, "movielens", (f"{name}.zip",), required, optional, pins)


DATASETS: dict[str, DatasetSpec] = {
    "ml-latest-small": _movielens("ml-latest-small", _CSV_RATINGS, ("README.txt",)),
    "ml-25m": _movielens("ml-25m", _CSV_RATINGS + _GENOME, ("README.txt",)),
    "ml-latest": _movielens("ml-latest", _CSV_RATINGS + _GENOME, ("README.txt",)),
    "ml-100k": _movielens(
        "ml-100k",
        ("u.data", "u.item", "u.genre"),
        tuple(name for name in PINNED_SHA256["ml-100k"] if name not in ("u.data", "u.item")),
    ),
    "imdb": DatasetSpec("imdb", "imdb", _IMDB_FILES, _IMDB_FILES),
}


def _spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r} (known: {known})") from None


def _offline(spec: DatasetSpec, url: str, reason: object) -> OfflineError:
    host = urlsplit(url).netloc or url
    urls = "\n  ".join(spec.urls())
    unpack = "unzip it, " if spec.kind == "movielens" else ""
    return OfflineError(
        f"cannot reach {host} to download {spec.name} ({reason}).\n"
        f"Fetch the file(s) by hand (on another machine if needed):\n  {urls}\n"
        f"then {unpack}pass the folder (or the .zip) with --from DIR, or set {spec.dir_env}=DIR."
    )


def _installed(spec: DatasetSpec, target: Path) -> bool:
    if not target.is_dir() or install.missing_files(target, spec.required):
        return False
    if not install.marker_matches(target, spec.name):
        return False
    try:
        verify_pinned(spec.sha256, target, require_all=False)
    except ChecksumError:
        return False
    return True


def fetch(
    name: str,
    data_dir: Path | str,
    *,
    progress: bool = True,
    timeout: float = 30,
    base_url: str | None = None,
) -> Path:
    """Download dataset `name` into ``data_dir/name`` (unless already there) and return it.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    data_dir : Path or str
        Parent directory of the installed datasets; created if needed.
    progress : bool
        Show a tqdm progress bar (bytes) on stderr.
    timeout : float
        Seconds without data before a read fails; connecting waits :data:`CONNECT_TIMEOUT`.
    base_url : str, optional
        Overrides the publisher URL (else ``$MOVIEMATCH_MOVIELENS_URL``/``$MOVIEMATCH_IMDB_URL``).

    Raises
    ------
    OfflineError
        The publisher cannot be reached; the message lists the URLs and the ``--from`` way.
    ChecksumError
        The zip's md5 or an extracted file's pinned sha256 differs; the download is deleted.
    DatasetError
        Unknown name, HTTP error, interrupted transfer (partial file kept for resuming), a zip
        without the expected files, or no checksum available for an unpinned dataset.
    """
    spec = _spec(name)
    data_dir = Path(data_dir)
    target = data_dir / spec.name
    if _installed(spec, target):
        return target
    data_dir.mkdir(parents=True, exist_ok=True)
    with requests.Session() as session:
        if spec.kind == "imdb":
            return _fetch_imdb(spec, data_dir, session, base_url, progress, timeout)
        return _fetch_zip(spec, data_dir, session, base_url, progress, timeout)


def _fetch_zip(
    spec: DatasetSpec,
    data_dir: Path,
    session: requests.Session,
    base_url: str | None,
    progress: bool,
    timeout: float,
) -> Path:
    (url,) = spec.urls(base_url)
    part = data_dir / f".{spec.name}.zip.part"
    md5 = _published_md5(spec, session, url + ".md5", timeout)
    if md5 is None and not spec.sha256:
        raise DatasetError(
            f"{url}.md5 is not published and {spec.name} has no pinned checksums; refusing an "
            "unverifiable download (fetch it by hand and use --from DIR)"
        )
    _download(spec, session, url, part, progress, timeout)
    try:
        if md5 is not None:
            actual = file_digest(part, "md5")
            if actual != md5:
                raise ChecksumError(url, "md5", md5, actual)
        verification = f"md5 {md5}" if md5 else "pinned sha256"
        installed = install_zip(spec.name, part, data_dir, verification=verification)
    except DatasetError:
        part.unlink(missing_ok=True)  # a bad download is never resumed
        raise
    part.unlink()
    return installed


def install_zip(name: str, archive: Path, data_dir: Path, *, verification: str) -> Path:
    """Unpack a dataset zip into ``data_dir/name`` atomically after checking its files.

    Raises
    ------
    DatasetError
        A bad zip or missing required files. :class:`ChecksumError` for a pin mismatch.
        Nothing is left in `data_dir` in either case.
    """
    spec = _spec(name)
    staging = install.staging_dir(data_dir, spec.name)
    try:
        root = install.extract_zip(archive, staging, spec.name)
        missing = install.missing_files(root, spec.required)
        if missing:
            raise DatasetError(f"{archive}: zip lacks {', '.join(missing)} for {spec.name}")
        verify_pinned(spec.sha256, root, require_all=True)
        install.write_marker(root, spec.name, verification)
        install.move_into_place(root, data_dir / spec.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return data_dir / spec.name


def _fetch_imdb(
    spec: DatasetSpec,
    data_dir: Path,
    session: requests.Session,
    base_url: str | None,
    progress: bool,
    timeout: float,
) -> Path:
    # Finished files stay in the staging folder between runs, so a rerun resumes.
    staging = data_dir / f".{spec.name}.partial"
    staging.mkdir(exist_ok=True)
    for filename, url in zip(spec.remote_files, spec.urls(base_url), strict=True):
        final = staging / filename
        if final.is_file():
            continue
        part = staging / f"{filename}.part"
        _download(spec, session, url, part, progress, timeout)
        with part.open("rb") as handle:
            if handle.read(2) != b"\x1f\x8b":
                part.unlink()
                raise DatasetError(f"{url}: not a gzip file (deleted)")
        os.replace(part, final)
    install.write_marker(staging, spec.name, "complete transfer (Content-Length), gzip header")
    install.move_into_place(staging, data_dir / spec.name)
    return data_dir / spec.name


def _published_md5(
    spec: DatasetSpec, session: requests.Session, url: str, timeout: float
) -> str | None:
    try:
        response = session.get(url, timeout=(min(CONNECT_TIMEOUT, timeout), timeout))
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _offline(spec, url, exc.__class__.__name__) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise DatasetError(f"{url}: HTTP {response.status_code}")
    match = _MD5.search(response.text)
    if match is None:
        raise DatasetError(f"{url}: no md5 digest in the response")
    return match.group(1).lower()


def _download(
    spec: DatasetSpec,
    session: requests.Session,
    url: str,
    part: Path,
    progress: bool,
    timeout: float,
) -> None:
    """Download `url` to `part`, continuing a previous partial file when the server allows."""
    start = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    try:
        response = session.get(
            url, stream=True, headers=headers, timeout=(min(CONNECT_TIMEOUT, timeout), timeout)
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _offline(spec, url, exc.__class__.__name__) from None
    with response:
        if response.status_code == 416 and start:
            # Range past the end: the partial file is stale or already whole; start again.
            part.unlink()
            response.close()
            _download(spec, session, url, part, progress, timeout)
            return
        if response.status_code == 206 and start:
            mode = "ab"
        elif response.status_code == 200:
            mode, start = "wb", 0
        else:
            raise DatasetError(f"{url}: HTTP {response.status_code}")
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else None
        with (
            part.open(mode) as out,
            tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=url.rsplit("/", 1)[-1],
                disable=not progress,
            ) as bar,
        ):
            try:
                for block in response.iter_content(_BLOCK):
                    out.write(block)
                    bar.update(len(block))
            except requests.RequestException as exc:
                raise DatasetError(
                    f"{url}: transfer interrupted ({exc.__class__.__name__}); run again to resume"
                ) from None
    size = part.stat().st_size
    if total is not None and size != total:
        raise DatasetError(f"{url}: got {size} of {total} bytes; run again to resume the download")


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
    spec = _spec(name)
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
    return install_zip(spec.name, archive, data_dir, verification=verification)


def ensure(
    name: str,
    data_dir: Path | str,
    *,
    source_dir: Path | str | None = None,
    progress: bool = True,
    timeout: float = 30,
) -> Path:
    """The dataset directory, from `source_dir`, else ``$MOVIEMATCH_*_DIR``, else downloaded.

    Raises whatever :func:`use_local` or :func:`fetch` raise.
    """
    spec = _spec(name)
    local = source_dir or os.environ.get(spec.dir_env)
    if local:
        return use_local(name, local, data_dir)
    return fetch(name, data_dir, progress=progress, timeout=timeout)
