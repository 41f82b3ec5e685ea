"""Simultaneous attempts at one move, each on its own PostgreSQL connection (threads released
together by a barrier): the row lock taken by every service lets exactly one through, the
others are refused as ``wrong_state``, and the move's side effects are queued exactly once.

Tasks are published to a private Redis: the double submission is screened by a real worker, and
for the approvals the queue itself is read back to count the permit documents queued.
"""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections

from exportctl.audit.models import AuditEvent
from exportctl.audit.selectors import CHAIN_ORDER
from notifications import services
from notifications.models import Decision, DecisionKind, Notification, Party, Permit
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from screening.models import RunStatus, ScreeningRun
from tests.conftest import mail_queue_of
from tests.factories import ExporterFactory, ready_notification, submitted_at
from tests.faults.brokers import celery_broker, wait_for
from tests.faults.conftest import needs_real_stack
from tests.review.conftest import make_reviewer
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = needs_real_stack

ATTEMPTS = 20


def _all_at_once(calls) -> list[str]:
    """Run each call on its own thread (and database connection), all released together;
    returns "ok" or the refusal's code (or the unexpected exception's class name) of each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def attempt(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except TransitionError as error:
            outcomes.append(error.code)
        except Exception as error:  # a deadlock or an integrity error must show in the assertion
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _queued(redis, queue: str) -> list[tuple[str, str]]:
    """(task name, args) of every message waiting in ``queue``."""
    return sorted(
        (message["headers"]["task"], message["headers"]["argsrepr"])
        for message in (json.loads(raw) for raw in redis.lrange(queue, 0, -1))
    )


def _events() -> list[str]:
    return list(AuditEvent.objects.order_by(*CHAIN_ORDER).values_list("action", flat=True))


def test_one_notification_submitted_twice_at_once_is_screened_once(
    transactional_db, redis_server, start_worker
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    exporter = ExporterFactory()
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country="US"
    )
    Party.objects.filter(notification=notification).update(country="US")
    worker = start_worker(redis_server.url)

    def submit():
        services.notification_submit(
            notification=Notification.objects.get(pk=notification.pk),
            actor=exporter,
            declaration_accepted=True,
        )

    with celery_broker(redis_server.url):
        outcomes = _all_at_once([submit, submit])

    assert outcomes == ["ok", "wrong_state"]
    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).status == Status.CLEARED,
        timeout=60,
        worker=worker,
    )
    run = ScreeningRun.objects.get()
    assert (run.notification_id, run.status) == (notification.pk, RunStatus.COMPLETED)
    assert _events() == [
        "notification.submit",
        "notification.start_screening",
        "screening.run_completed",
        "notification.clear",
        "document.issued",  # the receipt, issued with the clearance
    ]
    # The case is cleared when the task's transaction commits; the worker logs "succeeded" after.
    wait_for(
        lambda: worker.log().count("Task screening.screen_notification[") >= 2,
        timeout=30,
        worker=worker,
    )
    assert worker.log().count("Task screening.screen_notification[") == 2  # received, succeeded


@pytest.mark.parametrize(
    ("level", "kind", "status", "permits"),
    [
        ("low", DecisionKind.APPROVE, Status.APPROVED, 1),
        ("high", DecisionKind.APPROVE_FOR_COUNTERSIGN, Status.AWAITING_COUNTERSIGN, 0),
    ],
)
def test_twenty_reviewers_approving_at_once_decide_once(
    transactional_db, redis_server, celery_test_queue, level, kind, status, permits
):
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=10, level=level)
    )
    reviewers = [make_reviewer(f"r{n}@meti.example.jp") for n in range(ATTEMPTS)]
    events_before = _events()

    def approve(reviewer):
        return lambda: services.notification_approve(
            notification=Notification.objects.get(pk=notification.pk), actor=reviewer
        )

    with celery_broker(redis_server.url):
        outcomes = _all_at_once([approve(r) for r in reviewers])

    assert outcomes == ["ok"] + ["wrong_state"] * (ATTEMPTS - 1)
    assert Notification.objects.get(pk=notification.pk).status == status
    assert Decision.objects.filter(notification=notification).count() == 1
    assert Decision.objects.get(notification=notification).kind == kind
    assert Permit.objects.filter(notification=notification).count() == permits
    move = "approve" if permits else "approve_for_countersign"
    issued = ["permit.issue"] if permits else []
    assert _events() == [*events_before, *issued, f"notification.{move}"]
    documents = [("notifications.render_document", f"({notification.pk}, 'permit')")] * permits
    assert _queued(redis_server.client(), celery_test_queue) == documents
    # One e-mail for an approval, on the mail queue (never behind screening); none while the
    # approval awaits its countersignature (the firm hears of the decision when it is made).
    mailed = [("notifications.send_status_email", f"({notification.pk}, '{status}')")]
    assert _queued(redis_server.client(), mail_queue_of(celery_test_queue)) == (
        mailed if status == Status.APPROVED else []
    )


def test_twenty_seniors_countersigning_at_once_issue_one_permit(
    transactional_db, redis_server, celery_test_queue
):
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=80, level="high")
    )
    approver = make_reviewer("approver@meti.example.jp")
    services.notification_approve(notification=notification, actor=approver)
    seniors = [make_reviewer(f"s{n}@meti.example.jp", senior=True) for n in range(ATTEMPTS)]
    events_before = _events()

    def countersign(senior):
        return lambda: services.notification_countersign(
            notification=Notification.objects.get(pk=notification.pk), actor=senior
        )

    with celery_broker(redis_server.url):
        outcomes = _all_at_once([countersign(s) for s in seniors])

    assert outcomes == ["ok"] + ["wrong_state"] * (ATTEMPTS - 1)
    assert Notification.objects.get(pk=notification.pk).status == Status.APPROVED
    permit = Permit.objects.get(notification=notification)
    countersigned = Decision.objects.get(notification=notification, kind=DecisionKind.COUNTERSIGN)
    assert permit.decision == countersigned
    assert countersigned.actor in seniors
    assert _events() == [*events_before, "permit.issue", "notification.countersign"]
    assert _queued(redis_server.client(), celery_test_queue) == [
        ("notifications.render_document", f"({notification.pk}, 'permit')")
    ]
    assert _queued(redis_server.client(), mail_queue_of(celery_test_queue)) == [
        ("notifications.send_status_email", f"({notification.pk}, 'approved')")
    ]
