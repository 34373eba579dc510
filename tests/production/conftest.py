"""The production server's tests run a real gunicorn (``tests/live_site.py``)."""

from tests.live_site import gunicorn, live_site

__all__ = ["gunicorn", "live_site"]
