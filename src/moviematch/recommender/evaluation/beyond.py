"""Beyond-accuracy figures of one user's top 10: calibration, popularity, diversity, taste.

Definitions (also in ``docs/evaluation.md``), for a list L of the first 10 recommendations:

* **C_KL@10** (Steck, "Calibrated Recommendations", RecSys 2018): KL(p ‖ q̃) with p the genre
  distribution of everything the user liked (ratings ≥ 4, revealed *and* held out), q that
  of L, q̃ = 0.99·q + 0.01·p; a film spreads one unit over its genres (p(g|i) = 1/|G_i|),
  and p, q average their films' p(g|i). Users without a liked film with a genre are left
  out. 0 is perfectly calibrated.
* **popularity percentile**: the mean over L of each film's percentile of training ratings
  count in the catalogue (0 = least rated, 1 = most; ties share the mean rank).
* **intra-list genre diversity**: mean over pairs of films in L that have genres of
  1 − cosine of their binary genre vectors (0: every film the same genres; 1: no two share).
* **taste-contradiction rate**: the share of L that carries a genre the user rated *low*
  (mean ≤ 2★ over ≥ 2 revealed films of that genre) and none they rated *high* (mean ≥ 4★
  over their revealed films of that genre), while predicted under 4★. The prediction is
  the served model's fold-in stars for every method (one referee: baselines that predict
  no stars are judged by the same stars a site would show next to the film). Only users
  with a low-rated genre count. The rule is the ranker's taste guard
  (``ranker_blend.disliked_genre_films``): ours avoids these films by construction, and
  the figure measures how often the others show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moviematch.recommender.calibration import genre_distribution, kl_divergence
from moviematch.recommender.ranker_blend import disliked_genre_films, genre_verdicts

#: Predicted stars of every catalogue row for one user (the referee of the contradiction rate).
Referee = Callable[[npt.NDArray[np.int64], npt.NDArray[np.float32]], npt.NDArray[np.float32]]


class Catalogue:
    """What the beyond-accuracy figures need to know about the catalogue rows.

    Parameters
    ----------
    genres : bool (n_items, n_genres)
    item_counts : int64 (n_items,)
        Training ratings per row (the popularity percentile ranks them, ties averaged).
    referee : callable, optional
        ``referee(revealed_rows, revealed_stars)`` → float32 (n_items,) predicted stars;
        without one the contradiction rate is not measured.

    Attributes
    ----------
    genres, referee : as given
    percentile : float64 (n_items,)
    distribution : float64 (n_items, n_genres)
        p(g|i).
    unit : float64 (n_items, n_genres)
        Genre vectors scaled to unit length (zero rows for films without a genre).
    """

    def __init__(
        self,
        genres: npt.NDArray[np.bool_],
        item_counts: npt.NDArray[np.int64],
        referee: Referee | None = None,
    ) -> None:
        # scipy.stats costs 34 MB resident: imported here, so that a serving process (which
        # imports the engine's façade, evaluation included) never loads it.
        from scipy.stats import rankdata

        self.genres = np.asarray(genres, dtype=np.bool_)
        n = len(item_counts)
        self.percentile = (rankdata(item_counts, method="average") - 1.0) / max(n - 1, 1)
        self.referee = referee
        self.distribution = genre_distribution(self.genres)
        norms = np.linalg.norm(self.genres.astype(np.float64), axis=1, keepdims=True)
        self.unit = self.genres / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class ListFigures:
    """One user's beyond-accuracy figures (None where undefined for that user)."""

    ckl: float | None
    popularity: float
    diversity: float | None
    contradiction: float | None


def miscalibration(
    catalogue: Catalogue, top: npt.NDArray[np.int64], liked: npt.NDArray[np.int64]
) -> float | None:
    """C_KL of the list ``top`` against the genres of ``liked``; None without liked genres."""
    dist = catalogue.distribution
    if len(liked) == 0 or len(top) == 0:
        return None
    p = dist[liked].mean(axis=0)
    total = p.sum()
    if total <= 0:
        return None
    p = p / total
    q = dist[top].mean(axis=0)
    return float(kl_divergence(p, q))


def diversity(catalogue: Catalogue, top: npt.NDArray[np.int64]) -> float | None:
    """Mean pairwise 1 − cosine of the genre vectors of the films in ``top`` that have any."""
    unit = catalogue.unit[top]
    unit = unit[np.abs(unit).sum(axis=1) > 0]
    if len(unit) < 2:
        return None
    cos = unit @ unit.T
    upper = np.triu_indices(len(unit), k=1)
    return float(np.mean(1.0 - cos[upper]))


def contradiction(
    catalogue: Catalogue,
    top: npt.NDArray[np.int64],
    revealed_rows: npt.NDArray[np.int64],
    revealed_stars: npt.NDArray[np.float32],
    predicted: npt.NDArray[np.float32],
) -> float | None:
    """Share of ``top`` in a genre rated low and none rated high, predicted < 4★.

    None when the user has no low-rated genre (module docstring).
    """
    low, _high = genre_verdicts(catalogue.genres, revealed_rows, revealed_stars)
    if not low.any() or len(top) == 0:
        return None
    guarded = disliked_genre_films(catalogue.genres, revealed_rows, revealed_stars, predicted)
    return float(guarded[top].mean())


def list_figures(
    catalogue: Catalogue,
    top: npt.NDArray[np.int64],
    revealed_rows: npt.NDArray[np.int64],
    revealed_stars: npt.NDArray[np.float32],
    liked: npt.NDArray[np.int64],
) -> ListFigures:
    """All four figures for one user's list (``top``: its first 10 rows)."""
    contra = None
    if catalogue.referee is not None:
        predicted = catalogue.referee(revealed_rows, revealed_stars)
        contra = contradiction(catalogue, top, revealed_rows, revealed_stars, predicted)
    return ListFigures(
        ckl=miscalibration(catalogue, top, liked),
        popularity=float(catalogue.percentile[top].mean()) if len(top) else float("nan"),
        diversity=diversity(catalogue, top),
        contradiction=contra,
    )
