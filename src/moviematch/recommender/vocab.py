"""Mapping between external MovieLens ids and dense row numbers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MISSING = -1


class Vocabulary:
    """Sorted unique external ids, and their row numbers.

    Unknown ids map to ``MISSING`` (-1) instead of raising deep inside NumPy; callers
    decide whether that is an error (see ``UnknownMovieError``).

    Parameters
    ----------
    ids : array-like of int
        External ids; duplicates are removed and the result is sorted.
    """

    __slots__ = ("ids",)

    def __init__(self, ids: npt.ArrayLike) -> None:
        self.ids: npt.NDArray[np.int64] = np.unique(np.asarray(ids, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, external_id: object) -> bool:
        if not isinstance(external_id, int | np.integer):
            return False
        return bool(self.rows(np.array([external_id]))[0] != MISSING)

    def rows(self, external_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Row of each id, ``MISSING`` where the id is unknown. Shape follows the input."""
        query = np.asarray(external_ids, dtype=np.int64)
        if len(self.ids) == 0:
            return np.full(query.shape, MISSING, dtype=np.int64)
        pos = np.searchsorted(self.ids, query)
        pos_clipped = np.minimum(pos, len(self.ids) - 1)
        found = self.ids[pos_clipped] == query
        return np.where(found, pos_clipped, MISSING).astype(np.int64)

    def split_known(
        self, external_ids: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Rows of the ids, and a mask of which ids are known."""
        rows = self.rows(external_ids)
        return rows, rows != MISSING

    def external(self, rows: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """External ids of the given rows."""
        return self.ids[np.asarray(rows, dtype=np.int64)]
