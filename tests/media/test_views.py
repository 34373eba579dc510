"""The placeholder poster view: SVG, escaped, cacheable, 404 for unknown movies."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from moviematch.catalog.genres import genre_name
from moviematch.catalog.models import MovieTitle
from moviematch.media.placeholders import genre_colour
from tests.media.conftest import make_movie

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.media.urls")]


def test_poster_is_served_as_cacheable_svg(client):
    make_movie(12, title="Harbour Lights", year=1987, genres=("Romance", "Drama"))
    response = client.get("/posters/12.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    assert {"public", "max-age=86400"} <= cache_control
    assert response["ETag"].startswith('"')
    assert len(response["ETag"]) == 34
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    root = ET.fromstring(response.content)
    assert root.get("aria-label") == "Harbour Lights (1987)"
    # The colour comes from the genre MovieLens lists first, not the alphabetically first.
    assert f'stop-color="{genre_colour("Romance")[0]}"' in response.content.decode()


def test_english_title_is_preferred_on_the_poster(client):
    make_movie(13, title="Cidade de Deus", english_title="City of God", year=2002)
    root = ET.fromstring(client.get("/posters/13.svg").content)
    assert root.get("aria-label") == "City of God (2002)"


def test_korean_poster_has_the_korean_title_and_genre_name(client):
    movie = make_movie(
        15, title="Matrix, The", english_title="The Matrix", year=1999, genres=("Sci-Fi", "Action")
    )
    MovieTitle.objects.create(movie=movie, language="ko", title="매트릭스")
    korean = client.get("/posters/15.svg?lang=ko")
    english = client.get("/posters/15.svg")

    assert korean.status_code == 200
    assert ET.fromstring(korean.content).get("aria-label") == "매트릭스 (1999)"
    with translation.override("ko"):
        korean_genre = str(genre_name("Sci-Fi"))
    assert korean_genre != "Sci-Fi"  # the catalogue has a Korean name for it
    assert _genre_text(korean.content) == korean_genre.upper()
    assert _genre_text(english.content) == "SCI-FI"
    assert ET.fromstring(english.content).get("aria-label") == "The Matrix (1999)"
    # Same colour in both languages (it follows the genre, not its translation), and each
    # language is its own cached document.
    assert f'stop-color="{genre_colour("Sci-Fi")[0]}"' in korean.content.decode()
    assert korean["ETag"] != english["ETag"]


def test_korean_poster_without_a_korean_title_uses_the_english_one(client):
    make_movie(16, title="Cidade de Deus", english_title="City of God", year=2002)
    root = ET.fromstring(client.get("/posters/16.svg?lang=ko").content)
    assert root.get("aria-label") == "City of God (2002)"


@pytest.mark.parametrize("lang", ["xx", "", "ko-KR", "<b>"])
def test_unknown_language_is_a_400_naming_it(client, lang):
    make_movie(17, title="Harbour Lights", year=1987)
    response = client.get("/posters/17.svg", {"lang": lang})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith(f"lang: {lang!r} is not one of")


def _genre_text(svg: bytes) -> str | None:
    for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        if element.get("class") == "genre":
            return element.text
    return None


def test_matching_etag_gets_304_without_body(client):
    make_movie(12, title="Harbour Lights", year=1987)
    etag = client.get("/posters/12.svg")["ETag"]
    response = client.get("/posters/12.svg", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "max-age=86400" in response["Cache-Control"]


def test_etag_changes_when_the_poster_changes(client):
    movie = make_movie(12, title="Harbour Lights", year=1987)
    first = client.get("/posters/12.svg")["ETag"]
    movie.year = 1988
    movie.save()
    assert client.get("/posters/12.svg")["ETag"] != first


def test_title_with_markup_is_escaped_in_the_served_svg(client):
    make_movie(14, title='<script>alert(1)</script> & "Friends"', year=None)
    response = client.get("/posters/14.svg")
    root = ET.fromstring(response.content)
    assert list(root.iter("{http://www.w3.org/2000/svg}script")) == []
    assert b"<script>" not in response.content
    assert root.get("aria-label") == '<script>alert(1)</script> & "Friends"'


def test_unknown_movie_is_404(client):
    assert client.get("/posters/999.svg").status_code == 404


def test_only_safe_methods_are_allowed(client):
    make_movie(12)
    assert client.post("/posters/12.svg").status_code == 405
    assert client.head("/posters/12.svg").status_code == 200
