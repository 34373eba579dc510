"""The datasets moviematch knows: where each comes from and which files make it up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from moviematch.datasets.checksums import PINNED_SHA256
from moviematch.datasets.errors import DatasetError
from moviematch.datasets.imdb import FILE_STEMS

MOVIELENS_URL = "https://files.grouplens.org/datasets/movielens"
IMDB_URL = "https://datasets.imdbws.com"

_CSV_RATINGS = ("ratings.csv", "movies.csv", "links.csv", "tags.csv")
_GENOME = ("genome-scores.csv", "genome-tags.csv")
_IMDB_FILES = tuple(f"{stem}.tsv.gz" for stem in FILE_STEMS)


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset is made of and where it comes from.

    Attributes
    ----------
    name : str
        Key in :data:`DATASETS` and the directory name under the data directory.
    kind : {"movielens", "imdb"}
        MovieLens datasets are one zip (``<name>.zip`` + ``<name>.zip.md5``); IMDb is a set of
        ``.tsv.gz`` files downloaded as they are.
    remote_files : tuple of str
        File names under the base URL.
    required : tuple of str
        Files that must be present in the installed directory.
    optional : tuple of str
        Further files copied along by :func:`use_local` when present.
    sha256 : mapping of str to str
        Pinned checksums of installed files (empty when none are known).
    """

    name: str
    kind: Literal["movielens", "imdb"]
    remote_files: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)

    def base_url(self, override: str | None = None) -> str:
        """``override`` (a mirror, a test server) or the publisher's URL, without a final ``/``."""
        default = IMDB_URL if self.kind == "imdb" else MOVIELENS_URL
        return (override or default).rstrip("/")

    def urls(self, base_url: str | None = None) -> list[str]:
        base = self.base_url(base_url)
        return [f"{base}/{name}" for name in self.remote_files]


def _movielens(name: str, required: tuple[str, ...], optional: tuple[str, ...]) -> DatasetSpec:
    pins = dict(PINNED_SHA256.get(name, {}))
    return DatasetSpec(name, "movielens", (f"{name}.zip",), required, optional, pins)


DATASETS: dict[str, DatasetSpec] = {
    "ml-latest-small": _movielens("ml-latest-small", _CSV_RATINGS, ("README.txt",)),
    "ml-25m": _movielens("ml-25m", _CSV_RATINGS + _GENOME, ("README.txt",)),
    "ml-latest": _movielens("ml-latest", _CSV_RATINGS + _GENOME, ("README.txt",)),
    "ml-100k": _movielens(
        "ml-100k",
        ("u.data", "u.item", "u.genre"),
        tuple(name for name in PINNED_SHA256["ml-100k"] if name not in ("u.data", "u.item")),
    ),
    "imdb": DatasetSpec("imdb", "imdb", _IMDB_FILES, _IMDB_FILES),
}


def dataset_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r} (known: {known})") from None
