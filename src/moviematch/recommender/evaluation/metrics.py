"""Accuracy and top-N metrics of the cold-start protocol, one user (or list) at a time.

Conventions (also stated in ``docs/evaluation.md``):

* relevance is binary: a held-out rating ≥ 4 stars is relevant;
* a top-K list is the K best-scored candidates, candidates being every catalogue item the
  user has not revealed;
* precision@K = hits / K; recall@K = hits / |relevant|; NDCG@K uses gains 1/log2(rank + 1)
  (rank from 1) normalised by the ideal list of min(K, |relevant|) hits; hit@K is 1 when
  there is at least one hit;
* novelty of an item is its self-information −log2(n_i / n_users), n_i its training
  ratings count;
* coverage is the share of the catalogue appearing in at least one user's top-K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def top_k(scores: npt.ArrayLike, k: int, exclude: npt.ArrayLike = ()) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` highest scores, best first, never any of ``exclude``.

    Ties are broken by the lower index (a stable, reproducible order).

    Parameters
    ----------
    scores : float array (n,)
    k : int
        List length; shorter when fewer than k candidates remain.
    exclude : int array
        Indices that may not appear (the user's revealed items).
    """
    values = np.array(scores, dtype=np.float64)
    values[np.isnan(values)] = -np.inf
    excluded = np.asarray(exclude, dtype=np.int64)
    allowed = np.ones(len(values), dtype=bool)
    allowed[excluded] = False
    candidates = np.flatnonzero(allowed)
    k = min(k, len(candidates))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    cand_scores = values[candidates]
    if k < len(candidates):
        # The k-th best value; everything strictly above it is in, ties filled by index.
        kth = np.partition(-cand_scores, k - 1)[k - 1]
        keep = -cand_scores <= kth
        candidates, cand_scores = candidates[keep], cand_scores[keep]
    order = np.lexsort((candidates, -cand_scores))
    return candidates[order[:k]]


@dataclass(frozen=True)
class ListMetrics:
    """Top-K metrics of one user's list (see the module docstring for definitions)."""

    precision: float
    recall: float
    ndcg: float
    hit: float


def list_metrics(recommended: npt.ArrayLike, relevant: npt.ArrayLike, k: int) -> ListMetrics:
    """Precision, recall, NDCG and hit of the first ``k`` entries of ``recommended``.

    Parameters
    ----------
    recommended : int array
        Item indices, best first (only the first k are used).
    relevant : int array
        The user's relevant held-out items; must be non-empty.
    k : int
        Cut-off; precision divides by k even when the list is shorter.

    Raises
    ------
    ValueError
        When ``relevant`` is empty or k < 1 (the metrics are undefined).
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    rel = np.unique(np.asarray(relevant, dtype=np.int64))
    if len(rel) == 0:
        raise ValueError("list metrics are undefined for a user without relevant items")
    head = np.asarray(recommended, dtype=np.int64)[:k]
    hits = np.isin(head, rel)
    n_hits = int(hits.sum())
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(discounts[: len(head)][hits].sum())
    idcg = float(discounts[: min(k, len(rel))].sum())
    return ListMetrics(
        precision=n_hits / k,
        recall=n_hits / len(rel),
        ndcg=dcg / idcg,
        hit=float(n_hits > 0),
    )


def rmse(predicted: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Root mean squared error in stars; NaN for empty input."""
    p = np.asarray(predicted, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if p.shape != a.shape:
        raise ValueError("predicted and actual differ in shape")
    return float(np.sqrt(np.mean((p - a) ** 2))) if len(p) else float("nan")


def mae(predicted: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Mean absolute error in stars; NaN for empty input."""
    p = np.asarray(predicted, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if p.shape != a.shape:
        raise ValueError("predicted and actual differ in shape")
    return float(np.mean(np.abs(p - a))) if len(p) else float("nan")


def coverage(lists: list[npt.NDArray[np.int64]], n_items: int) -> float:
    """Share of the ``n_items`` catalogue that appears in at least one list."""
    if n_items <= 0:
        raise ValueError("n_items must be positive")
    if not lists:
        return 0.0
    return len(np.unique(np.concatenate(lists))) / n_items


def self_information(counts: npt.ArrayLike, n_users: int) -> npt.NDArray[np.float64]:
    """−log2(n_i / n_users) per item, in bits (items never rated count as rated once)."""
    c = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    return -np.log2(c / float(n_users))


def novelty(lists: list[npt.NDArray[np.int64]], information: npt.ArrayLike) -> float:
    """Mean self-information (bits) over every recommended (user, item) pair."""
    info = np.asarray(information, dtype=np.float64)
    if not lists:
        return float("nan")
    items = np.concatenate(lists)
    return float(info[items].mean()) if len(items) else float("nan")
