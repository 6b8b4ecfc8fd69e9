"""`/healthz`: may a load balancer send readers to this app server?

The database is required: without it no page can be built, so the answer is
503 and the balancer should try another server. The cache is reported but not
required: pages are served without it (slower), so a Redis outage must not take
every app server out of rotation at once.

The answer is plain JSON with no host names, versions or error texts.
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as exc:
        logger.warning("Health check: the database is unreachable: %s", exc)
        return False


def _cache_state() -> str:
    """ "ok", "unavailable", or "local" for the per-process memory cache."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        return "local"
    try:
        # Past the outage-tolerant wrapper, which would hide a failure.
        client_of(write=True).ping()
    except Exception as exc:  # any failure at all means "unavailable"
        logger.warning("Health check: the cache is unreachable: %s", exc)
        return "unavailable"
    return "ok"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = "ok" if _database_ok() else "unavailable"
    status = 200 if database == "ok" else 503
    response = JsonResponse(
        {
            "status": "ok" if status == 200 else "unavailable",
            "database": database,
            "cache": _cache_state(),
        },
        status=status,
    )
    if status == 503:
        response["Retry-After"] = "10"
    return response
