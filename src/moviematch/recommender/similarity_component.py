"""The ``"similarity"`` model component: similar movies and taste groups.

``SimilaritySpec`` is what a ``TrainConfig`` holds for the slot; ``train`` calls
``spec.fit(context)`` after MF, which builds one ``SimilarityComponent`` carrying

* a ``SimilarityIndex`` over the rated movies plus (by default) every other movie of the
  ``MovieInfo`` catalogue (unrated ones get zero factors and rely on tags/genres),
* a ``GenreTable`` for group labels.

Wiring in ``Model``: ``similar`` → ``component.similar``, ``group`` → ``component.group``;
the type is registered as ``COMPONENT_TYPES["SimilarityComponent"]``. The onboarding picker
is not part of this slot (a model without similarity still onboards): ``train`` builds it
for every model and keeps its slates diverse with this component's vectors when present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from moviematch.recommender.components import TrainingContext
from moviematch.recommender.data import MovieInfo
from moviematch.recommender.errors import CorruptModelError
from moviematch.recommender.grouping import GenreTable, Group, GroupingConfig, group
from moviematch.recommender.similarity import SimilarityConfig, SimilarityIndex

_PREFIXES = {"index": "index_", "genres": "genres_"}


@dataclass(frozen=True)
class SimilaritySpec:
    """Config of the ``"similarity"`` slot.

    Attributes
    ----------
    similarity, grouping : configs of the two parts
    include_unrated : bool
        Also index catalogue movies nobody rated in training (found by tags/genres only).
    """

    similarity: SimilarityConfig = field(default_factory=SimilarityConfig)
    grouping: GroupingConfig = field(default_factory=GroupingConfig)
    include_unrated: bool = True

    def fit(self, context: TrainingContext) -> SimilarityComponent:
        """Build the component from the training context (see the module docstring)."""
        rated_ids = context.items.ids
        ids = rated_ids
        if self.include_unrated and context.movies is not None:
            ids = np.union1d(rated_ids, np.asarray(context.movies.movie_ids, dtype=np.int64))
        rows = context.items.rows(ids)
        known = rows >= 0
        factors = np.zeros((len(ids), context.item_factors.shape[1]), dtype=np.float32)
        factors[known] = context.item_factors[rows[known]]
        per_item = np.bincount(context.item_rows, minlength=len(rated_ids))
        counts = np.zeros(len(ids), dtype=np.int64)
        counts[known] = per_item[rows[known]]
        movies = context.movies
        if movies is None:
            movies = MovieInfo(ids, [""] * len(ids), np.zeros(len(ids), np.int32), [()] * len(ids))
        index = SimilarityIndex.build(
            ids,
            movies,
            context.tags,
            context.genome,
            factors,
            self.similarity,
            rating_counts=counts,
        )
        genres = GenreTable.from_genres(movies.movie_ids.tolist(), movies.genres)
        return SimilarityComponent(index, genres, self.grouping)


class SimilarityComponent:
    """Similar movies and taste groups of one trained model."""

    def __init__(
        self, index: SimilarityIndex, genres: GenreTable, grouping: GroupingConfig
    ) -> None:
        self.index = index
        self.genres = genres
        self.grouping = grouping
        self._shares = genres.shares()

    def similar(self, movie_id: int, k: int = 10) -> list[tuple[int, float]]:
        """See ``SimilarityIndex.similar`` (raises ``UnknownMovieError``)."""
        return self.index.similar(movie_id, k)

    def group(self, movie_ids: Sequence[int]) -> list[Group]:
        """Taste groups of a ranked list; movies outside the index get no vector."""
        ids = np.asarray([int(m) for m in movie_ids], dtype=np.int64)
        rows, known = self.index.vocab.split_known(ids)
        vectors = np.zeros((len(ids), self.index.vectors_.shape[1]), dtype=np.float32)
        vectors[known] = self.index.vectors_[rows[known]]
        listed = ids.tolist()
        return group(listed, vectors, self.genres.genres_map(listed), self._shares, self.grouping)

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The two parts' arrays, under ``index_`` and ``genres_`` prefixes."""
        out: dict[str, npt.NDArray[Any]] = {}
        for part, prefix in _PREFIXES.items():
            for key, value in getattr(self, part).to_arrays().items():
                out[prefix + key] = value
        return out

    def config_dict(self) -> dict[str, Any]:
        """JSON-ready configs of the parts."""
        return {
            "similarity": self.index.config_dict(),
            "grouping": asdict(self.grouping),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]], config: dict[str, Any]) -> Self:
        """Inverse of ``to_arrays`` / ``config_dict``.

        Raises
        ------
        CorruptModelError
            Missing or inconsistent arrays or config.
        """
        parts = {
            part: {k[len(p) :]: v for k, v in arrays.items() if k.startswith(p)}
            for part, p in _PREFIXES.items()
        }
        try:
            grouping = GroupingConfig(**config["grouping"])
            index = SimilarityIndex.from_arrays(parts["index"], config["similarity"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptModelError(f"similarity component: {exc}") from None
        genres = GenreTable.from_arrays(parts["genres"], {})
        return cls(index, genres, grouping)
