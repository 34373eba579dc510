"""Benchmark of similar movies, grouping and the onboarding picker.

Run from the repository root: ``python bench/bench_similarity.py [--quick]``. Prints a table
and writes ``bench/results/similarity.json``.

* ``similar()`` latency (p50/p99, k=10) on a synthetic 10k-movie catalogue of real size and
  on ml-latest-small (+ the ML-20M genome fragment), for the precomputed neighbour lists
  against the baseline of one matrix-vector product + argpartition per query.
* Index memory (vectors, neighbour lists; float16 scores shown for comparison).
* ``group()`` latency for 20/50/100 movies, with SciPy's linkage alone as the floor.
* Onboarding: proposals needed to reach 10 ratings for held-out users (ML-100K,
  ml-latest-small), the picker against most-popular-first and random order.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

# One BLAS thread: a web worker answers one request at a time, and on a shared 2-core
# machine threaded BLAS turns latency percentiles into noise. Set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from scipy.cluster.hierarchy import linkage

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.recommender.stand_in_factors import svd_item_factors  # noqa: E402

from moviematch.datasets import movielens  # noqa: E402
from moviematch.recommender.data import MovieInfo, TagApplications  # noqa: E402
from moviematch.recommender.grouping import genre_shares, group  # noqa: E402
from moviematch.recommender.onboarding import OnboardingPicker  # noqa: E402
from moviematch.recommender.onboarding_simulation import simulate_onboarding  # noqa: E402
from moviematch.recommender.similarity import SimilarityConfig, SimilarityIndex  # noqa: E402

DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
GENRES = [
    "Drama", "Comedy", "Thriller", "Action", "Romance", "Adventure", "Crime", "Sci-Fi",
    "Horror", "Fantasy", "Children", "Animation", "Mystery", "Documentary", "War",
    "Musical", "Western", "IMAX", "Film-Noir",
]  # fmt: skip


def percentiles(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1e6
    return {
        "p50_us": round(float(np.percentile(values, 50)), 1),
        "p99_us": round(float(np.percentile(values, 99)), 1),
    }


def time_calls(fn: Any, args: list[Any]) -> list[float]:
    out = []
    for arg in args:
        start = time.perf_counter()
        fn(arg)
        out.append(time.perf_counter() - start)
    return out


def synthetic_catalogue(n: int, seed: int = 0) -> dict[str, Any]:
    """A 10k-movie catalogue shaped like MovieLens: topics drive tags, genres and factors."""
    rng = np.random.default_rng(seed)
    topics = 60
    topic = rng.integers(0, topics, n)
    genre_p = np.linspace(3.0, 0.2, len(GENRES))
    topic_genres = [
        tuple(rng.choice(GENRES, size=rng.integers(1, 4), replace=False, p=genre_p / genre_p.sum()))
        for _ in range(topics)
    ]
    genres = [topic_genres[t] for t in topic]
    vocab = [f"tag{j}" for j in range(3000)]
    topic_tags = [rng.choice(len(vocab), size=40, replace=False) for _ in range(topics)]
    movies_col, tags_col, users_col = [], [], []
    tagged = rng.random(n) < 0.35
    for row in np.flatnonzero(tagged):
        for user in range(int(rng.zipf(1.8)) % 30 + 1):
            for tag in rng.choice(topic_tags[topic[row]], size=rng.integers(1, 4)):
                movies_col.append(row + 1)
                tags_col.append(vocab[tag])
                users_col.append(user)
    centres = rng.normal(size=(topics, 64))
    factors = (centres[topic] + 0.7 * rng.normal(size=(n, 64))).astype(np.float32)
    counts = np.minimum(rng.zipf(1.5, n), 50_000)
    ids = np.arange(1, n + 1, dtype=np.int64)
    info = MovieInfo(ids, [f"m{i}" for i in ids], np.zeros(n, np.int32), genres)
    tags = TagApplications(np.array(movies_col, np.int64), tags_col, np.array(users_col, np.int64))
    return {"ids": ids, "movies": info, "tags": tags, "factors": factors, "counts": counts}


def similarity_figures(index: SimilarityIndex, queries: list[int]) -> dict[str, Any]:
    scan = SimilarityIndex(
        SimilarityConfig(neighbours=0),
        index.vocab.ids,
        index.vectors_,
        np.empty((len(index), 0), np.int32),
        np.empty((len(index), 0), np.float32),
        index.confidence_,
    )
    for _ in range(50):  # warm up
        index.similar(queries[0], 10)
        scan.similar(queries[0], 10)
    arrays = index.to_arrays()
    n, k = index.neighbour_rows_.shape
    return {
        "movies": len(index),
        "dim": int(index.vectors_.shape[1]),
        "precomputed_neighbours": k,
        "similar_precomputed": percentiles(time_calls(lambda m: index.similar(m, 10), queries)),
        "similar_scan_baseline": percentiles(time_calls(lambda m: scan.similar(m, 10), queries)),
        "memory_mb": {
            "vectors_float32": round(index.vectors_.nbytes / 2**20, 2),
            "neighbours_int32_float32": round(
                (index.neighbour_rows_.nbytes + index.neighbour_scores_.nbytes) / 2**20, 2
            ),
            "neighbours_int32_float16": round((n * k * 6) / 2**20, 2),
            "artifact_arrays_total": round(sum(a.nbytes for a in arrays.values()) / 2**20, 2),
        },
    }


def grouping_figures(index: SimilarityIndex, genres: dict[int, tuple[str, ...]]) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    shares = genre_shares(list(genres.values()))
    out: dict[str, Any] = {}
    for size in (20, 50, 100):
        lists = []
        for _ in range(200):
            # A recommendation-like list: the neighbourhoods of a few seed movies.
            seeds = rng.choice(index.vocab.ids, size=4, replace=False)
            ids: list[int] = []
            for s in seeds.tolist():
                ids.extend(m for m, _ in index.similar(s, size) if m not in ids)
            lists.append(ids[:size])
        pairs = [(ids, index.vectors_for(ids)) for ids in lists]
        full = time_calls(lambda pair: group(pair[0], pair[1], genres, shares), pairs)
        floor = time_calls(lambda pair: linkage(pair[1], method="ward"), pairs)
        counts = [len(group(ids, vectors, genres, shares)) for ids, vectors in pairs[:20]]
        out[str(size)] = {
            "group": percentiles(full),
            "scipy_linkage_only": percentiles(floor),
            "groups_made": sorted(set(counts)),
        }
    return out


def onboarding_figures(directory: Path) -> dict[str, Any]:
    ratings = movielens.load_ratings(directory)
    users = np.unique(ratings.user_ids)
    test_users = np.random.default_rng(0).choice(users, len(users) // 5, replace=False)
    held_out = np.isin(ratings.user_ids, test_users)
    train = ratings.subset(~held_out)
    seen: dict[int, set[int]] = {}
    for u, m in zip(
        ratings.user_ids[held_out].tolist(), ratings.movie_ids[held_out].tolist(), strict=True
    ):
        seen.setdefault(u, set()).add(m)
    movies, counts = np.unique(train.movie_ids, return_counts=True)
    by_count = movies[np.lexsort((movies, -counts))].tolist()

    def fixed(order: list[int]) -> Any:
        return lambda r, s, n: order[len(r) + len(s) : len(r) + len(s) + n]

    start = time.perf_counter()
    picker = OnboardingPicker.build(train)
    build_s = time.perf_counter() - start
    calls: list[float] = []

    def timed(u: int) -> Any:
        def propose(r: list[int], s: list[int], n: int) -> list[int]:
            t = time.perf_counter()
            slate = picker.propose(n, rated=r, skipped=s, seed=u)
            calls.append(time.perf_counter() - t)
            return slate

        return propose

    rng = np.random.default_rng(2)
    result = {}
    for name, make in (
        ("picker", timed),
        ("most_popular_first", lambda u: fixed(by_count)),
        ("random_order", lambda u: fixed(rng.permutation(movies).tolist())),
    ):
        runs = [simulate_onboarding(make(u), films, budget=200) for u, films in seen.items()]
        shown = [run.shown if run.reached else 200 for run in runs]
        result[name] = {
            "mean": round(float(np.mean(shown)), 1),
            "median": float(np.median(shown)),
            "p90": float(np.percentile(shown, 90)),
            "reached_within_200": round(float(np.mean(np.array(shown) < 200)), 3),
        }
    return {
        "held_out_users": len(seen),
        "proposals_to_10_ratings": result,
        "build_s": round(build_s, 2),
        "propose_10": percentiles(calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries (smoke run)")
    args = parser.parse_args()
    n_queries = 300 if args.quick else 3000
    report: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "numpy": np.__version__,
    }

    data = synthetic_catalogue(10_000)
    start = time.perf_counter()
    synthetic = SimilarityIndex.build(
        data["ids"], data["movies"], data["tags"], None, data["factors"],
        rating_counts=data["counts"],
    )  # fmt: skip
    build_s = time.perf_counter() - start
    queries = np.random.default_rng(0).choice(data["ids"], n_queries).tolist()
    report["synthetic_10k"] = {
        "build_s": round(build_s, 2),
        **similarity_figures(synthetic, queries),
    }

    small = DATASETS / "ml-latest-small"
    if small.is_dir():
        movies = movielens.movie_info(movielens.read_movies(small))
        ratings = movielens.load_ratings(small)
        factors, counts = svd_item_factors(ratings, movies.movie_ids)
        genome = movielens.read_genome(DATASETS / "ml-20m-partial")
        start = time.perf_counter()
        tags = movielens.tag_applications(movielens.read_tags(small))
        real = SimilarityIndex.build(
            movies.movie_ids, movies, tags, genome, factors, rating_counts=counts
        )
        build_s = time.perf_counter() - start
        queries = np.random.default_rng(0).choice(movies.movie_ids, n_queries).tolist()
        report["ml_latest_small"] = {
            "build_s": round(build_s, 2),
            **similarity_figures(real, queries),
        }
        genres = dict(zip(movies.movie_ids.tolist(), movies.genres, strict=True))
        report["grouping_ml_latest_small"] = grouping_figures(real, genres)
        report["onboarding_ml_latest_small"] = onboarding_figures(small)
    if (DATASETS / "ml-100k").is_dir():
        report["onboarding_ml_100k"] = onboarding_figures(DATASETS / "ml-100k")

    out = ROOT / "bench" / "results" / "similarity.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
