"""``/healthz``: is the database reachable, and the broker (when one is configured)?"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _broker_ok() -> bool | None:
    if not settings.REDIS_URL:
        return None  # tasks run in-process; there is no broker to reach
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        return bool(client.ping())
    except redis.RedisError:
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
