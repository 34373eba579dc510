"""Plain data containers the engine consumes.

They hold NumPy arrays keyed by *MovieLens ids* (never row numbers); readers in
``moviematch.datasets`` produce them, and tests build them directly.

``normalize_tag`` is the one canonical form of a tag name. It lives here, beside the
containers whose tag names it defines, because both sides need it and the layers allow
only this meeting point: the engine compares the tags it is given after normalising them,
and the catalogue (which may not import the engine) stores its ``Tag`` rows under the same
form, importing it through ``moviematch.datasets.tags``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

MIN_STARS = 0.5
MAX_STARS = 5.0

# Apostrophes are dropped (so "didn't" and "didnt" meet); every other run of
# punctuation, symbols or whitespace becomes a single space ("sci-fi" == "Sci Fi").
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_SEPARATORS = re.compile(r"[\W_]+", flags=re.UNICODE)


# Cached: a tag file repeats its tags (ML-25M: 1.1M applications of far fewer spellings).
@functools.lru_cache(maxsize=1 << 17)
def normalize_tag(tag: str) -> str:
    """Canonical form of a tag name, so that spelling variants of one tag count together.

    Unicode NFKC, case-folded, apostrophes removed, every run of non-word characters
    (punctuation, symbols, whitespace, underscores) replaced by one space, trimmed.
    ``"Sci-Fi!"``, ``"sci fi"`` and ``" SCI_FI "`` all become ``"sci fi"``. Idempotent:
    a normalised name is its own canonical form.

    Parameters
    ----------
    tag : str
        Raw tag as typed by a user or named by the tag genome.

    Returns
    -------
    str
        The normalised tag; empty when the tag had no letters or digits.
    """
    text = unicodedata.normalize("NFKC", tag).casefold()
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()


@dataclass(frozen=True)
class Ratings:
    """Explicit ratings, one row per (user, movie).

    Attributes
    ----------
    user_ids, movie_ids : int64 arrays of shape (n,)
        External ids (MovieLens userId / movieId).
    values : float32 array of shape (n,)
        Stars in [0.5, 5].
    timestamps : int64 array of shape (n,), optional
        Unix seconds; zeros when unknown.
    """

    user_ids: npt.NDArray[np.int64]
    movie_ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    timestamps: npt.NDArray[np.int64] = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        n = len(self.user_ids)
        if self.timestamps is None:
            object.__setattr__(self, "timestamps", np.zeros(n, dtype=np.int64))
        object.__setattr__(self, "user_ids", np.asarray(self.user_ids, dtype=np.int64))
        object.__setattr__(self, "movie_ids", np.asarray(self.movie_ids, dtype=np.int64))
        object.__setattr__(self, "values", np.asarray(self.values, dtype=np.float32))
        object.__setattr__(self, "timestamps", np.asarray(self.timestamps, dtype=np.int64))
        lengths = {len(self.movie_ids), len(self.values), len(self.timestamps)}
        if lengths != {n}:
            raise ValueError("Ratings arrays must all have the same length")
        if n and not np.all(np.isfinite(self.values)):
            raise ValueError("Ratings contain NaN or infinite values")
        if n and (self.values.min() < MIN_STARS or self.values.max() > MAX_STARS):
            raise ValueError(f"Ratings must be within [{MIN_STARS}, {MAX_STARS}] stars")

    def __len__(self) -> int:
        return len(self.user_ids)

    def subset(self, mask: npt.NDArray[np.bool_] | npt.NDArray[np.int64]) -> Ratings:
        """Rows selected by a boolean mask or an index array."""
        return Ratings(
            self.user_ids[mask], self.movie_ids[mask], self.values[mask], self.timestamps[mask]
        )


@dataclass(frozen=True)
class MovieInfo:
    """Catalogue metadata the engine uses for similarity and group labels.

    Attributes
    ----------
    movie_ids : int64 array of shape (m,)
    titles : list of str, length m
    years : int32 array of shape (m,); 0 when unknown
    genres : list of tuple of str, length m; empty tuple for "(no genres listed)"
    """

    movie_ids: npt.NDArray[np.int64]
    titles: list[str]
    years: npt.NDArray[np.int32]
    genres: list[tuple[str, ...]]


@dataclass(frozen=True)
class TagApplications:
    """User tag applications (MovieLens ``tags.csv``): one row per (user, movie, tag).

    ``tags`` may be raw text: the engine compares them after ``normalize_tag``.
    ``user_ids`` (int64, one per application) lets features count distinct users per
    normalised tag; when it is None every application counts as a different user (the
    site passes one row per distinct user of a normalised ``Tag``, which counts the same).
    """

    movie_ids: npt.NDArray[np.int64]
    tags: list[str]
    user_ids: npt.NDArray[np.int64] | None = None


@dataclass(frozen=True)
class Genome:
    """Tag-genome relevance scores: ``scores[i, j]`` is movie i's relevance to tag j in [0, 1].

    ``tag_names`` may be raw; names that normalise alike are merged (strongest score).
    """

    movie_ids: npt.NDArray[np.int64]
    tag_names: list[str]
    scores: npt.NDArray[np.float32]
