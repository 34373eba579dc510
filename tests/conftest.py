"""Shared fixtures: where the real MovieLens files are, and how to skip without them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))

# Subprocesses started by tests (``python -c ...``, ``python -m moviematch.cli``) import the
# package from the checkout, installed or not: pytest's ``pythonpath`` reaches only this
# process.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)


def dataset_path(name: str) -> Path:
    """Directory of a real MovieLens dataset, or skip (fail under CI=true) when absent."""
    path = DATASETS / name
    if not path.is_dir():
        reason = f"dataset {name} not found under {DATASETS} (set MOVIEMATCH_DATASETS)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def ml_small() -> Path:
    return dataset_path("ml-latest-small")


@pytest.fixture(scope="session")
def ml_100k() -> Path:
    return dataset_path("ml-100k")


@pytest.fixture(scope="session")
def ml_20m_partial() -> Path:
    return dataset_path("ml-20m-partial")


@pytest.fixture(scope="session")
def ml_25m_partial() -> Path:
    return dataset_path("ml-25m-partial")


# Engine-backed fixtures shared by several test packages (see tests/site_fixtures.py).
from tests.site_fixtures import (  # noqa: E402
    comedy_fan,
    model_dir,
    planted,
    planted_catalogue,
    planted_dir,
    rate,
    site_model,
    visitor,
    visitor_client,
    web_state,
)

__all__ = [
    "comedy_fan",
    "model_dir",
    "planted",
    "planted_catalogue",
    "planted_dir",
    "rate",
    "site_model",
    "visitor",
    "visitor_client",
    "web_state",
]
