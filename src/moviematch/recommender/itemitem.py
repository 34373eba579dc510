"""Item-item weights of the ranker: the closed-form solution, formed and pruned in blocks.

``ranking.ItemItemRanker`` derives P = (G + Λ)⁻¹ and XᵀY (see its module docstring for the
model); this module turns them into the served matrix

    B = B_liked / rms(B_liked) + seen_weight · B_seen / rms(B_seen)
    B_liked = P·XᵀY − P·diag(γ),  γ_j = (P·XᵀY)_jj / P_jj
    B_seen  = −P·diagMat(1/diag P)  (diagonal set to 0)

a block of rows at a time, keeping each row's ``top_k`` largest |weights| as float32 CSR.
``DenseParts.input_scores`` gives the unpruned scores of many users at once, for tuning.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

# Rows of P processed at once when forming B: bounds the temporary dense block to
# _BLOCK × n_items floats whatever the catalogue size.
_BLOCK = 1024


class DenseParts:
    """B = B_liked/rms + seen_weight·B_seen/rms, produced a block of rows at a time.

    ``input_scores`` gives both parts' item scores for many users at once, which is what
    tuning the blend weights needs.

    Holding P and XᵀY (2·n² floats) but never the full B avoids a third and fourth dense
    n×n matrix, which matters at 10k items.
    """

    def __init__(
        self,
        p: npt.NDArray[np.float64],
        xty: npt.NDArray[np.float64],
        seen_weight: float,
        kept: npt.NDArray[np.int64],
        n_items: int,
    ) -> None:
        self.p = p
        self.xty = xty
        self.kept = kept
        self.n_items = n_items
        self.p_diag = np.diag(p).copy()
        # diag(P·XᵀY) without forming the product: Σ_k P_jk (XᵀY)_kj.
        c_diag = np.einsum("jk,kj->j", p, xty)
        self.gamma = c_diag / self.p_diag
        self.seen_weight = seen_weight
        self.scale_liked, self.scale_seen = self._scales()

    def _raw_block(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        p_rows = self.p[rows]
        liked = p_rows @ self.xty - p_rows * self.gamma[None, :]
        seen = -p_rows / self.p_diag[None, :]
        local = np.arange(len(rows))
        # Both constraints hold analytically; set the diagonal exactly to remove rounding.
        liked[local, rows] = 0.0
        seen[local, rows] = 0.0
        return liked, seen

    def _scales(self) -> tuple[float, float]:
        # RMS of each part over an evenly spread sample of rows: only the ratio matters
        # (seen_weight is tuned against it), so a sample is as good as the whole.
        n = len(self.p_diag)
        sample = np.unique(np.linspace(0, n - 1, num=min(n, 256)).astype(np.int64))
        liked, seen = self._raw_block(sample)
        rms_l = float(np.sqrt((liked**2).mean()))
        rms_s = float(np.sqrt((seen**2).mean()))
        return max(rms_l, 1e-300), max(rms_s, 1e-300)

    def input_scores(
        self, inputs: list[npt.NDArray[np.int64]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Unpruned liked and seen scores (each RMS-scaled) of several users.

        Parameters
        ----------
        inputs : list of int64 arrays
            Each user's rated *catalogue* rows; rows outside the model are ignored.

        Returns
        -------
        liked, seen : float64 arrays (n_users, n_items)
            Zero in columns of unmodelled items.
        """
        local = np.full(self.n_items, -1, dtype=np.int64)
        local[self.kept] = np.arange(len(self.kept))
        x = np.zeros((len(inputs), len(self.kept)))
        for u, rows in enumerate(inputs):
            rows_local = local[np.asarray(rows, dtype=np.int64)]
            x[u, rows_local[rows_local >= 0]] = 1.0
        xp = x @ self.p
        liked_local = xp @ self.xty - xp * self.gamma[None, :]
        seen_local = -xp / self.p_diag[None, :]
        # Zero diagonal of B: liked's diagonal is zero by the choice of γ; seen's is −1
        # before the constraint, so add the inputs back.
        seen_local += x
        liked = np.zeros((len(inputs), self.n_items))
        seen = np.zeros((len(inputs), self.n_items))
        liked[:, self.kept] = liked_local / self.scale_liked
        seen[:, self.kept] = seen_local / self.scale_seen
        return liked, seen

    def blocks(self) -> Iterator[tuple[int, npt.NDArray[np.float64]]]:
        """Yield (start, dense block of combined B rows) in local item numbering."""
        n = len(self.p_diag)
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            liked, seen = self._raw_block(np.arange(start, stop))
            combined = liked / self.scale_liked
            if self.seen_weight:
                combined += (self.seen_weight / self.scale_seen) * seen
            yield start, combined


def prune(dense: DenseParts, top_k: int) -> sp.csr_matrix:
    """Keep each row's ``top_k`` largest |weights| (0 = all) as a float32 CSR matrix."""
    kept = dense.kept
    n_items = dense.n_items
    rows_out: list[npt.NDArray[np.int64]] = []
    cols_out: list[npt.NDArray[np.int64]] = []
    vals_out: list[npt.NDArray[np.float32]] = []
    for start, block in dense.blocks():
        n_local = block.shape[1]
        k = n_local if top_k == 0 else min(top_k, n_local)
        if k < n_local:
            top = np.argpartition(-np.abs(block), k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(n_local), block.shape)
        vals = np.take_along_axis(block, top, axis=1)
        local_rows = np.repeat(np.arange(start, start + block.shape[0]), top.shape[1])
        nonzero = vals.ravel() != 0.0
        rows_out.append(kept[local_rows[nonzero]])
        cols_out.append(kept[top.ravel()[nonzero]])
        vals_out.append(vals.ravel()[nonzero].astype(np.float32))
    rows = np.concatenate(rows_out) if rows_out else np.empty(0, np.int64)
    cols = np.concatenate(cols_out) if cols_out else np.empty(0, np.int64)
    vals = np.concatenate(vals_out) if vals_out else np.empty(0, np.float32)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(n_items, n_items), dtype=np.float32)
    matrix.sort_indices()
    return matrix
