"""Normalisation of free-text tags, so that spelling variants of one tag count together."""

from __future__ import annotations

import re
import unicodedata

# Apostrophes are dropped (so "didn't" and "didnt" meet); every other run of
# punctuation, symbols or whitespace becomes a single space ("sci-fi" == "Sci Fi").
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_SEPARATORS = re.compile(r"[\W_]+", flags=re.UNICODE)


def normalize_tag(tag: str) -> str:
    """Canonical form of a user tag.

    Unicode NFKC, case-folded, apostrophes removed, every run of non-word characters
    replaced by one space, trimmed. ``"Sci-Fi!"``, ``"sci fi"`` and ``" SCI_FI "`` all
    become ``"sci fi"``.

    Parameters
    ----------
    tag : str
        Raw tag as typed by a user.

    Returns
    -------
    str
        The normalised tag; empty when the tag had no letters or digits.
    """
    text = unicodedata.normalize("NFKC", tag).casefold()
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()
