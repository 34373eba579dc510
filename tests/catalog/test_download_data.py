"""``download_data``: offline fails fast with instructions; --from installs a local copy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.catalog.movielens_files import write_movielens


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, settings: object) -> Path:
    settings.DATA_DIR = tmp_path / "var"  # type: ignore[attr-defined]
    settings.MOVIEMATCH = {  # type: ignore[attr-defined]
        **settings.MOVIEMATCH,  # type: ignore[attr-defined]
        "MOVIELENS_DIR": None,
        "MOVIELENS_URL": f"http://127.0.0.1:{closed_port()}",
    }
    return tmp_path / "var"


def test_offline_fails_fast_and_says_how_to_supply_files(data_dir: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(CommandError) as info:
        call_command("download_data", "ml-latest-small", stdout=StringIO())
    assert time.perf_counter() - started < 10
    message = str(info.value)
    assert "ml-latest-small.zip" in message
    assert "--from DIR" in message
    assert "MOVIEMATCH_MOVIELENS_DIR" in message
    assert not (data_dir / "datasets" / "ml-latest-small").exists()


def test_files_that_fail_the_pinned_checksum_are_refused(tmp_path: Path, data_dir: Path) -> None:
    fake = write_movielens(tmp_path / "ml-latest-small")
    with pytest.raises(CommandError, match="ml-latest-small"):
        call_command("download_data", "ml-latest-small", "--from", str(fake), stdout=StringIO())
    assert not (data_dir / "datasets" / "ml-latest-small").exists()


@pytest.mark.dataset
def test_from_local_copy_installs_under_the_data_dir(ml_small: Path, data_dir: Path) -> None:
    out = StringIO()
    call_command("download_data", "ml-latest-small", "--from", str(ml_small), stdout=out)
    target = data_dir / "datasets" / "ml-latest-small"
    assert f"ml-latest-small: {target}" in out.getvalue()
    for name in ("movies.csv", "links.csv", "ratings.csv", "tags.csv"):
        assert (target / name).read_bytes() == (ml_small / name).read_bytes()


def test_without_from_the_configured_local_copy_is_used(
    tmp_path: Path, data_dir: Path, settings: object
) -> None:
    source = write_movielens(tmp_path / "ml-latest", genome=True)  # ml-latest: no pins
    settings.MOVIEMATCH = {**settings.MOVIEMATCH, "MOVIELENS_DIR": source}  # type: ignore[attr-defined]
    out = StringIO()
    call_command("download_data", "ml-latest", stdout=out)
    target = data_dir / "datasets" / "ml-latest"
    assert f"ml-latest: {target}" in out.getvalue()
    assert (target / "ratings.csv").read_bytes() == (source / "ratings.csv").read_bytes()


def test_the_settings_read_the_dataset_variables() -> None:
    env = {
        **os.environ,
        "MOVIEMATCH_MOVIELENS_DIR": "/m/dir",
        "MOVIEMATCH_IMDB_DIR": "",
        "MOVIEMATCH_MOVIELENS_URL": "http://mirror.example/ml",
        "MOVIEMATCH_IMDB_URL": "http://mirror.example/imdb",
    }
    code = (
        "from moviematch.config.settings import base\n"
        "c = base.MOVIEMATCH\n"
        "print(c['MOVIELENS_DIR'], c['IMDB_DIR'], c['MOVIELENS_URL'], c['IMDB_URL'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["/m/dir", "None", "http://mirror.example/ml", "http://mirror.example/imdb"]


def test_a_data_directory_that_is_a_file_is_a_clear_error(tmp_path: Path, data_dir: Path) -> None:
    data_dir.write_text("not a folder")
    fake = write_movielens(tmp_path / "ml-latest", genome=True)  # no pinned checksums
    with pytest.raises(CommandError) as info:
        call_command("download_data", "ml-latest", "--from", str(fake), stdout=StringIO())
    message = str(info.value)
    assert message.startswith("ml-latest: cannot install: ")
    assert str(data_dir) in message
    assert data_dir.read_text() == "not a folder"
