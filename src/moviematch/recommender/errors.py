"""Domain exceptions of the engine; the web layer maps them to HTTP responses in one place."""

from __future__ import annotations

from collections.abc import Iterable


class RecommenderError(Exception):
    """Base class of every error the engine raises on purpose."""


class UnknownMovieError(RecommenderError):
    """Movie ids that the model has never seen."""

    def __init__(self, movie_ids: Iterable[int]) -> None:
        self.movie_ids = sorted({int(m) for m in movie_ids})
        shown = ", ".join(str(m) for m in self.movie_ids[:10])
        more = "" if len(self.movie_ids) <= 10 else f" and {len(self.movie_ids) - 10} more"
        super().__init__(f"unknown movie id(s): {shown}{more}")


class InvalidRatingError(RecommenderError, ValueError):
    """A rating outside 0.5-5 stars, not finite, or inputs of mismatched lengths."""


class CorruptModelError(RecommenderError):
    """A model artifact is missing, truncated, fails its checksum, or has the wrong shape."""


class ModelFitError(RecommenderError):
    """Training diverged (NaN or infinite parameters) or had no usable data."""
