"""Time and peak memory of the ranker's solve at catalogue width: 12k modelled films.

The item-item solve is dense in the modelled films (``RankerConfig.max_items``): G = XᵀX
and XᵀY (formed a block of columns at a time), the in-place Cholesky inverse of G + Λ, and
B formed and pruned a block of rows at a time. This measures ``ItemItemRanker.fit`` on a
synthetic catalogue with MovieLens's shape (Zipf-like popularity, users with 20 + a
log-normal number of ratings) where ``max_items`` films are modelled, one stage at a time,
with the process's peak resident memory (``ru_maxrss``) after each.

The Gram products scale with Σ_u n_u² (pairs of films a user rated), the dense stages with
n³; the JSON gives both so that a run on ML-25M (162k users, Σ n_u² ≈ 1.6·10¹⁰ for its
12k most-rated films, an estimate from its rating counts) can be extrapolated from the
measured rate.

Run: ``python bench/bench_ranker_solve.py [--items 12000] [--users 30000]``; writes
``bench/results/ranker_solve.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from moviematch.recommender import RankerConfig, ranker_solver
from moviematch.recommender import ranker as ranker_module
from moviematch.recommender.ranker import ItemItemRanker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ranker_solve.json"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic(n_items: int, n_users: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    weights = 1.0 / (np.arange(n_items) + 30.0) ** 1.1
    weights /= weights.sum()
    per_user = np.minimum(20 + rng.lognormal(3.5, 1.0, n_users).astype(np.int64), n_items // 4)
    users, items = [], []
    for u, k in enumerate(per_user.tolist()):
        # Gumbel top-k: k distinct films drawn in proportion to popularity.
        keys = np.log(weights) - np.log(-np.log(rng.random(n_items)))
        chosen = np.argpartition(-keys, k - 1)[:k]
        users.append(np.full(k, u))
        items.append(chosen)
    u = np.concatenate(users)
    i = np.concatenate(items)
    stars = rng.choice([1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0], size=len(u)).astype(np.float32)
    return u, i, stars, per_user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=12_000)
    parser.add_argument("--users", type=int, default=30_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    u, i, stars, per_user = synthetic(args.items, args.users)
    generated = time.perf_counter() - started
    config = RankerConfig(max_items=args.items, min_item_ratings=1)
    stages: dict[str, dict[str, float]] = {}

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def run(*a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            out = function(*a, **k)
            stages[name] = {
                "seconds": round(time.perf_counter() - t, 1),
                "peak_rss_mb_after": round(peak_mb(), 0),
            }
            return out

        return run

    # Time the solver's stages where ItemItemRanker.fit calls them.
    ranker_solver._products = timed("gram_and_xty", ranker_solver._products)
    ranker_solver._spd_inverse = timed("cholesky_inverse", ranker_solver._spd_inverse)
    ranker_module.prune = timed("form_and_prune_B", ranker_module.prune)
    t0 = time.perf_counter()
    ranker = ItemItemRanker(config).fit(u, i, stars, args.items)
    fit_seconds = time.perf_counter() - t0
    assert ranker.modelled_ is not None
    pairs = float((per_user.astype(np.float64) ** 2).sum())
    report = {
        "benchmark": "ranker_solve",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "config": {"max_items": config.max_items, "top_k": config.top_k},
        "data": {
            "users": args.users,
            "items": args.items,
            "ratings": len(u),
            "modelled_items": int(ranker.modelled_.sum()),
            "sum_user_ratings_squared": pairs,
            "generate_seconds": round(generated, 1),
        },
        "fit_seconds": round(fit_seconds, 1),
        "stages": stages,
        "peak_rss_mb": round(peak_mb(), 0),
        "served_bytes": ranker.nbytes,
    }
    print(json.dumps(report, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
