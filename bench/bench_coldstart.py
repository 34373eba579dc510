"""Cold-start benchmark: every method × reveal strategy × dataset, pruning cost, Surprise.

Writes ``bench/results/coldstart.json`` and prints the tables. Sections, per dataset
(ML-100K and ml-latest-small, read from ``$MOVIEMATCH_DATASETS`` or ``../shared/datasets``):

1. The cold-start protocol (docs/evaluation.md) with reveal = random, popular and picker:
   popularity, bias-only, EASE, MF fold-in sorted by stars, and ours, in the same run.
   Hyperparameters (ours and EASE's λ) are tuned on training users for each reveal
   strategy, with the validation users revealing by that strategy.
2. Pruning: ours with the item-item matrix dense vs top-k neighbours (k = 50, 100, 200),
   NDCG@10 and serving bytes; plus the size a 10k-item catalogue would need.
3. RMSE target: our fold-in (train without the test users, fold in their revealed ratings)
   against Surprise's SVD *retrained* with the test users' revealed ratings included, on
   the same held-out ratings.
4. 5-fold cross-validated RMSE of the MF model (warm start, for reference).

Run: ``python bench/bench_coldstart.py [--quick]`` (``--quick``: ML-100K only, random reveal).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from moviematch.datasets.movielens import load_ratings
from moviematch.recommender.data import MAX_STARS, MIN_STARS, Ratings
from moviematch.recommender.evaluation.baselines import Method, Ours, StarsModel
from moviematch.recommender.evaluation.crossval import cross_validate_mf
from moviematch.recommender.evaluation.experiment import (
    ExperimentConfig,
    ExperimentResult,
    run_experiment,
)
from moviematch.recommender.evaluation.metrics import mae, rmse
from moviematch.recommender.evaluation.mfstars import MFFoldInStars
from moviematch.recommender.evaluation.protocol import RandomReveal, reveal_users, split_users
from moviematch.recommender.evaluation.runner import paired_difference, training_data
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.ranker import RankerConfig

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "coldstart.json"

# ml-latest-small has 9.3k catalogue movies, most rated once or twice; both item-item
# models (EASE and ours) leave out movies with fewer than 5 training ratings (3.6k remain),
# which keeps each inversion to seconds. ML-100K keeps every movie.
DATASET_SETTINGS = {"ml-100k": 1, "ml-latest-small": 5}
PRUNING_K = (0, 50, 100, 200)


def _ranked_variant(config: RankerConfig, stars: StarsModel, k: int) -> Ours:
    method = Ours(dataclasses.replace(config, top_k=k), stars, fit_stars=False)
    method.name = "ours-dense" if k == 0 else f"ours-k{k}"
    return method


def pruning_section(
    result: ExperimentResult, variants: dict[int, Ours], n_items_target: int = 10_000
) -> dict[str, Any]:
    """NDCG@10 and serving size of ours, dense vs top-k (same run, same users)."""
    by = result.by_method()
    dense_ndcg = by["ours-dense"].ndcg[10]
    rows = []
    for k in PRUNING_K:
        name = "ours-dense" if k == 0 else f"ours-k{k}"
        ndcg = by[name].ndcg[10]
        rows.append(
            {
                "top_k": k,
                "ndcg10": round(ndcg, 6),
                "ndcg10_vs_dense": round(ndcg / dense_ndcg - 1.0, 6),
                "serving_bytes_this_dataset": variants[k].ranker.nbytes,
                # float32 dense matrix, or CSR: float32 weight + int32 column per kept
                # neighbour plus an int64 row pointer.
                "serving_bytes_at_10k_items": (
                    n_items_target * n_items_target * 4
                    if k == 0
                    else n_items_target * k * (4 + 4) + (n_items_target + 1) * 8
                ),
            }
        )
    return {"rows": rows, "ease_ndcg10": round(by["ease"].ndcg[10], 6)}


def surprise_section(ratings: Ratings, seed: int, mf: MFConfig) -> dict[str, Any]:
    """Fold-in RMSE vs Surprise SVD retrained with the test users' revealed ratings."""
    import surprise

    split = split_users(ratings, seed=seed)
    users = reveal_users(split, RandomReveal(10), seed=seed)
    ids = split.catalogue.ids
    # Our side: MF on training users only; fold in the revealed ratings.
    started = time.perf_counter()
    ours = MFFoldInStars(mf)
    ours.fit(training_data(split))
    pred_ours, truth = [], []
    for user in users:
        predicted = ours.predict(user.revealed_rows, user.revealed_stars)
        pred_ours.append(predicted[user.heldout_rows])
        truth.append(user.heldout_stars)
    ours_seconds = time.perf_counter() - started
    y = np.concatenate(truth)
    p_ours = np.concatenate(pred_ours)

    def retrain(algo: Any) -> tuple[np.ndarray, float]:
        t0 = time.perf_counter()
        user_col = [*split.train.user_ids.tolist()]
        item_col = [*split.train.movie_ids.tolist()]
        star_col = [*split.train.values.tolist()]
        for user in users:
            user_col += [user.user_id] * len(user.revealed_rows)
            item_col += ids[user.revealed_rows].tolist()
            star_col += user.revealed_stars.tolist()
        # Surprise reads files or pandas frames; a temporary TSV avoids needing pandas.
        with tempfile.TemporaryDirectory() as tmp:
            data_file = Path(tmp) / "train.tsv"
            data_file.write_text(
                "".join(
                    f"{u}\t{i}\t{r}\n" for u, i, r in zip(user_col, item_col, star_col, strict=True)
                ),
                encoding="utf-8",
            )
            reader = surprise.Reader(
                line_format="user item rating", sep="\t", rating_scale=(MIN_STARS, MAX_STARS)
            )
            trainset = surprise.Dataset.load_from_file(str(data_file), reader).build_full_trainset()
        algo.fit(trainset)
        # Surprise keys users and items by the raw strings read from the file.
        preds = [
            algo.predict(str(user.user_id), str(int(ids[row]))).est
            for user in users
            for row in user.heldout_rows.tolist()
        ]
        return np.asarray(preds), time.perf_counter() - t0

    svd_default, t_default = retrain(surprise.SVD(random_state=seed))
    svd_matched, t_matched = retrain(
        surprise.SVD(
            n_factors=mf.n_factors,
            n_epochs=mf.n_epochs,
            lr_all=mf.lr,
            reg_bu=mf.reg_bias,
            reg_bi=mf.reg_bias,
            reg_pu=mf.reg,
            reg_qi=mf.reg,
            random_state=seed,
        )
    )
    return {
        "heldout_ratings": len(y),
        "test_users": len(users),
        "ours_foldin": {
            "rmse": round(rmse(p_ours, y), 6),
            "mae": round(mae(p_ours, y), 6),
            "seconds": round(ours_seconds, 2),
        },
        "surprise_svd_retrained_default": {
            "rmse": round(rmse(svd_default, y), 6),
            "mae": round(mae(svd_default, y), 6),
            "seconds": round(t_default, 2),
        },
        "surprise_svd_retrained_same_hyperparameters": {
            "rmse": round(rmse(svd_matched, y), 6),
            "mae": round(mae(svd_matched, y), 6),
            "seconds": round(t_matched, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ML-100K, random reveal only")
    parser.add_argument("--seed", type=int, default=0, help="split/reveal/tuning seed")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output path")
    args = parser.parse_args(argv)

    mf = MFConfig()
    datasets = ["ml-100k"] if args.quick else ["ml-100k", "ml-latest-small"]
    reveals = ["random"] if args.quick else ["random", "popular", "picker"]
    report: dict[str, Any] = {
        "benchmark": "coldstart",
        "seed": args.seed,
        "mf_config": dataclasses.asdict(mf),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "datasets": {},
    }
    for name in datasets:
        path = DATASETS / name
        if not path.is_dir():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        ratings = load_ratings(path)
        entry: dict[str, Any] = {"min_item_ratings": DATASET_SETTINGS[name], "reveal": {}}
        base = RankerConfig(min_item_ratings=DATASET_SETTINGS[name], top_k=100)
        for reveal in reveals:
            # Tuned per strategy: validation users reveal the way the test users do.
            config = ExperimentConfig(reveal=reveal, seed=args.seed, ranker=base)
            variants: dict[int, Ours] = {}

            def extra(
                cfg: RankerConfig,
                stars: StarsModel,
                into: dict[int, Ours] = variants,
                pruning: bool = reveal == "random",
            ) -> list[Method]:
                # What the predicted-stars floor costs: the same ranker without it.
                no_floor = Ours(dataclasses.replace(cfg, min_stars=0.0), stars, fit_stars=False)
                no_floor.name = "ours-no-floor"
                if pruning:
                    into.update({k: _ranked_variant(cfg, stars, k) for k in PRUNING_K})
                return [no_floor, *into.values()]

            result = run_experiment(
                ratings,
                config,
                stars_model_factory=lambda: MFFoldInStars(mf),
                extra_methods=extra,
            )
            if reveal == "random":
                entry["pruning"] = pruning_section(result, variants)
            print(f"\n== {name}, reveal={reveal} ({result.split['evaluated_test_users']} users)")
            print(result.table())
            entry["reveal"][reveal] = result.as_json()
            by = result.by_method()
            diff, half = paired_difference(by["ours"], by["ease"], 10)
            entry.setdefault("ours_vs_ease_ndcg10", {})[reveal] = {
                "relative": round(by["ours"].ndcg[10] / by["ease"].ndcg[10] - 1.0, 6),
                "paired_difference": round(diff, 6),
                "ci95_half_width": round(half, 6),
            }
            print(f"ours − EASE NDCG@10: {diff:+.4f} ± {half:.4f} (paired, 95%)")
        print(f"\n== {name}: pruning (random reveal)")
        for row in entry.get("pruning", {}).get("rows", []):
            print(
                f"  top_k={row['top_k']:>4}  NDCG@10 {row['ndcg10']:.4f} "
                f"({100 * row['ndcg10_vs_dense']:+.2f}% vs dense)  "
                f"{row['serving_bytes_at_10k_items'] / 1e6:8.1f} MB at 10k items"
            )
        entry["surprise"] = surprise_section(ratings, args.seed, mf)
        s = entry["surprise"]
        print(
            f"\n== {name}: RMSE on held-out ratings: fold-in {s['ours_foldin']['rmse']:.4f} vs "
            f"Surprise SVD retrained {s['surprise_svd_retrained_default']['rmse']:.4f} (default)"
            f" / {s['surprise_svd_retrained_same_hyperparameters']['rmse']:.4f} (same hp)"
        )
        cv = cross_validate_mf(ratings, mf, folds=5, seed=args.seed)
        entry["mf_cross_validation"] = cv.as_json()
        print(f"== {name}: MF 5-fold CV RMSE {cv.rmse:.4f} (MAE {cv.mae:.4f})")
        report["datasets"][name] = entry
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
