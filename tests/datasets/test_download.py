"""fetch/use_local against a real HTTP server on loopback; zips are built by the tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import socket
import time
import zipfile
from pathlib import Path

import pytest

from moviematch.datasets import download, movielens
from moviematch.datasets.download import DATASETS, DatasetSpec, fetch, use_local
from moviematch.datasets.errors import ChecksumError, DatasetError, OfflineError
from moviematch.datasets.install import MARKER

# Tiny files with the names and headers of ML-25M (the data is made up).
ML25M_FILES = {
    "ratings.csv": b"userId,movieId,rating,timestamp\n1,1,4.0,944249077\n1,2,3.5,944250228\n",
    "movies.csv": b'movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n2,"Matrix, The (1999)",'
    b"Action\r\n",
    "links.csv": b"movieId,imdbId,tmdbId\r\n1,0114709,862\r\n2,0133093,603\r\n",
    "tags.csv": b"userId,movieId,tag,timestamp\n1,2,cyberpunk,1\n",
    "genome-tags.csv": b"tagId,tag\n1,007\n",
    "genome-scores.csv": b"movieId,tagId,relevance\n1,1,0.25\n2,1,0.75\n",
    "README.txt": b"Summary\n",
}


def make_zip(folder: str, files: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(f"{folder}/{name}", data)
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def md5_line(data: bytes, name: str) -> bytes:
    return f"MD5 ({name}) = {hashlib.md5(data).hexdigest()}\n".encode()


def serve_ml25m(publisher, files: dict[str, bytes] = ML25M_FILES, md5: bool = True) -> bytes:
    archive = make_zip("ml-25m", files)
    publisher.files["/ml-25m.zip"] = archive
    if md5:
        publisher.files["/ml-25m.zip.md5"] = md5_line(archive, "ml-25m.zip")
    return archive


def leftovers(data_dir: Path, name: str) -> list[str]:
    return sorted(p.name for p in data_dir.iterdir() if p.name != name)


def test_fetch_downloads_verifies_and_installs(publisher, tmp_path: Path, capsys) -> None:
    serve_ml25m(publisher)
    target = fetch("ml-25m", tmp_path / "data", base_url=publisher.url)
    assert target == tmp_path / "data" / "ml-25m"
    for name, data in ML25M_FILES.items():
        assert (target / name).read_bytes() == data
    assert (target / MARKER).is_file()
    assert leftovers(tmp_path / "data", "ml-25m") == []  # no .part, no .tmp-*
    err = capsys.readouterr().err
    assert "ml-25m.zip" in err
    assert "100%" in err
    # The readers work on the result.
    assert [m.display_title for m in movielens.read_movies(target)] == ["Toy Story", "The Matrix"]
    assert len(movielens.load_ratings(target)) == 2


def test_fetch_is_idempotent(publisher, tmp_path: Path, capsys) -> None:
    serve_ml25m(publisher)
    fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    count = len(publisher.requests)
    assert fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False) == tmp_path / "ml-25m"
    assert len(publisher.requests) == count  # nothing downloaded again
    assert capsys.readouterr().err == ""
    # A damaged install (size differs from the marker) is downloaded again.
    (tmp_path / "ml-25m" / "ratings.csv").write_bytes(b"userId,movieId,rating,timestamp\n")
    fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    assert publisher.gets("/ml-25m.zip") == 2
    assert (tmp_path / "ml-25m" / "ratings.csv").read_bytes() == ML25M_FILES["ratings.csv"]


def test_base_url_is_an_argument_and_the_environment_is_not_read(
    publisher, tmp_path: Path, monkeypatch
) -> None:
    serve_ml25m(publisher)
    # The settings module reads MOVIEMATCH_MOVIELENS_URL; the pure package never does.
    monkeypatch.setenv("MOVIEMATCH_MOVIELENS_URL", "http://127.0.0.1:9")  # would fail
    assert fetch("ml-25m", tmp_path, base_url=publisher.url + "/", progress=False).is_dir()
    assert publisher.gets("/ml-25m.zip.md5") == 1


def test_md5_mismatch_leaves_nothing(publisher, tmp_path: Path) -> None:
    serve_ml25m(publisher)
    publisher.files["/ml-25m.zip.md5"] = md5_line(b"something else", "ml-25m.zip")
    with pytest.raises(ChecksumError, match="md5 mismatch"):
        fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unverifiable_download_refused(publisher, tmp_path: Path) -> None:
    serve_ml25m(publisher, md5=False)
    with pytest.raises(DatasetError, match="refusing an unverifiable download"):
        fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    assert publisher.gets("/ml-25m.zip") == 0
    assert list(tmp_path.iterdir()) == []


def pinned_spec(monkeypatch, files: dict[str, bytes]) -> DatasetSpec:
    pins = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    spec = DatasetSpec("ml-pinned", "movielens", ("ml-pinned.zip",), ("ratings.csv",), (), pins)
    monkeypatch.setitem(DATASETS, "ml-pinned", spec)
    return spec


def test_pinned_checksums_without_md5(publisher, tmp_path: Path, monkeypatch) -> None:
    good = {"ratings.csv": ML25M_FILES["ratings.csv"], "README.txt": b"hello\n"}
    pinned_spec(monkeypatch, good)
    publisher.files["/ml-pinned.zip"] = make_zip("ml-pinned", good)  # no .md5 published
    assert fetch("ml-pinned", tmp_path, base_url=publisher.url, progress=False).is_dir()
    # Same archive with one byte changed in a pinned file: rejected, nothing left behind.
    bad_dir = tmp_path / "second"
    publisher.files["/ml-pinned.zip"] = make_zip("ml-pinned", {**good, "README.txt": b"hellO\n"})
    with pytest.raises(ChecksumError, match=r"README\.txt: sha256 mismatch"):
        fetch("ml-pinned", bad_dir, base_url=publisher.url, progress=False)
    assert list(bad_dir.iterdir()) == []


def test_offline_fails_fast_with_instructions(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(OfflineError) as info:
        fetch("ml-25m", tmp_path, base_url=f"http://127.0.0.1:{port}", progress=False)
    assert time.monotonic() - started < 3
    message = str(info.value)
    assert "--from DIR" in message
    assert "https://files.grouplens.org/datasets/movielens/ml-25m.zip" in message
    assert list(tmp_path.iterdir()) == []


def test_http_error(publisher, tmp_path: Path) -> None:
    publisher.files["/ml-25m.zip.md5"] = md5_line(b"x", "ml-25m.zip")  # zip itself is 404
    with pytest.raises(DatasetError, match="HTTP 404"):
        fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)


def test_interrupted_download_resumes(publisher, tmp_path: Path) -> None:
    noise = random.Random(0).randbytes(300_000)  # incompressible, so the zip stays large
    archive = serve_ml25m(publisher, files={**ML25M_FILES, "big.bin": noise})
    publisher.cut_after["/ml-25m.zip"] = 200_000
    with pytest.raises(DatasetError, match="run again to resume"):
        fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    part = tmp_path / ".ml-25m.zip.part"
    kept = part.stat().st_size
    assert 0 < kept <= 200_000  # whole blocks received before the cut are kept
    assert archive.startswith(part.read_bytes())
    fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    assert publisher.requests[-1] == ("/ml-25m.zip", f"bytes={kept}-")
    assert (tmp_path / "ml-25m" / "big.bin").read_bytes() == noise
    assert not part.exists()


def test_zip_with_unsafe_paths_refused(publisher, tmp_path: Path) -> None:
    archive = make_zip("ml-25m", ML25M_FILES, extra={"../evil.txt": b"x"})
    publisher.files["/ml-25m.zip"] = archive
    publisher.files["/ml-25m.zip.md5"] = md5_line(archive, "ml-25m.zip")
    with pytest.raises(DatasetError, match="unsafe path"):
        fetch("ml-25m", tmp_path / "d", base_url=publisher.url, progress=False)
    assert not (tmp_path / "evil.txt").exists()
    assert list((tmp_path / "d").iterdir()) == []


def test_zip_missing_required_file(publisher, tmp_path: Path) -> None:
    files = {k: v for k, v in ML25M_FILES.items() if k != "tags.csv"}
    serve_ml25m(publisher, files=files)
    with pytest.raises(DatasetError, match=r"zip lacks tags\.csv"):
        fetch("ml-25m", tmp_path, base_url=publisher.url, progress=False)
    assert list(tmp_path.iterdir()) == []


def imdb_files() -> dict[str, bytes]:
    from moviematch.datasets import imdb

    headers = {
        "title.basics": imdb.TITLE_BASICS_HEADER,
        "title.akas": imdb.TITLE_AKAS_HEADER,
        "title.crew": imdb.TITLE_CREW_HEADER,
        "title.principals": imdb.TITLE_PRINCIPALS_HEADER,
        "name.basics": imdb.NAME_BASICS_HEADER,
    }
    return {
        f"{stem}.tsv.gz": gzip.compress(("\t".join(header) + "\n").encode())
        for stem, header in headers.items()
    }


def test_fetch_imdb(publisher, tmp_path: Path) -> None:
    for name, data in imdb_files().items():
        publisher.files[f"/{name}"] = data
    target = fetch("imdb", tmp_path, base_url=publisher.url, progress=False)
    assert sorted(p.name for p in target.iterdir()) == sorted([*imdb_files(), MARKER])
    assert leftovers(tmp_path, "imdb") == []
    count = len(publisher.requests)
    fetch("imdb", tmp_path, base_url=publisher.url, progress=False)
    assert len(publisher.requests) == count


def test_fetch_imdb_rejects_non_gzip(publisher, tmp_path: Path) -> None:
    for name, data in imdb_files().items():
        publisher.files[f"/{name}"] = data
    publisher.files["/title.crew.tsv.gz"] = b"<html>blocked</html>"
    with pytest.raises(DatasetError, match="not a gzip file"):
        fetch("imdb", tmp_path, base_url=publisher.url, progress=False)
    assert not (tmp_path / "imdb").exists()


def test_unknown_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown dataset 'ml-1b'"):
        fetch("ml-1b", tmp_path)


# ---- use_local ---------------------------------------------------------------------------------


def write_dataset(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def test_use_local_copies_known_files(tmp_path: Path) -> None:
    source = write_dataset(tmp_path / "downloads" / "ml-25m", {**ML25M_FILES, "notes.txt": b"x"})
    for given in (source, source.parent):  # the folder itself or its parent
        target = use_local("ml-25m", given, tmp_path / "data")
        assert not target.is_symlink()
        assert sorted(p.name for p in target.iterdir()) == sorted([*ML25M_FILES, MARKER])
        assert (target / "ratings.csv").read_bytes() == ML25M_FILES["ratings.csv"]
    assert leftovers(tmp_path / "data", "ml-25m") == []


def test_use_local_symlink(tmp_path: Path) -> None:
    source = write_dataset(tmp_path / "mine", ML25M_FILES)
    target = use_local("ml-25m", source, tmp_path / "data", symlink=True)
    assert target.is_symlink()
    assert target.resolve() == source.resolve()
    assert fetch("ml-25m", tmp_path / "data", base_url="http://127.0.0.1:9") == target


def test_use_local_lists_missing_files(tmp_path: Path) -> None:
    source = write_dataset(tmp_path / "partial", {"movies.csv": ML25M_FILES["movies.csv"]})
    with pytest.raises(DatasetError, match=r"missing ratings\.csv, links\.csv, tags\.csv"):
        use_local("ml-25m", source, tmp_path / "data")
    assert not (tmp_path / "data").exists()


def test_use_local_checks_pins(tmp_path: Path, monkeypatch) -> None:
    good = {"ratings.csv": ML25M_FILES["ratings.csv"]}
    pinned_spec(monkeypatch, good)
    source = write_dataset(tmp_path / "ml-pinned", {"ratings.csv": b"tampered\n"})
    with pytest.raises(ChecksumError, match="sha256 mismatch"):
        use_local("ml-pinned", source, tmp_path / "data")
    assert not (tmp_path / "data").exists()


def test_use_local_zip_with_md5(tmp_path: Path) -> None:
    archive = tmp_path / "ml-25m.zip"
    archive.write_bytes(make_zip("ml-25m", ML25M_FILES))
    (tmp_path / "ml-25m.zip.md5").write_bytes(md5_line(b"other", "ml-25m.zip"))
    with pytest.raises(ChecksumError, match="md5 mismatch"):
        use_local("ml-25m", archive, tmp_path / "data")
    (tmp_path / "ml-25m.zip.md5").write_bytes(md5_line(archive.read_bytes(), "ml-25m.zip"))
    target = use_local("ml-25m", archive, tmp_path / "data")
    assert (target / "links.csv").read_bytes() == ML25M_FILES["links.csv"]


def test_ensure_uses_the_source_else_downloads(publisher, tmp_path: Path, monkeypatch) -> None:
    source = write_dataset(tmp_path / "ml-25m", ML25M_FILES)
    dead = "http://127.0.0.1:9"  # would fail if a download were tried
    installed = download.ensure("ml-25m", tmp_path / "a", source_dir=source, base_url=dead)
    assert (installed / "ratings.csv").read_bytes() == ML25M_FILES["ratings.csv"]
    # Without a source it downloads; a directory named in the environment is not looked at.
    monkeypatch.setenv("MOVIEMATCH_MOVIELENS_DIR", str(source))
    serve_ml25m(publisher)
    assert download.ensure("ml-25m", tmp_path / "b", base_url=publisher.url).is_dir()
    assert publisher.gets("/ml-25m.zip") == 1
