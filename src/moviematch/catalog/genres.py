"""The MovieLens genres and taste-group labels in the visitor's language.

The engine labels a group in English from its genres; the site translates each genre and
joins them itself, so a Korean visitor reads "SF · 모험" rather than "Sci-Fi · Adventure".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: The MovieLens genre names (as in ``movies.csv``) and their displayed names.
GENRE_NAMES: dict[str, Promise] = {
    "Action": _("Action"),
    "Adventure": _("Adventure"),
    "Animation": _("Animation"),
    "Children": _("Children"),
    "Comedy": _("Comedy"),
    "Crime": _("Crime"),
    "Documentary": _("Documentary"),
    "Drama": _("Drama"),
    "Fantasy": _("Fantasy"),
    "Film-Noir": _("Film-Noir"),
    "Horror": _("Horror"),
    "IMAX": _("IMAX"),
    "Musical": _("Musical"),
    "Mystery": _("Mystery"),
    "Romance": _("Romance"),
    "Sci-Fi": _("Sci-Fi"),
    "Thriller": _("Thriller"),
    "War": _("War"),
    "Western": _("Western"),
    "(no genres listed)": _("(no genres listed)"),
}
SEPARATOR = " · "
#: The engine's label of a group no genre describes ("More picks", "More picks 2", …).
FALLBACK_LABEL = "More picks"
#: The label of the one group of popular films shown when no model can be used.
POPULAR_LABEL = "Popular"


def genre_name(name: str) -> str:
    """The displayed name of a MovieLens genre (unknown names are shown as they are)."""
    return str(GENRE_NAMES.get(name, name))


def group_heading(*, genres: Iterable[str], label: str) -> str:
    """The heading of a home-page row: its genres translated, or "More picks" (numbered)."""
    names = [genre_name(g) for g in genres]
    if names:
        return SEPARATOR.join(names)
    if label == POPULAR_LABEL:
        return gettext("Popular with MovieLens users")
    number = label.removeprefix(FALLBACK_LABEL).strip()
    if number.isdigit():
        return gettext("More picks %(number)s") % {"number": number}
    return gettext("More picks")
