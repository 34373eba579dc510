"""The ranker's blend: input votes, z-scores, the stars floor, and the blended score.

Shared by ``ItemItemRanker.score`` (one user) and the tuning's fast path (many users at
once), so that both give the same numbers; ``ranker`` states the formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from moviematch.recommender.ranker_config import RankerConfig


def input_weights(stars: npt.ArrayLike, centred: bool = True) -> npt.NDArray[np.float64]:
    """Each rated film's vote in the item-item part: (s − mean)/max(std, 0.5) + 1.

    float64 (k,). All ones when ``centred`` is false or every rating is the same.
    """
    values = np.asarray(stars, dtype=np.float64)
    if not centred or len(values) == 0:
        return np.ones(len(values))
    # ``values.mean()`` and ``values.std()``'s own operations, without their overhead.
    centred_values = values - np.add.reduce(values) / len(values)
    spread = float(np.sqrt(np.add.reduce(centred_values * centred_values) / len(values)))
    return centred_values / max(spread, 0.5) + 1.0


@dataclass(frozen=True)
class BlendConstants:
    """What ``blend_scores`` and ``damping_strength`` derive from a model's popularity and
    modelled films, the same for every request (the ranker computes it once per model).

    Attributes
    ----------
    log_popularity : float64 (n_items,)
    popularity_z : float64 (1, n_items)
        ``zscore_rows(log_popularity[None, :])``.
    modelled_columns : intp (m,)
        ``np.flatnonzero(modelled)``.
    modelled_stats : (float64, float)
        ``popularity_stats(log_popularity, modelled)``.
    popularity_levels : (float64 (l,), intp (n_items,))
        ``np.unique(log_popularity, return_inverse=True)``: the damping's ``exp`` runs
        over the l distinct values (889 of 10,000 films on the synthetic catalogue) and
        is gathered, the same numbers as over every film.
    """

    log_popularity: npt.NDArray[np.float64]
    popularity_z: npt.NDArray[np.float64]
    modelled_columns: npt.NDArray[np.intp]
    modelled_stats: tuple[np.float64, float]
    popularity_levels: tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]

    @classmethod
    def of(
        cls, log_popularity: npt.NDArray[np.floating], modelled: npt.NDArray[np.bool_]
    ) -> BlendConstants:
        values = np.asarray(log_popularity, dtype=np.float64)
        levels, level_of = np.unique(values, return_inverse=True)
        return cls(
            values,
            zscore_rows(values[None, :]),
            np.flatnonzero(modelled),
            popularity_stats(values, modelled),
            (levels, level_of.reshape(-1).astype(np.intp, copy=False)),
        )


def apply_stars_floor(
    scores: npt.NDArray[np.float64], predicted: npt.NDArray[np.float64], min_stars: float
) -> npt.NDArray[np.float64]:
    """Rank films predicted below ``min_stars`` after all others, row by row (one row a user).

    Shapes (n_users, n_items). The films below the floor keep their order among themselves:
    the whole group is shifted below the lowest-scored film at or above it. A row where every
    film (or none) is below the floor is returned unchanged. ``scores`` is modified in place.
    """
    return demote(scores, predicted < min_stars)


def demote(scores: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Shift each row's ``mask``-ed films below its other films, keeping their own order.

    Shapes (n_users, n_items); in place. Rows where every film (or none) is masked are
    left as they are. A row's shift is ``max(masked) − min(unmasked) + 1``, subtracted
    from its masked films; computed for every row at once, without gathering the films.
    """
    shifted = np.asarray(mask.any(axis=1) & ~mask.all(axis=1))
    if not shifted.any():
        return scores
    top = np.where(mask, scores, -np.inf).max(axis=1)
    bottom = np.where(mask, np.inf, scores).min(axis=1)
    shift = top - bottom + 1.0
    # x − 0 is x: subtracting 0 from the other films is the masked subtraction, and
    # NumPy's masked ufunc loop is slower than this.
    moved = mask if shifted.all() else mask & shifted[:, None]
    scores -= np.where(moved, shift[:, None], 0.0)
    return scores


def genre_verdicts(
    genres: npt.NDArray[np.bool_],
    rated_rows: npt.NDArray[np.int64],
    rated_stars: npt.NDArray[np.floating],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(disliked, liked) genres of a user, bool (n_genres,) each, from their ratings.

    *Disliked*: the mean over ≥ 2 revealed films of the genre is ≤ 2★; *liked*: the mean
    over its revealed films is ≥ 4★.
    """
    members = genres[rated_rows]
    count = members.sum(axis=0)
    total = np.asarray(rated_stars, np.float64) @ members
    mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return (count >= 2) & (mean <= 2.0), (count >= 1) & (mean >= 4.0)


def disliked_genre_films(
    genres: npt.NDArray[np.bool_],
    rated_rows: npt.NDArray[np.int64],
    rated_stars: npt.NDArray[np.floating],
    predicted: npt.NDArray[np.floating],
) -> npt.NDArray[np.bool_]:
    """Films the user has told us they would not want: the taste guard's mask (n_items,).

    Films of a disliked genre and of no liked genre (``genre_verdicts``), predicted under
    4★ (the taste-contradiction definition of ``evaluation.beyond``). All False without
    genres or without a disliked genre.
    """
    if genres.shape[1] == 0 or len(rated_rows) == 0:
        return np.zeros(len(genres), dtype=np.bool_)
    low, high = genre_verdicts(genres, rated_rows, rated_stars)
    if not low.any():
        return np.zeros(len(genres), dtype=np.bool_)
    return genres[:, low].any(axis=1) & ~genres[:, high].any(axis=1) & (predicted < 4.0)


def content_scores(
    vectors: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    votes: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Content taste of every item for one user: Σ_r votes_r·(v_j · v_r), float64 (n_items,).

    ``vectors`` are the similarity component's unit vectors in item rows (n_items, d);
    linear in the votes, so each rated film's share of it is exact (``explanation``). All
    zeros without vectors (d = 0) or without rated rows.
    """
    if vectors.shape[1] == 0 or len(rows) == 0:
        return np.zeros(len(vectors))
    profile = np.asarray(votes, np.float64) @ vectors[rows].astype(np.float64)
    return (vectors @ profile.astype(np.float32)).astype(np.float64)


def zscore_rows(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each row standardised (mean 0, std 1), shape kept; a constant row becomes zeros.

    A constant (or empty) signal carries no order, so it contributes nothing to a blend.
    One row (what serving passes) takes a shorter path with the same floating-point
    operations as NumPy's ``mean``/``std`` and the division (the same numbers, in fewer
    passes over the catalogue).
    """
    if values.shape[1] == 0:
        return np.zeros_like(values)
    if values.shape[0] == 1 and values.dtype == np.float64:
        row = values[0]
        count = len(row)
        centred = row - np.add.reduce(row) / count
        std = np.sqrt(np.add.reduce(centred * centred) / count)
        if not (np.isfinite(std) and std > 0):
            return np.zeros_like(values)
        centred /= std
        return centred[None, :]
    std = values.std(axis=1, keepdims=True)
    usable = np.isfinite(std) & (std > 0)
    centred = values - values.mean(axis=1, keepdims=True)
    return np.where(usable, centred / np.where(usable, std, 1.0), 0.0)


def blend_scores(
    item_item: npt.NDArray[np.float64],
    has_input: npt.NDArray[np.bool_],
    predicted: npt.NDArray[np.float64],
    *,
    modelled: npt.NDArray[np.bool_],
    log_popularity: npt.NDArray[np.floating],
    config: RankerConfig,
    adventurous: float = 0.5,
    content: npt.NDArray[np.float64] | None = None,
    genre: npt.NDArray[np.float64] | None = None,
    damping: npt.NDArray[np.float64] | None = None,
    constants: BlendConstants | None = None,
    content_boost: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """The ranking score of every item for several users (one row each): the blend.

    ``z(item-item) + stars_weight·z(predicted) + popularity_weight(a)·z(log popularity)
    + content_weight(a)·z(content taste)`` over
    the modelled items (a user without a modelled input gets ``z(log popularity)`` as the
    item-item part: the most popular films are the best cold-cold guess); unmodelled items
    below every modelled one, ordered by the side terms; then the ``min_stars`` floor.
    ``ItemItemRanker.score`` calls it with one row, the tuning with many.

    Parameters
    ----------
    item_item : float64 (n_users, n_items)
        Σ_{rated r} B[r, :] per user (only the modelled columns are read).
    has_input : bool (n_users,)
        Whether the user rated at least one modelled item.
    predicted : float64 (n_users, n_items)
        Fold-in predicted stars; NaN is replaced by the row's mean.
    modelled : bool (n_items,)
    log_popularity : float (n_items,)
    config : RankerConfig
        ``stars_weight``, ``popularity_weight``, ``familiarity`` and ``min_stars`` are used.
    adventurous : float
        a ∈ [0, 1], which sets the popularity and content weights
        (``RankerConfig.popularity_weight_at``, ``content_weight_at``).
    content : float64 (n_users, n_items), optional
        Each user's content taste (``content_scores``), z-scored over every item like the
        stars; ``None`` (or a zero weight) leaves it out.
    constants : BlendConstants, optional
        ``BlendConstants.of(log_popularity, modelled)`` when the caller keeps it (the
        ranker computes it once per model); the parts needed are computed here otherwise.
    content_boost : float64 (n_users,), optional
        Each user's factor on the content weight (``coherence.content_boost``); 1 when
        omitted.

    Returns
    -------
    float64 (n_users, n_items)
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    if not np.isfinite(predicted).all():
        fill = np.nanmean(np.where(np.isfinite(predicted), predicted, np.nan), axis=1)
        predicted = np.where(np.isfinite(predicted), predicted, fill[:, None])
    if constants is None:
        popularity = np.asarray(log_popularity, dtype=np.float64)
        popularity_z = zscore_rows(popularity[None, :])
        columns = np.flatnonzero(modelled)
        popularity_levels = None
    else:
        popularity, popularity_z = constants.log_popularity, constants.popularity_z
        columns, popularity_levels = constants.modelled_columns, constants.popularity_levels
    # stars_weight·z(stars) + popularity_weight·z(popularity) [+ content, genre terms], in
    # place in the arrays made here (each product and sum the same as written out).
    side = zscore_rows(predicted)
    side *= config.stars_weight
    side += config.popularity_weight_at(adventurous) * popularity_z
    weight = config.content_weight_at(adventurous)
    if content is not None and weight > 0:
        term = zscore_rows(np.asarray(content, dtype=np.float64))
        if content_boost is None:
            term *= weight
        else:
            term *= (weight * np.asarray(content_boost, np.float64))[:, None]
        side += term
    if genre is not None and config.genre_weight > 0:
        term = zscore_rows(np.asarray(genre, dtype=np.float64))
        term *= config.genre_weight
        side += term
    # Column indices instead of the boolean mask, and no copy at all when every film is
    # modelled: the same values in the same order, fewer passes over the catalogue.
    # ``take`` keeps the rows C-contiguous (``[:, columns]`` would not), so the z-score
    # sums them in the same order as before.
    everything = len(columns) == len(modelled)
    inputs = item_item if everything else item_item.take(columns, axis=1)
    column_popularity = popularity if everything else popularity[columns]
    if damping is not None and np.any(damping > 0):
        strength = -np.asarray(damping, np.float64)[:, None]
        if popularity_levels is None:
            factor = np.exp(strength * column_popularity[None, :])
        else:
            # exp of each distinct popularity once, gathered: the same numbers.
            levels, level_of = popularity_levels
            at = level_of if everything else level_of[columns]
            factor = np.exp(strength * levels[None, :]).take(at, axis=1)
        inputs = np.multiply(inputs, factor, out=factor)
    if not has_input.all():
        inputs = inputs.copy() if inputs is item_item else inputs
        inputs[~has_input] = column_popularity[None, :]
    if everything:
        blended = zscore_rows(inputs)
        blended += side
        return apply_stars_floor(blended, predicted, config.min_stars)
    out = np.empty_like(side)
    out[:, columns] = zscore_rows(inputs) + side[:, columns]
    others = np.flatnonzero(~modelled)
    rest = side[:, others]
    floor = out[:, columns].min(axis=1, keepdims=True) if len(columns) else 0.0
    out[:, others] = floor - 1.0 - (rest.max(axis=1, keepdims=True) - rest)
    return apply_stars_floor(out, predicted, config.min_stars)


def damping_strength(
    log_popularity: npt.NDArray[np.floating],
    modelled: npt.NDArray[np.bool_],
    rated_rows: npt.NDArray[np.int64],
    config: RankerConfig,
    modelled_stats: tuple[np.float64, float] | None = None,
) -> float:
    """β_u: how strongly one user's item-item scores are divided by popularity.

    β_u = popularity_damping · clip(z̄ − damping_onset, 0, 1), with z̄ the mean over the
    rated films of their log popularity z-scored over the modelled films. Ratings of only
    the most-rated films (what a popular-first start or the picker reveals) say little about
    a taste, and their co-rating neighbours are the other most-rated films; ratings of
    ordinary films leave the scores as they are. 0 without rated films or modelled films.
    ``modelled_stats`` is ``popularity_stats(log_popularity, modelled)`` when the caller
    keeps it (the ranker computes it once per model).
    """
    if config.popularity_damping <= 0 or len(rated_rows) == 0 or not modelled.any():
        return 0.0
    values = np.asarray(log_popularity, dtype=np.float64)
    centre, spread = (
        modelled_stats if modelled_stats is not None else popularity_stats(values, modelled)
    )
    if spread <= 0:
        return 0.0
    rated = values[np.asarray(rated_rows, np.int64)]
    mean_z = float((np.add.reduce(rated) / len(rated) - centre) / spread)  # rated.mean()
    return config.popularity_damping * min(1.0, max(0.0, mean_z - config.damping_onset))


def popularity_stats(
    log_popularity: npt.NDArray[np.floating], modelled: npt.NDArray[np.bool_]
) -> tuple[np.float64, float]:
    """(mean, std) of the modelled films' log popularity, float64: ``damping_strength``'s z.

    (0, 0) without modelled films (no damping then).
    """
    inside = np.asarray(log_popularity, dtype=np.float64)[modelled]
    if len(inside) == 0:
        return np.float64(0.0), 0.0
    return inside.mean(), float(inside.std())


def damped_share(
    log_popularity: npt.NDArray[np.floating],
    modelled: npt.NDArray[np.bool_],
    rated_rows: npt.NDArray[np.int64],
    config: RankerConfig,
    modelled_stats: tuple[np.float64, float] | None = None,
) -> float:
    """d_u = β_u / ``popularity_damping`` ∈ [0, 1]: how much of the damping the user gets
    (``damping_strength``, ``modelled_stats`` as there; 0 when the damping is off). What
    ``damped_calibration`` scales."""
    if config.popularity_damping <= 0 or config.damped_calibration <= 0:
        return 0.0
    strength = damping_strength(log_popularity, modelled, rated_rows, config, modelled_stats)
    return strength / config.popularity_damping


def popularity_damping(
    log_popularity: npt.NDArray[np.floating], strength: float
) -> npt.NDArray[np.float64]:
    """Per-column factor (1 + n_j)^−β of the item-item scores for one user's β."""
    return np.exp(-strength * np.asarray(log_popularity, dtype=np.float64))


def row_sum(
    weights: sp.csr_matrix,
    rows: npt.NDArray[np.int64],
    votes: npt.NDArray[np.float64],
    n_items: int,
) -> npt.NDArray[np.float64]:
    """Σ_r votes_r · weights[r, :] over the given CSR rows, as a dense float64 vector.

    Gathers the rows' slices and adds them with one ``bincount``: the same sums as
    ``weights[rows].T @ votes`` about five times faster for a handful of rows, since it
    builds no intermediate sparse matrix (this is on every request's path).
    """
    ptr = weights.indptr
    columns = np.concatenate([weights.indices[ptr[r] : ptr[r + 1]] for r in rows])
    values = np.concatenate(
        [weights.data[ptr[r] : ptr[r + 1]] * v for r, v in zip(rows, votes, strict=True)]
    )
    return np.bincount(columns, weights=values, minlength=n_items).astype(np.float64, copy=False)
