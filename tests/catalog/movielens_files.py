"""Writers of tiny MovieLens / IMDb directories in the publishers' exact formats.

Shared by the catalogue and recommendation tests (imported, not a fixture module, so the
recommendation tests can reuse it). The data is made up; only the formats are MovieLens'.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

MOVIES = [
    # movieId, title as MovieLens writes it, genres
    (1, "Toy Story (1995)", "Adventure|Animation|Children|Comedy|Fantasy"),
    (2, "American President, The (1995)", "Comedy|Drama|Romance"),
    (3, "Movie Without Year", "(no genres listed)"),
    (4, "Rare Film (2001)", "Drama"),
    (5, "Shared Link (1999)", "Comedy"),
    (6, "Shared Link Again (1999)", "Comedy"),
    (7, 'Quote "Unquote" (1990)', "Horror"),
    (8, "No Imdb (1985)", "Sci-Fi|Horror"),
]
# movieId, imdbId (without tt, zero padded as in links.csv), tmdbId ("" when missing)
LINKS = [
    (1, "0114709", "862"),
    (2, "0112346", "9087"),
    (3, "0000003", "303"),
    (4, "0000004", "404"),
    (5, "0000005", "505"),
    (6, "0000006", "505"),  # same TMDb id as movie 5, which has more ratings and keeps it
    (7, "0000007", ""),
    (8, "", "808"),
]
# ratings per movie: stars listed, users 1.. in order
RATINGS = {
    1: [4.0, 5.0, 3.5, 4.5, 4.0, 5.0],
    2: [3.0, 3.5, 4.0, 2.5, 3.0],
    3: [2.0, 2.0, 2.5, 3.0, 1.0],
    4: [5.0, 4.0],
    5: [3.0, 3.0, 3.0, 3.0, 3.5],
    6: [1.0],
    7: [0.5, 1.0, 1.5, 2.0, 2.5],
    8: [4.0, 4.0, 4.0, 4.0, 4.0],
}
TAGS = [
    # userId, movieId, tag
    (1, 1, "pixar"),
    (2, 1, "Pixar"),
    (3, 1, "  PIXAR "),
    (3, 1, "pixar"),  # same user again: counted once
    (1, 1, "funny"),
    (2, 2, "politics"),
    (4, 2, "Highly quotable"),
    (5, 2, "highly  quotable"),
]
GENOME_TAGS = ["pixar", "politics", "Funny"]
GENOME_SCORES = {1: [0.95, 0.05, 0.7], 2: [0.01, 0.9, 0.3]}


def planted_tastes(
    n_users: int = 60, n_movies: int = 40, seed: int = 0
) -> tuple[list[tuple[int, str, str]], dict[int, list[float]]]:
    """Two taste groups with a known answer, as (movies, ratings) for ``write_movielens``.

    Movies 1..n/2 are comedies, the rest horror films. Users 1..n_users/2 give comedies 4.5-5
    stars and horror 1-1.5; the other users the reverse. Every user rates every movie.
    """
    rng = np.random.default_rng(seed)
    half = n_movies // 2
    movies = [
        (
            m,
            f"{'Comedy' if m <= half else 'Horror'} Film {m} ({1980 + m})",
            "Comedy" if m <= half else "Horror",
        )
        for m in range(1, n_movies + 1)
    ]
    ratings: dict[int, list[float]] = {}
    for m in range(1, n_movies + 1):
        stars = []
        for user in range(1, n_users + 1):
            likes = (user <= n_users // 2) == (m <= half)
            base = 4.5 if likes else 1.0
            stars.append(base + 0.5 * float(rng.integers(0, 2)))
        ratings[m] = stars
    return movies, ratings


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_movielens(
    directory: Path,
    *,
    newline: str = "\n",
    genome: bool = False,
    movies: list[tuple[int, str, str]] | None = None,
    ratings: dict[int, list[float]] | None = None,
) -> Path:
    """Write movies/links/ratings/tags (and optionally genome) CSVs; returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    movies = MOVIES if movies is None else movies
    ratings = RATINGS if ratings is None else ratings

    def write(name: str, header: str, rows: list[str]) -> None:
        text = newline.join([header, *rows]) + newline
        (directory / name).write_bytes(text.encode("utf-8"))

    write(
        "movies.csv",
        "movieId,title,genres",
        [f"{m},{_csv_field(t)},{_csv_field(g)}" for m, t, g in movies],
    )
    ids = {m for m, _, _ in movies}
    links = LINKS if movies is MOVIES else [(m, f"{m:07d}", str(m)) for m, _, _ in movies]
    write("links.csv", "movieId,imdbId,tmdbId", [f"{m},{i},{t}" for m, i, t in links if m in ids])
    rows = []
    stamp = 964982703
    for movie_id, stars in sorted(ratings.items()):
        for user, value in enumerate(stars, start=1):
            rows.append(f"{user},{movie_id},{value},{stamp}")
            stamp += 1
    write("ratings.csv", "userId,movieId,rating,timestamp", rows)
    write(
        "tags.csv",
        "userId,movieId,tag,timestamp",
        [f"{u},{m},{_csv_field(t)},{1445714994 + k}" for k, (u, m, t) in enumerate(TAGS)],
    )
    if genome:
        write("genome-tags.csv", "tagId,tag", [f"{j},{t}" for j, t in enumerate(GENOME_TAGS, 1)])
        write(
            "genome-scores.csv",
            "movieId,tagId,relevance",
            [
                f"{m},{j},{v}"
                for m, values in GENOME_SCORES.items()
                for j, v in enumerate(values, 1)
            ],
        )
    return directory


IMDB_HEADERS = {
    "title.basics.tsv.gz": "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear"
    "\tendYear\truntimeMinutes\tgenres",
    "title.akas.tsv.gz": "titleId\tordering\ttitle\tregion\tlanguage\ttypes\tattributes"
    "\tisOriginalTitle",
    "title.crew.tsv.gz": "tconst\tdirectors\twriters",
    "title.principals.tsv.gz": "tconst\tordering\tnconst\tcategory\tjob\tcharacters",
    "name.basics.tsv.gz": "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession"
    "\tknownForTitles",
}
IMDB_ROWS = {
    "title.basics.tsv.gz": [
        "tt0114709\tmovie\tToy Story\tToy Story\t0\t1995\t\\N\t81\tAdventure,Animation,Comedy",
        "tt0112346\tmovie\tThe American President\tThe American President\t0\t1995\t\\N\t114"
        "\tComedy,Drama,Romance",
        "tt0000003\tmovie\tYearless\tYearless\t0\t1950\t\\N\t\\N\tDrama",
        "tt9999999\tmovie\tNot In Catalogue\tNot In Catalogue\t0\t2020\t\\N\t90\tDrama",
    ],
    "title.akas.tsv.gz": [
        "tt0114709\t1\tToy Story\tUS\t\\N\timdbDisplay\t\\N\t0",
        "tt0114709\t2\tToy Story - Os Rivais\tBR\t\\N\timdbDisplay\t\\N\t0",
        "tt0112346\t1\tDer Präsident\tDE\t\\N\timdbDisplay\t\\N\t0",
        "tt0112346\t2\tThe American President\tUS\t\\N\timdbDisplay\t\\N\t0",
        "tt9999999\t1\tNot In Catalogue\tUS\t\\N\t\\N\t\\N\t0",
    ],
    "title.crew.tsv.gz": [
        "tt0114709\tnm0005124\tnm0005124,nm0230032",
        "tt0112346\tnm0000631\tnm0003506",
        "tt9999999\tnm0000001\t\\N",
    ],
    "title.principals.tsv.gz": [
        'tt0114709\t1\tnm0000158\tactor\t\\N\t["Woody"]',
        'tt0114709\t2\tnm0000741\tactor\t\\N\t["Buzz Lightyear"]',
        "tt0114709\t3\tnm0005124\tdirector\t\\N\t\\N",
        'tt0112346\t2\tnm0000110\tactress\t\\N\t["Sydney Ellen Wade"]',
        'tt0112346\t1\tnm0000243\tactor\t\\N\t["Andrew Shepherd"]',
        "tt0112346\t3\tnm0000631\tdirector\t\\N\t\\N",
        "tt9999999\t1\tnm0000001\tactor\t\\N\t\\N",
    ],
    "name.basics.tsv.gz": [
        "nm0000001\tFred Astaire\t1899\t1987\tactor\ttt0050419",
        "nm0000110\tAnnette Bening\t1958\t\\N\tactress\ttt0112346",
        "nm0000158\tTom Hanks\t1956\t\\N\tactor\ttt0114709",
        "nm0000243\tMichael Douglas\t1944\t\\N\tactor\ttt0112346",
        "nm0000631\tRob Reiner\t1947\t\\N\tdirector\ttt0112346",
        "nm0000741\tTim Allen\t1953\t\\N\tactor\ttt0114709",
        "nm0005124\tJohn Lasseter\t1957\t\\N\tdirector\ttt0114709",
    ],
}


def write_imdb(directory: Path, *, rows: dict[str, list[str]] | None = None) -> Path:
    """Write the five IMDb TSVs, gzip-compressed, as published; returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = IMDB_ROWS if rows is None else rows
    for name, header in IMDB_HEADERS.items():
        text = "\n".join([header, *rows[name]]) + "\n"
        (directory / name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return directory
