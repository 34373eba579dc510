"""The recommendation engine: pure Python + NumPy/SciPy/numba, no Django.

Public API (see docs/design.md)::

    from moviematch.recommender import Ratings, TrainConfig, train, Model

    model = train(ratings, TrainConfig(), movies=movie_info, tags=tags, genome=genome)
    profile = model.fold_in([1, 50, 260], [5.0, 4.0, 4.5])
    model.recommend(profile, n=20)
"""

from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
from moviematch.recommender.foldin import UserProfile
from moviematch.recommender.grouping import Group
from moviematch.recommender.model import Model, Recommendation, TrainConfig
from moviematch.recommender.training import train

__all__ = [
    "Genome",
    "Group",
    "Model",
    "MovieInfo",
    "Ratings",
    "Recommendation",
    "TagApplications",
    "TrainConfig",
    "UserProfile",
    "train",
]
