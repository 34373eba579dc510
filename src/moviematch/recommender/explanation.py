"""Why a film was recommended: its score split into the user's rated films and the rest.

``Model.explain(profile, movie_id)`` decomposes the *same* blend score that ordered the list
(``Recommendation.score``; the ranker's score before the calibrated re-ranking, which only
reorders the first positions) into

* one **contribution per rated film** — the sum of its three channels:

  - *item-item*: its vote w_r·B[r, j] through the ranker's matrix, centred and scaled as the
    blend's z-score is: w_r·(B[r, j] − mean_m B[r, :]) / std_m(s_ii) (m = modelled films);
  - *taste*: its share of the stars term. The fold-in is linear in the user's residuals
    y_r = stars_r − μ − b_(i_r): p_u = H·y with H = [(XᵀX + Λ)⁻¹Xᵀ] minus its bias row
    (``foldin``), so film r moves the z-scored prediction of j by
    stars_weight · y_r·(q_j − q̄)·H[:, r] / std(predicted);
  - *content*: its share of the content-taste term, which is linear in the votes:
    content_weight(a, boost)·w_r·(v_r·v_j − mean_i v_r·v_i) / std_i(Σ_r w_r v_r·v_i) (every
    item i; boost the visitor's coherence factor);

* a **non-personal part** (``baseline``): the popularity term, the film's own appeal in the
  stars term (its bias b_j against the catalogue's), the effect of clipping stars to
  [0.5, 5], and the shift that ranks films outside the item-item model, predicted below
  ``min_stars`` or caught by the taste guard after the others.

``baseline + Σ contributions = score`` up to float32 rounding (tested to 1e-4). Without a
ranker the default ranking μ + (r̂ − μ)·n/(n + m) is decomposed the same way (taste only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from moviematch.recommender.calibration import (
    PRIOR_ALPHA,
    catalogue_mix,
    genre_distribution,
    genre_lift,
    target_weights,
)
from moviematch.recommender.errors import RecommenderError, UnknownMovieError
from moviematch.recommender.ranker import ItemItemRanker
from moviematch.recommender.ranker_blend import (
    content_scores,
    damping_strength,
    disliked_genre_films,
    input_weights,
    popularity_damping,
    zscore_rows,
)
from moviematch.recommender.ranker_config import check_adventurous

if TYPE_CHECKING:
    from moviematch.recommender.foldin import UserProfile
    from moviematch.recommender.model import Model


@dataclass(frozen=True)
class Contribution:
    """What one of the user's rated films added to a recommended film's score.

    Attributes
    ----------
    movie_id : int
        The rated film.
    stars : float
        The user's rating of it.
    item_item, taste, content : float
        Its three channels (module docstring); ``total`` is their sum.
    """

    movie_id: int
    stars: float
    item_item: float
    taste: float
    content: float = 0.0

    @property
    def total(self) -> float:
        return self.item_item + self.taste + self.content


@dataclass(frozen=True)
class Explanation:
    """The decomposition of one film's ranking score for one user.

    Attributes
    ----------
    movie_id : int
    score : float
        The blend score (``Recommendation.score``), before calibration.
    predicted_stars : float
        ``Model.predict`` for the film.
    baseline : float
        The non-personal part (module docstring).
    contributions : list of Contribution
        Every rated film the model knows, largest ``total`` first.
    genres : tuple of str
        The film's genres shared with films the user rated 4★ or more.
    """

    movie_id: int
    score: float
    predicted_stars: float
    baseline: float
    contributions: list[Contribution] = field(default_factory=list)
    genres: tuple[str, ...] = ()

    def top(self, k: int = 3) -> list[Contribution]:
        """The ``k`` rated films that pushed the film up the most (positive totals only)."""
        return [c for c in self.contributions if c.total > 0][:k]


def _foldin_map(model: Model, profile: UserProfile) -> npt.NDArray[np.float64]:
    """H (f+1, k): the fold-in's θ = (b_u, p_u) = H·y for the profile's rated rows."""
    rows = profile.rated_rows
    k = len(rows)
    config = model.config.foldin
    q = model.item_factors_[rows].astype(np.float64)
    x = np.hstack([np.ones((k, 1)), q])
    lam_f = max(config.prior_factors, k * config.reg)
    lam_b = max(config.prior_bias, k * config.reg_bias)
    gram = x.T @ x
    gram[np.diag_indices_from(gram)] += lam_f
    gram[0, 0] += lam_b - lam_f
    return np.linalg.solve(gram, x.T)


def _residuals(model: Model, profile: UserProfile) -> npt.NDArray[np.float64]:
    rows = profile.rated_rows
    return (
        profile.stars.astype(np.float64)
        - model.global_mean_
        - model.item_bias_[rows].astype(np.float64)
    )


def explain(
    model: Model, profile: UserProfile, movie_id: int, *, adventurous: float = 0.5
) -> Explanation:
    """See ``Model.explain``."""
    adventurous = check_adventurous(adventurous)
    row = int(model.items.rows(np.array([movie_id], dtype=np.int64))[0])
    if row < 0:
        raise UnknownMovieError([int(movie_id)])
    predicted = model.predict_all(profile).astype(np.float64)
    rows = profile.rated_rows
    taste_map = _foldin_map(model, profile) if len(rows) else np.zeros((model.n_factors + 1, 0))
    y = _residuals(model, profile)
    q = model.item_factors_.astype(np.float64)
    ranker = model.components.get("ranker")
    if ranker is None:
        # μ + (r̂_j − μ)·w_j with w_j = n_j/(n_j + m); r̂_j = μ + b_u + b_j + q_j·p_u (clipped).
        prior = model.config.popularity_prior
        count = float(model.item_count_[row])
        weight = count / (count + prior) if prior > 0 else 1.0
        score = float(model.default_scores(predicted.astype(np.float32))[row])
        item_item = np.zeros(len(rows))
        content = np.zeros(len(rows))
        taste = y * (taste_map[0] + q[row] @ taste_map[1:]) * weight
        personal = float(profile.bias) + float(q[row] @ profile.factors.astype(np.float64))
        baseline = model.global_mean_ + (predicted[row] - model.global_mean_ - personal) * weight
    else:
        if not isinstance(ranker, ItemItemRanker):
            raise RecommenderError(f"cannot explain a {type(ranker).__name__} ranker")
        score = float(ranker.score(rows, profile.stars, predicted, adventurous=adventurous)[row])
        item_item, taste, content, baseline = _ranker_parts(
            ranker, model, profile, predicted, row, taste_map, y, adventurous, score
        )
    contributions = [
        Contribution(int(m), float(s), float(a), float(b), float(c))
        for m, s, a, b, c in zip(
            profile.rated_movie_ids, profile.stars, item_item, taste, content, strict=True
        )
    ]
    contributions.sort(key=lambda c: (-c.total, c.movie_id))
    return Explanation(
        movie_id=int(movie_id),
        score=score,
        predicted_stars=float(np.float32(predicted[row])),
        baseline=float(baseline),
        contributions=contributions,
        genres=_shared_genres(model, profile, row),
    )


def _ranker_parts(
    ranker: ItemItemRanker,
    model: Model,
    profile: UserProfile,
    predicted: npt.NDArray[np.float64],
    row: int,
    taste_map: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    adventurous: float,
    score: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """(item-item, taste, content per film, baseline) of the ranker's blend at ``row``."""
    assert ranker.weights_ is not None
    assert ranker.modelled_ is not None
    assert ranker.log_popularity_ is not None
    config = ranker.config
    modelled = ranker.modelled_
    rows = profile.rated_rows
    votes = input_weights(profile.stars, config.centred_input)
    inside = modelled[rows]
    item_item = np.zeros(len(rows))
    # Stars term: sw·z(predicted) over every item, split into the films' shares.
    spread = float(predicted.std())
    q = model.item_factors_.astype(np.float64)
    centred_q = q[row] - q.mean(axis=0)
    taste = np.zeros(len(rows))
    stars_rest = 0.0
    if spread > 0:
        taste = config.stars_weight * y * (centred_q @ taste_map[1:]) / spread
        personal = float(centred_q @ profile.factors.astype(np.float64))
        stars_rest = config.stars_weight * ((predicted[row] - predicted.mean()) - personal) / spread
    popularity = np.asarray(ranker.log_popularity_, dtype=np.float64)[None, :]
    baseline = config.popularity_weight_at(adventurous) * float(zscore_rows(popularity)[0, row])
    baseline += stars_rest
    boost = ranker.content_boost(rows, profile.stars)
    content = _content_parts(ranker, rows, votes, row, adventurous, boost)
    genre, genre_rest = _genre_parts(ranker, rows, profile.stars, row)
    content += genre
    baseline += genre_rest
    if modelled[row]:
        if inside.any():
            dense = ranker.weights_[rows[inside]].toarray().astype(np.float64)[:, modelled]
            strength = damping_strength(ranker.log_popularity_, modelled, rows, config)
            dense *= popularity_damping(ranker.log_popularity_[modelled], strength)[None, :]
            total = votes[inside] @ dense
            std = float(total.std())
            if std > 0:
                column = int(np.count_nonzero(modelled[:row]))
                item_item[inside] = votes[inside] * (dense[:, column] - dense.mean(axis=1)) / std
        else:
            # No modelled input: the item-item part is z(popularity), not personal.
            baseline += float(zscore_rows(popularity[:, modelled])[0, int(modelled[:row].sum())])
    side = float(baseline + taste.sum() + content.sum())
    personal_ii = float(item_item.sum())
    # Films outside the item-item model, or predicted below min_stars, were shifted by a
    # constant to rank after the others: that shift is part of the non-personal rest.
    below = predicted < config.min_stars
    guarded = config.taste_guard and bool(
        disliked_genre_films(ranker.genres_, rows, profile.stars, predicted)[row]
    )
    shifted = (
        (not modelled[row])
        or guarded
        or (config.min_stars > 0 and below[row] and below.any() and not below.all())
    )
    if shifted:
        baseline += score - (side + personal_ii)
    return item_item, taste, content, baseline


def _content_parts(
    ranker: ItemItemRanker,
    rows: npt.NDArray[np.int64],
    votes: npt.NDArray[np.float64],
    row: int,
    adventurous: float,
    boost: float,
) -> npt.NDArray[np.float64]:
    """Each rated film's share of content_weight(a, boost)·z(content taste) at ``row``
    (boost: the visitor's coherence factor, ``ItemItemRanker.content_boost``)."""
    vectors = ranker.content_vectors_
    weight = ranker.config.content_weight_at(adventurous, boost)
    out = np.zeros(len(rows))
    if weight <= 0 or vectors.shape[1] == 0 or len(rows) == 0:
        return out
    std = float(content_scores(vectors, rows, votes).std())
    if not (np.isfinite(std) and std > 0):
        return out
    # Film r's column of similarities to every item: v_r · v_i (float32, as served).
    similarity = (vectors @ vectors[rows].T).astype(np.float64)
    return weight * votes * (similarity[row] - similarity.mean(axis=0)) / std


def _genre_parts(
    ranker: ItemItemRanker,
    rows: npt.NDArray[np.int64],
    stars: npt.NDArray[np.floating],
    row: int,
) -> tuple[npt.NDArray[np.float64], float]:
    """(each rated film's share, the non-personal rest) of genre_weight·z(genre prior) at ``row``.

    The prior is Σ_g p(g|j)·L_g with L_g = log(p̃_u(g)/p_c(g)) (``calibration.genre_lift``);
    each genre's L_g is split over the rated films in proportion to their part of p̃_u(g),
    (1 − α)·a_r·p(g|r)/Σa, and the catalogue's part α·p_c(g) is the rest: exact, as the
    z-score's mean and spread are fixed for the user.
    """
    weight = ranker.config.genre_weight
    dist = genre_distribution(ranker.genres_)
    out = np.zeros(len(rows))
    if weight <= 0 or dist.shape[1] == 0 or len(rows) == 0:
        return out, 0.0
    mix = catalogue_mix(dist)
    lift = genre_lift(dist, mix, rows, stars)
    prior = dist @ lift
    std = float(prior.std())
    total = float(target_weights(stars) @ dist[rows].sum(axis=1))
    if not (np.isfinite(std) and std > 0 and total > 0):
        return out, 0.0
    personal = (1.0 - PRIOR_ALPHA) * (target_weights(stars) / total)[:, None] * dist[rows]
    smoothed = personal.sum(axis=0) + PRIOR_ALPHA * mix
    per_unit = np.where(smoothed > 0, lift / np.where(smoothed > 0, smoothed, 1.0), 0.0)
    # Film r's part of L_g, then of the prior of every film i: Σ_g p(g|i)·part[r, g].
    parts = personal * per_unit[None, :]
    films = dist @ parts.T
    out = weight * (films[row] - films.mean(axis=0)) / std
    rest_g = PRIOR_ALPHA * mix * per_unit
    rest_all = dist @ rest_g
    rest = weight * float(rest_all[row] - rest_all.mean()) / std
    return out, rest


def _shared_genres(model: Model, profile: UserProfile, row: int) -> tuple[str, ...]:
    ranker = model.components.get("ranker")
    if not isinstance(ranker, ItemItemRanker) or ranker.genres_.shape[1] == 0:
        return ()
    liked = profile.rated_rows[profile.stars >= 4.0]
    shared = ranker.genres_[row] & ranker.genres_[liked].any(axis=0)
    return tuple(name for name, on in zip(ranker.genre_names_, shared, strict=True) if on)
