"""Cold-start benchmark: every method × reveal strategy × dataset, pruning cost, Surprise.

Writes ``bench/results/coldstart.json`` and prints the tables. Sections, per dataset
(ML-100K and ml-latest-small, read from ``$MOVIEMATCH_DATASETS`` or ``../shared/datasets``):

1. The cold-start protocol (docs/evaluation.md) with reveal = random, popular and picker.
   "Ours" is the ``Model`` that ``train`` returns for the split's training ratings with the
   site's ``TrainConfig`` (MF and ranker defaults, similarity, onboarding picker) and the
   dataset's movies/tags/genome, measured through ``recommend``/``predict``; the picker
   reveal is that model's ``onboarding``. Side by side: popularity, bias-only, EASE and the
   same model's stars as a ranking (mf-stars). The ranker's hyperparameters and EASE's λ
   are tuned on training users for each reveal strategy (``train_model --tune``'s
   procedure), with the validation users revealing by that strategy.
2. Pruning: ours with the item-item matrix dense vs top-k neighbours (k = 50, 100, 200),
   each a Model trained with that ``top_k``; NDCG@10 and serving bytes, plus the size a
   10k-item catalogue would need.
3. RMSE target: our fold-in (the served model's ``predict`` for the random-reveal users)
   against Surprise's SVD *retrained* with the test users' revealed ratings included, on
   the same held-out ratings.
4. 5-fold cross-validated RMSE of the MF model (warm start, for reference).

Run: ``python bench/bench_coldstart.py [--quick]`` (``--quick``: ML-100K, random reveal).
Only the engine's façade and the dataset readers are used.
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

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender import (
    MAX_STARS,
    MIN_STARS,
    ExperimentConfig,
    ExperimentResult,
    MFConfig,
    RankerConfig,
    TrainConfig,
    cross_validate_mf,
    run_experiment,
)

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "coldstart.json"

PRUNING_K = (0, 50, 100, 200)


def _variant_name(k: int) -> str:
    return "ours-dense" if k == 0 else f"ours-k{k}"


def variants(chosen: RankerConfig, *, pruning: bool) -> dict[str, RankerConfig]:
    """The same ranker without the stars floor, and (random reveal) other ``top_k``."""
    out = {"ours-no-floor": dataclasses.replace(chosen, min_stars=0.0)}
    if pruning:
        for k in PRUNING_K:
            if k != chosen.top_k:  # that one is "ours" itself
                out[_variant_name(k)] = dataclasses.replace(chosen, top_k=k)
    return out


def pruning_section(result: ExperimentResult, n_items_target: int = 10_000) -> dict[str, Any]:
    """NDCG@10 and serving size of ours, dense vs top-k (same run, same users)."""
    by = result.by_method()
    chosen_k = result.ranker_config.top_k

    def name(k: int) -> str:
        return "ours" if k == chosen_k else _variant_name(k)

    dense_ndcg = by[name(0)].ndcg[10]
    rows = []
    for k in PRUNING_K:
        ndcg = by[name(k)].ndcg[10]
        ranker = result.models[name(k)].component("ranker")
        rows.append(
            {
                "top_k": k,
                "ndcg10": round(ndcg, 6),
                "ndcg10_vs_dense": round(ndcg / dense_ndcg - 1.0, 6),
                "serving_bytes_this_dataset": int(ranker.nbytes),  # type: ignore[attr-defined]
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


def _errors(predicted: np.ndarray, truth: np.ndarray, seconds: float) -> dict[str, float]:
    diff = np.asarray(predicted, np.float64) - np.asarray(truth, np.float64)
    return {
        "rmse": round(float(np.sqrt(np.mean(diff**2))), 6),
        "mae": round(float(np.mean(np.abs(diff))), 6),
        "seconds": round(seconds, 2),
    }


def surprise_section(result: ExperimentResult, mf: MFConfig, seed: int) -> dict[str, Any]:
    """Fold-in RMSE vs Surprise SVD retrained with the test users' revealed ratings.

    ``result`` is the random-reveal run: its users, split and served model (ours).
    """
    import surprise

    split, users, model = result.split, result.users, result.models["ours"]
    assert split is not None
    ids = split.catalogue.ids
    # Our side: the served model folds in the revealed ratings and predicts the rest.
    started = time.perf_counter()
    pred_ours, truth = [], []
    for user in users:
        profile = model.fold_in(ids[user.revealed_rows], user.revealed_stars)
        pred_ours.append(model.predict(profile, ids[user.heldout_rows]))
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
        "ours_foldin": _errors(p_ours, y, ours_seconds),
        "surprise_svd_retrained_default": _errors(svd_default, y, t_default),
        "surprise_svd_retrained_same_hyperparameters": _errors(svd_matched, y, t_matched),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ML-100K, random reveal only")
    parser.add_argument("--seed", type=int, default=0, help="split/reveal/tuning seed")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output path")
    args = parser.parse_args(argv)

    # The site's configuration (recommendations.services.training): MF and ranker defaults,
    # similarity and the onboarding picker, seeded like the evaluation.
    site = TrainConfig(mf=MFConfig(seed=args.seed), ranker=RankerConfig())
    datasets = ["ml-100k"] if args.quick else ["ml-100k", "ml-latest-small"]
    reveals = ["random"] if args.quick else ["random", "popular", "picker"]
    report: dict[str, Any] = {
        "benchmark": "coldstart",
        "seed": args.seed,
        "mf_config": dataclasses.asdict(site.mf),
        "ours": "the served Model (train with the site's TrainConfig), via recommend/predict",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "datasets": {},
    }
    started_all = time.perf_counter()
    for name in datasets:
        path = DATASETS / name
        if not path.is_dir():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        ratings = load_ratings(path)
        features = load_features(path)._asdict()
        assert isinstance(site.ranker, RankerConfig)
        entry: dict[str, Any] = {"min_item_ratings": site.ranker.min_item_ratings, "reveal": {}}
        for reveal in reveals:
            # Tuned per strategy: validation users reveal the way the test users do.
            config = ExperimentConfig(train=site, reveal=reveal, seed=args.seed, tune=True)
            t0 = time.perf_counter()
            result = run_experiment(
                ratings,
                config,
                **features,
                variants=lambda chosen, pruning=reveal == "random": variants(
                    chosen, pruning=pruning
                ),
            )
            print(
                f"\n== {name}, reveal={reveal} ({result.summary['evaluated_test_users']} users, "
                f"{time.perf_counter() - t0:.0f} s)"
            )
            print(result.table())
            entry["reveal"][reveal] = result.as_json()
            by = result.by_method()
            diff, half = result.paired_difference("ours", "ease", 10)
            entry.setdefault("ours_vs_ease_ndcg10", {})[reveal] = {
                "relative": round(by["ours"].ndcg[10] / by["ease"].ndcg[10] - 1.0, 6),
                "paired_difference": round(diff, 6),
                "ci95_half_width": round(half, 6),
            }
            print(f"ours − EASE NDCG@10: {diff:+.4f} ± {half:.4f} (paired, 95%)")
            if reveal == "random":
                entry["pruning"] = pruning_section(result)
                entry["surprise"] = surprise_section(result, site.mf, args.seed)
        print(f"\n== {name}: pruning (random reveal)")
        for row in entry.get("pruning", {}).get("rows", []):
            print(
                f"  top_k={row['top_k']:>4}  NDCG@10 {row['ndcg10']:.4f} "
                f"({100 * row['ndcg10_vs_dense']:+.2f}% vs dense)  "
                f"{row['serving_bytes_at_10k_items'] / 1e6:8.1f} MB at 10k items"
            )
        s = entry["surprise"]
        print(
            f"\n== {name}: RMSE on held-out ratings: fold-in {s['ours_foldin']['rmse']:.4f} vs "
            f"Surprise SVD retrained {s['surprise_svd_retrained_default']['rmse']:.4f} (default)"
            f" / {s['surprise_svd_retrained_same_hyperparameters']['rmse']:.4f} (same hp)"
        )
        cv = cross_validate_mf(ratings, site.mf, folds=5, seed=args.seed)
        entry["mf_cross_validation"] = cv.as_json()
        print(f"== {name}: MF 5-fold CV RMSE {cv.rmse:.4f} (MAE {cv.mae:.4f})")
        report["datasets"][name] = entry
    report["seconds_total"] = round(time.perf_counter() - started_all, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(f"\nwrote {args.out} ({report['seconds_total']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
