"""Generated SVG posters: well-formed whatever the title, escaped, wrapped, genre-coloured."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moviematch.media.placeholders import (
    GENRE_HUES,
    clean_text,
    genre_colour,
    placeholder_svg,
    wrap_title,
)

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg.encode("utf-8"))
    out = {}
    for text in root.iter(f"{SVG}text"):
        out[text.get("class")] = " ".join("".join(text.itertext()).split())
    return out


def test_poster_is_valid_svg_with_title_year_and_genre():
    svg = placeholder_svg(title="The Glass Orchard", year=1999, genre="Drama")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("342", "513")
    assert root.get("aria-label") == "The Glass Orchard (1999)"
    assert _texts(svg) == {"title": "The Glass Orchard", "year": "1999", "genre": "DRAMA"}


def test_markup_in_a_title_is_text_not_markup():
    evil = '</text><script>alert("x")</script><text>& "quoted" \'single\' ]]> <!-- -->'
    svg = placeholder_svg(title=evil, year=2020, genre='Drama"><script>')
    root = ET.fromstring(svg.encode("utf-8"))

    assert list(root.iter(f"{SVG}script")) == []
    assert list(root.iter("script")) == []
    assert "<script>" not in svg
    texts = _texts(svg)
    assert texts["title"].replace(" ", "") == evil.replace(" ", "")
    assert texts["genre"] == 'DRAMA"><SCRIPT>'
    assert root.get("aria-label") == f"{' '.join(evil.split())} (2020)"


def test_characters_xml_forbids_are_dropped():
    svg = placeholder_svg(title="Bell\x07 \x00Tower\ufffe\x1b", year=None, genre=None)
    assert _texts(svg)["title"] == "Bell Tower"
    assert clean_text("a\x0bb\tc\n d") == "ab c d"


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=40)))
def test_any_title_gives_a_well_formed_document(title, genre):
    svg = placeholder_svg(title=title, year=1984, genre=genre)
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"


def test_long_titles_wrap_within_width_and_line_limit():
    title = (
        "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb, "
        "a Very Long Subtitle That Keeps Going and Going Far Beyond Any Poster"
    )
    lines = wrap_title(title, line_width=17, max_lines=4)
    assert len(lines) == 4
    assert all(len(line) <= 17 for line in lines)
    assert lines[0] == "Dr. Strangelove"
    assert lines[-1].endswith("…")

    svg = placeholder_svg(title=title, year=1964, genre="Comedy")
    root = ET.fromstring(svg.encode("utf-8"))
    title_el = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "title")
    spans = list(title_el)
    assert 4 < len(spans) <= 6  # long titles switch to smaller type with more lines
    assert title_el.get("font-size") == "24"
    ys = [int(s.get("y")) for s in spans]
    assert ys == sorted(ys)
    assert len(set(ys)) == len(ys)


def test_short_title_stays_on_one_line_in_large_type():
    assert wrap_title("Heat", line_width=17, max_lines=4) == ["Heat"]
    svg = placeholder_svg(title="Heat", year=1995, genre="Crime")
    root = ET.fromstring(svg.encode("utf-8"))
    title_el = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "title")
    assert title_el.get("font-size") == "32"
    assert len(list(title_el)) == 1


def test_unbreakable_words_and_wide_characters_are_cut_by_display_width():
    assert wrap_title("Supercalifragilistic", line_width=8, max_lines=5) == [
        "Supercal",
        "ifragili",
        "stic",
    ]
    # Hangul syllables are double width: four fit in eight units.
    assert wrap_title("기생충기생충기생충", line_width=8, max_lines=5) == [
        "기생충기",
        "생충기생",
        "충",
    ]


def test_wrap_title_rejects_impossible_limits():
    with pytest.raises(ValueError, match="line_width"):
        wrap_title("x", line_width=1, max_lines=2)


def test_colour_follows_the_genre():
    colours = {g: genre_colour(g) for g in GENRE_HUES}
    assert len({c[0] for c in colours.values()}) == len(GENRE_HUES)  # all distinct
    assert genre_colour("Drama") == genre_colour("Drama")
    assert genre_colour("Drama") != genre_colour("Comedy")
    assert genre_colour("Unheard-Of Genre") == genre_colour("Unheard-Of Genre")
    assert genre_colour(None) == ("#5b6470", "#2b2f36")
    top, bottom = genre_colour("Sci-Fi")
    assert top.startswith("#")
    assert len(top) == 7
    svg = placeholder_svg(title="X", year=None, genre="Sci-Fi")
    assert f'stop-color="{top}"' in svg
    assert f'stop-color="{bottom}"' in svg
    assert "year" not in _texts(svg)
