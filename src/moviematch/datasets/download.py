"""Getting the MovieLens and IMDb files onto this machine: download, or adopt a local copy.

* :func:`fetch` downloads from the publisher with a progress bar, resumes an interrupted
  download (HTTP ``Range``), verifies checksums (see :mod:`moviematch.datasets.checksums`)
  and installs the dataset directory atomically. When the dataset is already installed and
  verified it returns at once, without touching the network.
* :func:`use_local` adopts files the user already has (``--from DIR``): a dataset folder, its
  parent, or the ``.zip`` as downloaded. Files are **copied** by default (the data directory
  then never depends on the source staying put); ``symlink=True`` links the folder instead.
* :func:`ensure` picks between the two: a local source when one is given, else the network.

The publisher base URL can be overridden with the ``base_url`` argument (a mirror; the tests
point it at loopback). Nothing here reads the environment: the site's settings
(``MOVIEMATCH["MOVIELENS_DIR"]``, ``["MOVIELENS_URL"]``, …) do, and the management commands
pass the values in.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import requests
from tqdm import tqdm

from moviematch.datasets import install
from moviematch.datasets.checksums import file_digest, verify_pinned
from moviematch.datasets.errors import ChecksumError, DatasetError, OfflineError
from moviematch.datasets.local_copy import use_local
from moviematch.datasets.specs import DATASETS, DatasetSpec, dataset_spec

__all__ = [
    "CONNECT_TIMEOUT",
    "DATASETS",
    "DatasetSpec",
    "OfflineError",
    "ensure",
    "fetch",
    "use_local",
]

#: Seconds to wait for a TCP connection: short, so an offline machine fails fast.
CONNECT_TIMEOUT = 5.0
# Bytes per write; an interrupted transfer loses at most the block in flight.
_BLOCK = 64 << 10
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")


def _offline(spec: DatasetSpec, url: str, reason: object) -> OfflineError:
    host = urlsplit(url).netloc or url
    urls = "\n  ".join(spec.urls())
    unpack = "unzip it, " if spec.kind == "movielens" else ""
    return OfflineError(
        f"cannot reach {host} to download {spec.name} ({reason}).\n"
        f"Fetch the file(s) by hand (on another machine if needed):\n  {urls}\n"
        f"then {unpack}pass the folder (or the .zip) with --from DIR."
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
        Overrides the publisher URL (a mirror, a test server).

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
    spec = dataset_spec(name)
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
        installed = install.install_zip(spec, part, data_dir, verification=verification)
    except DatasetError:
        part.unlink(missing_ok=True)  # a bad download is never resumed
        raise
    part.unlink()
    return installed


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


def ensure(
    name: str,
    data_dir: Path | str,
    *,
    source_dir: Path | str | None = None,
    base_url: str | None = None,
    progress: bool = True,
    timeout: float = 30,
) -> Path:
    """The dataset directory: adopted from ``source_dir`` when given, else downloaded.

    ``base_url`` is passed to :func:`fetch`. Raises whatever :func:`use_local` or
    :func:`fetch` raise.
    """
    if source_dir:
        return use_local(name, source_dir, data_dir)
    return fetch(name, data_dir, progress=progress, timeout=timeout, base_url=base_url)
