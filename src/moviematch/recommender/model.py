"""The engine's public API: ``TrainConfig``, ``train`` and ``Model``.

A ``Model`` keeps only what serving a *new* user needs: μ, the item biases and factors
(float32), the item ids, per-item popularity (rating count and mean) and training
metadata, the onboarding picker (always: a site cannot start a new visitor without it) and
optional components (see ``components``). User factors of the training users are not
kept: visitors are folded in (``foldin``) from their own ratings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from moviematch.recommender.calibration import calibrated_order
from moviematch.recommender.components import Component, ComponentSpec, Ranker
from moviematch.recommender.data import MAX_STARS, MIN_STARS
from moviematch.recommender.errors import RecommenderError
from moviematch.recommender.explanation import Explanation, explain
from moviematch.recommender.foldin import FoldInConfig, UserProfile, fold_in
from moviematch.recommender.grouping import Group
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.onboarding import OnboardingConfig, OnboardingPicker
from moviematch.recommender.ranker import ItemItemRanker, RankerConfig
from moviematch.recommender.ranker_config import check_adventurous
from moviematch.recommender.similarity_component import SimilarityComponent, SimilaritySpec
from moviematch.recommender.vocab import Vocabulary

#: Component classes ``Model.load`` may rebuild, by the type name stored in meta.json.
#: An explicit list, not import-time registration: the artifact can only name these.
COMPONENT_TYPES: dict[str, type[Component]] = {
    "ItemItemRanker": ItemItemRanker,
    "SimilarityComponent": SimilarityComponent,
    "OnboardingPicker": OnboardingPicker,
}

#: Optional slots a TrainConfig can fill (or leave empty), in the order ``train`` fits them:
#: similarity first, since the ranker's content-taste term reads its vectors.
COMPONENT_SLOTS = ("similarity", "ranker")
#: The slot every model has; ``train`` fills it after the optional ones, ``load`` requires it.
ONBOARDING_SLOT = "onboarding"


@dataclass(frozen=True)
class TrainConfig:
    """Everything ``train`` needs to know.

    Attributes
    ----------
    mf : MFConfig
        Matrix-factorisation hyperparameters.
    foldin : FoldInConfig, optional
        Fold-in regularisation; by default its per-rating terms are copied from ``mf``
        (so that folding in a training user reproduces it) with the default priors.
    popularity_prior : float
        Pseudo-count m of the default ranking (used when no ranker component is present):
        ``score_i = μ + (r̂_i - μ) · n_i / (n_i + m)`` with n_i the item's rating count.
        Chosen on ML-100K cold-start users (10 given ratings, precision@10 against their
        other ratings of 4+ stars): m = 0 gives 0.16, 25 gives 0.25, 100 gives 0.31, 500
        gives 0.35. That metric rewards popularity (people rate what they have seen), so
        100 is a compromise rather than the argmax; see docs/engine.md.
    ranker, similarity : ComponentSpec or None
        Specs of the optional components fitted after MF (see ``components``): by default
        the item-item ranker (``ranker.RankerConfig``) and similar movies with taste groups
        (``similarity_component.SimilaritySpec``). ``None`` leaves the slot empty: without
        a ranker ``recommend`` uses the default ranking; without similarity ``similar`` and
        ``group`` raise ``RecommenderError``.
    onboarding : OnboardingConfig
        The onboarding picker, which every model has (it cannot be set to ``None``: a
        model that cannot propose first films cannot start a new visitor). Its diversity
        penalty uses the similarity vectors when the similarity component is present,
        else the MF item factors.
    """

    mf: MFConfig = dataclasses.field(default_factory=MFConfig)
    foldin: FoldInConfig = None  # type: ignore[assignment]
    popularity_prior: float = 100.0
    ranker: ComponentSpec | None = dataclasses.field(default_factory=RankerConfig)
    similarity: ComponentSpec | None = dataclasses.field(default_factory=SimilaritySpec)
    onboarding: OnboardingConfig = dataclasses.field(default_factory=OnboardingConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.onboarding, OnboardingConfig):
            raise ValueError(
                "TrainConfig: onboarding must be an OnboardingConfig; every model has the "
                "onboarding picker (it cannot be disabled)"
            )
        if self.foldin is None:
            derived = FoldInConfig(reg=self.mf.reg, reg_bias=self.mf.reg_bias)
            object.__setattr__(self, "foldin", derived)
        if not (np.isfinite(self.popularity_prior) and self.popularity_prior >= 0):
            raise ValueError("TrainConfig: popularity_prior must be a finite number >= 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the engine's own settings (component specs excluded)."""
        return {
            "mf": dataclasses.asdict(self.mf),
            "foldin": dataclasses.asdict(self.foldin),
            "popularity_prior": self.popularity_prior,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Inverse of ``to_dict``; raises ``TypeError``/``ValueError``/``KeyError`` if invalid."""
        return cls(
            mf=MFConfig(**data["mf"]),
            foldin=FoldInConfig(**data["foldin"]),
            popularity_prior=float(data["popularity_prior"]),
            # A loaded model carries its fitted components (their configs included); the
            # specs that built them are training-time inputs and are not stored.
            ranker=None,
            similarity=None,
        )


class Recommendation(NamedTuple):
    """One recommended movie: ``score`` orders the list, ``stars`` is the predicted rating."""

    movie_id: int
    score: float
    stars: float


class Model:
    """A trained model, ready to fold in visitors and recommend.

    Attributes
    ----------
    items : Vocabulary
        Item ids; row r of every per-item array is ``items.ids[r]``.
    global_mean_ : float
    item_bias_ : float32 (n_items,)
    item_factors_ : float32 (n_items, f)
    item_count_ : int64 (n_items,)
        Training ratings per item.
    item_mean_ : float32 (n_items,)
        Mean training rating per item.
    config : TrainConfig
        Component specs are not restored by ``load`` (the components themselves are).
    metadata : dict
        ``data_fingerprint`` (SHA-256 of the ratings arrays), ``trained_at`` (ISO UTC),
        ``n_users``, ``n_items``, ``n_ratings``, ``fit_seconds``, ``metrics`` (dict).
    model_id : str
        Unique per training run; stamped into every ``UserProfile``.
    components : dict of str to Component
        By slot name: ``"onboarding"`` (always), ``"ranker"``, ``"similarity"``.
    """

    def __init__(
        self,
        *,
        items: Vocabulary,
        global_mean: float,
        item_bias: npt.NDArray[np.float32],
        item_factors: npt.NDArray[np.float32],
        item_count: npt.NDArray[np.int64],
        item_mean: npt.NDArray[np.float32],
        config: TrainConfig,
        metadata: Mapping[str, Any],
        model_id: str,
        components: Mapping[str, Component] | None = None,
    ) -> None:
        n = len(items)
        self.items = items
        self.global_mean_ = float(global_mean)
        self.item_bias_ = np.asarray(item_bias, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(item_factors, dtype=np.float32)
        self.item_count_ = np.asarray(item_count, dtype=np.int64)
        self.item_mean_ = np.asarray(item_mean, dtype=np.float32)
        if self.item_factors_.ndim != 2 or self.item_factors_.shape[0] != n:
            raise ValueError(f"item_factors must have shape ({n}, f)")
        for name in ("item_bias_", "item_count_", "item_mean_"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},)")
        self.config = config
        self.metadata = dict(metadata)
        self.model_id = model_id
        self.components: dict[str, Component] = dict(components or {})

    def __repr__(self) -> str:
        return (
            f"Model(n_items={len(self.items)}, n_factors={self.n_factors}, "
            f"components={sorted(self.components)}, id={self.model_id})"
        )

    @property
    def n_factors(self) -> int:
        return int(self.item_factors_.shape[1])

    # ----------------------------------------------------------------- serving
    def fold_in(self, movie_ids: npt.ArrayLike, stars: npt.ArrayLike) -> UserProfile:
        """Fit a visitor's bias and factors from their ratings (closed form, < 1 ms).

        Unknown movie ids are reported in ``profile.unknown_movie_ids`` and ignored.

        Raises
        ------
        InvalidRatingError
            Mismatched lengths, repeated movie ids, or stars outside [0.5, 5] / not finite.
        """
        return fold_in(
            movie_ids,
            stars,
            items=self.items,
            global_mean=self.global_mean_,
            item_bias=self.item_bias_,
            item_factors=self.item_factors_,
            config=self.config.foldin,
            model_id=self.model_id,
        )

    def predict(self, profile: UserProfile, movie_ids: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Predicted stars (float32, clipped to [0.5, 5]) for ``movie_ids``; NaN if unknown."""
        self._check_profile(profile)
        rows, known = self.items.split_known(np.asarray(movie_ids, dtype=np.int64))
        out = np.full(rows.shape, np.nan, dtype=np.float32)
        out[known] = self._stars(profile, rows[known])
        return out

    def predict_all(self, profile: UserProfile) -> npt.NDArray[np.float32]:
        """Predicted stars (float32, clipped) for every item row, shape (n_items,)."""
        self._check_profile(profile)
        return self._stars(profile, None)

    def recommend(
        self,
        profile: UserProfile,
        n: int = 20,
        exclude: npt.ArrayLike = (),
        *,
        adventurous: float = 0.5,
    ) -> list[Recommendation]:
        """The ``n`` best movies the user has not rated, best first.

        Ranking is done by the ``"ranker"`` component when present (its blend score, then
        its calibrated order: see ``ranker``); otherwise by predicted stars shrunk toward
        μ by the item's rating count (``popularity_prior``), so that films with a handful
        of ratings, whose factors are mostly noise, need stronger evidence to reach the
        top. Ties are broken by item row (deterministic). Movies in ``exclude`` (unknown
        ids ignored) and the rated movies never appear.

        ``adventurous`` ∈ [0, 1] (default 0.5, the shipped blend) trades familiar, popular
        films (0) against personal, less-known ones and a list closer to the user's genre
        mix (1). ``Recommendation.score`` is the blend score before the calibrated
        re-ranking (the number ``explain`` decomposes), so near the top it need not
        decrease down the list; the list's order is the ranking.

        Raises
        ------
        ValueError
            ``n`` < 0 or ``adventurous`` outside [0, 1].
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        adventurous = check_adventurous(adventurous)
        predicted = self.predict_all(profile)
        component = self.components.get("ranker")
        # Checked once: a protocol ``isinstance`` costs about 10 µs of a request.
        ranker = component if isinstance(component, Ranker) else None
        if ranker is not None:
            score = np.asarray(
                ranker.score(profile.rated_rows, profile.stars, predicted, adventurous=adventurous),
                dtype=np.float32,
            ).astype(np.float64)
        else:
            score = self.default_scores(predicted).astype(np.float64)
        score[profile.rated_rows] = -np.inf
        excluded, known = self.items.split_known(np.asarray(exclude, dtype=np.int64).ravel())
        score[excluded[known]] = -np.inf
        if ranker is not None:
            top = ranker.order(score, profile.rated_rows, profile.stars, n, adventurous=adventurous)
        else:
            top = calibrated_order(score, np.zeros((len(score), 0)), np.zeros(0), n, weight=0.0)
        return [
            Recommendation(movie, value, stars)
            for movie, value, stars in zip(
                self.items.ids[top].tolist(),
                score[top].tolist(),
                predicted[top].tolist(),
                strict=True,
            )
        ]

    def explain(
        self, profile: UserProfile, movie_id: int, *, adventurous: float = 0.5
    ) -> Explanation:
        """Why ``movie_id`` scored as it did for ``profile``: its rated films' shares.

        The blend score (``Recommendation.score``, before calibration) is split into one
        ``Contribution`` per rated film (item-item vote + shares of the stars and
        content-taste terms) and a non-personal ``baseline``; they add up to the score
        (``explanation``).

        Raises
        ------
        UnknownMovieError
            ``movie_id`` is not in the model's catalogue.
        """
        self._check_profile(profile)
        return explain(self, profile, movie_id, adventurous=adventurous)

    def default_scores(self, predicted: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """μ + (r̂ - μ) · n_i / (n_i + m): the ranking used without a ranker component."""
        m = self.config.popularity_prior
        weight = self.item_count_ / (self.item_count_ + m) if m > 0 else 1.0
        return (self.global_mean_ + (predicted - self.global_mean_) * weight).astype(np.float32)

    def similar(self, movie_id: int, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` movies most similar to ``movie_id``, as (movie id, cosine), best first.

        Raises
        ------
        UnknownMovieError
            ``movie_id`` is not in the model's catalogue.
        RecommenderError
            The model was trained without the similarity component.
        """
        return self._similarity().similar(movie_id, k)

    def group(self, movie_ids: Sequence[int]) -> list[Group]:
        """Split a ranked list into taste groups, each labelled by its genre(s).

        Groups are ordered by the best rank they hold and keep the list's order inside.
        """
        return self._similarity().group(movie_ids)

    def onboarding(
        self,
        n: int = 20,
        exclude: Collection[int] = (),
        seed: int = 0,
        *,
        rated: Collection[int] = (),
        skipped: Collection[int] = (),
    ) -> list[int]:
        """Movies to ask a new user to rate next: likely seen, informative, diverse.

        ``rated`` and ``skipped`` (movies the user did or did not know) steer the next
        proposals toward what people who saw the rated ones also saw; neither they nor
        ``exclude`` are proposed. Equal inputs and ``seed`` give equal proposals. See
        ``onboarding.OnboardingPicker.propose``.
        """
        picker = self.component(ONBOARDING_SLOT)
        assert isinstance(picker, OnboardingPicker)
        return picker.propose(n, rated=rated, skipped=skipped, exclude=exclude, seed=seed)

    def component(self, slot: str) -> Component:
        """The component in ``slot``; ``RecommenderError`` if the model was trained without it."""
        try:
            return self.components[slot]
        except KeyError:
            raise RecommenderError(
                f"this model has no {slot!r} component (retrain with it enabled)"
            ) from None

    def with_component(self, slot: str, component: Component) -> Model:
        """A copy of the model with ``component`` in ``slot`` (arrays are shared)."""
        return self._replace(components={**self.components, slot: component})

    def with_metrics(self, metrics: Mapping[str, float]) -> Model:
        """A copy with ``metrics`` merged into ``metadata["metrics"]`` (e.g. evaluation)."""
        metadata = dict(self.metadata)
        metadata["metrics"] = {**metadata.get("metrics", {}), **metrics}
        return self._replace(metadata=metadata)

    # ------------------------------------------------------------- persistence
    def save(self, path: Path | str) -> None:
        """Write the model as an artifact directory (atomic; see ``artifact``)."""
        from moviematch.recommender.model_io import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: Path | str) -> Model:
        """Read a model saved by ``save``.

        Raises
        ------
        CorruptModelError
            Anything wrong with the files (see ``artifact.load_artifact``), inconsistent
            array shapes, or an unknown component type.
        """
        from moviematch.recommender.model_io import load_model

        return load_model(path)

    # ---------------------------------------------------------------- internal
    def _stars(
        self, profile: UserProfile, rows: npt.NDArray[np.int64] | None
    ) -> npt.NDArray[np.float32]:
        bias = self.item_bias_ if rows is None else self.item_bias_[rows]
        factors = self.item_factors_ if rows is None else self.item_factors_[rows]
        # (q·p + b_i) + (μ + b_u), clipped: in place, one catalogue-size array per call.
        raw = np.asarray(factors @ profile.factors, dtype=np.float32)
        raw += bias
        raw += np.float32(self.global_mean_ + profile.bias)
        return np.clip(raw, MIN_STARS, MAX_STARS, out=raw)

    def _similarity(self) -> SimilarityComponent:
        component = self.component("similarity")
        assert isinstance(component, SimilarityComponent)
        return component

    def _check_profile(self, profile: UserProfile) -> None:
        if profile.model_id != self.model_id or profile.factors.shape != (self.n_factors,):
            raise RecommenderError(
                "this profile was folded in by another model; fold the ratings in again"
            )

    def _replace(self, **changes: Any) -> Model:
        fields: dict[str, Any] = {
            "items": self.items,
            "global_mean": self.global_mean_,
            "item_bias": self.item_bias_,
            "item_factors": self.item_factors_,
            "item_count": self.item_count_,
            "item_mean": self.item_mean_,
            "config": self.config,
            "metadata": self.metadata,
            "model_id": self.model_id,
            "components": self.components,
        }
        fields.update(changes)
        return Model(**fields)
