"""Writers of tiny MovieLens / IMDb directories in the publishers' exact formats.

Shared by the catalogue and recommendation tests (imported, not a fixture module, so the
recommendation tests can reuse it). The data is made up; only the formats are MovieLens'.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
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


#: Genres of the planted taste groups, in the order of their movie blocks.
PLANTED_GENRES = ("Comedy", "Horror", "Romance")


def planted_tastes(
    n_users: int = 240, n_movies: int = 81, seed: int = 0
) -> tuple[list[tuple[int, str, str]], dict[int, dict[int, float]]]:
    """Sparse ratings with planted taste groups, as (movies, ratings) for ``write_movielens``.

    Shaped like MovieLens rather than like a checkerboard:

    * the movies form one block per genre of ``PLANTED_GENRES`` (movies 1..n/3 comedies,
      then horror films, then romances); inside a block the first 60 % are mainstream
      films with Zipf popularity (the block's first film is its most rated), the next
      30 % a "cult" tail that few people watch and all of them rate 4-5 stars (so sorting
      by predicted stars alone pushes them up, as obscure films do on MovieLens), and the
      last 10 % rare films with a handful of ratings (the catalogue filter drops some);
    * user u belongs to taste group (u - 1) % 3 and rates 20 + a geometric number
      (mean 7) of movies, drawn without replacement with probability ∝ popularity, six
      times higher inside their own genre; own-genre mainstream films get 3.5-5 stars,
      other genres' 1-3 stars.

    Returns
    -------
    movies : list of (movie id, title with year, genre)
    ratings : dict movie id → {user id: stars}
    """
    rng = np.random.default_rng(seed)
    n_groups = len(PLANTED_GENRES)
    per = n_movies // n_groups
    genre_of = np.minimum(np.arange(n_movies) // per, n_groups - 1)
    pos = np.arange(n_movies) - genre_of * per
    mainstream = pos < round(0.6 * per)
    rare = pos >= per - max(1, round(0.1 * per))
    popularity = np.where(mainstream, 1.0 / (1.0 + pos), np.where(rare, 0.003, 0.04))
    movies = [
        (m + 1, f"{PLANTED_GENRES[g]} Film {m + 1} ({1950 + m})", PLANTED_GENRES[g])
        for m, g in enumerate(genre_of.tolist())
    ]
    ratings: dict[int, dict[int, float]] = {m + 1: {} for m in range(n_movies)}
    for user in range(1, n_users + 1):
        group = (user - 1) % n_groups
        n_rated = min(n_movies // 2, 20 + int(rng.geometric(1 / 8)) - 1)
        weight = popularity * np.where(genre_of == group, 6.0, 1.0)
        for m in rng.choice(n_movies, size=n_rated, replace=False, p=weight / weight.sum()):
            if not mainstream[m]:
                stars = rng.choice([4.0, 4.5, 5.0], p=[0.2, 0.3, 0.5])
            elif genre_of[m] == group:
                stars = rng.choice([3.5, 4.0, 4.5, 5.0], p=[0.1, 0.3, 0.3, 0.3])
            else:
                stars = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0])
            ratings[int(m) + 1][user] = float(stars)
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
    ratings: Mapping[int, list[float] | Mapping[int, float]] | None = None,
) -> Path:
    """Write movies/links/ratings/tags (and optionally genome) CSVs; returns ``directory``.

    ``ratings`` maps a movie id to its stars, either as a list (users 1, 2, … in order) or
    as {user id: stars}.
    """
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
        by_user = stars.items() if isinstance(stars, Mapping) else enumerate(stars, start=1)
        for user, value in sorted(by_user):
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
