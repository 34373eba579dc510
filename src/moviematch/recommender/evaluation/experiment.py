"""One complete cold-start run: split, tune on training users, fit every method, measure.

Used by ``moviematch evaluate`` and ``bench/bench_coldstart.py``; the methods compared are
popularity, bias-only, EASE (λ tuned like ours), the MF fold-in sorted by stars, and ours
(``ranker.ItemItemRanker`` tuned on training users, ordering; MF fold-in stars).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moviematch.recommender.data import Ratings
from moviematch.recommender.evaluation.baselines import (
    BiasOnly,
    Ease,
    Method,
    Ours,
    Popularity,
    StarsModel,
    StarsRanking,
)
from moviematch.recommender.evaluation.protocol import (
    REVEAL_MODES,
    make_strategy,
    reveal_users,
    split_users,
)
from moviematch.recommender.evaluation.runner import (
    MethodResult,
    evaluate_method,
    format_table,
    training_data,
)
from moviematch.recommender.evaluation.tuning import RankerGrid, tune_ease, tune_ranker
from moviematch.recommender.ranker import RankerConfig

Progress = Callable[[Iterable[Any], str], Iterable[Any]]


@dataclass(frozen=True)
class ExperimentConfig:
    """Settings of one cold-start run.

    Attributes
    ----------
    reveal : {"random", "popular", "picker"}
        How test users choose the ratings they reveal.
    n_reveal : int
        Ratings revealed per test user (the picker may reveal fewer).
    test_fraction : float
        Share of users held out.
    seed : int
        Seeds the split, the reveals and the tuning split.
    picker_budget : int
        Proposals the simulated onboarding may make per user.
    tune : bool
        Choose the ranker's and EASE's hyperparameters on training users (else defaults),
        with validation users revealing by the same strategy as the test users.
    ranker : RankerConfig
        Untuned ranker fields (``top_k``, ``min_item_ratings``, ``like_threshold``) and,
        without tuning, all of them.
    grid : RankerGrid
    ease_l2 : float
        EASE's λ when not tuning.
    ks : tuple of int
        List lengths measured.
    """

    reveal: str = "random"
    n_reveal: int = 10
    test_fraction: float = 0.2
    seed: int = 0
    picker_budget: int = 100
    tune: bool = True
    ranker: RankerConfig = field(default_factory=RankerConfig)
    grid: RankerGrid = field(default_factory=RankerGrid)
    ease_l2: float = 3000.0
    ks: tuple[int, ...] = (10, 20)

    def __post_init__(self) -> None:
        if self.reveal not in REVEAL_MODES:
            raise ValueError(f"reveal must be one of {', '.join(REVEAL_MODES)}")


@dataclass
class ExperimentResult:
    """Everything a run measured; ``as_json`` is what the JSON files hold."""

    config: ExperimentConfig
    results: list[MethodResult]
    ranker_config: RankerConfig
    ease_l2: float
    split: dict[str, Any]
    seconds: dict[str, float]
    tuning: dict[str, Any] = field(default_factory=dict)

    def table(self) -> str:
        return format_table(self.results, self.config.ks)

    def by_method(self) -> dict[str, MethodResult]:
        return {r.method: r for r in self.results}

    def as_json(self) -> dict[str, Any]:
        cfg = dataclasses.asdict(self.config)
        return {
            "protocol": {k: cfg[k] for k in ("reveal", "n_reveal", "test_fraction", "seed")}
            | {"picker_budget": self.config.picker_budget, "relevant": "held-out rating >= 4"},
            "split": self.split,
            "ranker_config": dataclasses.asdict(self.ranker_config),
            "ease_l2": self.ease_l2,
            "methods": [r.as_json() for r in self.results],
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
            "tuning": self.tuning,
        }


def _no_progress(items: Iterable[Any], _label: str) -> Iterable[Any]:
    return items


def run_experiment(
    ratings: Ratings,
    config: ExperimentConfig,
    *,
    stars_model_factory: Callable[[], StarsModel],
    picker_factory: Callable[[Ratings], Any] | None = None,
    extra_methods: Callable[[RankerConfig, StarsModel], list[Method]] | None = None,
    progress: Progress = _no_progress,
) -> ExperimentResult:
    """Run the cold-start protocol once and return every method's averages.

    Parameters
    ----------
    ratings : Ratings
        The whole dataset; the split happens here.
    config : ExperimentConfig
    stars_model_factory : callable
        Returns a fresh, unfitted fold-in stars model (the MF fold-in in production).
    picker_factory : callable, optional
        Fits an onboarding picker on training ratings (default: ``OnboardingPicker.build``).
    extra_methods : callable, optional
        Given the chosen ranker config and the fitted stars model, more methods to
        evaluate in the same run (the benchmark's pruning variants).
    progress : callable
        ``progress(iterable, label)`` wraps long loops (e.g. tqdm).
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    split = split_users(
        ratings, test_fraction=config.test_fraction, n_reveal=config.n_reveal, seed=config.seed
    )
    data = training_data(split)
    strategy = make_strategy(
        config.reveal,
        split,
        n_reveal=config.n_reveal,
        budget=config.picker_budget,
        picker_factory=picker_factory,
    )
    users = reveal_users(split, strategy, seed=config.seed)
    seconds["split"] = time.perf_counter() - started

    tuning: dict[str, Any] = {}
    ranker_config = config.ranker
    ease_l2 = config.ease_l2
    if config.tune:
        t0 = time.perf_counter()
        tuned = tune_ranker(
            split.train,
            stars_model=stars_model_factory(),
            base=config.ranker,
            grid=config.grid,
            n_reveal=config.n_reveal,
            reveal=config.reveal,
            picker_budget=config.picker_budget,
            picker_factory=picker_factory,
            seed=config.seed,
            progress=lambda it: progress(it, "tuning ranker"),
        )
        ranker_config = tuned.config
        ease_l2, ease_trials = tune_ease(
            split.train,
            min_item_ratings=config.ranker.min_item_ratings,
            n_reveal=config.n_reveal,
            reveal=config.reveal,
            picker_budget=config.picker_budget,
            picker_factory=picker_factory,
            seed=config.seed,
        )
        tuning = {
            "ranker_validation_ndcg10": round(tuned.ndcg, 6),
            "ranker_trials": len(tuned.trials),
            "ease_trials": ease_trials,
        }
        seconds["tuning"] = time.perf_counter() - t0

    stars_model = stars_model_factory()
    methods: list[Method] = [
        Popularity(),
        StarsRanking(BiasOnly(), name="bias-only"),
        Ease(l2=ease_l2, min_item_ratings=config.ranker.min_item_ratings),
        StarsRanking(stars_model, name="mf-stars"),
        Ours(ranker_config, stars_model, fit_stars=False),
    ]
    results: list[MethodResult] = []
    for method in methods:
        t0 = time.perf_counter()
        method.fit(data)
        label = method.name

        def wrap(items: Iterable[Any], label: str = label) -> Iterable[Any]:
            return progress(items, label)

        results.append(evaluate_method(method, users, split, ks=config.ks, progress=wrap))
        seconds[method.name] = time.perf_counter() - t0
    if extra_methods is not None:
        for method in extra_methods(ranker_config, stars_model):
            t0 = time.perf_counter()
            method.fit(data)
            results.append(evaluate_method(method, users, split, ks=config.ks))
            seconds[method.name] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - started
    split_info = {
        "users": len(np.unique(ratings.user_ids)),
        "train_users": split.n_train_users,
        "test_users": len(split.test_user_ids),
        "skipped_test_users": split.skipped_users,
        "evaluated_test_users": len(users),
        "catalogue_items": len(split.catalogue),
        "train_ratings": len(split.train),
        "mean_revealed": float(np.mean([len(u.revealed_rows) for u in users])),
        "mean_proposals": float(np.mean([u.proposals for u in users])),
        "heldout_ratings": int(sum(len(u.heldout_rows) for u in users)),
    }
    return ExperimentResult(
        config=config,
        results=results,
        ranker_config=ranker_config,
        ease_l2=ease_l2,
        split=split_info,
        seconds=seconds,
        tuning=tuning,
    )
