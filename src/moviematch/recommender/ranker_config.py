"""``RankerConfig``: the hyperparameters of the item-item ranker, and what the config needs.

The model is described in ``ranker``; this module holds the configuration, the mapping of
the per-request "adventurous" setting to blend and calibration weights, and the genre
membership the ranker is fitted with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from moviematch.recommender.components import TrainingContext
    from moviematch.recommender.data import MovieInfo
    from moviematch.recommender.ranker import ItemItemRanker


@dataclass(frozen=True)
class RankerConfig:
    """Hyperparameters of ``ItemItemRanker`` (``tuning.tune_for_training`` may change some).

    The defaults are the one configuration the site ships for every dataset and every way a
    visitor starts (``setup`` trains it; ``--tune`` is opt-in). They were chosen on ML-100K
    (docs/evaluation.md says how; ml-latest-small is the out-of-sample check).
    ``calibration``, ``calibration_prior`` and ``damped_calibration`` were chosen together
    on ML-100K's validation users with 5, 10 and 20 revealed (``bench_ranker_selection.py``).

    Attributes
    ----------
    l2 : float
        Uniform ridge λ per training user: λ = l2 × n_training_users (G's entries grow
        linearly with the number of users, so this keeps the default meaningful across
        dataset sizes). > 0.
    dropout : float
        c in the item-specific penalty c·G_jj; c = (1 − q)/q for an input keep rate q.
        >= 0; 0 is plain ridge.
    like_threshold : float
        Stars at or above which a training rating counts as "liked" (the target).
    seen_weight : float
        Weight of plain EASE-on-seen mixed into B (each part scaled to unit RMS). >= 0.
    stars_weight : float
        Weight of the z-scored fold-in predicted stars in the blend. >= 0.
    popularity_weight : float
        Weight of the z-scored log(1 + training ratings count) at ``adventurous = 0.5``.
        Any sign.
    familiarity : float
        How far the adventurous control moves the popularity weight: it is
        ``popularity_weight + familiarity·(1 − 2a)`` (a = 0: more popular films, a = 1:
        fewer). >= 0.
    centred_input : bool
        Weight each rated film by the user's centred stars (module docstring) instead of 1.
    calibration : float
        Steck's λ at ``adventurous = 0.5`` (``calibration``); λ(a) = calibration·(0.5 + a)
        + ``damped_calibration``·d_u, at most 0.95. In [0, 1); 0 disables the re-ranking.
    damped_calibration : float
        How much more a damped visitor's list is calibrated: d_u = β_u/β ∈ [0, 1] is the
        share of the popularity damping they get (``popularity_damping``; 0 without it).
        Their damped lists leave their best-known genres, and they are the visitors whose
        lists afford it (popular-first and picker starts, far ahead of EASE in NDCG@10).
        >= 0; 0 disables it.
    calibration_pool : int
        Candidates (best blend scores) the calibrated list is chosen from. >= 1.
    calibration_depth : int
        List positions chosen by the calibrated rule; later ones follow the score. >= 0.
    calibration_prior : float
        m: the calibration target (the genre mix of the k rated films) is shrunk toward the
        genre mix of all training ratings as if m more films of that mix had been rated,
        (k·p_user + m·p_ratings)/(k + m) (``calibration.shrunk_target``): a few films leave
        genres the user likes unseen, and a list matched to those alone misses them.
        >= 0; 0 disables it.
    top_k : int
        Neighbours kept per item (row of B); 0 keeps every nonzero (dense, for measuring).
    min_item_ratings : int
        Items with fewer training ratings stay out of the item-item model (a film rated by
        fewer than five people has no co-rating signal worth a row). >= 1.
    max_items : int
        At most this many items (the most-rated ones) enter the item-item model: the
        solve is dense in them (memory n², time n³), so this bounds training on any
        catalogue (10k films: 0.4 GB per float32 matrix). The others rank by the blend
        without the item-item part, below the modelled ones. >= 1.
    min_stars : float
        Films whose predicted stars fall below this rank after every film at or above it
        (their order among themselves is kept): a site must not recommend what it predicts
        the user will dislike. 0 disables the floor.
    taste_guard : bool
        Films of a genre the user rated low (mean ≤ 2★ over ≥ 2 revealed films) and of none
        they rated high (mean ≥ 4★), predicted under 4★, rank after all others (order kept).
    content_weight : float
        Weight of the z-scored *content taste* at ``adventurous = 0.5``: film j's
        Σ_r w_r·(v_j · v_r) over the rated films r, with v the similarity component's unit
        vectors (tags, genome, genres and MF factors reduced by SVD) and w_r the same signed
        votes as the item-item part. It is ``content_weight·(0.5 + a)`` at setting a. Needs
        the similarity vectors at fit time (``train`` fits the similarity slot first); a
        ranker without them (no similarity slot, or an artifact saved before this term)
        adds nothing. >= 0; 0 disables it.
    popularity_damping : float
        β: the most a user's item-item scores are divided by popularity, column j by
        (1 + n_j)^β_u with β_u = β·clip(z̄ − ``damping_onset``, 0, 1) and z̄ the mean
        z-scored log popularity of the films they rated (``ranker_blend.damping_strength``):
        a visitor who rated only the most-rated films (a popular-first start, the picker)
        gets their neighbours' popularity discounted; one who rated ordinary films does
        not. Serving only (the stored matrix is unchanged). >= 0; 0 disables it.
    damping_onset : float
        z̄ at which the damping starts; it is full at ``damping_onset + 1``.
    coherent_content : float
        γ: how much more the content taste weighs for a visitor whose liked films are alike
        (``coherence``): content_weight(a) × (1 + γ·clip((p − coherence_onset)/(1 −
        coherence_onset), 0, 1)), p the visitor's coherence percentile among the training
        users. Serving only. >= 0; 0 disables it.
    coherence_onset : float
        The percentile p at which that starts; the factor is full at the most coherent
        training user. In [0, 1).
    genre_weight : float
        Weight of the z-scored *genre prior* Σ_g p(g|j)·log(p̃_u(g)/p_c(g)) of the user's
        genre mix over the catalogue's (``calibration.genre_affinity``). >= 0; 0 (the
        default: on ML-100K's validation users it raised C_KL@10 and cost NDCG@10)
        disables it.
    """

    l2: float = 1.0
    dropout: float = 30.0
    like_threshold: float = 4.0
    seen_weight: float = 0.5
    stars_weight: float = 0.2
    popularity_weight: float = 0.0
    familiarity: float = 1.0
    centred_input: bool = True
    calibration: float = 0.4
    calibration_pool: int = 100
    calibration_depth: int = 20
    calibration_prior: float = 12.0
    damped_calibration: float = 0.45
    top_k: int = 100
    min_item_ratings: int = 5
    max_items: int = 10_000
    min_stars: float = 3.0
    taste_guard: bool = True
    content_weight: float = 0.75
    popularity_damping: float = 0.8
    damping_onset: float = 1.5
    coherent_content: float = 4.0
    coherence_onset: float = 0.9
    genre_weight: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.l2) and self.l2 > 0):
            raise ValueError(f"RankerConfig: l2 must be > 0, got {self.l2}")
        for name in (
            "dropout",
            "seen_weight",
            "stars_weight",
            "familiarity",
            "content_weight",
            "popularity_damping",
            "genre_weight",
            "calibration_prior",
            "damped_calibration",
            "coherent_content",
        ):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"RankerConfig: {name} must be finite and >= 0, got {value}")
        if not np.isfinite(self.damping_onset):
            raise ValueError("RankerConfig: damping_onset must be finite")
        if not (np.isfinite(self.coherence_onset) and 0 <= self.coherence_onset < 1):
            raise ValueError(
                f"RankerConfig: coherence_onset must be in [0, 1), got {self.coherence_onset}"
            )
        if not np.isfinite(self.popularity_weight):
            raise ValueError("RankerConfig: popularity_weight must be finite")
        if not (np.isfinite(self.min_stars) and 0 <= self.min_stars <= 5):
            raise ValueError(f"RankerConfig: min_stars must be in [0, 5], got {self.min_stars}")
        if not (np.isfinite(self.calibration) and 0 <= self.calibration < 1):
            raise ValueError(f"RankerConfig: calibration must be in [0, 1), got {self.calibration}")
        if self.top_k < 0 or self.min_item_ratings < 1 or self.max_items < 1:
            raise ValueError("RankerConfig: top_k >= 0, min_item_ratings and max_items >= 1")
        if self.calibration_pool < 1 or self.calibration_depth < 0:
            raise ValueError("RankerConfig: calibration_pool >= 1 and calibration_depth >= 0")

    def popularity_weight_at(self, adventurous: float) -> float:
        """The popularity weight for an adventurous setting a ∈ [0, 1]."""
        return self.popularity_weight + self.familiarity * (1.0 - 2.0 * adventurous)

    def content_weight_at(self, adventurous: float, boost: float = 1.0) -> float:
        """The content-taste weight for an adventurous setting a ∈ [0, 1] and a visitor's
        coherence factor (``coherence.content_boost``)."""
        return self.content_weight * (0.5 + adventurous) * boost

    def calibration_at(self, adventurous: float, damped: float = 0.0) -> float:
        """Steck's λ for an adventurous setting a ∈ [0, 1] and a visitor's damping share
        d ∈ [0, 1] (``ranker_blend.damped_share``)."""
        if self.calibration <= 0:
            return 0.0
        return min(0.95, self.calibration * (0.5 + adventurous) + self.damped_calibration * damped)

    def fit(self, context: TrainingContext) -> ItemItemRanker:
        """Fit the ranker during ``model.train`` (the ``ComponentSpec`` protocol)."""
        # ranker imports this module: import the component class at call time.
        from moviematch.recommender.ranker import ItemItemRanker

        genres, names = genre_members(context.items.ids, context.movies)
        return ItemItemRanker(self).fit(
            context.user_rows,
            context.item_rows,
            context.ratings.values,
            len(context.items),
            genres=genres,
            genre_names=names,
            vectors=context.item_vectors if self.content_weight > 0 else None,
        )


def check_adventurous(adventurous: float) -> float:
    """``adventurous`` as a float in [0, 1]; ``ValueError`` otherwise."""
    value = float(adventurous)
    if not (0.0 <= value <= 1.0):
        raise ValueError(f"adventurous must be in [0, 1], got {adventurous}")
    return value


def genre_members(
    item_ids: npt.NDArray[np.int64], movies: MovieInfo | None
) -> tuple[npt.NDArray[np.bool_], tuple[str, ...]]:
    """Genre membership of the model's items: bool (n_items, n_genres) and sorted names.

    Movies missing from ``movies`` (or no ``movies`` at all) have no genre.
    """
    if movies is None:
        return np.zeros((len(item_ids), 0), dtype=np.bool_), ()
    names = tuple(sorted({g for gs in movies.genres for g in gs}))
    column = {g: j for j, g in enumerate(names)}
    members = np.zeros((len(item_ids), len(names)), dtype=np.bool_)
    row_of = {int(m): r for r, m in enumerate(item_ids.tolist())}
    for movie_id, genres in zip(movies.movie_ids.tolist(), movies.genres, strict=True):
        row = row_of.get(int(movie_id))
        if row is not None:
            members[row, [column[g] for g in genres]] = True
    return members, names
