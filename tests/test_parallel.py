"""The suite runs in two processes (pytest-xdist, ``make test``): each worker keeps to a Redis
database and a test database of its own (tests/conftest.py, "Two processes at once"), so one
worker's ``cache.clear()`` never empties the other's queues and counters."""

import os
import re

import pytest
from django.conf import settings
from django.db import connection

from exportctl.celery import app as celery_app
from tests.conftest import SESSION_REDIS_URL_ENV, _database_url_for_worker, redis_url_of_worker

WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... in an xdist worker

in_a_worker_with_redis = pytest.mark.skipif(
    WORKER is None or not settings.REDIS_URL,
    reason="runs in an xdist worker with REDIS_URL set (make test in CI)",
)


def test_each_worker_has_the_redis_database_after_the_configured_one():
    assert redis_url_of_worker("redis://127.0.0.1:6379/0", 0) == "redis://127.0.0.1:6379/1"
    assert redis_url_of_worker("redis://127.0.0.1:6379/0", 1) == "redis://127.0.0.1:6379/2"
    assert redis_url_of_worker("redis://:pw@redis:6379/7", 1) == "redis://:pw@redis:6379/9"
    assert redis_url_of_worker("redis://127.0.0.1:6379", 0) == "redis://127.0.0.1:6379/1"
    with pytest.raises(pytest.UsageError):
        redis_url_of_worker("redis://127.0.0.1:6379/15", 0)


def _database_of(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def _own_database() -> int:
    """This worker's Redis database: 1 + its number past the one the session was given."""
    index = int(WORKER.removeprefix("gw"))
    return _database_of(redis_url_of_worker(os.environ[SESSION_REDIS_URL_ENV], index))


@in_a_worker_with_redis
def test_the_cache_and_the_broker_use_the_workers_own_redis_database():
    from django.core.cache import cache

    database = _own_database()
    assert database != _database_of(os.environ[SESSION_REDIS_URL_ENV])
    # Set in the environment before Django's settings were read: the settings, the cache, the
    # Celery app and the worker subprocesses (which inherit the environment) all agree.
    assert _database_of(os.environ["REDIS_URL"]) == database
    assert _database_of(settings.REDIS_URL) == database
    assert [_database_of(server) for server in cache._servers] == [database]
    assert cache._cache.get_client().connection_pool.connection_kwargs["db"] == database
    assert _database_of(celery_app.conf.broker_url) == database
    with celery_app.connection_for_write() as broker:
        assert broker.virtual_host.strip("/") == str(database)


@in_a_worker_with_redis
@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_uses_the_workers_own_test_database_and_redis_database(task_runner):
    assert connection.settings_dict["NAME"].endswith(f"_{WORKER}")
    assert _database_url_for_worker().endswith(f"/{connection.settings_dict['NAME']}")
    # The worker's log names the broker it connected to: this process's Redis database.
    connected = re.search(r"Connected to (redis://\S+)", task_runner.log())
    assert connected, task_runner.log()
    assert _database_of(connected[1]) == _own_database()
