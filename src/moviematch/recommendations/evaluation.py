"""Cold-start check of a freshly trained model, the way the site uses it.

Held-out users are removed from training; each reveals ``n_reveal`` of their ratings (as a
new visitor rates ten movies), the model folds them in, and it is scored on the user's other
ratings: RMSE/MAE of the predicted stars against a per-movie-mean baseline, and precision@10
of its top-10 list (hidden ratings of 4 stars or more count as relevant) against a
most-popular baseline. Works on any model with the public ``fold_in`` / ``predict`` /
``recommend`` API; the caller passes the training function, so this module does not import
the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Stars at or above which a hidden rating counts as a hit for precision@10.
RELEVANT_STARS = 4.0
TOP_N = 10


@dataclass(frozen=True)
class ColdStartReport:
    """Averages over the held-out users (RMSE/MAE over all their scored hidden ratings)."""

    test_users: int
    hidden_ratings: int
    rmse: float
    mae: float
    baseline_rmse: float
    precision_at_10: float
    popularity_precision_at_10: float
    seconds: float

    def summary(self) -> str:
        return (
            f"cold-start evaluation on {self.test_users} held-out users "
            f"({self.hidden_ratings} hidden ratings): RMSE {self.rmse:.3f} "
            f"(movie-mean baseline {self.baseline_rmse:.3f}), MAE {self.mae:.3f}, "
            f"precision@10 {self.precision_at_10:.3f} "
            f"(most-popular baseline {self.popularity_precision_at_10:.3f})"
        )


def cold_start_evaluate(
    ratings: Any,
    *,
    fit: Callable[[Any], Any],
    seed: int = 0,
    test_fraction: float = 0.1,
    max_test_users: int = 300,
    n_reveal: int = 10,
) -> ColdStartReport | None:
    """Hold out users, train with ``fit`` on the rest, and score fold-in on the held-out ones.

    Parameters
    ----------
    ratings
        ``moviematch.recommender.data.Ratings`` (user_ids, movie_ids, values; ``subset``).
    fit
        ``fit(train_ratings) -> model`` with the engine's public API.
    seed
        Seeds the choice of users and of the revealed ratings.
    test_fraction, max_test_users
        Share of eligible users held out, capped (keeps the check to seconds).
    n_reveal
        Ratings each held-out user reveals; users need at least ``2 * n_reveal`` ratings.

    Returns
    -------
    ColdStartReport or None
        None when fewer than two users are eligible (too little data to hold any out).
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    users, counts = np.unique(ratings.user_ids, return_counts=True)
    eligible = users[counts >= 2 * n_reveal]
    if len(eligible) < 2:
        return None
    n_test = int(min(max_test_users, max(1, round(test_fraction * len(eligible)))))
    test = np.sort(rng.choice(eligible, size=n_test, replace=False))
    in_test = np.isin(ratings.user_ids, test)
    train = ratings.subset(~in_test)
    model = fit(train)

    movie_ids, inverse = np.unique(train.movie_ids, return_inverse=True)
    means = np.bincount(inverse, weights=train.values) / np.bincount(inverse)
    global_mean = float(train.values.mean())
    popular = movie_ids[np.argsort(-np.bincount(inverse), kind="stable")]

    errors: list[np.ndarray] = []
    baseline_errors: list[np.ndarray] = []
    precision: list[float] = []
    popularity: list[float] = []
    order = np.argsort(ratings.user_ids, kind="stable")
    test_rows = order[np.isin(ratings.user_ids[order], test)]
    for user in test:
        rows = test_rows[ratings.user_ids[test_rows] == user]
        rows = rng.permutation(rows)
        shown, hidden = rows[:n_reveal], rows[n_reveal:]
        shown_movies = ratings.movie_ids[shown]
        profile = model.fold_in(shown_movies.tolist(), ratings.values[shown].tolist())
        hidden_movies, hidden_stars = ratings.movie_ids[hidden], ratings.values[hidden]
        predicted = np.asarray(model.predict(profile, hidden_movies.tolist()), dtype=np.float64)
        scored = np.isfinite(predicted)
        errors.append(predicted[scored] - hidden_stars[scored])
        pos = np.searchsorted(movie_ids, hidden_movies[scored])
        pos = np.minimum(pos, len(movie_ids) - 1)
        known = movie_ids[pos] == hidden_movies[scored]
        baseline = np.where(known, means[pos], global_mean)
        baseline_errors.append(baseline - hidden_stars[scored])

        relevant = set(hidden_movies[hidden_stars >= RELEVANT_STARS].tolist())
        recommended = [
            r.movie_id for r in model.recommend(profile, n=TOP_N, exclude=shown_movies.tolist())
        ]
        precision.append(len(relevant.intersection(recommended)) / TOP_N)
        top_popular = [
            m for m in popular[: TOP_N + n_reveal].tolist() if m not in set(shown_movies.tolist())
        ][:TOP_N]
        popularity.append(len(relevant.intersection(top_popular)) / TOP_N)

    err = np.concatenate(errors)
    base = np.concatenate(baseline_errors)
    return ColdStartReport(
        test_users=n_test,
        hidden_ratings=len(err),
        rmse=float(np.sqrt(np.mean(err**2))) if len(err) else float("nan"),
        mae=float(np.mean(np.abs(err))) if len(err) else float("nan"),
        baseline_rmse=float(np.sqrt(np.mean(base**2))) if len(base) else float("nan"),
        precision_at_10=float(np.mean(precision)),
        popularity_precision_at_10=float(np.mean(popularity)),
        seconds=round(time.perf_counter() - started, 3),
    )
