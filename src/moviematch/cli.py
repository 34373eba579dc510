"""``moviematch``: train a model, evaluate the engine, or get recommendations from a shell.

    moviematch train DATA_DIR --out PATH [--tune] [--backend numba|spark] [hyperparameters]
    moviematch evaluate DATA_DIR [--reveal random|popular|time|picker] [--tune] [--json FILE]
    moviematch recommend MODEL_PATH --rate MOVIE_ID=STARS [--rate ...] [-n N]

``MODEL_PATH`` is a model directory (what ``train --out`` wrote) or a model root with a
``CURRENT`` pointer, such as the site's ``var/model``: the version ``CURRENT`` names is used.

Neither command tunes unless asked (``--tune``), like ``manage.py train_model``. Both train
on the directory's ratings with its movies, tags and genome when present, as the site
trains on its catalogue; ``evaluate`` scores the very ``Model`` that ``train`` would save
for the split's training users.

Bad input (a missing directory, a malformed ``--rate``, unknown movie ids, a corrupt model)
ends with a one-line message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from moviematch.recommender import (
    MAX_STARS,
    MF_BACKENDS,
    MIN_STARS,
    REVEAL_MODES,
    RankerConfig,
    Ratings,
    RecommenderError,
    SparkConfig,
)

EXIT_USAGE = 2


class CliError(Exception):
    """A problem with the user's input; printed without a traceback, exit code 2."""


def _progress(items: Iterable[Any], label: str, *, enabled: bool = True) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, leave=False, file=sys.stderr)


def parse_rating(text: str) -> tuple[int, float]:
    """``"MOVIE_ID=STARS"`` → (movie id, stars); raises ``argparse.ArgumentTypeError``."""
    movie, sep, stars = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected MOVIE_ID=STARS, got {text!r}")
    try:
        movie_id = int(movie.strip())
        value = float(stars.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected MOVIE_ID=STARS with numbers, got {text!r}"
        ) from None
    if not MIN_STARS <= value <= MAX_STARS:
        raise argparse.ArgumentTypeError(
            f"stars must be between {MIN_STARS} and {MAX_STARS}, got {value} in {text!r}"
        )
    return movie_id, value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _load_ratings(directory: str) -> Ratings:
    from moviematch.datasets.errors import DatasetError
    from moviematch.datasets.movielens import load_ratings

    path = Path(directory)
    if not path.is_dir():
        raise CliError(f"{path}: no such directory")
    try:
        ratings = load_ratings(path)
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    if len(ratings) == 0:
        raise CliError(f"{path}: the ratings file is empty")
    return ratings


def _load_features(directory: str) -> dict[str, Any]:
    """Movies, tags and genome when the directory has them (for similarity and labels)."""
    from moviematch.datasets.errors import DatasetError
    from moviematch.datasets.movielens import load_features

    try:
        return load_features(Path(directory))._asdict()
    except DatasetError as exc:
        raise CliError(str(exc)) from None


def _ranker_config(args: argparse.Namespace) -> RankerConfig:
    try:
        return RankerConfig(
            l2=args.ranker_l2,
            dropout=args.ranker_dropout,
            seen_weight=args.ranker_seen_weight,
            stars_weight=args.ranker_stars_weight,
            top_k=args.ranker_top_k,
            min_item_ratings=args.ranker_min_item_ratings,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _add_ranker_options(parser: argparse.ArgumentParser) -> None:
    d = RankerConfig()
    group = parser.add_argument_group("ranker (item-item model that orders recommendations)")
    group.add_argument(
        "--ranker-l2",
        type=float,
        default=d.l2,
        help=f"ridge λ per training user (default {d.l2}; tuned with --tune)",
    )
    group.add_argument(
        "--ranker-dropout",
        type=float,
        default=d.dropout,
        help=f"item-specific penalty c·G_jj (default {d.dropout}; tuned with --tune)",
    )
    group.add_argument(
        "--ranker-seen-weight",
        type=float,
        default=d.seen_weight,
        help=f"weight of plain EASE-on-seen in the blend (default {d.seen_weight}; tunable)",
    )
    group.add_argument(
        "--ranker-stars-weight",
        type=float,
        default=d.stars_weight,
        help=f"weight of the fold-in's predicted stars (default {d.stars_weight}; tunable)",
    )
    group.add_argument(
        "--ranker-top-k",
        type=int,
        default=d.top_k,
        help=f"neighbours kept per movie; 0 keeps all (default {d.top_k})",
    )
    group.add_argument(
        "--ranker-min-item-ratings",
        type=_positive_int,
        default=d.min_item_ratings,
        help="movies with fewer training ratings stay out of the item-item model "
        f"(default {d.min_item_ratings})",
    )
    group.add_argument(
        "--tune",
        action="store_true",
        help="choose l2, dropout and the blend weights on an inner split of the training "
        "users (minutes) instead of using the values given; off by default, as in "
        "'manage.py train_model'",
    )


def _add_mf_options(parser: argparse.ArgumentParser) -> None:
    from moviematch.recommender import MFConfig

    d = MFConfig()
    group = parser.add_argument_group("matrix factorisation (predicted stars)")
    group.add_argument(
        "--factors", type=_positive_int, default=d.n_factors, help=f"latent factors ({d.n_factors})"
    )
    group.add_argument(
        "--epochs", type=_positive_int, default=d.n_epochs, help=f"SGD epochs ({d.n_epochs})"
    )
    group.add_argument("--lr", type=float, default=d.lr, help=f"SGD learning rate ({d.lr})")
    group.add_argument("--reg", type=float, default=d.reg, help=f"factor L2 penalty ({d.reg})")
    group.add_argument(
        "--reg-bias", type=float, default=d.reg_bias, help=f"bias L2 penalty ({d.reg_bias})"
    )


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and the Spark options (shared with ``manage.py train_model``)."""
    d = SparkConfig()
    group = parser.add_argument_group("training backend (where matrix factorisation runs)")
    group.add_argument(
        "--backend",
        choices=MF_BACKENDS,
        default="numba",
        help="numba: SGD on this machine (default); spark: biases and MLlib ALS on Apache "
        "Spark (pip install 'moviematch[spark]', needs Java); see docs/spark.md",
    )
    group.add_argument(
        "--spark-master",
        default=d.master,
        metavar="URL",
        help=f"Spark master: local[*], local[2], spark://host:7077, yarn … (default {d.master})",
    )
    group.add_argument(
        "--spark-spool",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory the driver writes the ratings to and every executor reads them from "
        "(on a cluster: a shared mount such as NFS; default: a temporary directory, which is "
        "enough in local mode)",
    )
    group.add_argument(
        "--spark-driver-memory",
        default=d.driver_memory,
        metavar="SIZE",
        help=f"spark.driver.memory of the session this starts (default {d.driver_memory})",
    )
    group.add_argument(
        "--spark-iterations",
        type=_positive_int,
        default=d.als_iterations,
        help=f"ALS iterations (default {d.als_iterations})",
    )


def spark_config(args: argparse.Namespace) -> SparkConfig:
    """The ``SparkConfig`` of the options of ``add_backend_options``."""
    return SparkConfig(
        master=args.spark_master,
        spool_dir=args.spark_spool,
        driver_memory=args.spark_driver_memory,
        als_iterations=args.spark_iterations,
    )


def _mf_config(args: argparse.Namespace) -> Any:
    from moviematch.recommender import MFConfig

    try:
        return MFConfig(
            n_factors=args.factors,
            n_epochs=args.epochs,
            lr=args.lr,
            reg=args.reg,
            reg_bias=args.reg_bias,
            seed=args.seed,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``moviematch`` command."""
    parser = argparse.ArgumentParser(
        prog="moviematch",
        description="Train, evaluate and query the moviematch recommendation engine.",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars (messages still go to stderr)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_train = commands.add_parser(
        "train",
        help="train a model on a MovieLens directory and save it",
        description="Train the model (MF, ranker, similarity, onboarding picker) on every "
        "rating of DATA_DIR, with its movies/tags/genome when present, and save it.",
    )
    p_train.add_argument("data_dir", metavar="DATA_DIR", help="MovieLens directory")
    p_train.add_argument("--out", required=True, metavar="PATH", help="where to save the model")
    p_train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p_train.add_argument(
        "--tune-reveal",
        choices=REVEAL_MODES,
        default="picker",
        help="with --tune: how the simulated new users of the tuning split reveal their "
        "ratings (default picker: the site's onboarding)",
    )
    _add_mf_options(p_train)
    _add_ranker_options(p_train)
    add_backend_options(p_train)

    p_eval = commands.add_parser(
        "evaluate",
        help="cold-start evaluation against baselines",
        description="Hold out users, let them reveal a few ratings, and compare methods on "
        "the rest (see docs/evaluation.md).",
    )
    p_eval.add_argument("data_dir", metavar="DATA_DIR", help="MovieLens directory")
    p_eval.add_argument(
        "--reveal",
        choices=REVEAL_MODES,
        default="random",
        help="which ratings a new user reveals: random ones, their most popular ones, their "
        "first ones by time, or those the onboarding picker asks about (default random)",
    )
    p_eval.add_argument(
        "--n-reveal", type=_positive_int, default=10, help="ratings revealed per user (10)"
    )
    p_eval.add_argument(
        "--test-fraction", type=float, default=0.2, help="share of users held out (0.2)"
    )
    p_eval.add_argument("--seed", type=int, default=0, help="seed of split and reveals (0)")
    p_eval.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p_eval.add_argument(
        "--cv-folds",
        type=int,
        default=0,
        help="also report k-fold cross-validated RMSE of MF (0 = skip; e.g. 5)",
    )
    _add_mf_options(p_eval)
    _add_ranker_options(p_eval)

    p_rec = commands.add_parser(
        "recommend",
        help="recommendations for a few ratings",
        description="Fold in the given ratings and print the top recommendations.",
    )
    p_rec.add_argument(
        "model_path",
        metavar="MODEL_PATH",
        help="a model saved by 'train', or a model root with CURRENT (var/model)",
    )
    p_rec.add_argument(
        "--rate",
        type=parse_rating,
        action="append",
        required=True,
        metavar="MOVIE_ID=STARS",
        help="a rating, e.g. --rate 318=5 (repeat for more; stars 0.5-5)",
    )
    p_rec.add_argument("-n", type=_positive_int, default=10, help="how many to show (10)")
    return parser


def cmd_train(args: argparse.Namespace) -> int:
    from moviematch.recommender import TrainConfig, train, tune_for_training

    ratings = _load_ratings(args.data_dir)
    features = _load_features(args.data_dir)
    config = TrainConfig(mf=_mf_config(args), ranker=_ranker_config(args))
    show = not args.quiet
    if args.tune:
        started = time.perf_counter()
        print("choosing ranker hyperparameters on an inner split...", file=sys.stderr)
        tuned = tune_for_training(
            ratings,
            config,
            **features,
            reveal=args.tune_reveal,
            seed=args.seed,
            progress=lambda it: _progress(it, "tuning", enabled=show),
        )
        config = dataclasses.replace(config, ranker=tuned.config)
        print(
            f"chose {tuned.config} (validation NDCG@10 {tuned.ndcg:.4f}, "
            f"{time.perf_counter() - started:.0f}s)",
            file=sys.stderr,
        )
    started = time.perf_counter()
    # Spark reports no epochs: the bar is for the numba trainer's SGD.
    epochs = config.mf.n_epochs if args.backend == "numba" else 0
    bar = _progress(range(epochs), "MF epochs", enabled=show)
    ticks = iter(bar)

    def on_epoch(_report: Any) -> None:
        next(ticks, None)

    def on_stage(report: Any) -> None:
        print(f"  {report.stage}: {report.seconds:.1f}s", file=sys.stderr)

    model = train(
        ratings,
        config,
        progress=on_epoch,
        backend=args.backend,
        spark=spark_config(args),
        on_stage=on_stage,
        **features,
    )
    next(ticks, None)  # let the bar finish
    out = Path(args.out)
    try:
        model.save(out)
    except OSError as exc:
        raise CliError(f"{out}: cannot save the model ({exc.strerror})") from None
    print(
        f"trained on {len(ratings)} ratings ({args.backend} MF) in "
        f"{time.perf_counter() - started:.1f}s; saved to {out}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from moviematch.recommender import (
        ExperimentConfig,
        TrainConfig,
        cross_validate_mf,
        run_experiment,
    )

    if not 0.0 < args.test_fraction < 1.0:
        raise CliError(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    ratings = _load_ratings(args.data_dir)
    features = _load_features(args.data_dir)
    mf_config = _mf_config(args)
    show = not args.quiet
    config = ExperimentConfig(
        train=TrainConfig(mf=mf_config, ranker=_ranker_config(args)),
        reveal=args.reveal,
        n_reveal=args.n_reveal,
        test_fraction=args.test_fraction,
        seed=args.seed,
        tune=args.tune,
    )
    try:
        result = run_experiment(
            ratings,
            config,
            **features,
            progress=lambda it, label: _progress(it, label, enabled=show),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    split = result.summary
    print(
        f"{split['evaluated_test_users']} new users ({split['skipped_test_users']} skipped), "
        f"{split['train_users']} training users, {split['catalogue_items']} movies; "
        f"reveal={config.reveal}, mean revealed {split['mean_revealed']:.1f}"
    )
    print(result.table())
    payload = result.as_json()
    if args.cv_folds:
        if args.cv_folds < 2:
            raise CliError("--cv-folds must be 0 or at least 2")
        cv = cross_validate_mf(
            ratings,
            mf_config,
            folds=args.cv_folds,
            seed=args.seed,
            progress=lambda it: _progress(it, "cross-validation", enabled=show),
        )
        print(f"MF {args.cv_folds}-fold CV: RMSE {cv.rmse:.4f}, MAE {cv.mae:.4f}")
        payload["mf_cross_validation"] = cv.as_json()
    if args.json:
        path = Path(args.json)
        try:
            path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{path}: cannot write ({exc.strerror})") from None
        print(f"wrote {path}")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from moviematch.recommender import CURRENT_FILE, Model, current_version

    path = Path(args.model_path)
    if not path.exists():
        raise CliError(f"{path}: no such model")
    # A published root (the site's var/model) holds versions and a CURRENT pointer.
    if (path / CURRENT_FILE).exists():
        path = current_version(path)
    model = Model.load(path)
    movie_ids = [m for m, _ in args.rate]
    stars = [s for _, s in args.rate]
    if len(set(movie_ids)) != len(movie_ids):
        raise CliError("each movie may be rated once")
    profile = model.fold_in(movie_ids, stars)
    unknown = list(getattr(profile, "unknown_movie_ids", []))
    if unknown:
        shown = ", ".join(str(m) for m in unknown)
        raise CliError(f"unknown movie id(s) for this model: {shown}")
    recs = model.recommend(profile, n=args.n, exclude=movie_ids)
    print(f"{'rank':>4}  {'movie_id':>8}  {'stars':>5}")
    for rank, rec in enumerate(recs, start=1):
        print(f"{rank:>4}  {rec.movie_id:>8}  {rec.stars:5.2f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``moviematch`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"train": cmd_train, "evaluate": cmd_evaluate, "recommend": cmd_recommend}
    try:
        return handlers[args.command](args)
    except (CliError, RecommenderError) as exc:
        print(f"moviematch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
