"""Training: fit MF on ratings, then the components a ``TrainConfig`` asks for.

MF runs on one of two backends: ``"numba"`` (``mf.train_mf``, single-threaded SGD on this
machine, the default) or ``"spark"`` (``mf_spark.train_mf_spark``: biases by damped means and
MLlib's ALS on the residuals, on a Spark cluster or ``local[*]``). Both produce the same
``MFFit``, so everything after it (components, artifact, fold-in) is the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from moviematch.recommender.components import Ranker, TrainingContext
from moviematch.recommender.data import Genome, MovieInfo, Ratings
from moviematch.recommender.data import TagApplications as TagApps
from moviematch.recommender.errors import ModelFitError
from moviematch.recommender.mf import MFFit, ProgressCallback, train_mf
from moviematch.recommender.mf_spark import SparkConfig
from moviematch.recommender.model import COMPONENT_SLOTS, ONBOARDING_SLOT, Model, TrainConfig
from moviematch.recommender.onboarding import OnboardingPicker
from moviematch.recommender.similarity_component import SimilarityComponent
from moviematch.recommender.vocab import Vocabulary

MFBackend = Literal["numba", "spark"]
#: The MF trainers ``train`` can use.
MF_BACKENDS: tuple[MFBackend, ...] = ("numba", "spark")


@dataclass(frozen=True)
class StageReport:
    """What ``train``'s ``on_stage`` callback receives after each stage.

    ``stage`` is ``"mf"``, a component slot (``"ranker"``, ``"similarity"``) or
    ``"onboarding"``; ``seconds`` its wall time.
    """

    stage: str
    seconds: float


StageCallback = Callable[[StageReport], None]


def data_fingerprint(ratings: Ratings) -> str:
    """SHA-256 over the user ids, movie ids and stars (little-endian bytes, in order)."""
    digest = hashlib.sha256()
    for array, dtype in (
        (ratings.user_ids, "<i8"),
        (ratings.movie_ids, "<i8"),
        (ratings.values, "<f4"),
    ):
        digest.update(np.ascontiguousarray(array, dtype=dtype).tobytes())
    return digest.hexdigest()


def train(
    ratings: Ratings,
    config: TrainConfig | None = None,
    *,
    movies: MovieInfo | None = None,
    tags: TagApps | None = None,
    genome: Genome | None = None,
    progress: ProgressCallback | None = None,
    backend: MFBackend = "numba",
    spark: SparkConfig | None = None,
    on_stage: StageCallback | None = None,
) -> Model:
    """Train MF on ``ratings``, then the optional components, then the onboarding picker.

    Parameters
    ----------
    ratings : Ratings
        Training ratings; one per (user, movie) is expected.
    config : TrainConfig, optional
    movies, tags, genome : optional
        Catalogue data for components (similarity, group labels).
    progress : callable, optional
        Called with an ``mf.EpochReport`` after every MF epoch (numba backend only).
    backend : {"numba", "spark"}
        The MF trainer (see the module docstring); the rest of training is the same.
    spark : SparkConfig, optional
        Where and how the Spark backend runs (master URL, spool directory, iterations);
        ignored by the numba backend. A Spark session already running in this process is
        used, and left running.
    on_stage : callable, optional
        Called with a ``StageReport`` after each stage (MF, each component, the picker).

    Raises
    ------
    ModelFitError
        No ratings, or training diverged.
    ValueError
        An unknown backend.
    ImportError
        The Spark backend without pyspark installed (``pip install 'moviematch[spark]'``).
    """
    config = config or TrainConfig()
    if backend not in MF_BACKENDS:
        raise ValueError(f"unknown MF backend {backend!r} (known: {', '.join(MF_BACKENDS)})")
    if len(ratings) == 0:
        raise ModelFitError("cannot train on an empty set of ratings")
    stages: dict[str, float] = {}

    def done(stage: str, since: float) -> float:
        now = time.perf_counter()
        stages[stage] = round(now - since, 3)
        if on_stage is not None:
            on_stage(StageReport(stage, now - since))
        return time.perf_counter()

    started = time.perf_counter()
    users = Vocabulary(ratings.user_ids)
    items = Vocabulary(ratings.movie_ids)
    user_rows = users.rows(ratings.user_ids)
    item_rows = items.rows(ratings.movie_ids)
    fit = _fit_mf(user_rows, item_rows, ratings.values, len(users), len(items), config,
                  backend=backend, spark=spark, progress=progress)  # fmt: skip
    count = np.bincount(item_rows, minlength=len(items)).astype(np.int64)
    total = np.bincount(item_rows, weights=ratings.values, minlength=len(items))
    fit_seconds = time.perf_counter() - started
    model = Model(
        items=items,
        global_mean=fit.global_mean_,
        item_bias=fit.item_bias_.astype(np.float32),
        item_factors=fit.item_factors_.astype(np.float32),
        item_count=count,
        item_mean=(total / count).astype(np.float32),
        config=config,
        metadata={
            "data_fingerprint": data_fingerprint(ratings),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "n_users": len(users),
            "n_items": len(items),
            "n_ratings": len(ratings),
            "fit_seconds": round(fit_seconds, 3),
            "mf_backend": backend,
            "metrics": {
                "train_rmse": float(fit.epoch_rmse_[-1]) if len(fit.epoch_rmse_) else None,
            },
        },
        model_id=uuid.uuid4().hex,
    )
    del fit  # the user factors are not kept
    since = done("mf", started)
    context = TrainingContext(
        ratings=ratings,
        items=items,
        user_rows=user_rows,
        item_rows=item_rows,
        n_users=len(users),
        global_mean=model.global_mean_,
        item_bias=model.item_bias_,
        item_factors=model.item_factors_,
        movies=movies,
        tags=tags,
        genome=genome,
        seed=config.mf.seed,
    )
    for slot in COMPONENT_SLOTS:
        spec = getattr(config, slot)
        if spec is not None:
            model.components[slot] = spec.fit(context)
            since = done(slot, since)
        fitted = model.components.get(slot)
        if slot == "similarity" and isinstance(fitted, SimilarityComponent):
            # The ranker's content-taste term reads these (item rows; the index has them all).
            vectors = fitted.index.vectors_for(items.ids)
            context = dataclasses.replace(context, item_vectors=vectors)
    ranker = model.components.get("ranker")
    if ranker is not None and not isinstance(ranker, Ranker):
        raise ModelFitError(f"the ranker component {type(ranker).__name__} has no score()")
    # Every model can start a new visitor. The picker keeps a slate diverse with the
    # similarity vectors when there are some, else with the MF item factors.
    similarity = model.components.get("similarity")
    if isinstance(similarity, SimilarityComponent):
        vectors, vector_ids = similarity.index.vectors_, similarity.index.vocab.ids
    else:
        vectors, vector_ids = model.item_factors_, items.ids
    model.components[ONBOARDING_SLOT] = OnboardingPicker.build(
        ratings, vectors=vectors, vector_movie_ids=vector_ids, config=config.onboarding
    )
    done(ONBOARDING_SLOT, since)
    model.metadata["stage_seconds"] = dict(stages)
    return model


def _fit_mf(
    user_rows: np.ndarray,
    item_rows: np.ndarray,
    values: np.ndarray,
    n_users: int,
    n_items: int,
    config: TrainConfig,
    *,
    backend: MFBackend,
    spark: SparkConfig | None,
    progress: ProgressCallback | None,
) -> MFFit:
    if backend == "spark":
        from moviematch.recommender.mf_spark import train_mf_spark

        return train_mf_spark(user_rows, item_rows, values, n_users, n_items, config.mf, spark)
    return train_mf(user_rows, item_rows, values, n_users, n_items, config.mf, progress=progress)
