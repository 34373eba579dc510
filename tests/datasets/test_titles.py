"""MovieLens title parsing: every quirk seen in the real files, and round-trips."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from moviematch.datasets.titles import (
    ARTICLES,
    catalogue_form,
    display_form,
    format_title,
    parse_title,
)


@pytest.mark.parametrize(
    ("raw", "title", "year", "display", "alternatives"),
    [
        ("Toy Story (1995)", "Toy Story", 1995, "Toy Story", ()),
        ("Jack's Back (1988) ", "Jack's Back", 1988, "Jack's Back", ()),
        ("Babylon 5", "Babylon 5", None, "Babylon 5", ()),
        ("1013 Briar Lane", "1013 Briar Lane", None, "1013 Briar Lane", ()),
        ("Irwin & Fran 2013", "Irwin & Fran 2013", None, "Irwin & Fran 2013", ()),
        (
            "Death Note: Desu nôto (2006–2007)",
            "Death Note: Desu nôto",
            2006,
            "Death Note: Desu nôto",
            (),
        ),
        ("Big Bang Theory, The (2007-)", "Big Bang Theory, The", 2007, "The Big Bang Theory", ()),
        ("Diplomatic Immunity (2009– )", "Diplomatic Immunity", 2009, "Diplomatic Immunity", ()),
        ("Fawlty Towers (1975-1979)", "Fawlty Towers", 1975, "Fawlty Towers", ()),
        (
            "Mona and the Time of Burning Love (Mona ja palavan rakkauden aika) (1983))",
            "Mona and the Time of Burning Love (Mona ja palavan rakkauden aika)",
            1983,
            "Mona and the Time of Burning Love",
            ("Mona ja palavan rakkauden aika",),
        ),
        (
            "The Naked Truth (1957) (Your Past Is Showing)",
            "The Naked Truth (Your Past Is Showing)",
            1957,
            "The Naked Truth",
            ("Your Past Is Showing",),
        ),
        ("Matrix, The (1999)", "Matrix, The", 1999, "The Matrix", ()),
        ("Seven (a.k.a. Se7en) (1995)", "Seven (a.k.a. Se7en)", 1995, "Seven", ("Se7en",)),
        (
            "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)",
            "Léon: The Professional (a.k.a. The Professional) (Léon)",
            1994,
            "Léon: The Professional",
            ("The Professional", "Léon"),
        ),
        (
            "Life Is Rosy (a.k.a. Life Is Beautiful) (Vie est belle, La) (1987)",
            "Life Is Rosy (a.k.a. Life Is Beautiful) (Vie est belle, La)",
            1987,
            "Life Is Rosy",
            ("Life Is Beautiful", "La Vie est belle"),
        ),
        (
            "Millions Game, The (Das Millionenspiel)",
            "Millions Game, The (Das Millionenspiel)",
            None,
            "The Millions Game",
            ("Das Millionenspiel",),
        ),
        ("(500) Days of Summer (2009)", "(500) Days of Summer", 2009, "(500) Days of Summer", ()),
        (
            "Homme qui aimait les femmes, L' (1977)",
            "Homme qui aimait les femmes, L'",
            1977,
            "L'Homme qui aimait les femmes",
            (),
        ),
        ("Die, Mommie, Die (2003)", "Die, Mommie, Die", 2003, "Die, Mommie, Die", ()),
        ("Monsters, Inc. (2001)", "Monsters, Inc.", 2001, "Monsters, Inc.", ()),
        ("Mary, Mary (1963)", "Mary, Mary", 1963, "Mary, Mary", ()),
        ("1984 (1984)", "1984", 1984, "1984", ()),
        ("Don Quixote (1973) (1973)", "Don Quixote", 1973, "Don Quixote", ()),
        ("Remake (1973) (1975)", "Remake (1973)", 1975, "Remake", ("1973",)),
        ("(2019)", "(2019)", None, "(2019)", ()),
        ("", "", None, "", ()),
    ],
)
def test_real_title_quirks(raw, title, year, display, alternatives) -> None:
    parsed = parse_title(raw)
    assert (parsed.title, parsed.year) == (title, year)
    assert parsed.display_title == display
    assert parsed.alternative_titles == alternatives


# Words that cannot be mistaken for articles or year groups.
_word = st.text(
    alphabet="bcdfghjkmnpqrstvwxyzBCDFGHJKMNPQRSTVWXYZ0123456789:&'!.-", min_size=1, max_size=8
)
_plain_title = st.lists(_word, min_size=1, max_size=6).map(" ".join)


@given(
    title=_plain_title,
    year=st.one_of(st.none(), st.integers(1874, 2099)),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_round_trip_title_and_year(title: str, year: int | None, pad: str) -> None:
    assume(not (year is None and title.endswith(")")))
    parsed = parse_title(format_title(title, year) + pad)
    assert parsed.title == title
    assert parsed.year == year
    assert parsed.display_title == title


@given(
    body=_plain_title,
    article=st.sampled_from(sorted(ARTICLES)),
    year=st.integers(1874, 2099),
    alias=st.one_of(st.none(), _plain_title),
)
def test_round_trip_moved_article_and_alternative(body, article, year, alias) -> None:
    display = f"{article}{'' if article.endswith(chr(39)) else ' '}{body}"
    catalogue = catalogue_form(display)
    assert catalogue == f"{body}, {article}"
    assert display_form(catalogue) == display
    raw = format_title(catalogue + ("" if alias is None else f" (a.k.a. {alias})"), year)
    parsed = parse_title(raw)
    assert parsed.year == year
    assert parsed.display_title == display
    assert parsed.alternative_titles == (() if alias is None else (alias,))


@given(st.text(max_size=60))
def test_never_raises_and_title_is_a_substring(raw: str) -> None:
    parsed = parse_title(raw)
    assert parsed.year is None or 1800 <= parsed.year <= 2099
    if parsed.year is None:
        assert parsed.title == raw.strip()
