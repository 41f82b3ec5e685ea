"""A worker killed with SIGKILL in the middle of screening 200 submissions.

Nothing is lost and nothing is done twice. The messages the dead worker held (``acks_late``:
delivered, not yet acknowledged) stay in Redis's ``unacked`` hash; the notifications they were
about stay in submitted/screening. Two real mechanisms bring them back, and both are proven here:

1. the sweeper (``screening.sweep_stuck``, every 120 s in production) re-queues every notification
   left in submitted/screening for longer than ``STUCK_AFTER``; the test shortens that age, as it
   cannot wait five minutes;
2. Redis redelivers the unacknowledged messages once they are older than the broker's visibility
   timeout (``EXPORTCTL_BROKER_VISIBILITY_TIMEOUT``, one hour in production, one second for the
   last worker here) — by then the sweeper has screened them, and the duplicates change nothing.

When only a pool child dies (the OOM killer picks the process running the task), the worker
itself survives and ``reject_on_worker_lost`` hands the message back to the queue at once.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal

from django.db import transaction
from django.db.models import Count

from exportctl.audit.models import AuditEvent
from notifications.models import Notification, Party
from notifications.services import notification_submit
from notifications.workflow import AWAITING_SYSTEM_STATUSES, Status
from screening import tasks as screening_tasks
from screening.models import PartyHit, RunStatus, ScreeningRun, Trigger
from screening.tasks import screen_notification
from tests.factories import ExporterFactory, ready_notification, submitted_at
from tests.faults.brokers import celery_broker, wait_for
from tests.faults.conftest import backend_waiting_on_a_lock, needs_real_stack
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = needs_real_stack

TOTAL = 200
LISTED_EVERY = 10  # every tenth end user is on the End User List (No. 45)


def _submit_all() -> tuple[list[int], set[int]]:
    exporter = ExporterFactory()
    ids, listed = [], set()
    for n in range(TOTAL):
        is_listed = n % LISTED_EVERY == 0
        country = "IR" if is_listed else "US"
        notification = ready_notification(
            firm=exporter.firm, created_by=exporter, destination_country=country
        )
        Party.objects.filter(notification=notification).update(
            name="Amirkabir Univ. of Technology" if is_listed else "Acme Precision Tools Inc.",
            country=country,
        )
        notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
        ids.append(notification.pk)
        if is_listed:
            listed.add(notification.pk)
    return ids, listed


def _screened() -> int:
    return ScreeningRun.objects.filter(status=RunStatus.COMPLETED).count()


def _awaiting() -> set[int]:
    return set(
        Notification.objects.filter(status__in=AWAITING_SYSTEM_STATUSES).values_list(
            "pk", flat=True
        )
    )


def _succeeded(log: str) -> int:
    return len(re.findall(r"Task screening\.screen_notification\[[^\]]+\] succeeded", log))


def _unacked_screenings(redis) -> set[int]:
    """The notifications whose screening message a worker took and never acknowledged."""
    held = set()
    for raw in redis.hvals("unacked"):
        message, _exchange, _routing_key = json.loads(raw)
        headers = message["headers"]
        if headers["task"] == "screening.screen_notification":
            held.add(int(headers["argsrepr"].strip("(),")))
    return held


def test_a_killed_worker_loses_no_screening_and_repeats_none(
    transactional_db, redis_server, start_worker, monkeypatch
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    redis = redis_server.client()
    with celery_broker(redis_server.url):
        ids, listed = _submit_all()
    assert _awaiting() == set(ids)

    first = start_worker(redis_server.url)
    # Kill while a screening is under way (its notification moved to "screening", no run yet).
    wait_for(
        lambda: (
            _screened() >= TOTAL // 4
            and Notification.objects.filter(status=Status.SCREENING).exists()
        ),
        timeout=90,
        interval=0.02,
        worker=first,
    )
    first.kill()

    in_flight = _unacked_screenings(redis)
    lost = in_flight - set(
        ScreeningRun.objects.filter(status=RunStatus.COMPLETED).values_list(
            "notification_id", flat=True
        )
    )
    assert lost  # taken by the dead worker, never finished, never acknowledged
    assert _screened() < TOTAL

    # A new worker with the production visibility timeout screens everything still queued;
    # the notifications of the dead worker's messages are left waiting.
    second = start_worker(redis_server.url)
    wait_for(lambda: _awaiting() == lost, timeout=120, worker=second)
    assert not ScreeningRun.objects.filter(
        notification_id__in=lost, status=RunStatus.COMPLETED
    ).exists()

    # The sweeper re-queues them (the test cannot wait the five minutes of STUCK_AFTER).
    monkeypatch.setattr(screening_tasks, "STUCK_AFTER", datetime.timedelta(0))
    with celery_broker(redis_server.url):
        assert screening_tasks.sweep_stuck() == len(lost)
    wait_for(lambda: not _awaiting(), timeout=60, worker=second)
    second.stop()

    # The dead worker's own messages come back after the visibility timeout: harmless repeats.
    assert _unacked_screenings(redis) == in_flight
    audit_before = AuditEvent.objects.count()
    third = start_worker(redis_server.url, EXPORTCTL_BROKER_VISIBILITY_TIMEOUT=1)
    wait_for(lambda: _succeeded(third.log()) == len(in_flight), timeout=60, worker=third)
    third.stop()
    assert not _unacked_screenings(redis)

    runs = ScreeningRun.objects.filter(trigger=Trigger.SUBMISSION)
    assert runs.count() == TOTAL
    assert set(runs.values_list("notification_id", flat=True)) == set(ids)
    assert set(runs.values_list("status", flat=True)) == {RunStatus.COMPLETED}
    assert not runs.values("notification_id").annotate(n=Count("pk")).filter(n__gt=1).exists()
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert {pk for pk, status in statuses.items() if status == Status.UNDER_REVIEW} == listed
    assert {pk for pk, status in statuses.items() if status == Status.CLEARED} == set(ids) - listed
    hits = PartyHit.objects.values_list("run__notification_id", "party_id", "entry__number")
    assert sorted(hits) == sorted(
        (pk, Party.objects.get(notification_id=pk).pk, 45) for pk in listed
    )
    completed = AuditEvent.objects.filter(action="screening.run_completed")
    assert completed.count() == TOTAL
    assert AuditEvent.objects.count() == audit_before  # the redelivered messages wrote nothing


def test_a_pool_child_killed_mid_task_has_its_message_requeued_and_completed(
    transactional_db, redis_server, start_worker
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    notification = submitted_at(Status.SUBMITTED, destination_country="US")
    Party.objects.filter(notification=notification).update(country="US")
    worker = start_worker(redis_server.url)

    # The task waits inside the service on a row lock the test holds; then its process dies.
    with transaction.atomic():
        Notification.objects.select_for_update().get(pk=notification.pk)
        with celery_broker(redis_server.url):
            screen_notification.delay(notification.pk)
        wait_for(backend_waiting_on_a_lock, timeout=60, worker=worker)
        children = worker.pool_children()
        assert len(children) == 2
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in worker.log(), timeout=30, worker=worker)

    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).status == Status.CLEARED,
        timeout=60,
        worker=worker,
    )
    run = ScreeningRun.objects.get()
    assert (run.notification_id, run.status) == (notification.pk, RunStatus.COMPLETED)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "notification.start_screening",
        "screening.run_completed",
        "notification.clear",
        "document.issued",  # the receipt, issued with the clearance
    ]
    # The case is cleared when the task's transaction commits; the worker logs "succeeded" after.
    wait_for(lambda: _succeeded(worker.log()) >= 1, timeout=30, worker=worker)
    log = worker.log()
    assert "exited with 'signal 9 (SIGKILL)'" in log
    assert log.count("Task screening.screen_notification[") == 3  # received, lost, succeeded
    assert worker.process.poll() is None  # the worker itself lived on
