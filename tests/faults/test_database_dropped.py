"""The database connection of a running screening task is terminated by the server
(``pg_terminate_backend``, as a failover, a restart or an idle-killer does): the task fails with
``OperationalError``, Celery retries it (``autoretry_for``), the retry runs on a fresh connection
(Celery's Django fixup closes the worker's connections around every task) and the screening
completes exactly once.

The test makes the task wait inside the service on a row lock the test holds on the notification,
finds the worker's backend waiting on that lock, terminates it, then lets go of the lock.
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
