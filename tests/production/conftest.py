"""The production server's tests run a real gunicorn (``tests/production_site.py``)."""

from tests.production_site import gunicorn, live_site

__all__ = ["gunicorn", "live_site"]
