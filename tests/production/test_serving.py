"""``make serve``: gunicorn with several workers, the model loaded before the fork, static
files hashed, compressed and cached for a year by WhiteNoise."""

from __future__ import annotations

import gzip
import re
import urllib.request

import pytest

from tests.production_site import Gunicorn, LiveSite

pytestmark = pytest.mark.slow


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def test_gunicorn_serves_with_several_workers_and_a_model_loaded_in_the_master(
    gunicorn: Gunicorn,
) -> None:
    assert len(gunicorn.workers()) == 2
    status, _, body = _get(gunicorn.url + "/healthz")
    assert status == 200
    assert body == b'{"status": "ok", "database": "ok", "model": "ok"}'
    assert "model loaded in the master" in gunicorn.log()
    status, _, page = _get(gunicorn.url + "/")
    assert status == 200
    assert b"Try it as a guest" in page


def test_static_files_are_hashed_compressed_and_cached_for_a_year(
    gunicorn: Gunicorn, live_site: LiveSite
) -> None:
    _, _, page = _get(gunicorn.url + "/")
    href = re.search(rb'href="(/static/moviematch/css/site\.([0-9a-f]{12})\.css)"', page)
    assert href, "the stylesheet's URL carries its content hash"
    url = gunicorn.url + href.group(1).decode()
    status, headers, body = _get(url, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    original = live_site.data_dir / "static" / href.group(1).decode()[len("/static/") :]
    assert gzip.decompress(body) == original.read_bytes()
    assert len(body) < original.stat().st_size / 2
    # The same file under its plain name may change: browsers check it again soon.
    status, headers, _ = _get(gunicorn.url + "/static/moviematch/css/site.css")
    assert status == 200
    assert "immutable" not in headers["Cache-Control"]
