"""Saving and loading a ``Model`` as an artifact (``artifact``'s ``.npz`` + JSON).

``Model.save`` and ``Model.load`` call these; they live apart from ``model`` to keep the
serving API and the persistence format each in a module of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moviematch.recommender.artifact import are_sorted_ids, load_artifact, save_artifact
from moviematch.recommender.errors import CorruptModelError, RecommenderError
from moviematch.recommender.model import COMPONENT_TYPES, ONBOARDING_SLOT, Model, TrainConfig
from moviematch.recommender.onboarding import OnboardingPicker
from moviematch.recommender.vocab import Vocabulary


def save_model(model: Model, path: Path | str) -> None:
    """Write ``model`` as an artifact directory (atomic; see ``artifact``).

    Raises
    ------
    RecommenderError
        A component whose type is not in ``model.COMPONENT_TYPES``.
    """
    arrays: dict[str, npt.NDArray[Any]] = {
        "item_ids": model.items.ids,
        "item_bias": model.item_bias_,
        "item_factors": model.item_factors_,
        "item_count": model.item_count_,
        "item_mean": model.item_mean_,
    }
    described: dict[str, Any] = {}
    for slot, component in sorted(model.components.items()):
        type_name = type(component).__name__
        if COMPONENT_TYPES.get(type_name) is not type(component):
            raise RecommenderError(
                f"component {type_name} is not registered in model.COMPONENT_TYPES"
            )
        for name, array in component.to_arrays().items():
            arrays[f"{slot}.{name}"] = array
        described[slot] = {"type": type_name, "config": component.config_dict()}
    _share_content_vectors(model, arrays)
    payload = {
        "model_id": model.model_id,
        "global_mean": model.global_mean_,
        "config": model.config.to_dict(),
        "metadata": model.metadata,
        "components": described,
    }
    save_artifact(path, arrays, payload)


def load_model(path: Path | str) -> Model:
    """Read a model written by ``save_model``.

    Raises
    ------
    CorruptModelError
        Anything wrong with the files (see ``artifact.load_artifact``), inconsistent array
        shapes, or an unknown component type.
    """
    arrays, payload = load_artifact(path)
    try:
        ids = arrays.pop("item_ids")
        # Vocabulary sorts its ids; unsorted stored ids would silently misalign rows.
        if ids.dtype != np.int64 or not are_sorted_ids(ids):
            raise CorruptModelError(f"{path}: item ids are not strictly increasing int64")
        _restore_content_vectors(arrays, ids, path)
        config = TrainConfig.from_dict(payload["config"])
        model = Model(
            items=Vocabulary(ids),
            global_mean=float(payload["global_mean"]),
            item_bias=arrays.pop("item_bias"),
            item_factors=arrays.pop("item_factors"),
            item_count=arrays.pop("item_count"),
            item_mean=arrays.pop("item_mean"),
            config=config,
            metadata=payload["metadata"],
            model_id=str(payload["model_id"]),
        )
        described = payload["components"]
        for slot, spec in described.items():
            component_type = COMPONENT_TYPES.get(spec["type"])
            if component_type is None:
                raise CorruptModelError(
                    f"{path}: unknown component type {spec['type']!r} in slot {slot!r}"
                )
            prefix = f"{slot}."
            own = {k[len(prefix) :]: arrays.pop(k) for k in list(arrays) if k.startswith(prefix)}
            model.components[slot] = component_type.from_arrays(own, spec["config"])
    except CorruptModelError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptModelError(f"{path}: inconsistent model artifact ({exc!r})") from None
    if arrays:
        raise CorruptModelError(f"{path}: unexpected arrays {sorted(arrays)}")
    if not isinstance(model.components.get(ONBOARDING_SLOT), OnboardingPicker):
        raise CorruptModelError(f"{path}: no onboarding picker (every model has one)")
    return model


# The ranker's content-taste vectors are the similarity index's vectors in item rows
# (``training``). The artifact stores them once: the ranker's copy is replaced by the index
# rows of the model's items (4 bytes a film instead of 4·d), and loading takes them back
# from the index's array: the same array itself when the index holds exactly the model's
# items (then the two components share one copy in memory), else a gathered copy (served
# numbers are then bit for bit those of a ranker with its own vectors; a product over the
# index's larger array would differ in the last bits).
_CONTENT = "ranker.content_vectors"
_CONTENT_ROWS = "ranker.content_rows"
_INDEX_VECTORS = "similarity.index_vectors"
_INDEX_IDS = "similarity.index_movie_ids"


def _share_content_vectors(model: Model, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Replace ``ranker.content_vectors`` by index rows when they are the index's vectors."""
    own = arrays.get(_CONTENT)
    index_vectors, index_ids = arrays.get(_INDEX_VECTORS), arrays.get(_INDEX_IDS)
    if own is None or index_vectors is None or index_ids is None or own.shape[1] == 0:
        return
    rows = np.searchsorted(index_ids, model.items.ids)
    if rows.size and (rows.max() >= len(index_ids) or (index_ids[rows] != model.items.ids).any()):
        return
    if own.shape[1] != index_vectors.shape[1] or not np.array_equal(own, index_vectors[rows]):
        return
    del arrays[_CONTENT]
    arrays[_CONTENT_ROWS] = rows.astype(np.int32)


def _restore_content_vectors(
    arrays: dict[str, npt.NDArray[Any]], item_ids: npt.NDArray[np.int64], path: Path | str
) -> None:
    """Inverse of ``_share_content_vectors`` (in place on the loaded arrays)."""
    rows = arrays.pop(_CONTENT_ROWS, None)
    if rows is None:
        return
    index_vectors, index_ids = arrays.get(_INDEX_VECTORS), arrays.get(_INDEX_IDS)
    if (
        index_vectors is None
        or index_ids is None
        or rows.dtype != np.int32
        or rows.shape != item_ids.shape
        or (rows.size and (rows.min() < 0 or rows.max() >= len(index_ids)))
        or len(index_vectors) != len(index_ids)
        or not np.array_equal(index_ids[rows], item_ids)
    ):
        raise CorruptModelError(f"{path}: ranker.content_rows do not match the similarity index")
    identity = len(rows) == len(index_vectors) and np.array_equal(rows, np.arange(len(rows)))
    arrays[_CONTENT] = index_vectors if identity else index_vectors[rows]
