"""Tag-name normalisation shared by user tags and the tag genome."""

from __future__ import annotations

import unicodedata


def tag_normalise(name: str) -> str:
    """The canonical form of a tag: NFKC, case-folded, inner whitespace collapsed, trimmed.

    ``"  Highly  Quotable "`` and ``"highly quotable"`` become one ``Tag`` row, so user tags and
    genome tags with the same words share it. Returns ``""`` for a blank tag (callers skip it).
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
