"""Mapping between external MovieLens ids and dense row numbers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MISSING = -1
# Ids spanning at most this many values (or 4 per id) are mapped through a dense table in
# one pass instead of sorting: MovieLens' user and movie ids do (162k and 209k at ML-25M),
# and sorting 25M ids took seconds per vocabulary. Wider spans (site users are numbered from
# 10^9) fall back to sorting.
_DENSE_SPAN = 1 << 24
# Queries at least this long go through the dense table (built once, kept); short ones
# (serving a visitor's ten ratings) use a binary search and build nothing.
_DENSE_QUERY = 100_000


class Vocabulary:
    """Sorted unique external ids, and their row numbers.

    Unknown ids map to ``MISSING`` (-1) instead of raising deep inside NumPy; callers
    decide whether that is an error (see ``UnknownMovieError``).

    Parameters
    ----------
    ids : array-like of int
        External ids; duplicates are removed and the result is sorted.
    """

    __slots__ = ("_table", "ids")

    def __init__(self, ids: npt.ArrayLike) -> None:
        values = np.asarray(ids, dtype=np.int64).ravel()
        self._table: npt.NDArray[np.int64] | None = None
        if len(values) >= _DENSE_QUERY and _dense(values):
            low = int(values.min())
            present = np.zeros(int(values.max()) - low + 1, dtype=np.bool_)
            present[values - low] = True
            self.ids: npt.NDArray[np.int64] = np.flatnonzero(present).astype(np.int64) + low
        else:
            self.ids = np.unique(values)

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
        if query.size >= _DENSE_QUERY and int(self.ids[-1] - self.ids[0]) < _DENSE_SPAN:
            return self._table_rows(query)
        pos = np.searchsorted(self.ids, query)
        pos_clipped = np.minimum(pos, len(self.ids) - 1)
        found = self.ids[pos_clipped] == query
        return np.where(found, pos_clipped, MISSING).astype(np.int64)

    def _table_rows(self, query: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        low = int(self.ids[0])
        if self._table is None:
            self._table = np.full(int(self.ids[-1]) - low + 1, MISSING, dtype=np.int64)
            self._table[self.ids - low] = np.arange(len(self.ids))
        offset = query - low
        if int(offset.min()) >= 0 and int(offset.max()) < len(self._table):
            return self._table[offset]  # every query inside the table's range (the usual case)
        inside = (offset >= 0) & (offset < len(self._table))
        return np.where(inside, self._table[np.where(inside, offset, 0)], MISSING)

    def split_known(
        self, external_ids: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Rows of the ids, and a mask of which ids are known."""
        rows = self.rows(external_ids)
        return rows, rows != MISSING

    def external(self, rows: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """External ids of the given rows."""
        return self.ids[np.asarray(rows, dtype=np.int64)]


def _dense(values: npt.NDArray[np.int64]) -> bool:
    span = int(values.max()) - int(values.min())
    return span < _DENSE_SPAN
