"""Serving benchmark: latency of one home-page request and the memory of a serving process.

Targets (from the issue), each printed with PASS/FAIL:

1. latency: fold-in + score all + rank + group for a 10k-movie catalogue, p99 < 5 ms on
   one core;
2. size: the serving artifact of a 10k-movie catalogue is at most 50 MB, and a process
   serving it stays under 150 MB resident.

What runs, in one invocation:

* A synthetic catalogue of 10,000 movies with MovieLens's shape (long-tailed popularity,
  ~1.5M ratings, planted tastes that drive which films users watch and how they rate them,
  genres for every movie, user tags on about a third of them) and a model trained on it
  with the default ``TrainConfig()`` (MF + item-item ranker + similarity component), saved
  as an artifact. The same for the real ml-latest-small, for reference.
* For each model, 2,000 simulated visitors (10 ratings of movies drawn by popularity,
  seeded) are served by *fresh subprocesses* that import ``moviematch.recommender``, load
  the artifact with ``Model.load`` and time every request: ``fold_in``, ``recommend(n)``,
  ``group(ids of the n recommendations)`` and their total (wall and CPU time). Once
  pinned to one CPU with ``OPENBLAS_NUM_THREADS=1`` (how a web worker should run), once
  with the default thread pool and no pinning; two runs of each, alternating. Baseline,
  timed for the same visitors in the same loop: a plain NumPy ``argsort`` of the MF
  predicted stars over the whole catalogue.
* Memory: ``/proc/self/status`` (VmRSS, VmHWM = peak resident) of a fresh subprocess at
  each step (interpreter, after each import, after ``Model.load``, after serving the
  2,000 requests; and whether numba got loaded) and, as baseline in the same run, of a
  subprocess that only does ``import numpy, scipy``. Artifact bytes on disk per array;
  the arrays the loaded model holds.
* A hash of the engine's sources at the start and the end: other people edit the same
  tree, and a run during which the engine changed is flagged as mixed.

Run: ``python bench/bench_serving.py [--quick] [--n 40] [--models DIR]``. ``--quick`` uses
fewer requests and a 3,000-movie catalogue (for trying the script, not for the targets).
``--models DIR`` keeps the trained artifacts there and reuses them on the next run.
Results: ``bench/results/serving.json``. See docs/serving.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moviematch.recommender import Model, MovieInfo, Ratings, TagApplications


def proc_status() -> dict[str, int]:
    """VmRSS / VmHWM / RssAnon / RssFile of this process in kB, from /proc/self/status."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
    return out


# Taken before NumPy is imported, so that a memory worker can report the interpreter (with
# the standard-library modules above) and what each further import adds.
STATUS_AT_START = proc_status()

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "serving.json"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
LATENCY_TARGET_MS = 5.0
ARTIFACT_TARGET_MB = 50.0
RSS_TARGET_MB = 150.0
MB = 1e6
GENRES = [
    "Drama", "Comedy", "Thriller", "Action", "Romance", "Adventure", "Crime", "Sci-Fi",
    "Horror", "Fantasy", "Children", "Animation", "Mystery", "Documentary", "War",
    "Musical", "Western", "IMAX", "Film-Noir",
]  # fmt: skip


# --------------------------------------------------------------------------- data
def synthetic_catalogue(
    n_items: int, n_users: int, seed: int = 0
) -> tuple[Ratings, MovieInfo, TagApplications, dict[str, Any]]:
    """A MovieLens-shaped catalogue with planted tastes.

    * 24 tastes; every movie belongs to one, which gives it 1-3 genres (common genres more
      often, as in MovieLens; 30 % of movies get one more genre at random, 1 % none).
    * Popularity: Zipf-Mandelbrot weights 1/(rank + 30)^1.2 over a random order of the
      movies, so a few hundred films collect most ratings and the median film has tens.
    * Users: 20 + log-normal ratings (MovieLens keeps users with >= 20), 1-3 favourite
      tastes each. Which films a user rates is drawn without replacement with probability
      ∝ popularity × 5 for films of a favourite taste (Gumbel top-k), so co-rating carries
      the tastes the item-item ranker learns.
    * Stars: 3.4 + user bias + film quality + 0.7 (favourite taste) or -0.2 (other) + a
      rank-8 interaction + noise, rounded to half stars in [0.5, 5]; timestamps spread
      over ten years.
    * Tags: about a third of the films, chosen ∝ sqrt(popularity), tagged by 1-30 distinct
      users with tags from their taste's vocabulary (plus a few generic tags).
    * Movie ids are a sorted random sample of 1..200,000 (gaps, like MovieLens ids).
    """
    from moviematch.recommender import MovieInfo, Ratings, TagApplications

    rng = np.random.default_rng(seed)
    n_tastes = 24
    ids = np.sort(rng.choice(np.arange(1, 200_001), size=n_items, replace=False)).astype(np.int64)
    taste = rng.integers(0, n_tastes, n_items)
    genre_p = np.linspace(3.0, 0.2, len(GENRES))
    genre_p /= genre_p.sum()
    taste_genres = [
        list(rng.choice(GENRES, size=rng.integers(1, 4), replace=False, p=genre_p))
        for _ in range(n_tastes)
    ]
    genres: list[tuple[str, ...]] = []
    for row in range(n_items):
        own = list(taste_genres[taste[row]])
        if rng.random() < 0.3:
            own.append(str(rng.choice(GENRES, p=genre_p)))
        genres.append(() if rng.random() < 0.01 else tuple(sorted(set(own))))
    popularity = 1.0 / (rng.permutation(n_items) + 30.0) ** 1.2
    popularity /= popularity.sum()

    per_user = np.minimum(20 + rng.lognormal(4.3, 1.0, n_users), n_items // 3).astype(np.int64)
    favourite = np.zeros((n_users, n_tastes), dtype=bool)
    for user in range(n_users):
        favourite[user, rng.choice(n_tastes, size=rng.integers(1, 4), replace=False)] = True
    log_pop = np.log(popularity)
    user_rows_parts, item_rows_parts = [], []
    for start in range(0, n_users, 500):
        users = np.arange(start, min(start + 500, n_users))
        keys = log_pop[None, :] + np.log(5.0) * favourite[users][:, taste]
        keys += rng.gumbel(size=keys.shape)
        for local, user in enumerate(users.tolist()):
            chosen = np.argpartition(-keys[local], per_user[user] - 1)[: per_user[user]]
            user_rows_parts.append(np.full(len(chosen), user, dtype=np.int64))
            item_rows_parts.append(chosen.astype(np.int64))
    user_rows = np.concatenate(user_rows_parts)
    item_rows = np.concatenate(item_rows_parts)
    p = rng.normal(0, 0.25, (n_users, 8))
    q = rng.normal(0, 0.25, (n_items, 8))
    stars = (
        3.4
        + rng.normal(0, 0.35, n_users)[user_rows]
        + rng.normal(0, 0.45, n_items)[item_rows]
        + np.where(favourite[user_rows, taste[item_rows]], 0.7, -0.2)
        + np.einsum("nf,nf->n", p[user_rows], q[item_rows])
        + rng.normal(0, 0.6, len(user_rows))
    )
    stars = np.clip(np.round(stars * 2) / 2, 0.5, 5.0).astype(np.float32)
    timestamps = 1_200_000_000 + rng.integers(0, 10 * 365 * 86_400, len(user_rows))
    ratings = Ratings(user_rows + 1, ids[item_rows], stars, timestamps)

    vocab = [[f"theme {t}-{j}" for j in range(30)] for t in range(n_tastes)]
    generic = ["classic", "overrated", "must see", "boring", "great soundtrack", "twist ending"]
    tag_weight = np.sqrt(popularity) / np.sqrt(popularity).sum()
    tagged = rng.choice(n_items, size=n_items // 3, replace=False, p=tag_weight)
    tag_movies, tag_texts, tag_users = [], [], []
    for row in tagged:
        taggers = rng.choice(2_000, size=min(30, int(rng.zipf(1.8))), replace=False)
        for tagger in taggers:
            for _ in range(int(rng.integers(1, 4))):
                text = (
                    str(rng.choice(generic))
                    if rng.random() < 0.15
                    else vocab[taste[row]][int(rng.integers(0, 30))]
                )
                tag_movies.append(ids[row])
                tag_texts.append(text)
                tag_users.append(int(tagger) + 1)
    tags = TagApplications(
        np.array(tag_movies, dtype=np.int64), tag_texts, np.array(tag_users, dtype=np.int64)
    )
    years = rng.integers(1930, 2021, n_items).astype(np.int32)
    movies = MovieInfo(ids, [f"Synthetic film {i}" for i in ids], years, genres)
    counts = np.bincount(item_rows, minlength=n_items)
    summary = {
        "n_users": n_users,
        "n_movies": n_items,
        "n_ratings": len(ratings),
        "movies_with_ratings": int((counts > 0).sum()),
        "top_movie_ratings": int(counts.max()),
        "median_movie_ratings": float(np.median(counts)),
        "movies_with_5_plus_ratings": int((counts >= 5).sum()),
        "median_user_ratings": float(np.median(per_user)),
        "tag_applications": len(tag_texts),
        "tagged_movies": len(np.unique(tag_movies)),
        "tastes": n_tastes,
    }
    return ratings, movies, tags, summary


def real_catalogue(directory: Path) -> tuple[Ratings, MovieInfo, TagApplications, dict[str, Any]]:
    """ml-latest-small: ratings, movies (genres) and user tags, read by moviematch.datasets."""
    from moviematch.datasets.movielens import (
        load_ratings,
        movie_info,
        read_movies,
        read_tags,
        tag_applications,
    )

    ratings = load_ratings(directory)
    movies = movie_info(read_movies(directory))
    tags = tag_applications(read_tags(directory))
    _, counts = np.unique(ratings.movie_ids, return_counts=True)
    summary = {
        "n_users": len(np.unique(ratings.user_ids)),
        "n_movies": len(movies.movie_ids),
        "n_ratings": len(ratings),
        "movies_with_ratings": len(counts),
        "top_movie_ratings": int(counts.max()),
        "median_movie_ratings": float(np.median(counts)),
        "movies_with_5_plus_ratings": int((counts >= 5).sum()),
        "tag_applications": len(tags.tags),
        "tagged_movies": len(np.unique(tags.movie_ids)),
    }
    return ratings, movies, tags, summary


def visitor_requests(model: Model, n_visitors: int, k: int, seed: int) -> dict[str, np.ndarray]:
    """k distinct movies per visitor drawn ∝ training rating count, with half-star ratings.

    Drawing by popularity imitates what a new visitor can rate (films they have seen); the
    stars follow MovieLens's overall spread (mean ~3.5, sd ~1).
    """
    rng = np.random.default_rng(seed)
    weight = model.item_count_ / model.item_count_.sum()
    movie_ids = np.empty((n_visitors, k), dtype=np.int64)
    for visitor in range(n_visitors):
        rows = rng.choice(len(model.items), size=k, replace=False, p=weight)
        movie_ids[visitor] = model.items.ids[rows]
    stars = np.clip(np.round(rng.normal(3.6, 1.0, (n_visitors, k)) * 2) / 2, 0.5, 5.0)
    return {"movie_ids": movie_ids, "stars": stars.astype(np.float32)}


# --------------------------------------------------------------------------- workers
# Each worker is this script started again with ``--worker``, so that what it measures is a
# fresh process: its environment (BLAS threads) is fixed before NumPy loads, and its memory
# holds only what serving needs.


def _percentiles_ms(ns: np.ndarray) -> dict[str, float]:
    ms = ns / 1e6
    return {
        "p50": round(float(np.percentile(ms, 50)), 3),
        "p95": round(float(np.percentile(ms, 95)), 3),
        "p99": round(float(np.percentile(ms, 99)), 3),
        "max": round(float(ms.max()), 3),
        "mean": round(float(ms.mean()), 3),
    }


def worker_latency(model_dir: str, requests_path: str, n: int, warmup: int) -> dict[str, Any]:
    """Time fold_in → recommend(n) → group for every visitor, plus the argsort baseline.

    The recommend breakdown (``predict_all``, ``ranker.score``, ``ranker.order``: the
    calibrated re-ranking) is timed on the same profile right after the request, outside
    the request's own timings.
    """
    from moviematch.recommender import Model

    model = Model.load(model_dir)
    with np.load(requests_path, allow_pickle=False) as data:
        movie_ids, stars = data["movie_ids"], data["stars"]
    factors, bias = model.item_factors_, model.item_bias_
    ranker = model.components.get("ranker")
    clock = time.perf_counter_ns
    # CPU time of this thread: excludes the time the scheduler gave the core to other
    # processes, so on a busy machine it estimates what an idle core would show.
    cpu_clock = time.thread_time_ns
    stages = ("fold_in", "recommend", "group", "total", "total_cpu_time", "baseline_argsort")
    parts = ("predict_all", "ranker_score", "ranker_order")
    times = {name: np.empty(len(movie_ids), dtype=np.int64) for name in stages + parts}
    first_ms = None
    n_groups = []
    for visitor in range(-warmup, len(movie_ids)):
        i = visitor % len(movie_ids)
        c0 = cpu_clock()
        t0 = clock()
        profile = model.fold_in(movie_ids[i], stars[i])
        t1 = clock()
        recs = model.recommend(profile, n=n, exclude=movie_ids[i])
        t2 = clock()
        groups = model.group([r.movie_id for r in recs])
        t3 = clock()
        c3 = cpu_clock()
        predicted = factors @ profile.factors + bias
        top = np.argsort(-predicted)[:n]
        t4 = clock()
        all_stars = model.predict_all(profile)
        t5 = clock()
        scored = None
        if ranker is not None:
            scored = ranker.score(profile.rated_rows, profile.stars, all_stars).astype(np.float64)
            scored[profile.rated_rows] = -np.inf
        t6 = clock()
        if scored is not None:
            ranker.order(scored, profile.rated_rows, profile.stars, n)  # calibration
        t7 = clock()
        if first_ms is None:
            first_ms = (t3 - t0) / 1e6
        if visitor < 0:
            continue
        assert len(recs) == n
        assert len(top) == n
        n_groups.append(len(groups))
        for name, value in zip(
            stages + parts,
            (t1 - t0, t2 - t1, t3 - t2, t3 - t0, c3 - c0, t4 - t3, t5 - t4, t6 - t5, t7 - t6),
            strict=True,
        ):
            times[name][visitor] = value
    return {
        "requests": len(movie_ids),
        "warmup_requests": warmup,
        "first_request_ms": round(float(first_ms or 0.0), 3),
        "groups_per_request_mean": round(float(np.mean(n_groups)), 2),
        "raw_ns": {name: times[name].tolist() for name in stages + parts},
        "stages": list(stages),
        "recommend_parts": list(parts),
    }


def held_arrays(root: object) -> list[dict[str, Any]]:
    """NumPy arrays reachable from ``root`` (attributes, dicts, lists, sparse matrices),
    each counted once by the memory it owns, largest first, with the attribute path."""
    found: dict[int, tuple[str, np.ndarray, np.ndarray]] = {}
    seen: set[int] = set()
    stack: list[tuple[str, object]] = [("model", root)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            owner = obj
            while isinstance(owner.base, np.ndarray):
                owner = owner.base
            found.setdefault(id(owner), (path, obj, owner))
        elif isinstance(obj, dict):
            stack.extend((f"{path}[{k!r}]", v) for k, v in obj.items())
        elif isinstance(obj, (list, tuple)):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(obj))
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.extend((f"{path}.{k}", v) for k, v in vars(obj).items())
    rows = [
        {"path": path, "bytes": int(owner.nbytes), "dtype": a.dtype.str, "shape": list(a.shape)}
        for path, a, owner in found.values()
    ]
    return sorted(rows, key=lambda r: -r["bytes"])


def worker_memory(model_dir: str, requests_path: str, n: int) -> dict[str, Any]:
    """/proc/self/status after each import, after Model.load and after serving every request.

    The imports are the ones ``moviematch.recommender`` needs, done one by one first so that
    each one's share shows; ``numba_loaded`` says whether serving pulled numba in (its
    LLVM library alone is ~55 MB resident, and serving does not need it).
    """
    steps = [("interpreter + stdlib", STATUS_AT_START), ("import numpy", proc_status())]
    import scipy.sparse

    steps.append(("import scipy.sparse", proc_status()))
    import scipy.cluster.hierarchy  # noqa: F401

    steps.append(("import scipy.cluster.hierarchy", proc_status()))
    from moviematch.recommender import Model

    steps.append(("import moviematch.recommender", proc_status()))
    model = Model.load(model_dir)
    steps.append(("Model.load", proc_status()))
    arrays = held_arrays(model)
    with np.load(requests_path, allow_pickle=False) as data:
        movie_ids, stars = data["movie_ids"], data["stars"]
    for i in range(len(movie_ids)):
        profile = model.fold_in(movie_ids[i], stars[i])
        recs = model.recommend(profile, n=n, exclude=movie_ids[i])
        model.group([r.movie_id for r in recs])
    steps.append((f"served {len(movie_ids)} requests", proc_status()))
    return {
        "requests": len(movie_ids),
        "numba_loaded": "numba" in sys.modules,
        "steps": [{"step": s, **v} for s, v in steps],
        "model_arrays_bytes": sum(a["bytes"] for a in arrays),
        "model_arrays_top": arrays[:12],
    }


def worker_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="bench_serving worker (internal)")
    parser.add_argument("--worker", choices=("latency", "memory"), required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--pin", type=int, default=None, help="CPU to pin this process to")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    if args.worker == "latency":
        result = worker_latency(args.model, args.requests, args.n, args.warmup)
    else:
        result = worker_memory(args.model, args.requests, args.n)
    result["affinity"] = sorted(os.sched_getaffinity(0))
    result["blas_threads_env"] = {v: os.environ.get(v) for v in THREAD_VARS}
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------- parent
def worker_env(single_thread: bool) -> dict[str, str]:
    """The child's environment: one BLAS/OpenMP thread, or the libraries' defaults."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    if single_thread:
        env.update({v: "1" for v in THREAD_VARS})
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_worker(kind: str, model_dir: Path, requests: Path, n: int, *, single: bool) -> dict:
    """Run one worker subprocess (pinned to the last allowed CPU when ``single``)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
        cmd += ["--model", str(model_dir), "--requests", str(requests), "--n", str(n)]
        cmd += ["--out", str(out)]
        if single:
            cmd += ["--pin", str(max(os.sched_getaffinity(0)))]
        load = os.getloadavg()[0]
        subprocess.run(cmd, env=worker_env(single), check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    result["load_average_before"] = round(load, 2)
    return result


def bare_import_memory() -> dict[str, int]:
    """Baseline: a fresh process that only does ``import numpy, scipy``."""
    code = (
        "import json, numpy, scipy\n"
        "s = {}\n"
        "for line in open('/proc/self/status'):\n"
        "    k, _, v = line.partition(':')\n"
        "    if k in ('VmRSS', 'VmHWM', 'RssAnon', 'RssFile'): s[k] = int(v.split()[0])\n"
        "print(json.dumps(s))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=worker_env(True), check=True, capture_output=True
    )
    return json.loads(done.stdout)


def artifact_sizes(model_dir: Path) -> dict[str, Any]:
    """Bytes on disk: the two files, and every array as stored in arrays.npz."""
    files = {f.name: f.stat().st_size for f in sorted(model_dir.iterdir())}
    with zipfile.ZipFile(model_dir / "arrays.npz") as archive:
        arrays = {
            info.filename.removesuffix(".npy"): info.compress_size for info in archive.infolist()
        }
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    described = meta["arrays"]
    top = sorted(arrays.items(), key=lambda kv: -kv[1])
    return {
        "total_bytes": sum(files.values()),
        "files": files,
        "arrays": [
            {
                "name": name,
                "bytes": size,
                "dtype": described[name]["dtype"],
                "shape": described[name]["shape"],
            }
            for name, size in top
        ],
    }


def train_or_reuse(
    name: str, build: Any, models_dir: Path, log: Any
) -> tuple[Model, Path, dict[str, Any]]:
    """Train ``TrainConfig()`` on ``build()``'s data and save it, or reuse a saved model."""
    from moviematch.recommender import Model, TrainConfig, train

    model_dir = models_dir / name
    info_path = models_dir / f"{name}.data.json"
    if model_dir.is_dir() and info_path.is_file():
        log(f"[{name}] reusing {model_dir}")
        info = json.loads(info_path.read_text(encoding="utf-8"))
        info["reused_saved_model"] = True
        return Model.load(model_dir), model_dir, info
    started = time.perf_counter()
    ratings, movies, tags, summary = build()
    generate = time.perf_counter() - started
    log(f"[{name}] data: {summary}")
    started = time.perf_counter()
    model = train(ratings, TrainConfig(), movies=movies, tags=tags)
    train_seconds = time.perf_counter() - started
    log(f"[{name}] trained {model} in {train_seconds:.1f} s")
    model.save(model_dir)
    info = {
        "data": summary,
        "data_seconds": round(generate, 1),
        "train_seconds": round(train_seconds, 1),
        "model_items": len(model.items),
        "similarity_movies": len(model.components["similarity"].index.vocab.ids),
        "ranker_modelled_items": int(model.components["ranker"].modelled_.sum()),
    }
    info_path.write_text(json.dumps(info), encoding="utf-8")
    info["reused_saved_model"] = False
    return model, model_dir, info


def engine_source_state() -> dict[str, Any]:
    """Git HEAD and a SHA-256 over the engine's source files, to detect edits during a run
    (other people work in the same tree; workers import the code when they start)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "moviematch" / "recommender").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {"git_head": head, "engine_sources_sha256": digest.hexdigest()}


def _mb_from_kib(kib: int) -> float:
    return round(kib * 1024 / MB, 1)


def pool_latency(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Percentiles over the requests of all runs, plus each run's own total p50/p99."""
    first = runs[0]
    pooled = {
        name: np.concatenate([np.asarray(r["raw_ns"][name]) for r in runs])
        for name in first["stages"] + first["recommend_parts"]
    }
    return {
        "runs": len(runs),
        "requests_per_run": first["requests"],
        "requests": sum(r["requests"] for r in runs),
        "warmup_requests_per_run": first["warmup_requests"],
        "first_request_ms": [r["first_request_ms"] for r in runs],
        "groups_per_request_mean": first["groups_per_request_mean"],
        "stages_ms": {name: _percentiles_ms(pooled[name]) for name in first["stages"]},
        "recommend_parts_ms": {
            name: _percentiles_ms(pooled[name]) for name in first["recommend_parts"]
        },
        "per_run_total_ms": [
            {
                **{q: _percentiles_ms(np.asarray(r["raw_ns"]["total"]))[q] for q in ("p50", "p99")},
                "baseline_argsort_p99": _percentiles_ms(
                    np.asarray(r["raw_ns"]["baseline_argsort"])
                )["p99"],
                "load_average_before": r["load_average_before"],
            }
            for r in runs
        ],
        "affinity": first["affinity"],
        "blas_threads_env": first["blas_threads_env"],
    }


def measure(
    name: str,
    model: Model,
    model_dir: Path,
    n: int,
    n_requests: int,
    repeats: int,
    tmp: Path,
    log: Any,
) -> dict[str, Any]:
    """Artifact size, latency (one core and default threads) and memory of one model."""
    requests = tmp / f"{name}-requests.npz"
    visitors = visitor_requests(model, n_requests, k=10, seed=1)
    np.savez(requests, movie_ids=visitors["movie_ids"], stars=visitors["stars"])
    out: dict[str, Any] = {"artifact": artifact_sizes(model_dir)}
    # The two set-ups alternate, so that a burst of load from other jobs hits both.
    runs: dict[str, list[dict[str, Any]]] = {"one_core": [], "default_threads": []}
    for repeat in range(repeats):
        for label, single in (("one_core", True), ("default_threads", False)):
            log(f"[{name}] latency, {label}, run {repeat + 1}/{repeats} ...")
            runs[label].append(run_worker("latency", model_dir, requests, n, single=single))
    for label, done in runs.items():
        out[f"latency_{label}"] = pool_latency(done)
    for label, single in (("one_core", True), ("default_threads", False)):
        log(f"[{name}] memory, {label} ...")
        memory = run_worker("memory", model_dir, requests, n, single=single)
        for step in memory["steps"]:
            for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                step[f"{key}_MB"] = _mb_from_kib(step.pop(key))
        memory["peak_rss_MB"] = memory["steps"][-1]["VmHWM_MB"]
        out[f"memory_{label}"] = memory
    return out


def verdicts(section: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Pass/fail of the three targets for one model, with the figures they rest on."""
    one = section["latency_one_core"]
    p99 = one["stages_ms"]["total"]["p99"]
    artifact_mb = section["artifact"]["total_bytes"] / MB
    peak = section["memory_one_core"]["peak_rss_MB"]
    peak_default = section["memory_default_threads"]["peak_rss_MB"]
    return {
        "latency_p99_ms": {
            "value": p99,
            "target": LATENCY_TARGET_MS,
            "pass": p99 < LATENCY_TARGET_MS,
            "baseline_argsort_p99_ms": one["stages_ms"]["baseline_argsort"]["p99"],
            "cpu_time_p99_ms": one["stages_ms"]["total_cpu_time"]["p99"],
            "per_run_p99_ms": [r["p99"] for r in one["per_run_total_ms"]],
        },
        "artifact_MB": {
            "value": round(artifact_mb, 2),
            "target": ARTIFACT_TARGET_MB,
            "pass": artifact_mb <= ARTIFACT_TARGET_MB,
        },
        "peak_rss_MB": {
            "value": peak,
            "target": RSS_TARGET_MB,
            "pass": peak < RSS_TARGET_MB,
            "default_threads_value": peak_default,
            "default_threads_pass": peak_default < RSS_TARGET_MB,
            "baseline_import_numpy_scipy_MB": baseline["VmHWM_MB"],
            "numba_loaded": section["memory_one_core"]["numba_loaded"],
        },
    }


def print_section(name: str, info: dict[str, Any], section: dict[str, Any], n: int) -> None:
    data = info["data"]
    print(
        f"\n== {name}: {data['n_movies']:,} movies ({info.get('model_items', '?')} rated), "
        f"{data['n_ratings']:,} ratings, {data['n_users']:,} users =="
    )
    one, multi = section["latency_one_core"], section["latency_default_threads"]
    print(
        f"latency, ms: {one['runs']} runs x {one['requests_per_run']} visitors x 10 ratings "
        f"per set-up, recommend(n={n}), percentiles over all {one['requests']} requests"
    )
    print(f"{'':28s}{'one core, 1 BLAS thread':>32s}   {'default threads, unpinned':>32s}")
    print(f"{'stage':28s}" + "".join(f"{c:>8s}" for c in ("p50", "p95", "p99", "max") * 2))
    rows = [(s, one["stages_ms"][s], multi["stages_ms"][s]) for s in one["stages_ms"]]
    rows += [
        (f"  recommend: {s}", one["recommend_parts_ms"][s], multi["recommend_parts_ms"][s])
        for s in one["recommend_parts_ms"]
    ]
    for label, a, b in rows:
        cells = [a[q] for q in ("p50", "p95", "p99", "max")] + [
            b[q] for q in ("p50", "p95", "p99", "max")
        ]
        print(f"{label:28s}" + "".join(f"{c:8.3f}" for c in cells))
    for label, runs in (("one core", one), ("default threads", multi)):
        per_run = ", ".join(
            f"{r['p50']:.2f}/{r['p99']:.2f} (argsort p99 {r['baseline_argsort_p99']:.2f}, "
            f"load {r['load_average_before']})"
            for r in runs["per_run_total_ms"]
        )
        print(f"  per run, total p50/p99, {label}: {per_run}")
    cold = ", ".join(f"{x:.1f}" for x in one["first_request_ms"])
    print(
        f"first request of a fresh process (ms): {cold}; groups per list "
        f"{one['groups_per_request_mean']}"
    )
    art = section["artifact"]
    print(f"artifact {art['total_bytes'] / MB:.2f} MB; largest arrays:")
    for entry in art["arrays"][:8]:
        print(
            f"  {entry['name']:36s} {entry['bytes'] / MB:7.2f} MB  {entry['dtype']} "
            f"{entry['shape']}"
        )
    memory_runs = ("memory_one_core", "memory_default_threads")
    print("resident memory of a fresh process, MB: VmRSS (VmHWM = peak so far)")
    print(f"  {'step':36s}{'one core':>18s}{'default threads':>18s}")
    for steps in zip(*(section[r]["steps"] for r in memory_runs), strict=True):
        text = "".join(f"{s['VmRSS_MB']:9.1f} ({s['VmHWM_MB']:5.1f})" for s in steps)
        print(f"  {steps[0]['step']:36s}{text}")
    held = section["memory_one_core"]
    print(f"arrays held by the loaded model: {held['model_arrays_bytes'] / MB:.2f} MB; largest:")
    for entry in held["model_arrays_top"][:6]:
        print(f"  {entry['path']:56s} {entry['bytes'] / MB:6.2f} MB")


def print_verdicts(name: str, v: dict[str, Any]) -> None:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    lat, art, rss = v["latency_p99_ms"], v["artifact_MB"], v["peak_rss_MB"]
    print(f"targets, {name}:")
    print(
        f"  [{mark(lat['pass'])}] request p99 {lat['value']:.2f} ms < {lat['target']} ms "
        f"(one core; per run {', '.join(f'{x:.2f}' for x in lat['per_run_p99_ms'])}; "
        f"argsort baseline p99 {lat['baseline_argsort_p99_ms']:.2f} ms; "
        f"CPU time of the request p99 {lat['cpu_time_p99_ms']:.2f} ms)"
    )
    print(f"  [{mark(art['pass'])}] artifact {art['value']:.2f} MB <= {art['target']} MB")
    print(
        f"  [{mark(rss['pass'])}] peak RSS {rss['value']:.1f} MB < {rss['target']} MB "
        f"(default threads: {rss['default_threads_value']:.1f} MB "
        f"[{mark(rss['default_threads_pass'])}]; bare import numpy, scipy: "
        f"{rss['baseline_import_numpy_scipy_MB']:.1f} MB; numba loaded: {rss['numba_loaded']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small catalogue, few requests")
    parser.add_argument("--n", type=int, default=40, help="recommendations per request")
    parser.add_argument("--requests", type=int, default=None, help="visitors per worker")
    parser.add_argument("--repeats", type=int, default=None, help="latency runs per set-up")
    parser.add_argument("--models", type=Path, default=None, help="keep/reuse models here")
    parser.add_argument("--no-real", action="store_true", help="skip ml-latest-small")
    args = parser.parse_args(argv)
    n_requests = args.requests or (300 if args.quick else 2000)
    args.repeats = args.repeats or (1 if args.quick else 2)
    n_movies, n_users = (3_000, 3_000) if args.quick else (10_000, 10_000)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"{time.perf_counter() - started:6.0f} s  {message}", flush=True)

    import scipy

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "recommend_n": args.n,
            "latency_runs_per_setup": args.repeats,
            "ratings_per_visitor": 10,
            "requests": n_requests,
            "quick": args.quick,
        },
    }
    engine_at_start = engine_source_state()
    baseline = {f"{k}_MB": _mb_from_kib(v) for k, v in bare_import_memory().items()}
    results["baseline_import_numpy_scipy"] = baseline
    log(f"bare `import numpy, scipy`: {baseline}")
    datasets: list[tuple[str, Any]] = [
        (f"synthetic-{n_movies // 1000}k", lambda: synthetic_catalogue(n_movies, n_users))
    ]
    real = DATASETS / "ml-latest-small"
    if not args.no_real and (real / "ratings.csv").is_file():
        datasets.append(("ml-latest-small", lambda: real_catalogue(real)))
    elif not args.no_real:
        log(f"{real} not found; skipping the real-data reference")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        models_dir = args.models or tmp / "models"
        models_dir.mkdir(parents=True, exist_ok=True)
        for name, build in datasets:
            model, model_dir, info = train_or_reuse(name, build, models_dir, log)
            section = measure(name, model, model_dir, args.n, n_requests, args.repeats, tmp, log)
            del model
            section["model"] = info
            section["targets"] = verdicts(section, baseline)
            results[name] = section
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    engine_at_end = engine_source_state()
    results["engine"] = {
        **engine_at_start,
        "sources_changed_during_run": engine_at_start["engine_sources_sha256"]
        != engine_at_end["engine_sources_sha256"],
    }
    results["seconds"] = round(time.perf_counter() - started, 1)
    for name, _ in datasets:
        print_section(name, results[name]["model"], results[name], args.n)
    print()
    for name, _ in datasets:
        print_verdicts(name, results[name]["targets"])
    if results["engine"]["sources_changed_during_run"]:
        print("\nWARNING: the engine's source files changed during this run; figures are mixed")
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({results['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    if "--worker" in sys.argv[1:]:
        worker_main(sys.argv[1:])
    else:
        sys.exit(main())
