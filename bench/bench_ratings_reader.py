"""Benchmark the MovieLens ratings reader against the csv-module baseline, in one run.

Writes a synthetic ratings.csv of ML-25M shape (default 25M rows, MovieLens' exact format)
into a temporary directory, then times ``iter_ratings`` (streaming), ``load_ratings``
(everything in memory) and a plain ``csv.reader`` + ``int()/float()`` loop on the first
2M rows, extrapolated. Results: bench/results/ratings_reader.json.

    python bench/bench_ratings_reader.py [--rows 25000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

from moviematch.datasets.movielens import iter_ratings, load_ratings

RESULTS = Path(__file__).resolve().parent / "results" / "ratings_reader.json"
STARS = np.array([f"{x / 2:.1f}" for x in range(1, 11)])


def write_synthetic(path: Path, rows: int, seed: int = 0) -> None:
    """A ratings.csv with ML-25M's id ranges, sorted by user as the real file is."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    with path.open("wb") as out:
        out.write(b"userId,movieId,rating,timestamp\n")
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            users = np.sort(rng.integers(1, 162_542, size)).astype("U7")
            movies = rng.integers(1, 209_172, size).astype("U7")
            stars = STARS[rng.integers(0, 10, size)]
            stamps = rng.integers(789_652_009, 1_574_327_703, size).astype("U10")
            lines = users
            for column in (movies, stars, stamps):
                lines = np.char.add(np.char.add(lines, ","), column)
            out.write(("\n".join(lines.tolist()) + "\n").encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=25_000_000, help="rows to generate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_synthetic(directory / "ratings.csv", args.rows)
        list(iter_ratings(directory, chunk_rows=10))  # load numba's compiled kernel first

        start = time.perf_counter()
        rows = sum(len(chunk) for chunk in iter_ratings(directory))
        stream_s = time.perf_counter() - start

        start = time.perf_counter()
        load_ratings(directory)
        load_s = time.perf_counter() - start

        sample = min(2_000_000, rows)
        start = time.perf_counter()
        with (directory / "ratings.csv").open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            parsed = [(int(a), int(b), float(c), int(d)) for a, b, c, d in islice(reader, sample)]
        baseline_s = (time.perf_counter() - start) * rows / sample
        assert len(parsed) == sample

    result = {
        "rows": rows,
        "iter_ratings_s": round(stream_s, 2),
        "load_ratings_s": round(load_s, 2),
        "rows_per_s": round(rows / stream_s),
        "csv_module_baseline_s_extrapolated": round(baseline_s, 1),
        "speedup_vs_csv_module": round(baseline_s / stream_s, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
