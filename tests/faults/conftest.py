"""Fault tests that need a real server use the gunicorn of tests/production_site.py."""

from tests.production_site import gunicorn, live_site

__all__ = ["gunicorn", "live_site"]
