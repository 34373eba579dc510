"""What the recommendation services return: typed results made for pages and the API.

No engine type appears here. Movies are catalogue rows (genres prefetched); scores and
stars are plain floats; a group carries the genres its label names so that the web layer
can translate the label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moviematch.catalog.models import Movie


@dataclass(frozen=True)
class RecommendedMovie:
    """A movie recommended to one user.

    Attributes
    ----------
    movie : Movie
    stars : float
        The stars the model predicts the user would give it, in [0.5, 5] (what a page shows
        as "We think ★3.8").
    score : float
        The ranking score that ordered the list (higher first; only its order means
        anything).
    """

    movie: Movie
    stars: float
    score: float


@dataclass(frozen=True)
class TasteGroup:
    """One labelled row of the home page.

    Attributes
    ----------
    label : str
        The engine's English label: the genres joined by " · ", or "More picks" (numbered)
        when no genre describes the group.
    genres : tuple of str
        The MovieLens genre names the label is made of, in order; empty for "More picks".
    movies : list of RecommendedMovie
        Best first.
    """

    label: str
    genres: tuple[str, ...]
    movies: list[RecommendedMovie]


@dataclass(frozen=True)
class HomeFeed:
    """The home page of one user, whatever state their account is in.

    Attributes
    ----------
    rated_count : int
        Catalogue movies the user has rated.
    ratings_needed : int
        How many more ratings the onboarding asks for (0 once it is complete).
    groups : list of TasteGroup
        Recommendations grouped by taste (the ones ``home_feed`` was asked for: all, or
        ``start`` to ``stop``). With no rating yet they are the engine's cold-start list
        (popular, well-liked films), offered as a preview.
    degraded : bool
        No model could be used (``home_feed(fallback=True)``): one group of popular films,
        whose ``stars`` are their MovieLens means, not predictions (do not show them as such).
    more_groups : bool
        Groups follow the last one returned (``home_feed(stop=...)`` asked for the first ones).
    """

    rated_count: int
    ratings_needed: int
    groups: list[TasteGroup] = field(default_factory=list)
    degraded: bool = False
    more_groups: bool = False

    @property
    def needs_onboarding(self) -> bool:
        """True while the user has rated fewer movies than the onboarding asks for."""
        return self.ratings_needed > 0

    @property
    def is_personal(self) -> bool:
        """True when the groups come from the user's own ratings (not the cold-start list)."""
        return self.rated_count > 0


@dataclass(frozen=True)
class SimilarMovie:
    """A movie similar to another one, with the cosine of their feature vectors (≤ 1)."""

    movie: Movie
    similarity: float


@dataclass(frozen=True)
class ModelStatus:
    """Whether this process can serve recommendations (for the health check).

    Attributes
    ----------
    available : bool
        A model is loaded and answering.
    model_id : str
        The loaded model's id (unique per training run), "" when none.
    trained_at : str
        ISO timestamp of the training run, "" when unknown.
    problem : str
        "" when available; else "not published" or "cannot be loaded" (no paths, no
        exception text: the health check is public).
    """

    available: bool
    model_id: str = ""
    trained_at: str = ""
    problem: str = ""


@dataclass(frozen=True)
class BecauseYouRated:
    """One of the user's rated films, and how much it added to a recommendation's score.

    Attributes
    ----------
    movie : Movie
    stars : float
        The user's own rating of it.
    contribution : float
        Its share of the recommended film's ranking score (> 0; larger pushed harder).
    """

    movie: Movie
    stars: float
    contribution: float


@dataclass(frozen=True)
class MovieExplanation:
    """Why a film is recommended to one user ("Because you rated *Alien* ★★★★½").

    Attributes
    ----------
    movie : Movie
        The recommended film.
    stars : float
        The stars the model predicts the user would give it.
    because : list of BecauseYouRated
        The user's rated films that pushed it up most, largest first (may be empty: then
        the film is there for what everyone likes, not for anything the user rated).
    genres : tuple of str
        The film's MovieLens genres shared with films the user rated 4★ or more.
    """

    movie: Movie
    stars: float
    because: list[BecauseYouRated] = field(default_factory=list)
    genres: tuple[str, ...] = ()
