"""The one door between the web layer and the recommendation engine.

Pages, the API and management commands import from here (and from
``moviematch.recommendations.errors``), never from the engine. Only this package imports
``moviematch.recommender``, and only its façade; ``tests/test_layering.py`` checks both.

Serving (``home``, ``serving``): ``home_feed``, ``recommendation_list``, ``movie_predicted_stars``,
``movie_similar_list``, ``movie_explanation``, ``onboarding_movies``, and ``model_current``
(the process's model, hot-reloaded). Results are the typed records of ``results``.

Training (``training``): ``model_train``, ``model_is_up_to_date``; ``REVEAL_MODES`` lists
how simulated new users reveal their ratings in tuning and evaluation, ``MF_BACKENDS`` the
matrix-factorisation trainers (numba on this machine, or Apache Spark).
"""

from moviematch.recommendations.services.home import home_feed
from moviematch.recommendations.services.results import (
    BecauseYouRated,
    HomeFeed,
    ModelStatus,
    MovieExplanation,
    RecommendedMovie,
    SimilarMovie,
    TasteGroup,
)
from moviematch.recommendations.services.serving import (
    model_current,
    model_forget,
    model_root,
    model_status,
    movie_explanation,
    movie_predicted_stars,
    movie_similar_list,
    onboarding_movies,
    onboarding_target,
    recommendation_list,
)
from moviematch.recommendations.services.training import (
    MF_BACKENDS,
    REVEAL_MODES,
    TrainReport,
    model_is_up_to_date,
    model_train,
)
from moviematch.recommendations.services.training_inputs import SITE_USER_OFFSET

__all__ = [
    "MF_BACKENDS",
    "REVEAL_MODES",
    "SITE_USER_OFFSET",
    "BecauseYouRated",
    "HomeFeed",
    "ModelStatus",
    "MovieExplanation",
    "RecommendedMovie",
    "SimilarMovie",
    "TasteGroup",
    "TrainReport",
    "home_feed",
    "model_current",
    "model_forget",
    "model_is_up_to_date",
    "model_root",
    "model_status",
    "model_train",
    "movie_explanation",
    "movie_predicted_stars",
    "movie_similar_list",
    "onboarding_movies",
    "onboarding_target",
    "recommendation_list",
]
