"""Cold-start benchmark: the shipped model against every baseline, per dataset × reveal × n.

Writes ``bench/results/coldstart.json`` and prints the tables; ``coldstart_report.py``
renders them into docs/evaluation.md and ``bench/results/adventurous.png`` is the
familiar ↔ adventurous curve. Per dataset (ML-100K and ml-latest-small, read from
``$MOVIEMATCH_DATASETS`` or ``../shared/datasets``):

1. The cold-start protocol (docs/evaluation.md) for reveal = random, popular, time (first
   ratings by time) and picker, with 10 revealed ratings for seeds 0 and 1 and with 5 and
   20 for seed 0. "Ours" is the ``Model`` that ``train`` returns for the split's training
   ratings with the site's ``TrainConfig()`` — the one shipped default, never tuned here —
   and the dataset's movies/tags/genome, measured through ``recommend``/``predict``. Side by
   side: popularity, bias-only, EASE and implicit ALS (both tuned on training users for
   that reveal and n), the same model's stars as a ranking (mf-stars), and variants of ours
   trained on the same ratings (``ours-previous``: the ranker before issue 9, every rated
   film voting +1, no calibration, no taste guard, stars weight 0.1;
   ``ours-calibration-before``: λ = 0.5 without the target's prior and the damped
   visitors' extra weight, every cell; ``ours-no-coherence``: one content weight for
   every visitor, every cell; ``ours-no-damping``
   (the shipped model before the popularity damping); ``ours-no-calibration``;
   ``ours-no-guard``;
   ``ours-max2000``: the item-item solve capped at the 2,000 most-rated films, random
   reveal) and served at five adventurous settings (n = 10). Every method gets the
   beyond-accuracy figures of its top 10 and its paired NDCG@10 difference from ours.
2. RMSE: our fold-in against Surprise's SVD *retrained* with the test users' revealed
   ratings included, on the same held-out ratings, for every reveal mode (seed 0, n = 10).
3. 5-fold cross-validated RMSE of the MF model (warm start, for reference).

Run: ``python bench/bench_coldstart.py [--quick] [--dataset NAME] [--seed S] [--n-reveal N]
[--out FILE]``;
``--merge A B`` joins outputs of different datasets or seeds (two runs can use two cores).
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
from datetime import UTC, datetime
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
PLOT = ROOT / "bench" / "results" / "adventurous.png"

#: Where the shipped defaults were chosen (in-sample) and where they are checked.
ROLES = {"ml-100k": "development", "ml-latest-small": "out-of-sample"}
REVEALS = ("random", "popular", "time", "picker")
ADVENTUROUS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: The ranker before issue 9 (every rated film votes +1, no calibration, no taste guard,
#: stars weight 0.1, no content taste, no popularity damping).
PREVIOUS = {
    "centred_input": False,
    "calibration": 0.0,
    "stars_weight": 0.1,
    "taste_guard": False,
    "content_weight": 0.0,
    "popularity_damping": 0.0,
}
#: The calibration before its target prior and the damped visitors' extra weight (the
#: shipped model before them).
CALIBRATION_BEFORE = {"calibration": 0.5, "calibration_prior": 0.0, "damped_calibration": 0.0}


def cells(quick: bool, core: bool = False) -> list[tuple[str, int, int]]:
    """(reveal, n_reveal, seed) runs: n = 10 for seeds 0 and 1, n = 5 and 20 for seed 0.

    ``core`` (for a dataset that takes long on a shared machine): n = 10 for seeds 0 and 1,
    and n = 5 for random and first-by-time reveals, seed 0.
    """
    if quick:
        return [("random", 10, 0)]
    out = [(reveal, 10, seed) for seed in (0, 1) for reveal in REVEALS]
    if core:
        return [*out, ("random", 5, 0), ("time", 5, 0)]
    return out + [(reveal, n, 0) for n in (5, 20) for reveal in REVEALS]


def variants(chosen: RankerConfig, reveal: str, n_reveal: int) -> dict[str, RankerConfig]:
    out = {
        "ours-previous": dataclasses.replace(chosen, **PREVIOUS),
        "ours-no-content": dataclasses.replace(chosen, content_weight=0.0),
        "ours-no-coherence": dataclasses.replace(chosen, coherent_content=0.0),
        "ours-calibration-before": dataclasses.replace(chosen, **CALIBRATION_BEFORE),
    }
    if n_reveal == 10:
        out["ours-no-damping"] = dataclasses.replace(chosen, popularity_damping=0.0)
        out["ours-no-calibration"] = dataclasses.replace(chosen, calibration=0.0)
        out["ours-no-guard"] = dataclasses.replace(chosen, taste_guard=False)
        if reveal == "random":
            out["ours-max2000"] = dataclasses.replace(chosen, max_items=2000)
    return out


def _errors(predicted: np.ndarray, truth: np.ndarray, seconds: float) -> dict[str, float]:
    diff = np.asarray(predicted, np.float64) - np.asarray(truth, np.float64)
    return {
        "rmse": round(float(np.sqrt(np.mean(diff**2))), 6),
        "mae": round(float(np.mean(np.abs(diff))), 6),
        "seconds": round(seconds, 2),
    }


def surprise_section(result: ExperimentResult, mf: MFConfig, seed: int) -> dict[str, Any]:
    """Fold-in RMSE vs Surprise SVD retrained with the test users' revealed ratings."""
    import surprise

    split, users, model = result.split, result.users, result.models["ours"]
    assert split is not None
    ids = split.catalogue.ids
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


def run_dataset(
    name: str,
    quick: bool,
    core: bool = False,
    save: Any = None,
    seeds: list[int] | None = None,
    sizes: list[int] | None = None,
) -> dict[str, Any]:
    path = DATASETS / name
    ratings = load_ratings(path)
    features = load_features(path)._asdict()
    entry: dict[str, Any] = {"role": ROLES.get(name, "out-of-sample"), "runs": {}, "surprise": {}}
    for reveal, n_reveal, seed in cells(quick, core):
        if (seeds is not None and seed not in seeds) or (
            sizes is not None and n_reveal not in sizes
        ):
            continue
        site = TrainConfig(mf=MFConfig(seed=seed), ranker=RankerConfig())
        assert isinstance(site.ranker, RankerConfig)
        config = ExperimentConfig(
            train=site,
            reveal=reveal,
            n_reveal=n_reveal,
            seed=seed,
            tune_baselines=True,
            adventurous=ADVENTUROUS if n_reveal == 10 else (),
        )
        t0 = time.perf_counter()
        result = run_experiment(
            ratings,
            config,
            **features,
            variants=lambda chosen, r=reveal, k=n_reveal: variants(chosen, r, k),
        )
        print(
            f"\n== {name}, reveal={reveal}, n={n_reveal}, seed={seed} "
            f"({result.summary['evaluated_test_users']} users, {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        print(result.table())
        paired = result.paired()
        for baseline in ("ease", "implicit-als", "popularity"):
            d = paired[baseline]
            print(f"  ours − {baseline}: {d['mean']:+.4f} ± {d['half_width_95']:.4f}")
        entry["runs"].setdefault(f"{reveal}/{n_reveal}", {})[str(seed)] = result.as_json()
        if n_reveal == 10 and seed == 0 and not quick:
            entry["surprise"][reveal] = surprise_section(result, site.mf, seed)
            s = entry["surprise"][reveal]
            print(
                f"  RMSE fold-in {s['ours_foldin']['rmse']:.4f} vs Surprise retrained "
                f"{s['surprise_svd_retrained_default']['rmse']:.4f} / "
                f"{s['surprise_svd_retrained_same_hyperparameters']['rmse']:.4f}",
                flush=True,
            )
        if save is not None:
            save(entry)  # after every run: a long benchmark keeps what it measured
    if not quick and (seeds is None or 0 in seeds):
        cv = cross_validate_mf(ratings, MFConfig(seed=0), folds=5, seed=0)
        entry["mf_cross_validation"] = cv.as_json()
    return entry


def adventurous_plot(report: dict[str, Any], out: Path) -> None:
    """NDCG@10 against popularity percentile, C_KL and coverage at the five settings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for name, entry in report["datasets"].items():
        runs = entry["runs"].get("random/10", {})
        if not runs:
            continue
        points: dict[str, list[float]] = {"ndcg": [], "popularity": [], "ckl": [], "coverage": []}
        for a in ADVENTUROUS:
            rows = [
                next(m for m in run["methods"] if m["method"] == f"ours-a{a:.2f}")
                for run in runs.values()
            ]
            points["ndcg"].append(float(np.mean([m["ndcg"]["10"] for m in rows])))
            points["popularity"].append(float(np.mean([m["beyond"]["popularity"] for m in rows])))
            points["ckl"].append(float(np.mean([m["beyond"]["ckl"] for m in rows])))
            points["coverage"].append(float(np.mean([m["coverage"]["10"] for m in rows])))
        for ax, key, label in zip(
            axes,
            ("popularity", "ckl", "coverage"),
            ("mean popularity percentile of the top 10", "C_KL@10", "catalogue coverage@10"),
            strict=True,
        ):
            ax.plot(points[key], points["ndcg"], marker="o", label=name)
            for a, x, y in zip(ADVENTUROUS, points[key], points["ndcg"], strict=True):
                ax.annotate(f"{a:g}", (x, y), textcoords="offset points", xytext=(4, 4))
            ax.set_xlabel(label)
            ax.set_ylabel("NDCG@10")
    axes[0].legend()
    fig.suptitle("Familiar (0) ↔ adventurous (1): random reveal of 10, mean of seeds 0 and 1")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def _write(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ML-100K, random reveal, seed 0")
    parser.add_argument("--dataset", action="append", help="only these datasets")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON output path")
    parser.add_argument(
        "--merge", nargs="+", type=Path, help="join JSON files (per dataset or per seed)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        action="append",
        help="only the cells of these seeds (two runs "
        "of one dataset on two cores, joined by --merge)",
    )
    parser.add_argument(
        "--core", action="store_true", help="fewer cells: n=10 (two seeds), n=5 random/time"
    )
    parser.add_argument(
        "--n-reveal", type=int, action="append", help="only the cells with these numbers revealed"
    )
    args = parser.parse_args(argv)
    if args.merge:
        parts = [json.loads(p.read_text()) for p in args.merge]
        merged = parts[0]
        for part in parts[1:]:
            for name, entry in part["datasets"].items():
                mine = merged["datasets"].setdefault(name, entry)
                if mine is entry:
                    continue
                for key, runs in entry["runs"].items():
                    mine["runs"].setdefault(key, {}).update(runs)
                mine["surprise"].update(entry["surprise"])
                if "mf_cross_validation" in entry:
                    mine["mf_cross_validation"] = entry["mf_cross_validation"]
            merged["seconds_total"] = max(merged["seconds_total"], part["seconds_total"])
        _write(merged, args.out)
        adventurous_plot(merged, PLOT)
        print(f"wrote {args.out} and {PLOT}")
        return 0

    datasets = args.dataset or (["ml-100k"] if args.quick else list(ROLES))
    report: dict[str, Any] = {
        "benchmark": "coldstart",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "ours": "the served Model (train with the site's TrainConfig()), via recommend/predict",
        "ranker_config": dataclasses.asdict(RankerConfig()),
        "mf_config": dataclasses.asdict(MFConfig()),
        "previous_ranker": PREVIOUS,
        "calibration_before": CALIBRATION_BEFORE,
        "adventurous": list(ADVENTUROUS),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "datasets": {},
    }
    started = time.perf_counter()
    for name in datasets:
        if not (DATASETS / name).is_dir():
            print(f"skipping {name}: not found under {DATASETS}", file=sys.stderr)
            continue

        def save(entry: dict[str, Any], name: str = name) -> None:
            report["datasets"][name] = entry
            report["seconds_total"] = round(time.perf_counter() - started, 1)
            _write(report, args.out)

        report["datasets"][name] = run_dataset(
            name, args.quick, args.core, save, args.seed, args.n_reveal
        )
        report["cells"] = "core" if args.core else "all"
        report["seconds_total"] = round(time.perf_counter() - started, 1)
        _write(report, args.out)  # after every dataset: a long run keeps what it measured
    report["seconds_total"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    _write(report, args.out)
    print(f"\nwrote {args.out} ({report['seconds_total']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
