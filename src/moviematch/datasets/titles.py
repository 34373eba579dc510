"""MovieLens title strings: split off the year, find alternative titles, make a display form.

MovieLens writes ``<title> (<year>)`` with the conventions of an old library catalogue. The
quirks seen in the real files (ml-latest-small, ML-20M, ML-25M) and how they are read:

============================================  ==================================================
raw title                                     result
============================================  ==================================================
``Toy Story (1995)``                          title ``Toy Story``, year 1995
``Jack's Back (1988) `` (trailing space)      whitespace is stripped first
``Babylon 5``, ``1013 Briar Lane``            no ``(yyyy)`` group: year None, title unchanged
``Irwin & Fran 2013``                         a bare number is part of the title: year None
``Death Note: Desu nôto (2006–2007)``         a range (en dash or hyphen, open end allowed as in
                                              ``(2007-)`` and ``(2009– )``): year = first year
``Mona and the ... aika) (1983))``            one doubled closing parenthesis is tolerated
``The Naked Truth (1957) (Your Past Is ...)`` a year followed only by parenthesised titles: the
                                              year is taken out, the rest kept in order
``Don Quixote (1973) (1973)``                 a repeated identical year is dropped too
``Matrix, The (1999)``                        title keeps MovieLens' form ``Matrix, The``;
                                              display form ``The Matrix``
``Seven (a.k.a. Se7en) (1995)``               display ``Seven``; alternatives ``("Se7en",)``
``Léon: ... (a.k.a. The Professional) (Léon)`` each trailing parenthesised group is an
                                              alternative title (``a.k.a.`` prefix removed)
============================================  ==================================================

The display form is the primary title (before any trailing parenthesised alternatives) with a
trailing article moved back to the front: ``Last of the High Kings, The`` → ``The Last of the
High Kings``; ``Homme qui aimait les femmes, L'`` → ``L'Homme qui aimait les femmes``. Only
articles in :data:`ARTICLES` move, so ``Goodbye, Darling`` stays as it is, and a refrain
(``Die, Mommie, Die``: the body starts with the same word) is not an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Articles that MovieLens moves to the end of a title (English, French, Spanish, Italian,
#: German, Dutch, Portuguese, Scandinavian). "I" (Italian plural) is left out on purpose: it
#: is far more often the English pronoun ("Mary, I").
ARTICLES = frozenset(
    [
        "The",
        "A",
        "An",
        "La",
        "Le",
        "Les",
        "L'",
        "El",
        "Los",
        "Las",
        "Il",
        "Lo",
        "Gli",
        "Un",
        "Une",
        "Una",
        "Uno",
        "Die",
        "Der",
        "Das",
        "Den",
        "Det",
        "Het",
        "De",
        "Een",
        "Ein",
        "Eine",
        "Os",
    ]
)

_YEAR = r"(1[89]\d\d|20\d\d)"
# "(1999)", "(2006–2007)", "(2007-)", "(2009– )", optionally with one stray extra ")".
_TRAILING_YEAR = re.compile(rf"\s*\({_YEAR}(?:\s*[-–]\s*(?:{_YEAR})?\s*)?\)\)?$")
# A year group followed only by parenthesised groups: "The Naked Truth (1957) (Your Past ...)".
_INNER_YEAR = re.compile(rf"\s*\({_YEAR}\)(?=(?:\s*\([^()]*\))+$)")
_ARTICLE_AT_END = re.compile(r"^(?P<body>.+), (?P<article>[^\s,]+)$")


@dataclass(frozen=True)
class ParsedTitle:
    """A MovieLens title taken apart.

    Attributes
    ----------
    title : str
        The raw title without the year group and surrounding whitespace, in MovieLens' form
        (articles at the end, alternatives in parentheses): ``"Matrix, The"``.
    year : int or None
        Release year (first year of a range); None when the title carries none.
    display_title : str
        The primary title for people: ``"The Matrix"``.
    alternative_titles : tuple of str
        Titles from trailing parenthesised groups, in display form (``a.k.a.`` removed).
    """

    title: str
    year: int | None
    display_title: str
    alternative_titles: tuple[str, ...]


def parse_title(raw: str) -> ParsedTitle:
    """Split a MovieLens title into title, year, display title and alternative titles.

    Never raises: a title without a recognisable year gets ``year=None``.
    """
    text = raw.strip()
    year: int | None = None
    match = _TRAILING_YEAR.search(text)
    if match and match.start() > 0:
        year = int(match.group(1))
        text = text[: match.start()].rstrip()
        # "Don Quixote (1973) (1973)": the same year written twice.
        text = text.removesuffix(f"({year})").rstrip() or text
    else:
        inner = _INNER_YEAR.search(text)
        if inner and inner.start() > 0:
            year = int(inner.group(1))
            text = (text[: inner.start()] + text[inner.end() :]).strip()
    primary, alternatives = split_alternatives(text)
    return ParsedTitle(
        title=text,
        year=year,
        display_title=display_form(primary),
        alternative_titles=tuple(display_form(alt) for alt in alternatives),
    )


def split_alternatives(title: str) -> tuple[str, tuple[str, ...]]:
    """Split trailing ``(...)`` groups off a title (year already removed).

    ``"Léon: The Professional (a.k.a. The Professional) (Léon)"`` →
    ``("Léon: The Professional", ("The Professional", "Léon"))``. A title that is nothing but
    parenthesised groups (``"(500) Days of Summer"`` is not one) is returned whole.
    """
    alternatives: list[str] = []
    rest = title
    while rest.endswith(")"):
        depth = 0
        start = -1
        for index in range(len(rest) - 1, -1, -1):
            if rest[index] == ")":
                depth += 1
            elif rest[index] == "(":
                depth -= 1
                if depth == 0:
                    start = index
                    break
        if start <= 0 or rest[start - 1] != " ":
            break
        inner = rest[start + 1 : -1].strip()
        head = rest[:start].rstrip()
        if not head or not inner:
            break
        inner = re.sub(r"^(a\.k\.a\.|aka)\s+", "", inner, flags=re.IGNORECASE)
        alternatives.insert(0, inner)
        rest = head
    return rest, tuple(alternatives)


def display_form(title: str) -> str:
    """Move a trailing article to the front: ``"Matrix, The"`` → ``"The Matrix"``."""
    match = _ARTICLE_AT_END.match(title.strip())
    if not match or match.group("article") not in ARTICLES:
        return title.strip()
    article, body = match.group("article"), match.group("body")
    if body.split(",", 1)[0].split(" ", 1)[0] == article:
        # A refrain such as "Die, Mommie, Die", not a moved article.
        return title.strip()
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{body}"


def catalogue_form(display: str) -> str:
    """Inverse of :func:`display_form`: ``"The Matrix"`` → ``"Matrix, The"``.

    Used to write titles the way MovieLens does (and by the round-trip tests).
    """
    for article in ARTICLES:
        if article.endswith("'"):
            if display.startswith(article) and len(display) > len(article):
                return f"{display[len(article) :]}, {article}"
        elif display.startswith(article + " ") and len(display) > len(article) + 1:
            return f"{display[len(article) + 1 :]}, {article}"
    return display


def format_title(title: str, year: int | None) -> str:
    """Write a title the MovieLens way: ``"Matrix, The (1999)"``, or the title alone."""
    return title if year is None else f"{title} ({year})"
