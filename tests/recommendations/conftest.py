"""Fixtures of the recommendation tests: ``model_dir``, ``planted``, ``planted_dir`` and
``planted_catalogue`` live in ``tests/site_fixtures.py`` (shared with the page tests)."""

from tests.site_fixtures import MIN_RATINGS

__all__ = ["MIN_RATINGS"]
