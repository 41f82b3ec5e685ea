import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


def test_healthz_checks_the_broker_over_one_kept_connection(client, settings):
    """A health check is polled: it must not open a new Redis connection on every call."""
    from exportctl import health

    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    health._pools.pop(settings.REDIS_URL, None)
    for _ in range(5):
        response = client.get("/healthz")
        assert response.json()["broker"] == "ok"
    pool = health.broker_pool(settings.REDIS_URL)
    assert pool._created_connections == 1
    health._pools.pop(settings.REDIS_URL).disconnect()


def _settings_in_a_fresh_process(database_url: str, **extra) -> dict:
    """The database settings as a process started with ``DATABASE_URL`` sees them."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "d = settings.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exportctl.settings",
        "DATABASE_URL": database_url,
        **extra,
    }
    if "DATABASE_CONN_MAX_AGE" not in extra:
        env.pop("DATABASE_CONN_MAX_AGE", None)
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_postgresql_connections_persist_and_are_checked_before_reuse(tmp_path):
    assert _settings_in_a_fresh_process("postgres://exportctl@127.0.0.1:5432/exportctl") == [
        60,
        True,
    ]
    assert _settings_in_a_fresh_process(
        "postgres://exportctl@127.0.0.1:5432/exportctl", DATABASE_CONN_MAX_AGE="0"
    ) == [0, True]
    # The embedded default (SQLite) opens a file: nothing to keep.
    assert _settings_in_a_fresh_process(f"sqlite:///{tmp_path / 'db.sqlite3'}") == [0, True]
