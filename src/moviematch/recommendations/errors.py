"""Every error the recommendation services let a caller see; the web layer maps them to HTTP.

The engine's own exceptions never cross the door: ``services`` translates them into these.
Mapping used by the pages and the API: ``MovieNotRecommendableError`` → 404,
``ModelUnavailableError`` → 503, ``TrainingDataError`` and ``TrainingFailedError`` → a
command-line error (they only come from training).
"""

from __future__ import annotations


class RecommendationServiceError(Exception):
    """Base class of the errors below."""


class ModelUnavailableError(RecommendationServiceError):
    """No usable model: none is published yet, or the published one cannot be loaded.

    ``reason`` says which, for logs and the health check; pages show a generic message.
    """

    def __init__(self, reason: str = "no recommendation model is published yet") -> None:
        super().__init__(f"{reason}: run manage.py setup (or train_model)")
        self.reason = reason


class MovieNotRecommendableError(RecommendationServiceError):
    """The movie is not in the catalogue, or the current model does not know it."""

    def __init__(self, movie_id: int, reason: str) -> None:
        super().__init__(f"movie {movie_id}: {reason}")
        self.movie_id = movie_id
        self.reason = reason


class TrainingDataError(RecommendationServiceError):
    """The data needed to train is missing (no import yet, empty catalogue, unreadable files)."""


class TrainingFailedError(RecommendationServiceError):
    """Training ran but failed (e.g. the factors diverged); nothing was published."""
