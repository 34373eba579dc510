"""One complete cold-start run: split, tune on training users, train the Model, measure.

Used by ``moviematch evaluate``, the site's training (``report.evaluate_coldstart``) and
``bench/bench_coldstart.py``. "Ours" is the ``Model`` that ``train`` returns for the
split's training ratings with the given ``TrainConfig`` and catalogue features — the object
the site would publish — answering through its public API (``served``); the picker reveal
uses that model's own onboarding picker. Side by side: popularity, bias-only, EASE (its λ
tuned like ours), implicit ALS, and the same model's stars as a ranking ("mf-stars"). Every
method also gets the beyond-accuracy figures of its top 10 (``beyond``) and, in the JSON,
its paired NDCG@10 difference from ours.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
from moviematch.recommender.evaluation.baseline_tuning import (
    ALS_DEFAULT,
    referee,
    tune_als,
    tune_ease,
)
from moviematch.recommender.evaluation.baselines import (
    BiasOnly,
    Ease,
    ImplicitAls,
    Method,
    Popularity,
)
from moviematch.recommender.evaluation.beyond import Catalogue
from moviematch.recommender.evaluation.protocol import (
    REVEAL_MODES,
    TestUser,
    UserSplit,
    make_strategy,
    reveal_users,
    split_users,
)
from moviematch.recommender.evaluation.runner import (
    MethodResult,
    evaluate_method,
    format_table,
    paired_difference,
    training_data,
)
from moviematch.recommender.evaluation.served import ServedModel, ServedStars
from moviematch.recommender.model import Model, TrainConfig
from moviematch.recommender.ranker import RankerConfig
from moviematch.recommender.ranker_config import genre_members
from moviematch.recommender.training import train
from moviematch.recommender.tuning import RankerGrid, tune_ranker, validation_split

Progress = Callable[[Iterable[Any], str], Iterable[Any]]


@dataclass(frozen=True)
class ExperimentConfig:
    """Settings of one cold-start run.

    Attributes
    ----------
    train : TrainConfig
        What the evaluated model is trained with (the site's: ``TrainConfig(mf=...,
        ranker=...)``). Its ranker must be a ``RankerConfig``: with ``tune`` it gives the
        untuned fields (``top_k``, ``min_item_ratings``, ``like_threshold``, ``min_stars``).
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
        Choose the ranker's hyperparameters on training users (else the config's ranker),
        with validation users revealing by the same strategy as the test users; implies
        ``tune_baselines``.
    tune_baselines : bool
        Choose EASE's λ and implicit ALS's (factors, alpha, reg) on the same training users
        (else ``ease_l2`` and ``ALS_DEFAULT``).
    grid : RankerGrid
    ease_l2 : float
        EASE's λ when not tuning.
    ks : tuple of int
        List lengths measured.
    adventurous : tuple of float
        Extra "ours" rows, the same model served with each of these settings
        (``ours-a0.25`` …).
    """

    train: TrainConfig = field(default_factory=TrainConfig)
    reveal: str = "random"
    n_reveal: int = 10
    test_fraction: float = 0.2
    seed: int = 0
    picker_budget: int = 100
    tune: bool = False
    tune_baselines: bool = False
    grid: RankerGrid = field(default_factory=RankerGrid)
    ease_l2: float = 3000.0
    ks: tuple[int, ...] = (10, 20)
    adventurous: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.reveal not in REVEAL_MODES:
            raise ValueError(f"reveal must be one of {', '.join(REVEAL_MODES)}")
        if not isinstance(self.train.ranker, RankerConfig):
            raise ValueError("ExperimentConfig: train.ranker must be a RankerConfig")

    @property
    def ranker(self) -> RankerConfig:
        assert isinstance(self.train.ranker, RankerConfig)  # checked in __post_init__
        return self.train.ranker


@dataclass
class ExperimentResult:
    """Everything a run measured; ``as_json`` is what the JSON files hold.

    ``models`` holds the trained models by method name (``"ours"`` and any variants);
    ``split`` and ``users`` are the held-out users they were measured on.
    """

    config: ExperimentConfig
    results: list[MethodResult]
    ranker_config: RankerConfig
    ease_l2: float
    als: tuple[int, float, float]
    summary: dict[str, Any]
    seconds: dict[str, float]
    tuning: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict, repr=False)
    split: UserSplit | None = field(default=None, repr=False)
    users: list[TestUser] = field(default_factory=list, repr=False)

    def table(self) -> str:
        return format_table(self.results, self.config.ks)

    def by_method(self) -> dict[str, MethodResult]:
        return {r.method: r for r in self.results}

    def paired_difference(self, a: str, b: str, k: int = 10) -> tuple[float, float]:
        """Mean per-user NDCG@k of method ``a`` minus ``b`` and its 95% half-width."""
        by = self.by_method()
        return paired_difference(by[a], by[b], k)

    def paired(self, reference: str = "ours", k: int = 10) -> dict[str, dict[str, float]]:
        """``reference`` − every other method: mean paired NDCG@k and 95% half-width."""
        out = {}
        for r in self.results:
            if r.method != reference:
                diff, half = self.paired_difference(reference, r.method, k)
                out[r.method] = {"mean": round(diff, 6), "half_width_95": round(half, 6)}
        return out

    def as_json(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "protocol": {
                "reveal": cfg.reveal,
                "n_reveal": cfg.n_reveal,
                "test_fraction": cfg.test_fraction,
                "seed": cfg.seed,
                "picker_budget": cfg.picker_budget,
                "relevant": "held-out rating >= 4",
                "ours": "the trained Model, through fold_in/recommend/predict",
            },
            "split": self.summary,
            "mf_config": dataclasses.asdict(cfg.train.mf),
            "ranker_config": dataclasses.asdict(self.ranker_config),
            "ease_l2": self.ease_l2,
            "als": dict(zip(("factors", "alpha", "reg"), self.als, strict=True)),
            "methods": [r.as_json() for r in self.results],
            "ours_minus": self.paired(),
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
            "tuning": self.tuning,
        }


def _no_progress(items: Iterable[Any], _label: str) -> Iterable[Any]:
    return items


def run_experiment(
    ratings: Ratings,
    config: ExperimentConfig,
    *,
    movies: MovieInfo | None = None,
    tags: TagApplications | None = None,
    genome: Genome | None = None,
    variants: Callable[[RankerConfig], Mapping[str, RankerConfig]] | None = None,
    progress: Progress = _no_progress,
) -> ExperimentResult:
    """Run the cold-start protocol once and return every method's averages.

    Parameters
    ----------
    ratings : Ratings
        The whole dataset; the split happens here.
    config : ExperimentConfig
    movies, tags, genome : optional
        Catalogue features, passed to ``train`` as the site passes them (they shape the
        similarity vectors, hence the onboarding picker's slates).
    variants : callable, optional
        Given the chosen ranker config, more ranker configs by method name; each is
        trained into its own ``Model`` on the same training ratings and measured on the
        same revealed users (the benchmark's pruning and no-floor variants).
    progress : callable
        ``progress(iterable, label)`` wraps long loops (e.g. tqdm).

    Raises
    ------
    ValueError
        Too few users or ratings to split, tune or evaluate.
    ModelFitError
        Training failed.
    """
    features: dict[str, Any] = {"movies": movies, "tags": tags, "genome": genome}
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    split = split_users(
        ratings, test_fraction=config.test_fraction, n_reveal=config.n_reveal, seed=config.seed
    )
    seconds["split"] = time.perf_counter() - started

    tuning: dict[str, Any] = {}
    ranker_config = config.ranker
    ease_l2 = config.ease_l2
    als = ALS_DEFAULT
    if config.tune or config.tune_baselines:
        t0 = time.perf_counter()
        # Only the picker reveal asks the validation model for slates, and only a ranker
        # with the content-taste term reads its vectors; otherwise its fold-in alone is
        # needed, so it is trained without the similarity slot.
        inner_config = config.train
        content = ranker_config.content_weight > 0
        if config.reveal != "picker" and not (config.tune and content):
            inner_config = dataclasses.replace(config.train, similarity=None)
        validation = validation_split(
            split.train,
            inner_config,
            **features,
            n_reveal=config.n_reveal,
            reveal=config.reveal,
            picker_budget=config.picker_budget,
            seed=config.seed,
        )
        if config.tune:
            tuned = tune_ranker(
                validation,
                config.ranker,
                grid=config.grid,
                progress=lambda it: progress(it, "tuning ranker"),
            )
            ranker_config = tuned.config
            tuning["ranker_validation_ndcg10"] = round(tuned.ndcg, 6)
            tuning["ranker_trials"] = len(tuned.trials)
        minimum = config.ranker.min_item_ratings
        ease_l2, tuning["ease_trials"] = tune_ease(validation, min_item_ratings=minimum)
        als, tuning["als_trials"] = tune_als(validation, min_item_ratings=minimum)
        tuning["validation_users"] = len(validation.users)
        seconds["tuning"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = train(split.train, dataclasses.replace(config.train, ranker=ranker_config), **features)
    seconds["train"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    strategy = make_strategy(
        config.reveal,
        split,
        n_reveal=config.n_reveal,
        budget=config.picker_budget,
        onboarding=model,
    )
    users = reveal_users(split, strategy, seed=config.seed)
    seconds["reveal"] = time.perf_counter() - t0

    data = training_data(split)
    baselines: list[Popularity | BiasOnly | Ease | ImplicitAls] = [
        Popularity(),
        BiasOnly(),
        Ease(l2=ease_l2, min_item_ratings=config.ranker.min_item_ratings),
        ImplicitAls(als[0], als[2], als[1], min_item_ratings=config.ranker.min_item_ratings),
    ]
    methods: list[Method] = []
    for baseline in baselines:
        t0 = time.perf_counter()
        baseline.fit(data)
        seconds[baseline.name] = time.perf_counter() - t0
        methods.append(baseline)
    methods += [ServedStars(model, split.catalogue), ServedModel(model, split.catalogue)]
    methods += [
        ServedModel(model, split.catalogue, f"ours-a{a:.2f}", adventurous=a)
        for a in config.adventurous
    ]
    models = {"ours": model}
    for name, variant in (variants(ranker_config) if variants else {}).items():
        t0 = time.perf_counter()
        # A variant only answers recommend(): it needs the similarity slot only for the
        # ranker's content-taste term (which reads its vectors).
        similarity = config.train.similarity if variant.content_weight > 0 else None
        variant_config = dataclasses.replace(config.train, ranker=variant, similarity=similarity)
        models[name] = train(split.train, variant_config, **features)
        seconds[f"train {name}"] = time.perf_counter() - t0
        methods.append(ServedModel(models[name], split.catalogue, name))

    genres, _names = genre_members(split.catalogue.ids, movies)
    catalogue = Catalogue(genres, split.item_counts, referee(model, split.catalogue.ids))
    results: list[MethodResult] = []
    for method in methods:
        t0 = time.perf_counter()
        label = method.name

        def wrap(items: Iterable[Any], label: str = label) -> Iterable[Any]:
            return progress(items, label)

        results.append(
            evaluate_method(method, users, split, ks=config.ks, progress=wrap, catalogue=catalogue)
        )
        seconds[method.name] = seconds.get(method.name, 0.0) + time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - started
    summary = {
        "users": len(np.unique(ratings.user_ids)),
        "train_users": split.n_train_users,
        "test_users": len(split.test_user_ids),
        "skipped_test_users": split.skipped_users,
        "evaluated_test_users": len(users),
        "catalogue_items": len(split.catalogue),
        "train_ratings": len(split.train),
        "mean_revealed": float(np.mean([len(u.revealed_rows) for u in users])) if users else 0.0,
        "mean_proposals": float(np.mean([u.proposals for u in users])) if users else 0.0,
        "heldout_ratings": int(sum(len(u.heldout_rows) for u in users)),
    }
    return ExperimentResult(
        config=config,
        results=results,
        ranker_config=ranker_config,
        ease_l2=ease_l2,
        als=als,
        summary=summary,
        seconds=seconds,
        tuning=tuning,
        models=models,
        split=split,
        users=users,
    )
