"""The one tag normaliser, used by the catalogue (via ``datasets.tags``) and the engine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moviematch.datasets import tags
from moviematch.recommender import data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sci-Fi", "sci fi"),
        ("sci fi", "sci fi"),
        ("  SCI_FI!! ", "sci fi"),
        ("  Highly  Quotable ", "highly quotable"),
        ("didn't finish", "didnt finish"),
        ("didn’t finish", "didnt finish"),  # typographic apostrophe
        ("Amélie", "amélie"),
        ("ＰＩＸＡＲ", "pixar"),  # full-width letters, NFKC
        ("!!!", ""),
        ("", ""),
    ],
)
def test_normalize_tag(raw: str, expected: str) -> None:
    assert tags.normalize_tag(raw) == expected


def test_the_catalogue_and_the_engine_share_one_function() -> None:
    assert tags.normalize_tag is data.normalize_tag


@given(st.text())
def test_normalising_twice_changes_nothing(raw: str) -> None:
    once = tags.normalize_tag(raw)
    assert tags.normalize_tag(once) == once
    assert once == once.strip()
    assert "  " not in once
