"""The database connection of a running screening task is terminated by the server
(``pg_terminate_backend``, as a failover, a restart or an idle-killer does): the task fails with
``OperationalError``, Celery retries it (``autoretry_for``), the retry runs on a fresh connection
(the worker closes a connection that failed and no longer answers after its task:
``exportctl.celery.KeepingConnectionsFixup``) and the screening completes exactly once.

The test makes the task wait inside the service on a row lock the test holds on the notification,
finds the worker's backend waiting on that lock, terminates it, then lets go of the lock.

A connection the worker keeps between tasks and that is terminated meanwhile costs nothing: the
next task's first query finds it dead (``CONN_HEALTH_CHECKS``) and connects again.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from exportctl.audit.models import AuditEvent
from notifications.models import Notification, Party
from notifications.workflow import Status
from screening.models import RunStatus, ScreeningRun
from screening.tasks import screen_notification
from tests.factories import submitted_at
from tests.faults.brokers import celery_broker, wait_for
from tests.faults.conftest import backend_waiting_on_a_lock, needs_real_stack
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = needs_real_stack


def _terminate(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("status", "audited"),
    [
        # "submitted": the task blocks moving it to "screening", the first thing it does; the
        # move rolls back with the lost connection and the retry makes it.
        (
            Status.SUBMITTED,
            [
                "notification.start_screening",
                "screening.run_completed",
                "notification.clear",
                "document.issued",
            ],
        ),
        # "screening": the matching is done and the task blocks storing the run. The failure is
        # recorded on a new connection (a FAILED run, visible to reviewers) and the retry
        # completes that same run in place.
        (
            Status.SCREENING,
            [
                "screening.run_failed",
                "screening.run_completed",
                "notification.clear",
                "document.issued",
            ],
        ),
    ],
)
def test_a_task_whose_connection_is_terminated_retries_and_completes(
    transactional_db, redis_server, start_worker, status, audited
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    notification = submitted_at(status, destination_country="US")
    Party.objects.filter(notification=notification).update(country="US")
    worker = start_worker(redis_server.url)

    with transaction.atomic():
        Notification.objects.select_for_update().get(pk=notification.pk)
        with celery_broker(redis_server.url):
            screen_notification.delay(notification.pk)
        pid = wait_for(backend_waiting_on_a_lock, timeout=60, worker=worker)
        assert _terminate(pid)

    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).status == Status.CLEARED,
        timeout=60,
        worker=worker,
    )
    run = ScreeningRun.objects.get(notification=notification)
    assert (run.status, run.outcome, run.error) == (RunStatus.COMPLETED, "cleared", "")
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == audited
    log = worker.log()
    retries = [line for line in log.splitlines() if "retry: Retry in" in line]
    assert len(retries) == 1
    assert "screening.screen_notification" in retries[0]
    assert "OperationalError('server closed the connection unexpectedly" in retries[0]
    assert log.count("] succeeded in") == 1


def _worker_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _screened(pks) -> bool:
    return not Notification.objects.filter(pk__in=pks).exclude(status=Status.CLEARED).exists()


def test_a_kept_connection_terminated_between_tasks_is_replaced_before_the_next_task(
    transactional_db, redis_server, start_worker
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    notifications = [submitted_at(Status.SUBMITTED, destination_country="US") for _ in range(8)]
    Party.objects.filter(notification__in=notifications).update(country="US")
    pks = [n.pk for n in notifications]
    worker = start_worker(redis_server.url)
    with celery_broker(redis_server.url):
        for pk in pks[:4]:
            screen_notification.delay(pk)
    wait_for(lambda: _screened(pks[:4]), timeout=60, worker=worker)
    kept = wait_for(_worker_backends, timeout=10, worker=worker)

    for pid in kept:
        assert _terminate(pid)
    wait_for(lambda: not _worker_backends() & kept, timeout=10, worker=worker)
    with celery_broker(redis_server.url):
        for pk in pks[4:]:
            screen_notification.delay(pk)
    wait_for(lambda: _screened(pks[4:]), timeout=60, worker=worker)

    assert (
        ScreeningRun.objects.filter(notification__in=pks, status=RunStatus.COMPLETED).count() == 8
    )
    assert _worker_backends() and not _worker_backends() & kept
    log = worker.log()
    assert "retry:" not in log
    assert log.count("] succeeded in") == 8
