"""Run methods through the cold-start protocol and summarise them in one table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.data import MAX_STARS, MIN_STARS
from moviematch.recommender.evaluation.baselines import Method, TrainingData
from moviematch.recommender.evaluation.beyond import Catalogue, ListFigures, list_figures
from moviematch.recommender.evaluation.metrics import (
    coverage,
    list_metrics,
    mae,
    novelty,
    rmse,
    self_information,
)
from moviematch.recommender.evaluation.protocol import TestUser, UserSplit


def training_data(split: UserSplit) -> TrainingData:
    """The split's training ratings in dense user rows and catalogue rows."""
    _, user_rows = np.unique(split.train.user_ids, return_inverse=True)
    return TrainingData(
        user_rows=user_rows.astype(np.int64),
        item_rows=split.catalogue.rows(split.train.movie_ids),
        stars=split.train.values,
        n_users=split.n_train_users,
        n_items=len(split.catalogue),
        movie_ids=split.catalogue.ids,
    )


@dataclass(frozen=True)
class MethodResult:
    """Averages over the evaluated users of one method (see ``metrics`` for definitions).

    ``rmse``/``mae`` are NaN for methods that predict no stars; ``users`` counts users with at
    least one relevant held-out rating (the ones the top-N metrics average over).
    """

    method: str
    rmse: float
    mae: float
    precision: dict[int, float]
    recall: dict[int, float]
    ndcg: dict[int, float]
    hit_rate: dict[int, float]
    coverage: dict[int, float]
    novelty: dict[int, float]
    users: int
    per_user_ndcg: dict[int, npt.NDArray[np.float64]] = field(default_factory=dict, repr=False)
    beyond: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict; K-indexed metrics get string keys (per-user values left out)."""
        out = asdict(self)
        del out["per_user_ndcg"]
        for key in ("precision", "recall", "ndcg", "hit_rate", "coverage", "novelty"):
            out[key] = {str(k): round(v, 6) for k, v in out[key].items()}
        out["rmse"] = None if np.isnan(self.rmse) else round(self.rmse, 6)
        out["mae"] = None if np.isnan(self.mae) else round(self.mae, 6)
        out["beyond"] = {k: None if np.isnan(v) else round(v, 6) for k, v in self.beyond.items()}
        return out


def evaluate_method(
    method: Method,
    users: Sequence[TestUser],
    split: UserSplit,
    *,
    ks: Sequence[int] = (10, 20),
    relevant_stars: float = 4.0,
    progress: Callable[[Iterable[TestUser]], Iterable[TestUser]] | None = None,
    catalogue: Catalogue | None = None,
) -> MethodResult:
    """Ask an already fitted method for every test user's list and average the metrics.

    Candidates are all catalogue items the user has not revealed (the method's answer never
    holds a revealed one); relevant items are held-out ratings ≥ ``relevant_stars``. With a
    ``catalogue`` the beyond-accuracy figures of every user's top 10 are averaged too
    (``beyond``; each over the users it is defined for): ``ckl``, ``popularity``,
    ``diversity``, ``contradiction`` and ``contradiction_users``.
    """
    max_k = max(ks)
    info = self_information(split.item_counts, split.n_train_users)
    sq_pred: list[npt.NDArray[np.float64]] = []
    sq_true: list[npt.NDArray[np.float32]] = []
    per_k: dict[int, list[tuple[float, float, float, float]]] = {k: [] for k in ks}
    lists: list[npt.NDArray[np.int64]] = []
    figures: list[ListFigures] = []
    iterator: Iterable[TestUser] = progress(users) if progress else users
    for user in iterator:
        answer = method.answer(user, max_k)
        if answer.heldout_stars is not None:
            sq_pred.append(np.clip(answer.heldout_stars, MIN_STARS, MAX_STARS))
            sq_true.append(user.heldout_stars)
        ranked = answer.ranked
        if np.isin(ranked, user.revealed_rows).any():
            raise ValueError(f"{method.name} recommended a movie the user revealed")
        lists.append(ranked)
        if catalogue is not None:
            liked = np.concatenate(
                [
                    user.revealed_rows[user.revealed_stars >= relevant_stars],
                    user.heldout_rows[user.heldout_stars >= relevant_stars],
                ]
            )
            figures.append(
                list_figures(catalogue, ranked[:10], user.revealed_rows, user.revealed_stars, liked)
            )
        relevant = user.heldout_rows[user.heldout_stars >= relevant_stars]
        if len(relevant) == 0:
            continue
        for k in ks:
            m = list_metrics(ranked, relevant, k)
            per_k[k].append((m.precision, m.recall, m.ndcg, m.hit))
    if sq_pred:
        pred, true = np.concatenate(sq_pred), np.concatenate(sq_true)
        err_rmse, err_mae = rmse(pred, true), mae(pred, true)
    else:
        err_rmse = err_mae = float("nan")
    means = {
        k: np.mean(np.asarray(v), axis=0) if v else np.full(4, np.nan) for k, v in per_k.items()
    }
    n_items = len(split.catalogue)
    return MethodResult(
        method=method.name,
        rmse=err_rmse,
        mae=err_mae,
        precision={k: float(means[k][0]) for k in ks},
        recall={k: float(means[k][1]) for k in ks},
        ndcg={k: float(means[k][2]) for k in ks},
        hit_rate={k: float(means[k][3]) for k in ks},
        coverage={k: coverage([lst[:k] for lst in lists], n_items) for k in ks},
        novelty={k: novelty([lst[:k] for lst in lists], info) for k in ks},
        users=len(per_k[ks[0]]),
        per_user_ndcg={k: np.asarray([v[2] for v in per_k[k]]) for k in ks},
        beyond=_beyond_means(figures) if catalogue is not None else {},
    )


def _beyond_means(figures: list[ListFigures]) -> dict[str, float]:
    def mean(values: list[float | None]) -> float:
        kept = [v for v in values if v is not None]
        return float(np.mean(kept)) if kept else float("nan")

    contradiction = [f.contradiction for f in figures]
    return {
        "ckl": mean([f.ckl for f in figures]),
        "popularity": mean([f.popularity for f in figures]),
        "diversity": mean([f.diversity for f in figures]),
        "contradiction": mean(contradiction),
        "contradiction_users": float(sum(v is not None for v in contradiction)),
    }


def paired_difference(a: MethodResult, b: MethodResult, k: int = 10) -> tuple[float, float]:
    """Mean per-user NDCG@k of a minus b, and its 95% half-width (normal approximation).

    Both results must come from the same users (one run); pairing removes the
    between-user variance that dominates either method's own spread.
    """
    diff = a.per_user_ndcg[k] - b.per_user_ndcg[k]
    if len(diff) < 2:
        return float(diff.mean()) if len(diff) else float("nan"), float("nan")
    return float(diff.mean()), float(1.96 * diff.std(ddof=1) / np.sqrt(len(diff)))


def format_table(results: Sequence[MethodResult], ks: Sequence[int] = (10, 20)) -> str:
    """Plain-text table, one row per method."""
    head = ["method", "RMSE", "MAE"]
    for k in ks:
        head += [f"P@{k}", f"R@{k}", f"NDCG@{k}", f"Hit@{k}"]
    head += [f"Cov@{ks[0]}", f"Nov@{ks[0]}"]
    beyond = any(r.beyond for r in results)
    if beyond:
        head += ["C_KL", "Pop%", "ILD", "Contra"]
    rows = [head]
    for r in results:
        row = [r.method, _fmt(r.rmse), _fmt(r.mae)]
        for k in ks:
            row += [_fmt(r.precision[k]), _fmt(r.recall[k]), _fmt(r.ndcg[k]), _fmt(r.hit_rate[k])]
        row += [_fmt(r.coverage[ks[0]]), f"{r.novelty[ks[0]]:.2f}"]
        if beyond:
            b = r.beyond
            row += [
                _fmt(b.get(key, float("nan")))
                for key in ("ckl", "popularity", "diversity", "contradiction")
            ]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.4f}"
