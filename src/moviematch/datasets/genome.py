"""The MovieLens tag genome: ``genome-tags.csv`` + ``genome-scores.csv`` as a dense matrix.

``genome-scores.csv`` has one ``movieId,tagId,relevance`` row per (movie, tag) pair: 15.6M rows
in ML-25M, read through the block parser of :mod:`moviematch.datasets.numeric_csv`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from moviematch.datasets.errors import DatasetError, MalformedRowError
from moviematch.datasets.numeric_csv import iter_numeric_table
from moviematch.datasets.text_csv import iter_csv_rows, parse_int
from moviematch.recommender.data import Genome

GENOME_TAGS_HEADER = ["tagId", "tag"]
GENOME_SCORES_HEADER = ["movieId", "tagId", "relevance"]
#: Genome relevances are printed with float noise (``1.0000000000000002``); this much is clipped.
GENOME_TOLERANCE = 1e-6


def read_genome(directory: Path | str) -> Genome | None:
    """Read the tag genome (``genome-tags.csv`` + ``genome-scores.csv``), or None if absent.

    Returns a :class:`Genome` whose ``scores`` is float32 of shape (movies, tags), rows in
    ascending movieId order and columns in ascending tagId order. Every movie must have a score
    for every tag (the genome is a dense matrix; a truncated file is an error, not zeros).

    Raises
    ------
    DatasetError
        Only one of the two files exists, or some (movie, tag) pairs are missing.
    MalformedRowError
        Wrong header or field count, an unknown tagId, a duplicate pair, a relevance outside
        [0, 1].
    """
    directory = Path(directory)
    tags_path = directory / "genome-tags.csv"
    scores_path = directory / "genome-scores.csv"
    if not tags_path.is_file() and not scores_path.is_file():
        return None
    for path in (tags_path, scores_path):
        if not path.is_file():
            raise DatasetError(f"{path}: missing (the genome needs both genome files)")
    tag_names: dict[int, str] = {}
    for line, row in iter_csv_rows(tags_path, GENOME_TAGS_HEADER):
        tag_id = parse_int(tags_path, line, row[0], "tagId", minimum=1)
        if tag_id in tag_names:
            raise MalformedRowError(tags_path, line, f"duplicate tagId {tag_id}")
        tag_names[tag_id] = row[1]
    tag_ids = sorted(tag_names)
    names = [tag_names[t] for t in tag_ids]
    tag_index = np.full(max(tag_ids, default=0) + 1, -1, dtype=np.int64)
    tag_index[tag_ids] = np.arange(len(tag_ids))
    movie_parts, tag_parts, value_parts = [], [], []
    for table in iter_numeric_table(
        scores_path, header=GENOME_SCORES_HEADER, is_float=(False, False, True)
    ):
        movies, tags, values = table.ints[0], table.ints[1], table.floats[2]
        known = (tags >= 0) & (tags < len(tag_index))
        columns = np.where(known, tag_index[np.where(known, tags, 0)], -1)
        bad = np.flatnonzero(columns < 0)
        if bad.size:
            at = int(bad[0])
            raise MalformedRowError(
                scores_path, table.first_line + at, f"tagId {tags[at]} not in {tags_path.name}"
            )
        bad = np.flatnonzero(
            ~((values >= -GENOME_TOLERANCE) & (values <= 1 + GENOME_TOLERANCE)) | (movies <= 0)
        )
        if bad.size:
            at = int(bad[0])
            raise MalformedRowError(
                scores_path,
                table.first_line + at,
                f"movieId {movies[at]} / relevance {values[at]} invalid (need id >= 1, 0-1)",
            )
        movie_parts.append(movies.copy())
        tag_parts.append(columns)
        value_parts.append(np.clip(values, 0.0, 1.0).astype(np.float32))
    movies = np.concatenate(movie_parts) if movie_parts else np.zeros(0, np.int64)
    columns = np.concatenate(tag_parts) if tag_parts else np.zeros(0, np.int64)
    values = np.concatenate(value_parts) if value_parts else np.zeros(0, np.float32)
    movie_ids, rows = np.unique(movies, return_inverse=True)
    scores = np.full((len(movie_ids), len(tag_ids)), np.nan, dtype=np.float32)
    cell = rows * len(tag_ids) + columns
    counts = np.bincount(cell, minlength=scores.size)
    if np.any(counts > 1):
        # Report the second occurrence that comes first in the file (row i is on line i + 2).
        order = np.argsort(cell, kind="stable")
        repeats = order[1:][cell[order][1:] == cell[order][:-1]]
        at = int(repeats.min())
        raise MalformedRowError(
            scores_path,
            at + 2,
            f"duplicate score for movie {movies[at]}, tag {tag_ids[columns[at]]}",
        )
    if np.any(counts == 0):
        missing = np.flatnonzero(counts.reshape(scores.shape).min(axis=1) == 0)
        have = counts.reshape(scores.shape)[missing[0]].sum()
        raise DatasetError(
            f"{scores_path}: incomplete genome: movie {movie_ids[missing[0]]} has {have} of "
            f"{len(tag_ids)} tag scores ({len(missing)} movie(s) incomplete; truncated file?)"
        )
    scores.reshape(-1)[cell] = values
    return Genome(movie_ids=movie_ids.astype(np.int64), tag_names=names, scores=scores)
