"""``/healthz``: is this worker able to serve? For load balancers and monitoring.

200 with ``{"status": "ok", ...}`` when the database answers and a model is loaded; 503 with
``"degraded"`` otherwise. The body names which part is down in a word, never a path, a
version string or an exception: the endpoint is public.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from moviematch.recommendations.services import model_status

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("health check: the database did not answer")
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and model status, 200 when both are up, 503 otherwise."""
    database = _database_ok()
    model = model_status()
    healthy = database and model.available
    body = {
        "status": "ok" if healthy else "degraded",
        "database": "ok" if database else "unavailable",
        "model": "ok" if model.available else model.problem,
    }
    return JsonResponse(body, status=200 if healthy else 503)
