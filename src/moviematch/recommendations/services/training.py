"""Training for the site: inputs from the catalogue, evaluation, tuning, publishing.

``model_train`` trains the engine on the catalogue's ratings and features, optionally
tunes the ranker on the training users, runs the engine's cold-start evaluation on the
same ratings, and publishes the model atomically where every web process picks it up
(``serving.model_current``). Engine errors are translated into ``errors``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.db import DatabaseError

from moviematch.recommendations.errors import TrainingFailedError
from moviematch.recommendations.models import TrainingRun
from moviematch.recommendations.services.serving import model_root
from moviematch.recommendations.services.training_inputs import (
    SITE_USER_OFFSET,
    catalogue_genome,
    catalogue_movie_info,
    catalogue_tags,
    training_fingerprint,
    training_ratings,
)
from moviematch.recommender import (
    MF_BACKENDS,
    REVEAL_MODES,
    EvaluationReport,
    MFConfig,
    RankerConfig,
    Ratings,
    RecommenderError,
    SparkConfig,
    TrainConfig,
    current_version,
    evaluate_coldstart,
    load_current,
    model_metrics,
    publish,
    train,
    tune_for_training,
)


@dataclass(frozen=True)
class TrainReport:
    """What ``model_train`` trained on, with which ranker, how it scored, where it went."""

    ratings: int
    users: int
    movies: int
    site_ratings: int
    seconds_train: float
    artifact: Path
    ranker: dict[str, Any]
    tuning: dict[str, Any] | None
    evaluation_summary: str | None
    evaluation: dict[str, Any] | None
    evaluation_skipped: str = ""


#: The cold-start evaluation runs on at most this many users (a seeded sample): its cost grows
#: with the users (each held-out one is onboarded, folded in and ranked for, by five methods;
#: on ML-25M's 162k users it alone took over 20 minutes). On a generated ML-25M (docs/data.md)
#: 20,000 users took 359 s of train_model's 575 s (bench/results/setup_eval20000.json) and
#: 5,000 users 141 s of 426 s (setup.json); the 1,000 held out of 5,000 still measure ours
#: against EASE to about ±0.011 NDCG@10 (paired, 95 %), where the gap is 0.137.
EVALUATION_MAX_USERS = 5_000


def evaluation_sample(ratings: Ratings, *, seed: int) -> tuple[Ratings, int]:
    """The ratings of at most ``EVALUATION_MAX_USERS`` users (seeded), and the user count."""
    users = np.unique(ratings.user_ids)
    if len(users) <= EVALUATION_MAX_USERS:
        return ratings, len(users)
    chosen = np.random.default_rng(seed).choice(users, size=EVALUATION_MAX_USERS, replace=False)
    return ratings.subset(np.isin(ratings.user_ids, chosen)), len(users)


def _sampled(report: EvaluationReport, n_sampled: int, n_users: int) -> EvaluationReport:
    note = f"(evaluated on a seeded sample of {n_sampled} of the {n_users} users)"
    return dataclasses.replace(
        report,
        summary=f"{report.summary}\n{note}",
        data={**report.data, "user_sample": {"users": n_sampled, "of": n_users}},
    )


def model_is_up_to_date(*, include_site_ratings: bool = False) -> bool:
    """True when the published model was trained on exactly the current inputs."""
    run = TrainingRun.objects.filter(include_site_ratings=include_site_ratings).first()
    if run is None or run.data_fingerprint != training_fingerprint(
        include_site_ratings=include_site_ratings
    ):
        return False
    try:
        version = Path(current_version(model_root()))
        if version.resolve() != Path(run.artifact).resolve():
            return False
        load_current(model_root())  # a damaged artifact is not "up to date"
    except (RecommenderError, OSError):
        return False
    return True


def model_train(
    *,
    ratings_dir: Path | None = None,
    include_site_ratings: bool = False,
    evaluate: bool = True,
    tune: bool = False,
    reveal: str = "picker",
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    backend: str = "numba",
    spark_master: str | None = None,
    spark_spool: Path | None = None,
    spark_driver_memory: str | None = None,
) -> TrainReport:
    """Train on the catalogue's ratings and features, evaluate, and publish atomically.

    Parameters
    ----------
    ratings_dir : Path, optional
        MovieLens directory (default: the last imported one).
    include_site_ratings : bool
        Also train on the site users' ratings.
    evaluate : bool
        Run the engine's cold-start evaluation first (``evaluate_coldstart``).
    tune : bool
        Choose the ranker's hyperparameters on the training ratings
        (``tune_for_training``; about 80 s on ml-latest-small) instead of the defaults,
        which were tuned on ML-100K.
    reveal : {"random", "popular", "picker"}
        How simulated new users reveal their first ten ratings, in tuning and evaluation.
    seed : int
        Seeds MF, the tuning split and the evaluation split.
    log : callable, optional
        Receives a line before each long step.
    backend : {"numba", "spark"}
        Where the published model's matrix factorisation runs (``MF_BACKENDS``). Tuning and
        the cold-start evaluation train their own models with the numba trainer.
    spark_master, spark_spool, spark_driver_memory : optional
        The Spark backend's master URL (default ``local[*]``), the directory the driver
        writes the ratings to and every executor reads (on a cluster, a shared mount) and
        the driver's memory; see docs/spark.md.

    Raises
    ------
    TrainingDataError
        See ``training_inputs.training_ratings``.
    ValueError
        Unknown ``reveal`` or ``backend``.
    TrainingFailedError
        Tuning, evaluation or training failed (e.g. the factors diverged), the model
        directory is not writable (read-only, full), or the database refused the run's
        record; nothing is published then and the served model stays.
    """
    if reveal not in REVEAL_MODES:
        raise ValueError(f"reveal must be one of {', '.join(REVEAL_MODES)}, got {reveal!r}")
    if backend not in MF_BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(MF_BACKENDS)}, got {backend!r}")
    defaults = SparkConfig()
    spark = SparkConfig(
        master=spark_master or defaults.master,
        spool_dir=spark_spool,
        driver_memory=spark_driver_memory or defaults.driver_memory,
    )
    say = log or (lambda _line: None)
    fingerprint = training_fingerprint(include_site_ratings=include_site_ratings)
    ratings = training_ratings(ratings_dir=ratings_dir, include_site_ratings=include_site_ratings)
    try:
        return _train_and_publish(
            ratings,
            fingerprint=fingerprint,
            include_site_ratings=include_site_ratings,
            evaluate=evaluate,
            tune=tune,
            reveal=reveal,
            seed=seed,
            say=say,
            backend=backend,
            spark=spark,
        )
    except RecommenderError as exc:
        raise TrainingFailedError(str(exc)) from exc
    except DatabaseError as exc:
        raise TrainingFailedError(f"the database refused the training record ({exc})") from exc
    except OSError as exc:
        where = exc.filename or model_root()
        raise TrainingFailedError(f"cannot write the model to {where}: {exc.strerror}") from exc


def _train_and_publish(
    ratings: Ratings,
    *,
    fingerprint: str,
    include_site_ratings: bool,
    evaluate: bool,
    tune: bool,
    reveal: str,
    seed: int,
    say: Callable[[str], None],
    backend: str,
    spark: SparkConfig,
) -> TrainReport:
    mf = MFConfig(seed=seed)
    ranker = RankerConfig()
    # The same features and config for tuning, evaluation and the published model.
    features: dict[str, Any] = {
        "movies": catalogue_movie_info(),
        "tags": catalogue_tags(),
        "genome": catalogue_genome(),
    }
    tuning: dict[str, Any] | None = None
    if tune:
        say(f"choosing the ranker's hyperparameters on the training users ({reveal} reveal)")
        started = time.perf_counter()
        tuned = tune_for_training(
            ratings, TrainConfig(mf=mf, ranker=ranker), **features, reveal=reveal, seed=seed
        )
        ranker = tuned.config
        tuning = {
            "reveal": reveal,
            "validation_ndcg10": round(tuned.ndcg, 6),
            "trials": len(tuned.trials),
            "kept_default": tuned.kept_default,
            "checks": tuned.checks,
            "seconds": round(time.perf_counter() - started, 1),
        }
    evaluation, skipped = None, "" if evaluate else "not requested"
    if evaluate:
        sample, n_users = evaluation_sample(ratings, seed=seed)
        sampled = f", {len(np.unique(sample.user_ids))} of {n_users} users" * (
            sample is not ratings
        )
        say(
            f"cold-start evaluation ({reveal} reveal{', tuning on its training users' * tune}"
            f"{sampled})"
        )
        evaluation, skipped = evaluate_coldstart(
            sample,
            TrainConfig(mf=mf, ranker=ranker),
            **features,
            tune=tune,
            reveal=reveal,
            seed=seed,
        )
        if evaluation is not None and sample is not ratings:
            evaluation = _sampled(evaluation, len(np.unique(sample.user_ids)), n_users)

    say(f"training the model ({backend} MF)")
    started = time.perf_counter()
    model = train(
        ratings,
        TrainConfig(mf=mf, ranker=ranker),
        **features,
        backend="spark" if backend == "spark" else "numba",
        spark=spark,
        on_stage=lambda report: say(f"  {report.stage}: {report.seconds:.1f} s"),
    )
    seconds = time.perf_counter() - started
    model = model.with_metrics(model_metrics(evaluation, tuning))
    counts = {
        "ratings": len(ratings),
        "users": len(np.unique(ratings.user_ids)),
        "movies": len(np.unique(ratings.movie_ids)),
    }
    ranker_dict = dataclasses.asdict(ranker)
    ranker_source = "defaults"
    if tuning is not None:
        ranker_source = (
            "defaults (no tuned point was as good on every reveal mode)"
            if tuning["kept_default"]
            else "tuned on the training users"
        )

    def record(path: Path) -> None:
        # Before CURRENT switches: a served model always has its TrainingRun; if the database
        # refuses the row, the version is removed and the old model keeps being served.
        TrainingRun.objects.create(
            data_fingerprint=fingerprint,
            artifact=str(path),
            include_site_ratings=include_site_ratings,
            seconds=round(seconds, 3),
            evaluation=evaluation.data if evaluation else {"skipped": skipped},
            config={
                "mf": dataclasses.asdict(mf),
                "mf_backend": backend,
                "ranker": ranker_dict,
                "ranker_source": ranker_source,
                "tuning": tuning,
            },
            **counts,
        )

    path = Path(publish(model_root(), model.save, before_switch=record))
    report = TrainReport(
        site_ratings=int((ratings.user_ids >= SITE_USER_OFFSET).sum()),
        seconds_train=round(seconds, 3),
        artifact=path,
        ranker=ranker_dict,
        tuning=tuning,
        evaluation_summary=evaluation.summary if evaluation else None,
        evaluation=evaluation.data if evaluation else None,
        evaluation_skipped=skipped,
        **counts,
    )
    return report
