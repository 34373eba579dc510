"""The recommendation engine: pure Python + NumPy/SciPy, no Django.

Public API (see README.md, "Engine API")::

    from moviematch.recommender import Ratings, TrainConfig, train, Model
"""
