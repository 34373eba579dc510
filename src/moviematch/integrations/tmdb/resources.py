"""What the TMDb client returns: frozen dataclasses parsed from TMDb's JSON.

Only the fields the site shows are kept. Image paths are TMDb's relative paths
(``"/kqjL17yufvn9OVLyXYpvtyrFfak.jpg"``); :class:`ImageConfiguration` turns them into URLs.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

#: Where TMDb serves images when its ``/configuration`` has not been fetched (it has been
#: stable for years; the configuration endpoint is still preferred when cached).
DEFAULT_IMAGE_BASE_URL = "https://image.tmdb.org/t/p/"
DEFAULT_POSTER_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")
DEFAULT_BACKDROP_SIZES = ("w300", "w780", "w1280", "original")

_SIZE = re.compile(r"^(?:w\d{1,4}|h\d{1,4}|original)$")


@dataclass(frozen=True, slots=True)
class CastMember:
    """One credited actor.

    Attributes
    ----------
    person_id : int
        TMDb person id.
    name : str
        Credited name.
    character : str
        Role name; empty when TMDb has none.
    order : int
        Billing order, 0 = top-billed.
    """

    person_id: int
    name: str
    character: str
    order: int


@dataclass(frozen=True, slots=True)
class CrewMember:
    """One crew credit (the site uses the directors).

    Attributes
    ----------
    person_id : int
        TMDb person id.
    name : str
        Credited name.
    job : str
        TMDb job title, e.g. ``"Director"``.
    """

    person_id: int
    name: str
    job: str


@dataclass(frozen=True, slots=True)
class MovieDetails:
    """A movie as TMDb describes it in one language.

    Attributes
    ----------
    tmdb_id : int
        TMDb movie id.
    language : str
        The language the texts were requested in (``"en-US"``, ``"ko-KR"``).
    title : str
        Title in ``language`` (TMDb falls back to the original title itself).
    original_title : str
        Title in the original language.
    overview : str
        Plot summary in ``overview_language``; empty when TMDb has none.
    overview_language : str
        Language of ``overview``; differs from ``language`` after :meth:`with_fallback`.
    poster_path, backdrop_path : str or None
        Relative image paths; ``None`` when TMDb has no image.
    release_date : datetime.date or None
        First release date; ``None`` when unknown.
    runtime : int or None
        Running time in minutes; ``None`` when unknown or 0.
    imdb_id : str or None
        IMDb ``tt…`` id when TMDb knows it.
    genres : tuple of str
        TMDb genre names in ``language``.
    cast : tuple of CastMember
        Sorted by billing order.
    directors : tuple of CrewMember
        Crew members whose job is ``"Director"``, in TMDb's order.
    """

    tmdb_id: int
    language: str
    title: str
    original_title: str
    overview: str
    overview_language: str
    poster_path: str | None
    backdrop_path: str | None
    release_date: date | None
    runtime: int | None
    imdb_id: str | None
    genres: tuple[str, ...]
    cast: tuple[CastMember, ...]
    directors: tuple[CrewMember, ...]

    @property
    def year(self) -> int | None:
        """Release year, or ``None`` when the release date is unknown."""
        return self.release_date.year if self.release_date else None

    def with_fallback(self, other: MovieDetails | None) -> MovieDetails:
        """Fill what this language lacks from ``other`` (the Korean-first rule of the site).

        TMDb returns an empty overview when a translation has none, and sometimes no
        localised poster; those come from ``other``. The title is kept: TMDb already falls
        back to the original title for untranslated ones.

        Parameters
        ----------
        other : MovieDetails or None
            The same movie in the fallback language (usually ``"en-US"``).

        Returns
        -------
        MovieDetails
            A new object; ``overview_language`` says where the overview came from.
        """
        if other is None:
            return self
        changes: dict[str, Any] = {}
        if not self.overview.strip() and other.overview.strip():
            changes["overview"] = other.overview
            changes["overview_language"] = other.overview_language
        if self.poster_path is None and other.poster_path is not None:
            changes["poster_path"] = other.poster_path
        if self.backdrop_path is None and other.backdrop_path is not None:
            changes["backdrop_path"] = other.backdrop_path
        if not self.cast and other.cast:
            changes["cast"] = other.cast
        if not self.directors and other.directors:
            changes["directors"] = other.directors
        return dataclasses.replace(self, **changes) if changes else self


@dataclass(frozen=True, slots=True)
class ImageConfiguration:
    """TMDb's image server and the sizes it renders.

    Attributes
    ----------
    base_url : str
        HTTPS base ending in ``/``, e.g. ``"https://image.tmdb.org/t/p/"``.
    poster_sizes, backdrop_sizes : tuple of str
        Size names such as ``"w342"`` or ``"original"``, smallest first.
    """

    base_url: str = DEFAULT_IMAGE_BASE_URL
    poster_sizes: tuple[str, ...] = DEFAULT_POSTER_SIZES
    backdrop_sizes: tuple[str, ...] = DEFAULT_BACKDROP_SIZES

    def poster_url(self, path: str, size: str | int = "w342") -> str:
        """URL of a poster at the nearest available size (see :meth:`pick_size`)."""
        return self._url(path, pick_size(self.poster_sizes, size))

    def backdrop_url(self, path: str, size: str | int = "w1280") -> str:
        """URL of a backdrop at the nearest available size (see :meth:`pick_size`)."""
        return self._url(path, pick_size(self.backdrop_sizes, size))

    def _url(self, path: str, size: str) -> str:
        if not path.startswith("/"):
            raise ValueError(f"TMDb image path must start with '/': {path!r}")
        return f"{self.base_url.rstrip('/')}/{size}{path}"


def pick_size(available: tuple[str, ...], wanted: str | int) -> str:
    """Choose the size to request from TMDb.

    Parameters
    ----------
    available : tuple of str
        Sizes TMDb offers (``"w92"`` … ``"original"``).
    wanted : str or int
        A size name (``"w342"``, ``"original"``) or a width in pixels.

    Returns
    -------
    str
        ``wanted`` itself if offered; else the smallest width ≥ the wanted width; else
        ``"original"`` (TMDb always offers it).

    Raises
    ------
    ValueError
        If ``wanted`` is neither a size name nor a positive width.
    """
    if isinstance(wanted, str):
        if not _SIZE.match(wanted):
            raise ValueError(f"not a TMDb image size: {wanted!r}")
        if wanted in available:
            return wanted
        if wanted == "original":
            return "original"
        width = int(wanted[1:])
    else:
        width = int(wanted)
        if width <= 0:
            raise ValueError(f"image width must be positive, got {wanted}")
    widths = sorted(int(s[1:]) for s in available if s.startswith("w"))
    for w in widths:
        if w >= width:
            return f"w{w}"
    return "original"
