"""Import a MovieLens dataset directory into the catalogue (movies, genres, links, tags, genome).

MovieLens ratings are *not* stored in the database: they are streamed once into the rating
store (``moviematch.datasets.rating_store``: compact int32/float32 arrays in the data
directory, with the tag genome as a dense float32 matrix), which gives each movie's
``num_ratings`` and ``mean_rating`` and which training reads. The database keeps what pages
show: movies, genres, links, user-tag counts and each movie's strongest genome tags
(``GENOME_TAGS_KEPT``), not the genome's 15M scores.

The import is a sync, not an append: the tables end up describing exactly the files, and rows
that already match are not written. It runs in one transaction, so a malformed row (raised by
the readers before anything is written, or any later failure) leaves the database unchanged;
the new rating store replaces the old one only once the transaction has succeeded.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from moviematch.catalog.bulk_sync import SyncCounts, sync_rows
from moviematch.catalog.fingerprint import directory_fingerprint
from moviematch.catalog.models import (
    Genre,
    ImportKind,
    ImportRun,
    Movie,
    MovieTag,
    Tag,
    TagRelevance,
)
from moviematch.catalog.tags import tag_normalise
from moviematch.catalog.titles import movie_search_text_refresh
from moviematch.datasets import movielens, rating_store
from moviematch.datasets.errors import DatasetError
from moviematch.datasets.genome import Genome
from moviematch.datasets.install import marker_dataset, move_into_place
from moviematch.datasets.specs import DATASETS

#: MovieLens' placeholder for a movie without genres; stored as no genre at all.
NO_GENRES = "(no genres listed)"
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length or 200
#: Genome tags kept per movie in the database (its strongest; pages show a movie's tags). The
#: whole genome lives in the rating store, as a dense matrix, for training.
GENOME_TAGS_KEPT = 10
MOVIELENS_FILES = (
    "movies.csv",
    "links.csv",
    "ratings.csv",
    "tags.csv",
    "genome-scores.csv",
    "genome-tags.csv",
)


@dataclass(frozen=True)
class MovieLensImportReport:
    """What an import found in the files and what it changed in the database."""

    movies: int
    movies_created: int
    movies_updated: int
    genres: int
    tags: int
    movie_tags: int
    tag_relevances: int
    ratings_read: int
    ratings_unknown_movie: int
    duplicate_links_dropped: int
    rows_changed: int
    seconds: float
    dataset: str = ""
    rating_store: str = ""

    def as_dict(self) -> dict[str, int | float]:
        return asdict(self)


class EmptyImportError(DatasetError):
    """The files would empty the catalogue (no movie or no rating): refused unless forced."""


def rating_store_dir() -> Path:
    """Where the imported MovieLens ratings live as arrays (``MOVIEMATCH["RATING_STORE"]``)."""
    return Path(settings.MOVIEMATCH["RATING_STORE"])


def dataset_name(directory: Path) -> str:
    """The dataset a directory holds: its install marker's name, else a known folder name."""
    name = marker_dataset(directory) or directory.resolve().name
    return name if name in DATASETS else ""


def movielens_import(*, directory: Path, allow_empty: bool = False) -> MovieLensImportReport:
    """Read a MovieLens directory and make the catalogue tables match it.

    Parameters
    ----------
    directory
        Holds ``movies.csv`` and ``links.csv`` (required), ``ratings.csv`` (for the per-movie
        counts and means), and optionally ``tags.csv`` and ``genome-scores.csv`` +
        ``genome-tags.csv``.
    allow_empty
        Import even when there is no movie or no rating, which leaves every movie with no
        ratings, so the catalogue filter then keeps nothing (``--force``).

    Raises
    ------
    moviematch.datasets.errors.DatasetError
        A file is missing or malformed (``MalformedRowError`` names file and line). Nothing has
        been written when it is raised.
    EmptyImportError
        No movie, or no rating at all, and ``allow_empty`` is false (nothing written).
    """
    started = time.perf_counter()
    directory = Path(directory)
    fingerprint = directory_fingerprint(directory, MOVIELENS_FILES)
    # Parse everything first: a malformed row fails before the first write.
    records = movielens.read_movies(directory)
    links = movielens.read_links(directory)
    tag_records = movielens.read_tags(directory) if (directory / "tags.csv").is_file() else []
    genome = movielens.read_genome(directory)
    known = {r.movie_id for r in records}
    store = rating_store_dir()
    incoming = store.with_name(store.name + ".incoming")
    try:
        counts, sums, ratings_read, unknown = _rating_stats(
            directory, known, incoming, fingerprint, genome
        )
        if not allow_empty and (not records or ratings_read == 0):
            missing = "movie" if not records else "rating"
            raise EmptyImportError(
                f"{directory}: no {missing} in the files; importing them would leave the "
                "catalogue empty (a truncated or wrong download?). Use --force to import anyway"
            )
        report = _sync(
            directory, fingerprint, records, links, tag_records, genome, known, counts, sums,
            ratings_read=ratings_read, unknown=unknown, store=store, started=started,
        )  # fmt: skip
        if incoming.exists():
            move_into_place(incoming, store)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    return report


def _sync(
    directory: Path,
    fingerprint: str,
    records: list[movielens.MovieRecord],
    links: dict[int, movielens.LinkRecord],
    tag_records: list[movielens.TagRecord],
    genome: Genome | None,
    known: set[int],
    counts: dict[int, int],
    sums: dict[int, float],
    *,
    ratings_read: int,
    unknown: int,
    store: Path,
    started: float,
) -> MovieLensImportReport:
    """The database writes of an import, in one transaction."""
    tmdb_of, imdb_of, dropped = _unique_links(links, counts)
    with transaction.atomic():
        genre_ids = _genres_ensure({g for r in records for g in r.genres if g != NO_GENRES})
        movie_counts = _movies_sync(records, imdb_of, tmdb_of, counts, sums)
        total = movie_counts
        total += _movie_genres_sync(records, genre_ids)
        movie_search_text_refresh()  # titles may have changed
        tag_counts = _tag_counts(tag_records, known)
        genome_names = (
            [tag_normalise(n)[:TAG_MAX_LENGTH] for n in genome.tag_names] if genome else []
        )
        relevances = _genome_rows(genome, genome_names, known, GENOME_TAGS_KEPT) if genome else {}
        tag_ids = _tags_ensure(
            {name for _, name in tag_counts} | {name for _, name in relevances} - {""}
        )
        total += sync_rows(
            MovieTag,
            key_fields=("movie_id", "tag_id"),
            value_fields=("count",),
            desired={(m, tag_ids[name]): (n,) for (m, name), n in tag_counts.items()},
        )
        total += sync_rows(
            TagRelevance,
            key_fields=("movie_id", "tag_id"),
            value_fields=("relevance",),
            desired={(m, tag_ids[name]): (r,) for (m, name), r in relevances.items()},
        )
        report = MovieLensImportReport(
            movies=len(records),
            movies_created=movie_counts.created,
            movies_updated=movie_counts.updated,
            genres=len(genre_ids),
            tags=len(tag_ids),
            movie_tags=len(tag_counts),
            tag_relevances=len(relevances),
            ratings_read=ratings_read,
            ratings_unknown_movie=unknown,
            duplicate_links_dropped=dropped,
            rows_changed=total.changed,
            seconds=round(time.perf_counter() - started, 3),
            dataset=dataset_name(directory),
            rating_store=str(store) if ratings_read else "",
        )
        ImportRun.objects.create(
            kind=ImportKind.MOVIELENS,
            source_dir=str(directory.resolve()),
            fingerprint=fingerprint,
            stats=report.as_dict(),
        )
    return report


def _rating_stats(
    directory: Path, known: set[int], store: Path, fingerprint: str, genome: Genome | None
) -> tuple[dict[int, int], dict[int, float], int, int]:
    """Stream the ratings into a rating store at ``store``; per-movie count and sum of stars.

    Returns ``(counts, sums, ratings read, ratings of movies not in movies.csv)``; without a
    ratings file nothing is written and everything is empty.
    """
    if not ((directory / "ratings.csv").is_file() or (directory / "u.data").is_file()):
        return {}, {}, 0, 0
    summary = rating_store.write_store(directory, store, source=fingerprint, genome=genome)
    is_known = np.isin(summary.movie_ids, np.fromiter(known, dtype=np.int64, count=len(known)))
    ids = summary.movie_ids[is_known].tolist()
    counts = dict(zip(ids, summary.counts[is_known].tolist(), strict=True))
    sums = dict(zip(ids, summary.sums[is_known].tolist(), strict=True))
    return counts, sums, summary.n_ratings, int(summary.counts[~is_known].sum())


def _unique_links(
    links: dict, counts: dict[int, int]
) -> tuple[dict[int, int | None], dict[int, str | None], int]:
    """IMDb/TMDb id per movie, with each external id kept by one movie only.

    MovieLens links occasionally map two movieIds to one TMDb (or IMDb) id. The columns are
    unique in the database, so the movie with more ratings keeps the link (ties: lower
    movieId) and the other gets none, which the catalogue filter then reports.
    """
    order = sorted(links.values(), key=lambda r: (-counts.get(r.movie_id, 0), r.movie_id))
    tmdb_of: dict[int, int | None] = {}
    imdb_of: dict[int, str | None] = {}
    seen_tmdb: set[int] = set()
    seen_imdb: set[str] = set()
    dropped = 0
    for link in order:
        tmdb, imdb = link.tmdb_id, link.imdb_id
        if tmdb is not None and tmdb in seen_tmdb:
            tmdb, dropped = None, dropped + 1
        if imdb is not None and imdb in seen_imdb:
            imdb, dropped = None, dropped + 1
        if tmdb is not None:
            seen_tmdb.add(tmdb)
        if imdb is not None:
            seen_imdb.add(imdb)
        tmdb_of[link.movie_id] = tmdb
        imdb_of[link.movie_id] = imdb
    return tmdb_of, imdb_of, dropped


def _genres_ensure(names: set[str]) -> dict[str, int]:
    existing = dict(Genre.objects.values_list("name", "id"))
    missing = sorted(names - existing.keys())
    if missing:
        Genre.objects.bulk_create([Genre(name=n) for n in missing])
        existing = dict(Genre.objects.values_list("name", "id"))
    return {n: existing[n] for n in names}


def _tags_ensure(names: set[str]) -> dict[str, int]:
    existing = dict(Tag.objects.values_list("name", "id"))
    missing = sorted(names - existing.keys())
    if missing:
        Tag.objects.bulk_create([Tag(name=n) for n in missing], batch_size=500)
        existing = dict(Tag.objects.values_list("name", "id"))
    return {n: existing[n] for n in names}


def _movies_sync(
    records: list,
    imdb_of: dict[int, str | None],
    tmdb_of: dict[int, int | None],
    counts: dict[int, int],
    sums: dict[int, float],
) -> SyncCounts:
    desired: dict[tuple[int], tuple[object, ...]] = {}
    for r in records:
        n = counts.get(r.movie_id, 0)
        mean = round(sums[r.movie_id] / n, 4) if n else None
        desired[(r.movie_id,)] = (
            r.display_title or r.title,
            r.year,
            imdb_of.get(r.movie_id),
            tmdb_of.get(r.movie_id),
            n,
            mean,
        )
    _release_moved_links(desired)
    # Movies absent from the files are kept (site users may have rated them); the catalogue
    # filter decides whether they are recommendable.
    return sync_rows(
        Movie,
        key_fields=("id",),
        value_fields=("title", "year", "imdb_id", "tmdb_id", "num_ratings", "mean_rating"),
        desired=desired,
        delete_missing=False,
    )


def _release_moved_links(desired: dict[tuple[int], tuple[object, ...]]) -> None:
    """Clear IMDb/TMDb ids that move to another movie, so bulk updates never collide."""
    changed = [
        movie_id
        for movie_id, imdb, tmdb in Movie.objects.values_list("id", "imdb_id", "tmdb_id")
        if (movie_id,) in desired and desired[(movie_id,)][2:4] != (imdb, tmdb)
    ]
    for start in range(0, len(changed), 500):
        Movie.objects.filter(id__in=changed[start : start + 500]).update(imdb_id=None, tmdb_id=None)


def _movie_genres_sync(records: list, genre_ids: dict[str, int]) -> SyncCounts:
    through = Movie.genres.through
    in_files = {r.movie_id for r in records}
    desired: dict[tuple[int, int], tuple[()]] = {
        (r.movie_id, genre_ids[g]): () for r in records for g in r.genres if g != NO_GENRES
    }
    # movies that are no longer in the files keep the genres they had
    for movie_id, genre_id in through.objects.values_list("movie_id", "genre_id"):
        if movie_id not in in_files:
            desired[(movie_id, genre_id)] = ()
    return sync_rows(through, key_fields=("movie_id", "genre_id"), value_fields=(), desired=desired)


def _tag_counts(tag_records: list, known: set[int]) -> dict[tuple[int, str], int]:
    """Distinct users per (movie, normalised tag); blank tags and unknown movies skipped."""
    users: dict[tuple[int, str], set[int]] = defaultdict(set)
    for t in tag_records:
        name = tag_normalise(t.tag)[:TAG_MAX_LENGTH]
        if name and t.movie_id in known:
            users[(t.movie_id, name)].add(t.user_id)
    return {key: len(u) for key, u in users.items()}


def _genome_rows(
    genome: Genome, names: list[str], known: set[int], keep: int
) -> dict[tuple[int, str], float]:
    """``{(movie, tag name): relevance}`` of each known movie's ``keep`` strongest genome tags.

    Two genome tags may normalise to one name: the higher relevance counts. Ties at the cut
    go to the earlier tag (genome order).
    """
    rows: dict[tuple[int, str], float] = {}
    if not len(genome.movie_ids) or not names:
        return rows
    keep = min(keep, len(names))
    # Strongest first; a stable sort keeps genome order among equal scores.
    order = np.argsort(-genome.scores, axis=1, kind="stable")
    for i, movie_id in enumerate(genome.movie_ids.tolist()):
        if movie_id not in known:
            continue
        kept: dict[str, float] = {}
        for j in order[i].tolist():
            if names[j] and names[j] not in kept:
                kept[names[j]] = round(float(genome.scores[i, j]), 6)
                if len(kept) == keep:
                    break
        rows.update({(movie_id, name): value for name, value in kept.items()})
    return rows
