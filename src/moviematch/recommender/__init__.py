"""The recommendation engine: pure Python + NumPy/SciPy/numba, no Django.

This module is the engine's façade: everything outside the engine (the site's service
layer, the command line, the benchmarks) imports from here, never from the submodules.

Training, serving and publishing::

    from moviematch.recommender import Ratings, TrainConfig, train, Model

    model = train(ratings, TrainConfig(), movies=movie_info, tags=tags, genome=genome)
    model = train(ratings, TrainConfig(), backend="spark", spark=SparkConfig(master="local[*]"))
    version = publish(root, model.save)           # atomic; CURRENT then names it
    model = load_current(root)                    # or ModelCache(root) per process
    profile = model.fold_in([1, 50, 260], [5.0, 4.0, 4.5])
    model.recommend(profile, n=20)

Tuning and evaluation (the cold-start protocol of docs/evaluation.md), both of the very
``Model`` that ``train`` returns for a config::

    config = TrainConfig(mf=MFConfig(seed=0), ranker=RankerConfig())
    tuned = tune_for_training(ratings, config, movies=..., reveal="picker", seed=0)
    report, skipped = evaluate_coldstart(ratings, config, movies=..., tune=False,
                                         reveal="picker", seed=0)      # the site's summary
    result = run_experiment(ratings, ExperimentConfig(train=config, reveal="random"))
    cv = cross_validate_mf(ratings, MFConfig(), folds=5)               # warm-start RMSE
"""

from pathlib import Path

from moviematch.recommender.artifact import CURRENT_FILE, publish
from moviematch.recommender.artifact import current as current_version
from moviematch.recommender.data import (
    MAX_STARS,
    MIN_STARS,
    Genome,
    MovieInfo,
    Ratings,
    TagApplications,
)
from moviematch.recommender.errors import (
    CorruptModelError,
    InvalidRatingError,
    ModelFitError,
    RecommenderError,
    UnknownMovieError,
)
from moviematch.recommender.evaluation.crossval import CrossValResult, cross_validate_mf
from moviematch.recommender.evaluation.experiment import (
    ExperimentConfig,
    ExperimentResult,
    run_experiment,
)
from moviematch.recommender.evaluation.protocol import REVEAL_MODES
from moviematch.recommender.evaluation.report import (
    EvaluationReport,
    evaluate_coldstart,
    model_metrics,
)
from moviematch.recommender.foldin import FoldInConfig, UserProfile
from moviematch.recommender.grouping import FALLBACK_LABEL, Group
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.mf_spark import SparkConfig
from moviematch.recommender.model import Model, Recommendation, TrainConfig
from moviematch.recommender.model_cache import ModelCache
from moviematch.recommender.onboarding import OnboardingConfig
from moviematch.recommender.ranker import RankerConfig
from moviematch.recommender.training import MF_BACKENDS, StageReport, train
from moviematch.recommender.tuning import RankerGrid, TuningResult, tune_for_training


def load_current(root: Path | str) -> Model:
    """The model version ``root/CURRENT`` names.

    Raises
    ------
    CorruptModelError
        Nothing published, or the version is missing or damaged.
    """
    return Model.load(current_version(root))


__all__ = [
    "CURRENT_FILE",
    "FALLBACK_LABEL",
    "MAX_STARS",
    "MF_BACKENDS",
    "MIN_STARS",
    "REVEAL_MODES",
    "CorruptModelError",
    "CrossValResult",
    "EvaluationReport",
    "ExperimentConfig",
    "ExperimentResult",
    "FoldInConfig",
    "Genome",
    "Group",
    "InvalidRatingError",
    "MFConfig",
    "Model",
    "ModelCache",
    "ModelFitError",
    "MovieInfo",
    "OnboardingConfig",
    "RankerConfig",
    "RankerGrid",
    "Ratings",
    "Recommendation",
    "RecommenderError",
    "SparkConfig",
    "StageReport",
    "TagApplications",
    "TrainConfig",
    "TuningResult",
    "UnknownMovieError",
    "UserProfile",
    "cross_validate_mf",
    "current_version",
    "evaluate_coldstart",
    "load_current",
    "model_metrics",
    "publish",
    "run_experiment",
    "train",
    "tune_for_training",
]
