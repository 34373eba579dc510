"""How ``RankerConfig.popularity_damping``, ``damping_onset``, ``calibration_prior`` and
``coherent_content`` were chosen (issue 9).

Selection on ML-100K *training users* only, as ``bench_content_weight.py`` does: for each
outer seed the cold-start benchmark's own user split (``split_users``, 20% held out) is
made and its held-out users are set aside unseen; the training users are split again as
the production tuning does (``tuning.validation_split``: 80/20, a model trained on the
inner 80% with the site's ``TrainConfig()`` minus its ranker, similarity included), and
the inner 20% reveal ``--n-reveal`` ratings (10 by default) by each of the four
strategies. Each point (the ranker's other settings as shipped) is scored by NDCG@10 and
C_KL@10 of the lists the tuning's fast path gives (the served lists, unpruned), NDCG
paired against its reference (mean difference and 95% half-width over users).

The damping's rule (as for the content weight): the point with the best mean NDCG@10
difference over the cells among the points with no (reveal, seed) cell clearly below the
reference (interval entirely below zero).

* ``POINTS``, the damping (chosen first, with 10 revealed, before the calibration prior
  existed: the points carry ``calibration_prior`` 0): reference, the ranker without
  damping; the rule reads the n = 10 runs. The genre prior (``genre_weight``) and a
  stronger calibration are measured at the damping the rule picks, for the record.
* ``CALIBRATION_POINTS``, the calibration at the shipped damping (λ, the target's prior
  ``calibration_prior`` and the damped visitors' extra ``damped_calibration``): reference,
  the calibration the damping was chosen with; every run (n = 5, 10 and 20) is read. No
  rule picks it (``summary``): the default trades NDCG@10 and C_KL@10 across the cells
  (docs/evaluation.md, "How the calibration was chosen").

* ``COHERENCE_POINTS``, the per-visitor content weight (``coherent_content`` γ and
  ``coherence_onset``) at the shipped calibration: reference, no factor; every run is
  read. The rule: among the points with no clear loss in any cell and a mean C_KL@10 at
  most 0.01 above the reference's, the best mean NDCG@10 difference
  (``coherence_chosen``). The damping and calibration points ran before the factor
  existed and still run without it (γ = 0).

ml-latest-small is never used here: it is the out-of-sample check of
``bench_coldstart.py``.

``--personas`` adds, for information, the share of each planted persona's top 20 in their
genres at every point (``personas``). Written to ``bench/results/ranker_selection.json``;
``--seed`` and ``--n-reveal`` pick the runs (each run merges into the JSON under
"seed/n"). Run: ``python bench/bench_ranker_selection.py [--seed 0] [--seed 1]
[--n-reveal 5] [--n-reveal 10] [--group coherence] [--personas]``.
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
import numpy.typing as npt

from moviematch.recommender import MFConfig, RankerConfig, TrainConfig
from moviematch.recommender.evaluation.beyond import Catalogue
from moviematch.recommender.evaluation.runner import evaluate_method
from moviematch.recommender.ranker import ItemItemRanker
from moviematch.recommender.tuning import (
    ValidationScores,
    _ListedUsers,
    revealed_by,
)
from training_users import site_model, training_users_validation

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "ranker_selection.json"
REVEALS = ("random", "popular", "time", "picker")
#: The calibration as it was when the damping was chosen (no prior, λ = 0.5, no extra λ).
AS_CHOSEN = {"calibration_prior": 0.0, "calibration": 0.5, "damped_calibration": 0.0}
#: The damping's reference: the ranker as it was then, without the damping.
REFERENCE = {"popularity_damping": 0.0, **AS_CHOSEN}
POINTS: list[dict[str, float]] = [
    REFERENCE,
    *(
        {"popularity_damping": beta, "damping_onset": onset, **AS_CHOSEN}
        for beta in (0.4, 0.8, 1.2, 1.6)
        for onset in (1.25, 1.5, 1.75)
    ),
    # The same β for every visitor (β_u = β whatever their films).
    *({"popularity_damping": beta, "damping_onset": -10.0, **AS_CHOSEN} for beta in (0.15, 0.3)),
    *(
        {"popularity_damping": 0.8, "damping_onset": 1.5, **AS_CHOSEN, "genre_weight": g}
        for g in (0.25, 0.5, 1)
    ),
    {"popularity_damping": 0.8, "damping_onset": 1.5, **AS_CHOSEN, "calibration": 0.7},
]
#: The calibration at the shipped damping: λ, the target's prior m (films' worth of the
#: training ratings' genre mix) and the damped visitors' extra λ. The first is the
#: reference (the calibration the damping was chosen with).
CALIBRATION_POINTS: list[dict[str, float]] = [
    AS_CHOSEN,
    *(
        {"calibration": c, "calibration_prior": m, "damped_calibration": d}
        for c in (0.4, 0.5)
        for m in (0.0, 3.0, 6.0, 12.0)
        for d in (0.0, 0.3, 0.45)
        if (c, m, d) != (0.5, 0.0, 0.0)
    ),
]

#: The per-visitor content weight (``coherent_content`` γ, ``coherence_onset``) at the
#: shipped calibration; the first is the reference (no factor). POINTS and
#: CALIBRATION_POINTS were measured before it existed: they run with γ = 0.
COHERENCE_POINTS: list[dict[str, float]] = [
    {"coherent_content": 0.0},
    *(
        {"coherent_content": g, "coherence_onset": onset}
        for g in (1.0, 2.0, 3.0, 4.0)
        for onset in (0.8, 0.9, 0.95)
    ),
]
GROUPS = {"damping": POINTS, "calibration": CALIBRATION_POINTS, "coherence": COHERENCE_POINTS}


def as_measured(point: dict[str, float]) -> dict[str, float]:
    """A point's settings as it runs: the damping and calibration points without the
    coherence factor, which came after them."""
    return point if point in COHERENCE_POINTS else {"coherent_content": 0.0, **point}


def key(point: dict[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in point.items())


def selection(name: str, seed: int, n_reveal: int, groups: list[str]) -> dict[str, Any]:
    base = training_users_validation(DATASETS / name, seed)
    out: dict[str, Any] = {"validation_users": len(base.users), "n_reveal": n_reveal}
    out["reveals"] = {}
    for reveal in REVEALS:
        validation = revealed_by(base, reveal, n_reveal=n_reveal, seed=seed)
        default = dataclasses.replace(RankerConfig(), top_k=0)
        solved = ValidationScores(validation, default)
        catalogue = Catalogue(validation.genres, validation.split.item_counts)
        z = mean_popularity_z(solved, validation)
        rows: dict[str, Any] = {}
        started = time.process_time()
        for group in groups:
            points = GROUPS[group]
            reference: Any = None
            for values in points:
                point = dataclasses.replace(default, **as_measured(values))
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
        print(name, seed, reveal, n_reveal, f"{time.process_time() - started:.0f}s cpu", flush=True)
        out["reveals"][reveal] = rows
        out.setdefault("mean_popularity_z_quartiles", {})[reveal] = [
            round(float(q), 3) for q in np.percentile(z, [25, 50, 75])
        ]
    return out


def mean_popularity_z(solved: ValidationScores, validation: Any) -> npt.NDArray[np.float64]:
    """Each validation user's z̄: their revealed films' mean z-scored log popularity."""
    values = solved.parts.log_popularity.astype(np.float64)
    inside = values[solved.parts.modelled]
    z = (values - inside.mean()) / inside.std()
    return np.array([z[u.revealed_rows].mean() for u in validation.users])


def personas() -> dict[str, Any]:
    """Share of each planted persona's top 20 in their genres, per point.

    The model trained on all of ml-latest-small (``TrainConfig(mf=MFConfig(seed=0))``, the
    site's features) as in ``tests/recommender/test_personas.py``; the points only change
    serving-time settings, so one model serves them all. Reported, not used to choose.
    """
    sys.path.insert(0, str(ROOT))
    from tests.recommender.test_personas import PERSONAS, genres_of, movie_id

    model, movies = site_model(DATASETS / "ml-latest-small", TrainConfig(mf=MFConfig(seed=0)))
    ranker = model.components["ranker"]
    assert isinstance(ranker, ItemItemRanker)
    fitted = ranker.config
    genres = genres_of(movies)
    out: dict[str, Any] = {}
    for values in (*POINTS, *CALIBRATION_POINTS, *COHERENCE_POINTS):
        ranker.config = dataclasses.replace(fitted, **as_measured(values))
        shares = {}
        for p in PERSONAS:
            rated = {movie_id(movies, t, y): s for (t, y), s in {**p.loved, **p.hated}.items()}
            profile = model.fold_in(list(rated), list(rated.values()))
            top = model.recommend(profile, n=20)
            shares[p.name] = sum(bool(set(genres[r.movie_id]) & p.genres) for r in top) / 20
        out[key(values)] = shares
    return out


def summary(runs: dict[str, Any]) -> dict[str, Any]:
    """Per point: means over reveals × runs, any clear loss, and the damping rule's choice.

    The damping's points read the runs with 10 revealed (what it was chosen on); the
    calibration points read every run (n = 5, 10 and 20). The calibration is not chosen
    by a rule here: ``shipped_calibration`` is the default's point (docs/evaluation.md
    says why).
    """
    table = {}
    for values in (*POINTS, *CALIBRATION_POINTS, *COHERENCE_POINTS):
        k = key(values)
        every = values in CALIBRATION_POINTS or values in COHERENCE_POINTS
        used = [r for r in runs.values() if every or r["n_reveal"] == 10]
        cells = [run["reveals"][r][k] for run in used for r in REVEALS]
        table[k] = {
            "cells": len(cells),
            "ndcg10": round(float(np.mean([c["ndcg10"] for c in cells])), 5),
            "ckl10": round(float(np.mean([c["ckl10"] for c in cells])), 5),
            "minus_reference": round(float(np.mean([c["minus_reference"] for c in cells])), 5),
            "clear_loss_cells": [
                f"{r}/{run['n_reveal']}"
                for run in used
                for r in REVEALS
                if run["reveals"][r][k]["minus_reference"] + run["reveals"][r][k]["half_width_95"]
                < 0
            ],
        }
    damping = [
        key(p)
        for p in POINTS
        if set(p) <= {"popularity_damping", "damping_onset", *AS_CHOSEN}
        and p.get("damping_onset", 0) > 0
    ]
    allowed = [k for k in damping if not table[k]["clear_loss_cells"]]
    # The coherence factor: among the points with no clear loss and a mean C_KL@10 at most
    # 0.01 above the reference's, the best mean NDCG@10 difference.
    plain = table[key(COHERENCE_POINTS[0])]["ckl10"]
    coherent = [
        key(p)
        for p in COHERENCE_POINTS[1:]
        if not table[key(p)]["clear_loss_cells"] and table[key(p)]["ckl10"] <= plain + 0.01
    ]
    default = RankerConfig()
    shipped = key({k: getattr(default, k) for k in CALIBRATION_POINTS[1]})
    return {
        "points": table,
        "chosen": max(allowed, key=lambda k: table[k]["minus_reference"]),
        "coherence_chosen": max(coherent, key=lambda k: table[k]["minus_reference"]),
        "shipped_calibration": shipped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--seed", type=int, action="append")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--n-reveal", type=int, action="append", help="revealed ratings")
    parser.add_argument("--personas", action="store_true", help="also the persona shares")
    parser.add_argument(
        "--group",
        choices=sorted(GROUPS),
        action="append",
        help="the points to run (default: all); the others' results in the JSON are kept",
    )
    args = parser.parse_args()
    data: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs = data.setdefault("runs", {}).setdefault(args.dataset, {})
    groups = args.group or list(GROUPS)
    for seed in args.seed or [0, 1]:
        for n_reveal in args.n_reveal or [10]:
            run = selection(args.dataset, seed, n_reveal, groups)
            kept = runs.get(f"{seed}/{n_reveal}", {}).get("reveals", {})
            for reveal, rows in run["reveals"].items():
                rows.update({k: v for k, v in kept.get(reveal, {}).items() if k not in rows})
            runs[f"{seed}/{n_reveal}"] = run
    if args.personas:
        data["personas"] = personas()
    data.update(
        benchmark="ranker_selection",
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        points=POINTS,
        calibration_points=CALIBRATION_POINTS,
        coherence_points=COHERENCE_POINTS,
        default=dataclasses.asdict(RankerConfig()),
        load_average=os.getloadavg(),
        python=sys.version.split()[0],
    )
    data.setdefault("summary", {})[args.dataset] = summary(runs)
    args.out.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
