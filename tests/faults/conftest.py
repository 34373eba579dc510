"""Fault tests that need a real server use the production-like gunicorn of tests/live_site.py."""

from tests.live_site import gunicorn, live_site

__all__ = ["gunicorn", "live_site"]
