"""Parsing TMDb JSON: typed results, or TmdbResponseError naming the field — nothing else."""

from __future__ import annotations

import contextlib
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moviematch.integrations.tmdb import TmdbResponseError
from moviematch.integrations.tmdb.parsing import (
    parse_configuration,
    parse_error_body,
    parse_movie,
)
from tests.integrations.tmdb.fake_server import CONFIGURATION_BODY, movie_body


def test_full_movie_body():
    body = movie_body(
        11,
        title="Quiet Harbour",
        original_title="조용한 항구",
        overview="  Boats.  ",
        release_date="2003-11-05",
        poster_path="/qh11.jpg",
        runtime=0,
        cast=[("B", "Two", 1), ("A", "One", 0)],
        directors=("D1", "D2"),
    )
    movie = parse_movie(body, language="en-US")
    assert movie.original_title == "조용한 항구"
    assert movie.overview == "Boats."
    assert movie.release_date == date(2003, 11, 5)
    assert movie.runtime is None  # TMDb's 0 means unknown
    assert movie.genres == ("Action", "Science Fiction")
    assert [(c.name, c.character, c.order) for c in movie.cast] == [
        ("A", "One", 0),
        ("B", "Two", 1),
    ]
    assert [d.name for d in movie.directors] == ["D1", "D2"]
    assert all(d.job == "Director" for d in movie.directors)


def test_minimal_body_with_nulls_and_empty_strings():
    body = {
        "id": 5,
        "title": "Bare",
        "overview": None,
        "poster_path": None,
        "backdrop_path": "",
        "release_date": "",
        "runtime": None,
        "imdb_id": "",
        "genres": None,
    }
    movie = parse_movie(body, language="ko-KR")
    assert movie.original_title == "Bare"
    assert (movie.overview, movie.poster_path, movie.backdrop_path) == ("", None, None)
    assert (movie.release_date, movie.year, movie.runtime, movie.imdb_id) == (
        None,
        None,
        None,
        None,
    )
    assert (movie.cast, movie.directors, movie.genres) == ((), (), ())
    assert movie.language == movie.overview_language == "ko-KR"


def test_cast_without_order_keeps_listing_order():
    body = {
        "id": 1,
        "title": "x",
        "credits": {"cast": [{"id": 1, "name": "P"}, {"id": 2, "name": "Q"}]},
    }
    assert [c.order for c in parse_movie(body, language="en-US").cast] == [0, 1]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (None, "body is null"),
        ("text", "body is str"),
        ({"title": "x"}, "'id' is missing"),
        ({"id": True, "title": "x"}, "'id' is bool"),
        ({"id": 1.5, "title": "x"}, "'id' is float"),
        ({"id": 1, "title": 3}, "'title' is int"),
        ({"id": 1, "title": "x", "runtime": "120"}, "'runtime' is str"),
        ({"id": 1, "title": "x", "genres": {"id": 1}}, "'genres' is dict"),
        ({"id": 1, "title": "x", "genres": [{"id": 1}]}, "'genres[0].name' is missing"),
        ({"id": 1, "title": "x", "credits": []}, "'credits' is list"),
        ({"id": 1, "title": "x", "credits": {"crew": [5]}}, "'credits.crew[0]' is int"),
        ({"id": 1, "title": "x", "backdrop_path": "//evil.test/a.jpg"}, "'backdrop_path'"),
        ({"id": 1, "title": "x", "poster_path": "/a.jpg?x=<script>"}, "'poster_path'"),
        ({"id": 1, "title": "x", "release_date": "31/03/1999"}, "'release_date'"),
    ],
)
def test_wrong_shapes_raise_typed_errors_naming_the_field(body, fragment):
    with pytest.raises(TmdbResponseError) as info:
        parse_movie(body, language="en-US", resource="/movie/1")
    assert fragment in str(info.value)
    assert info.value.resource == "/movie/1"


def test_junk_imdb_id_is_dropped_not_fatal():
    assert (
        parse_movie({"id": 1, "title": "x", "imdb_id": "nm123"}, language="en-US").imdb_id is None
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "overview",
                    "credits",
                    "cast",
                    "crew",
                    "name",
                    "order",
                    "job",
                    "poster_path",
                    "release_date",
                    "genres",
                    "runtime",
                    "images",
                    "secure_base_url",
                    "poster_sizes",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@given(json_values)
def test_arbitrary_json_never_escapes_as_another_exception(payload):
    for parse in (lambda p: parse_movie(p, language="en-US"), parse_configuration):
        with contextlib.suppress(TmdbResponseError):
            parse(payload)


def test_configuration_body():
    config = parse_configuration(CONFIGURATION_BODY)
    assert config.base_url == "https://img.example.test/t/p/"
    assert config.poster_sizes[-1] == "original"
    assert "w1280" in config.backdrop_sizes


@pytest.mark.parametrize(
    ("images", "fragment"),
    [
        (None, "'images' is missing"),
        ({"secure_base_url": "javascript:alert(1)//"}, "not HTTP(S)"),
        ({"poster_sizes": ["w92", 5]}, "images.poster_sizes[1]"),
    ],
)
def test_bad_configuration_is_a_typed_error(images, fragment):
    with pytest.raises(TmdbResponseError, match=re.escape(fragment)):
        parse_configuration({"images": images} if images is not None else {})


def test_configuration_base_url_gets_a_trailing_slash():
    config = parse_configuration({"images": {"secure_base_url": "https://cdn.test/p"}})
    assert config.base_url == "https://cdn.test/p/"
    assert config.poster_url("/a.jpg", "w92") == "https://cdn.test/p/w92/a.jpg"


def test_error_body_is_read_leniently():
    assert parse_error_body({"status_code": 34, "status_message": "gone", "success": False}) == (
        34,
        "gone",
    )
    assert parse_error_body({"status_code": "34"}) == (None, "")
    assert parse_error_body(["x"]) == (None, "")
