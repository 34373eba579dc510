"""How ``RankerConfig.popularity_damping`` and ``damping_onset`` were chosen (issue 9).

Selection on ML-100K *training users* only, as ``bench_content_weight.py`` does: for each
outer seed the cold-start benchmark's own user split (``split_users``, 20% held out) is
made and its held-out users are set aside unseen; the training users are split again as
the production tuning does (``tuning.validation_split``: 80/20, a model trained on the
inner 80% with the site's ``TrainConfig()`` minus its ranker, similarity included), and
the inner 20% reveal 10 ratings by each of the four strategies. Each point of ``POINTS``
(the ranker's other settings as shipped) is scored by NDCG@10 and C_KL@10 of the lists the
tuning's fast path gives (the served lists, unpruned), NDCG paired against the ranker
without damping (mean difference and 95% half-width over users).

The rule, as for the content weight: the point with the best mean NDCG@10 difference over
the four reveal modes and the two seeds among the points with no (reveal, seed) cell
clearly below the reference (interval entirely below zero). The genre prior
(``genre_weight``) and a stronger calibration are measured at the damping the rule picks,
for the record. ml-latest-small is never used here: it is the out-of-sample check of
``bench_coldstart.py``.

Written to ``bench/results/ranker_selection.json``; ``--seed`` picks the runs (each run
merges into the JSON). Run: ``python bench/bench_ranker_selection.py [--seed 0] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender import MFConfig, RankerConfig, TrainConfig
from moviematch.recommender.evaluation.beyond import Catalogue
from moviematch.recommender.evaluation.protocol import split_users
from moviematch.recommender.evaluation.runner import evaluate_method
from moviematch.recommender.tuning import (
    ValidationScores,
    _ListedUsers,
    revealed_by,
    validation_split,
)

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "ranker_selection.json"
REVEALS = ("random", "popular", "time", "picker")
#: The reference: the shipped ranker without the damping.
REFERENCE = {"popularity_damping": 0.0}
POINTS: list[dict[str, float]] = [
    REFERENCE,
    *(
        {"popularity_damping": beta, "damping_onset": onset}
        for beta in (0.4, 0.8, 1.2, 1.6)
        for onset in (1.25, 1.5, 1.75)
    ),
    *({"popularity_damping": 0.8, "damping_onset": 1.5, "genre_weight": g} for g in (0.25, 0.5, 1)),
    {"popularity_damping": 0.8, "damping_onset": 1.5, "calibration": 0.7},
]


def key(point: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in point.items())


def selection(name: str, seed: int) -> dict[str, Any]:
    path = DATASETS / name
    ratings, features = load_ratings(path), load_features(path)
    outer = split_users(ratings, test_fraction=0.2, n_reveal=10, seed=seed)
    config = TrainConfig(mf=MFConfig(seed=seed), ranker=RankerConfig())
    base = validation_split(
        outer.train,
        config,
        movies=features.movies,
        tags=features.tags,
        genome=features.genome,
        reveal="random",
        seed=seed,
    )
    out: dict[str, Any] = {"validation_users": len(base.users), "reveals": {}}
    for reveal in REVEALS:
        validation = base if reveal == "random" else revealed_by(base, reveal, seed=seed)
        solved = ValidationScores(validation, dataclasses.replace(RankerConfig(), top_k=0))
        catalogue = Catalogue(validation.genres, validation.split.item_counts)

        default = dataclasses.replace(RankerConfig(), top_k=0)
        reference: Any = None
        rows: dict[str, Any] = {}
        started = time.process_time()
        for values in POINTS:
            point = dataclasses.replace(default, **values)
            lists = solved.lists(solved.scores(point), point)
            result = evaluate_method(
                _ListedUsers(validation.users, lists),
                validation.users,
                validation.split,
                ks=(10,),
                catalogue=catalogue,
            )
            if reference is None:
                reference = result.per_user_ndcg[10]
            diff = result.per_user_ndcg[10] - reference
            rows[key(values)] = {
                "ndcg10": round(result.ndcg[10], 5),
                "ckl10": round(result.beyond["ckl"], 5),
                "popularity10": round(result.beyond["popularity"], 5),
                "minus_reference": round(float(diff.mean()), 5),
                "half_width_95": round(float(1.96 * diff.std(ddof=1) / np.sqrt(len(diff))), 5),
            }
        print(name, seed, reveal, f"{time.process_time() - started:.0f}s cpu", flush=True)
        out["reveals"][reveal] = rows
    return out


def summary(runs: dict[str, Any]) -> dict[str, Any]:
    """Per point: means over reveals × seeds, any clear loss, and the rule's choice."""
    table = {}
    for values in POINTS:
        k = key(values)
        cells = [run["reveals"][r][k] for run in runs.values() for r in REVEALS]
        table[k] = {
            "ndcg10": round(float(np.mean([c["ndcg10"] for c in cells])), 5),
            "ckl10": round(float(np.mean([c["ckl10"] for c in cells])), 5),
            "minus_reference": round(float(np.mean([c["minus_reference"] for c in cells])), 5),
            "clear_loss_somewhere": any(
                c["minus_reference"] + c["half_width_95"] < 0 for c in cells
            ),
        }
    damping = [key(p) for p in POINTS if set(p) <= {"popularity_damping", "damping_onset"}]
    allowed = [k for k in damping if not table[k]["clear_loss_somewhere"]]
    chosen = max(allowed, key=lambda k: table[k]["minus_reference"])
    return {"points": table, "chosen": chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--seed", type=int, action="append")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs = data.setdefault("runs", {}).setdefault(args.dataset, {})
    for seed in args.seed or [0, 1]:
        runs[str(seed)] = selection(args.dataset, seed)
    data.update(
        benchmark="ranker_selection",
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        points=POINTS,
        default=dataclasses.asdict(RankerConfig()),
        load_average=os.getloadavg(),
        python=sys.version.split()[0],
    )
    data.setdefault("summary", {})[args.dataset] = summary(runs)
    args.out.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
