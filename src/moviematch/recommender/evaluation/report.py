"""The engine's cold-start evaluation of a training run, summarised for people and JSON.

Training for the site calls ``evaluate_coldstart`` on exactly the ratings, ``TrainConfig``
and catalogue features it trains on. The protocol is the engine's
(``moviematch.recommender.evaluation``; docs/evaluation.md): a seeded 20 % of the users are
held out, the model is trained on the others, each held-out user reveals ten ratings (at
random, their most popular films, or through that model's onboarding picker) and is scored
on their other ratings. "Ours" is that ``Model`` answering through ``recommend`` and
``predict``, side by side with most-popular, bias-only (the movie-mean baseline with a
folded-in user bias), EASE, and the same model's stars as a ranking.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
from moviematch.recommender.errors import ModelFitError
from moviematch.recommender.evaluation.experiment import (
    ExperimentConfig,
    ExperimentResult,
    run_experiment,
)
from moviematch.recommender.model import TrainConfig

_REVEAL_WORDS = {
    "random": "at random",
    "popular": "their most popular films",
    "picker": "through the onboarding picker",
}


@dataclass(frozen=True)
class EvaluationReport:
    """The engine's cold-start evaluation of one training run.

    Attributes
    ----------
    summary : str
        Human-readable lines (protocol, table, the comparison that matters).
    data : dict
        JSON-ready (NaN → null): ``protocol``, ``split``, ``methods`` (per method
        ``ndcg``/``precision``/``recall``/``hit_rate`` keyed by K, ``rmse``, ``mae``, …),
        ``by_method`` (flat @10 figures), ``ours_minus_ease_ndcg10``, ``ranker``.
    """

    summary: str
    data: dict[str, Any]


def evaluate_coldstart(
    ratings: Ratings,
    config: TrainConfig,
    *,
    movies: MovieInfo | None = None,
    tags: TagApplications | None = None,
    genome: Genome | None = None,
    tune: bool,
    reveal: str,
    seed: int,
) -> tuple[EvaluationReport | None, str]:
    """The engine's cold-start run on ``ratings``; (None, reason) when the data is too small.

    The evaluated model is trained on the split's training users with ``config`` and the
    features, as the site trains the one it publishes. Without ``tune`` it keeps
    ``config.ranker`` and EASE its fixed λ = 3000 (an ML-100K choice). With ``tune`` both
    are re-tuned on the split's training users only, by the procedure the final model's
    tuning uses (``tuning.tune_for_training``), so the held-out users never influence the
    hyperparameters they are scored with.

    Raises
    ------
    ValueError
        ``config.ranker`` is not a ``RankerConfig``, or unknown ``reveal``.
    """
    experiment = ExperimentConfig(train=config, reveal=reveal, seed=seed, tune=tune, ks=(10,))
    try:
        with warnings.catch_warnings():
            # With no evaluable user the averages are means of nothing; handled below.
            warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            result = run_experiment(ratings, experiment, movies=movies, tags=tags, genome=genome)
    except (ValueError, ModelFitError) as exc:
        return None, f"too little data to hold users out ({exc})"
    if result.summary["evaluated_test_users"] == 0:
        return None, "no held-out user has the 15 catalogue ratings the protocol needs"
    return _report(result, tuned=tune), ""


def _report(result: ExperimentResult, *, tuned: bool) -> EvaluationReport:
    methods = result.by_method()
    ours, popularity = methods["ours"], methods["popularity"]
    diff, half = result.paired_difference("ours", "ease", 10)
    split = result.summary
    source = "tuned on the split's training users" if tuned else "defaults"
    lines = [
        f"Cold-start evaluation: {split['evaluated_test_users']} held-out users of "
        f"{split['users']} ({split['skipped_test_users']} skipped), each revealing "
        f"{split['mean_revealed']:.1f} ratings {_REVEAL_WORDS[result.config.reveal]}; "
        f"{split['heldout_ratings']} held-out ratings over {split['catalogue_items']} movies; "
        f"relevant = held-out rating >= 4; ranker {source}, EASE λ={result.ease_l2:g}; "
        f"{result.seconds['total']:.1f} s",
        result.table(),
        f"ours: NDCG@10 {ours.ndcg[10]:.3f} vs most-popular {popularity.ndcg[10]:.3f} "
        f"({_ratio(ours.ndcg[10], popularity.ndcg[10])}), vs EASE {diff:+.3f} ± {half:.3f} "
        f"(paired, 95%); fold-in RMSE {ours.rmse:.3f} vs bias-only "
        f"{methods['bias-only'].rmse:.3f}",
    ]
    data = result.as_json()
    data["by_method"] = {
        r.method: {
            "rmse": r.rmse,
            "mae": r.mae,
            "precision@10": r.precision[10],
            "recall@10": r.recall[10],
            "ndcg@10": r.ndcg[10],
            "hit@10": r.hit_rate[10],
        }
        for r in result.results
    }
    data["ours_minus_ease_ndcg10"] = {"mean": diff, "half_width_95": half}
    data["ranker"] = source
    return EvaluationReport(summary="\n".join(lines), data=_json_safe(data))


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def _json_safe(value: Any) -> Any:
    """NaN/inf become null, recursively: they are not JSON (PostgreSQL's jsonb rejects them)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def model_metrics(
    evaluation: EvaluationReport | None, tuning: dict[str, Any] | None
) -> dict[str, float]:
    """Flat, finite figures stored in the artifact's ``metadata["metrics"]``."""
    metrics: dict[str, float] = {}
    if evaluation is not None:
        by_method = evaluation.data["by_method"]
        for method, key in (("ours", "coldstart"), ("popularity", "popularity"), ("ease", "ease")):
            for name in ("ndcg@10", "precision@10", "recall@10", "rmse"):
                value = by_method[method][name]
                if value is not None:
                    metrics[f"{key}_{name.replace('@', '')}"] = float(value)
    if tuning is not None:
        metrics["ranker_validation_ndcg10"] = float(tuning["validation_ndcg10"])
    return metrics
