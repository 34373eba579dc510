"""Tag-name normalisation of the catalogue: the engine's own, so both count tags alike.

``tag_normalise`` is ``moviematch.datasets.tags.normalize_tag``: NFKC, case-folded,
apostrophes dropped, every run of punctuation, symbols or whitespace one space, trimmed
(``"Sci-Fi"``, ``"sci fi"`` and ``"SCI_FI"`` are one ``Tag`` row, ``"sci fi"``). User tags
and genome tags with the same words therefore share a row, one user's several spellings of
a tag count once, and the engine, which normalises again, finds the names unchanged.
Returns ``""`` for a tag without letters or digits (callers skip it).
"""

from __future__ import annotations

from moviematch.datasets.tags import normalize_tag as tag_normalise

__all__ = ["tag_normalise"]
