"""``/healthz``: is the database reachable, and the broker (when one is configured)?

A health check is polled (docker-compose every 15 s, a load balancer far more often), so it opens
nothing of its own: the database is asked over Django's connection of this process (kept between
requests when ``CONN_MAX_AGE`` > 0, checked before reuse by ``CONN_HEALTH_CHECKS``), and the
broker over one Redis connection pool per process and URL.
"""

import threading

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_pools: dict = {}
_pools_lock = threading.Lock()


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def broker_pool(url: str):
    """This process's connection pool for ``url`` (made once, then shared by every check)."""
    import redis

    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = _pools[url] = redis.ConnectionPool.from_url(
                url, socket_connect_timeout=2, socket_timeout=2, max_connections=4
            )
        return pool


def _broker_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # tasks run in-process; there is no broker to reach
    import redis

    pool = broker_pool(settings.REDIS_URL)
    try:
        return bool(redis.Redis(connection_pool=pool).ping())
    except redis.RedisError:
        # A broken connection is not handed out again: the next check connects afresh.
        pool.disconnect()
        return False


@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    healthy = database and broker is not False
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if database else "unreachable",
        "broker": {None: "in-process", True: "ok", False: "unreachable"}[broker],
    }
    return JsonResponse(body, status=200 if healthy else 503)
