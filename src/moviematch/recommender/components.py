"""How optional parts of a model (ranker, similarity, …) plug into ``Model``.

A *component* is a fitted object that lives inside the model artifact. The artifact stores
its arrays under a prefix (``"ranker."``, ``"similarity."``) and its type name and config in
``meta.json``; ``Model.load`` rebuilds it with the class registered under that type name in
``model.COMPONENT_TYPES``.

A *component spec* is the frozen config a ``TrainConfig`` holds for a slot; ``train`` calls
``spec.fit(context)`` with a ``TrainingContext`` to produce the component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from moviematch.recommender.data import Genome, MovieInfo, Ratings, TagApplications
    from moviematch.recommender.vocab import Vocabulary


@runtime_checkable
class Component(Protocol):
    """Something a ``Model`` carries and saves.

    ``to_arrays`` returns numeric arrays only (names without the slot prefix; no dots
    needed); ``config_dict`` returns JSON-serialisable hyperparameters; ``from_arrays``
    inverts both and should raise ``KeyError``/``ValueError`` on inconsistent input (the
    loader turns those into ``CorruptModelError``).
    """

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]: ...

    def config_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]], config: dict[str, Any]) -> Self: ...


@runtime_checkable
class Ranker(Component, Protocol):
    """Orders the catalogue for one user (the ``"ranker"`` slot).

    ``score`` receives the user's known rated rows (int64 (k,)), their stars (float32
    (k,)) and the MF predicted stars of every item (float32 (n_items,)), and returns a
    float32 (n_items,) score where higher means "recommend first". It need not mask the
    rated rows; ``Model.recommend`` does, with −inf, before asking ``order`` for the top
    ``n`` rows (int64, best first; it may re-rank, e.g. for calibration). ``adventurous``
    (a ∈ [0, 1]) is the per-request familiar ↔ adventurous setting.
    """

    def score(
        self,
        rated_rows: npt.NDArray[np.int64],
        rated_stars: npt.NDArray[np.float32],
        predicted_stars: npt.NDArray[np.float32],
        *,
        adventurous: float = 0.5,
    ) -> npt.NDArray[np.float32]: ...

    def order(
        self,
        scores: npt.NDArray[np.float64],
        rated_rows: npt.NDArray[np.int64],
        rated_stars: npt.NDArray[np.float32],
        n: int,
        *,
        adventurous: float = 0.5,
    ) -> npt.NDArray[np.int64]: ...


@dataclass(frozen=True, eq=False)
class TrainingContext:
    """Everything a component may fit on, handed to ``ComponentSpec.fit`` by ``train``.

    Attributes
    ----------
    ratings : Ratings
        The training ratings (external ids).
    items : Vocabulary
        The model's item ids; component arrays indexed by item must follow these rows.
    user_rows, item_rows : int64 arrays (n,)
        Rows of ``ratings`` (users numbered by their sorted external id).
    n_users : int
    global_mean : float
    item_bias : float32 (n_items,)
    item_factors : float32 (n_items, f)
    movies, tags, genome : optional catalogue data passed to ``train``.
    seed : int
        The MF seed, for components that need randomness.
    item_vectors : float32 array (n_items, d), optional
        The similarity component's unit vectors in item rows, once that slot is fitted
        (``train`` fits it before the ranker); ``None`` without a similarity slot.
    """

    ratings: Ratings
    items: Vocabulary
    user_rows: npt.NDArray[np.int64]
    item_rows: npt.NDArray[np.int64]
    n_users: int
    global_mean: float
    item_bias: npt.NDArray[np.float32]
    item_factors: npt.NDArray[np.float32]
    movies: MovieInfo | None
    tags: TagApplications | None
    genome: Genome | None
    seed: int
    item_vectors: npt.NDArray[np.float32] | None = None


class ComponentSpec(Protocol):
    """A frozen config that knows how to fit its component during ``train``."""

    def fit(self, context: TrainingContext) -> Component: ...
