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
