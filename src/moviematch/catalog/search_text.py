"""Text forms that make titles findable: case- and accent-free, articles in either place.

A movie's ``search_text`` holds each of its titles in the normalised form below, separated
by ``SEPARATOR``: the MovieLens title, the same with a trailing article moved to the front
("Matrix, The" → "the matrix"), the English title, every localised title (Korean from TMDb),
and the initial consonants (초성) of each Korean title, so that "ㅁㅌㄹㅅ" finds 매트릭스.
A query is normalised the same way, split into words and a year, and every word must occur.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

SEPARATOR = " | "
#: Articles MovieLens moves behind the title ("Matrix, The", "Haine, La", "Boot, Das").
_TRAILING_ARTICLE = re.compile(
    r"^(?P<body>.+), (?P<article>the|a|an|la|le|les|l'|il|lo|gli|i|el|los|las|der|die|das|"
    r"den|det|de|het|een|ein|eine|un|une|uno|una|o|os|as)$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w]+")
_YEAR = re.compile(r"^(18[89]\d|19\d\d|20\d\d)$")

# Hangul syllables are U+AC00 + (initial × 21 + medial) × 28 + final.
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"


def normalise(text: str) -> str:
    """Lower-case words without accents or punctuation, single-spaced.

    Latin accents are dropped ("Amélie" → "amelie", "Léon" → "leon"); Hangul syllables are
    kept whole (decomposed and recomposed), so Korean matches on complete syllables.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFC", stripped).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def article_first(title: str) -> str:
    """ "Matrix, The" → "The Matrix"; other titles unchanged."""
    match = _TRAILING_ARTICLE.match(title.strip())
    if match is None:
        return title
    article = match["article"]
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{match['body']}"


def hangul_initials(text: str) -> str:
    """The initial consonant of each Hangul syllable ("매트릭스" → "ㅁㅌㄹㅅ"); others dropped."""
    return "".join(
        _INITIALS[(ord(c) - _HANGUL_FIRST) // (21 * 28)]
        for c in text
        if _HANGUL_FIRST <= ord(c) <= _HANGUL_LAST
    )


def search_text(titles: Iterable[str]) -> str:
    """The stored search text of a movie with these titles (MovieLens title first)."""
    forms: list[str] = []
    for title in titles:
        if not title:
            continue
        for variant in (title, article_first(title)):
            form = normalise(variant)
            if form and form not in forms:
                forms.append(form)
        initials = normalise(hangul_initials(title))  # as a typed query is normalised
        if len(initials) >= 2 and initials not in forms:
            forms.append(initials)
    return SEPARATOR + SEPARATOR.join(forms) + SEPARATOR if forms else ""


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: words that must all occur, and an optional release year."""

    words: tuple[str, ...]
    year: int | None
    phrase: str  # the normalised words joined, for ranking exact and prefix matches

    @property
    def is_empty(self) -> bool:
        return not self.words and self.year is None


def parse_query(text: str) -> SearchQuery:
    """Split ``text`` into normalised words and a year ("alien 1979" → ("alien",), 1979).

    A four-digit number is read as a year only when other words remain ("1984" alone is a
    title), and only the last such number.
    """
    words = normalise(article_first(text)).split()
    year = None
    if len(words) >= 2 and _YEAR.match(words[-1]):
        year = int(words.pop())
    return SearchQuery(tuple(words), year, " ".join(words))


def match_rank(stored: str, query: SearchQuery) -> int:
    """0 for a title equal to the query, 1 for a title starting with it, 2 otherwise."""
    if not query.phrase:
        return 2
    if f"{SEPARATOR}{query.phrase}{SEPARATOR}" in stored:
        return 0
    if f"{SEPARATOR}{query.phrase}" in stored:
        return 1
    return 2
