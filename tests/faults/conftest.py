"""Fixtures for fault tests on the real stack: PostgreSQL shared with ``celery worker``
subprocesses, and a private ``redis-server`` per test (stopped, restarted, killed at will).

They run wherever the database is PostgreSQL and ``redis-server`` is installed (CI: ``.ci/run``);
on SQLite, the default, they are skipped.
"""

from __future__ import annotations

import shutil

import pytest
from django.db import connection

from tests.conftest import _database_url_for_worker
from tests.faults.brokers import RedisServer, Worker

needs_real_stack = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="workers share the test database: needs PostgreSQL (set DATABASE_URL)",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def backend_waiting_on_a_lock() -> int | None:
    """The pid of another backend of the test database that waits on a lock, if any."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps serving the first snapshot of the statistics.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(transactional_db, celery_test_queue, tmp_path):
    """Start ``celery worker`` processes on the test database; all are stopped at the end."""
    started: list[Worker] = []

    def start(broker_url: str, **env) -> Worker:
        worker = Worker(
            broker_url=broker_url,
            database_url=_database_url_for_worker(),
            queue=celery_test_queue,
            log_path=tmp_path / f"worker-{len(started) + 1}.log",
            env={key: str(value) for key, value in env.items()},
        )
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()
