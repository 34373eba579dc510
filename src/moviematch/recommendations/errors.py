"""Domain errors of the recommendation services, for the web layer to map to HTTP.

Suggested mapping: ``MovieNotRecommendableError`` → 404, ``RatingsNeededError`` → 409 (or a
page that starts the onboarding), ``ModelUnavailableError`` → 503.
"""

from __future__ import annotations


class RecommendationServiceError(Exception):
    """Base class of the errors below."""


class ModelUnavailableError(RecommendationServiceError):
    """No model has been published yet (run ``manage.py setup`` or ``train_model``)."""

    def __init__(self) -> None:
        super().__init__("no recommendation model is published yet: run manage.py train_model")


class MovieNotRecommendableError(RecommendationServiceError):
    """The movie is not in the catalogue, or the current model does not know it."""

    def __init__(self, movie_id: int, reason: str) -> None:
        super().__init__(f"movie {movie_id}: {reason}")
        self.movie_id = movie_id
        self.reason = reason


class RatingsNeededError(RecommendationServiceError):
    """The user has rated nothing the model knows: ask them to rate some movies first.

    ``onboarding_movie_ids`` are the first movies to propose (``onboarding_movies``).
    """

    def __init__(self, onboarding_movie_ids: list[int]) -> None:
        super().__init__(
            "rate a few movies first: recommendations start from your ratings "
            "(see onboarding_movies for movies to rate)"
        )
        self.onboarding_movie_ids = onboarding_movie_ids
