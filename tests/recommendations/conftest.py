"""Fixtures of the recommendation tests: a model directory per test, planted MovieLens data.

They live in ``tests/site_fixtures.py`` (shared with the page tests and registered for the
whole suite in ``tests/conftest.py``); the names stay importable from here, as the API tests
import them. ``publisher`` is the loopback GroupLens of ``tests.publisher`` (the ML-25M
scale test downloads from it).
"""

from tests.publisher import publisher
from tests.site_fixtures import MIN_RATINGS, model_dir, planted, planted_catalogue, planted_dir

__all__ = ["MIN_RATINGS", "model_dir", "planted", "planted_catalogue", "planted_dir", "publisher"]
