"""Errors of the rating services, for pages and the API to show as a 400/404 with the message."""

from __future__ import annotations


class RatingError(Exception):
    """Base class of the errors below."""


class InvalidStarsError(RatingError, ValueError):
    """Stars that are not one of 0.5, 1, …, 5 (half steps), or not a number at all."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"stars must be a number from 0.5 to 5 in half steps (0.5, 1, 1.5, …), got {value!r}"
        )
        self.value = value


class MovieNotRateableError(RatingError):
    """The movie does not exist or is not in the catalogue."""

    def __init__(self, movie_id: object) -> None:
        super().__init__(f"movie {movie_id} is not in the catalogue")
        self.movie_id = movie_id
