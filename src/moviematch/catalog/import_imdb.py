"""Import IMDb non-commercial datasets for the movies already in the catalogue.

Reads (gzip TSV, as published at datasets.imdbws.com): ``title.basics`` (runtime, a fallback
year), ``title.akas`` (the English title), ``title.crew`` (directors, in listed order),
``title.principals`` (cast in billing order) and ``name.basics`` (people's names). The
readers stream and keep only rows for the IMDb ids of catalogue movies, so memory follows
the catalogue size, not IMDb's (tens of millions of rows).

Like the MovieLens import it is a sync in one transaction: idempotent and all-or-nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from moviematch.catalog.bulk_sync import sync_rows
from moviematch.catalog.fingerprint import directory_fingerprint
from moviematch.catalog.models import Credit, CreditRole, ImportKind, ImportRun, Movie, Person
from moviematch.catalog.titles import movie_search_text_refresh
from moviematch.datasets import imdb
from moviematch.datasets.errors import DatasetError

IMDB_FILES = {
    "basics": "title.basics.tsv.gz",
    "akas": "title.akas.tsv.gz",
    "crew": "title.crew.tsv.gz",
    "principals": "title.principals.tsv.gz",
    "names": "name.basics.tsv.gz",
}
#: ``title.principals`` categories that count as cast.
CAST_CATEGORIES = frozenset({"actor", "actress", "self"})
NAME_MAX_LENGTH = Person._meta.get_field("name").max_length or 300


@dataclass(frozen=True)
class IMDbImportReport:
    """What the IMDb import matched and changed."""

    movies_matched: int
    english_titles: int
    runtimes: int
    people: int
    directors: int
    cast: int
    rows_changed: int
    seconds: float

    def as_dict(self) -> dict[str, int | float]:
        return asdict(self)


def imdb_import(*, directory: Path) -> IMDbImportReport:
    """Fill English titles, runtimes, missing years, directors and cast from IMDb files.

    Raises
    ------
    moviematch.datasets.errors.DatasetError
        A required file is missing, or a row is malformed (``MalformedRowError``: file, line,
        reason). The database is unchanged when it is raised.
    """
    started = time.perf_counter()
    directory = Path(directory)
    missing = [name for name in IMDB_FILES.values() if not (directory / name).is_file()]
    if missing:
        raise DatasetError(f"{directory}: missing IMDb file(s): {', '.join(missing)}")
    path = {key: directory / name for key, name in IMDB_FILES.items()}
    movie_of: dict[str, int] = {
        imdb_id: movie_id
        for imdb_id, movie_id in Movie.objects.filter(imdb_id__isnull=False)
        .values_list("imdb_id", "id")
        .iterator()
        if imdb_id is not None
    }
    keep = set(movie_of)

    basics = {b.tconst: b for b in imdb.iter_title_basics(path["basics"], keep)}
    akas_by_title: dict[str, list] = defaultdict(list)
    for aka in imdb.iter_title_akas(path["akas"], keep):
        akas_by_title[aka.title_id].append(aka)
    directors: dict[str, list[str]] = {
        c.tconst: list(c.directors) for c in imdb.iter_title_crew(path["crew"], keep)
    }
    cast: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for p in imdb.iter_title_principals(path["principals"], keep):
        if p.category in CAST_CATEGORIES:
            cast[p.tconst].append((p.ordering, p.nconst))
    wanted = {n for ns in directors.values() for n in ns} | {
        n for pairs in cast.values() for _, n in pairs
    }
    names = {
        n.nconst: n.primary_name[:NAME_MAX_LENGTH]
        for n in imdb.iter_name_basics(path["names"], wanted)
    }

    with transaction.atomic():
        changed, n_titles, n_runtimes = _movies_update(movie_of, basics, akas_by_title)
        movie_search_text_refresh()  # English titles may have changed
        people = sync_rows(
            Person,
            key_fields=("imdb_id",),
            value_fields=("name",),
            desired={(n,): (name,) for n, name in names.items()},
            delete_missing=False,
        )
        person_id = dict(Person.objects.values_list("imdb_id", "id").iterator())
        credits: dict[tuple[int, int, str], tuple[int]] = {}
        for tconst, nconsts in directors.items():
            for order, n in enumerate(dict.fromkeys(n for n in nconsts if n in names)):
                credits[(movie_of[tconst], person_id[n], CreditRole.DIRECTOR.value)] = (order,)
        for tconst, pairs in cast.items():
            billed = dict.fromkeys(n for _, n in sorted(pairs) if n in names)
            for order, n in enumerate(billed):
                credits[(movie_of[tconst], person_id[n], CreditRole.CAST.value)] = (order,)
        n_directors = sum(1 for k in credits if k[2] == CreditRole.DIRECTOR)
        n_cast = len(credits) - n_directors
        # credits of movies the files do not mention at all are left as they are
        present = {movie_of[t] for t in _present(basics, directors, cast)}
        for key in Credit.objects.values_list("movie_id", "person_id", "role", "order"):
            if key[0] not in present:
                credits[key[:3]] = (key[3],)
        credit_counts = sync_rows(
            Credit,
            key_fields=("movie_id", "person_id", "role"),
            value_fields=("order",),
            desired=credits,
        )
        report = IMDbImportReport(
            movies_matched=len(basics),
            english_titles=n_titles,
            runtimes=n_runtimes,
            people=len(names),
            directors=n_directors,
            cast=n_cast,
            rows_changed=changed + (people + credit_counts).changed,
            seconds=round(time.perf_counter() - started, 3),
        )
        ImportRun.objects.create(
            kind=ImportKind.IMDB,
            source_dir=str(directory.resolve()),
            fingerprint=directory_fingerprint(directory, IMDB_FILES.values()),
            stats=report.as_dict(),
        )
    return report


def _present(*groups: dict) -> set[str]:
    return set().union(*(g.keys() for g in groups))


def _movies_update(
    movie_of: dict[str, int], basics: dict, akas_by_title: dict[str, list]
) -> tuple[int, int, int]:
    """Set english_title, runtime_minutes and (only when MovieLens had none) the year."""
    movies = Movie.objects.in_bulk(list(movie_of.values()))
    dirty = []
    n_titles = n_runtimes = 0
    for tconst, movie_id in movie_of.items():
        movie = movies[movie_id]
        basic = basics.get(tconst)
        title = imdb.english_title(akas_by_title.get(tconst, []))
        if not title and basic is not None and basic.primary_title:
            title = basic.primary_title
        runtime = basic.runtime_minutes if basic is not None else None
        year = movie.year or (basic.start_year if basic is not None else None)
        new = ((title or "")[:300], runtime if runtime is not None else movie.runtime_minutes, year)
        n_titles += bool(new[0])
        n_runtimes += new[1] is not None
        if new != (movie.english_title, movie.runtime_minutes, movie.year):
            movie.english_title, movie.runtime_minutes, movie.year = new
            dirty.append(movie)
    Movie.objects.bulk_update(dirty, ["english_title", "runtime_minutes", "year"], batch_size=500)
    return len(dirty), n_titles, n_runtimes
