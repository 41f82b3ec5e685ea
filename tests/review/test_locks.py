"""The row lock of a decision, proven on PostgreSQL (issue 17): a reviewer's approval waits for
a colleague's decision on the same case to commit and then sees it, instead of deciding on what
it read before.

Deterministic, not a race: the colleague's denial is made and held uncommitted; the approval is
started in another thread; the test waits until PostgreSQL shows that thread waiting on a lock,
then lets the denial commit. With the lock the approval reads the denied case and is refused.
Without it (``select_for_update`` removed from ``notification_approve``) the approval has read
the case as still under review, issues a permit and overwrites the denial — this test fails then.

Marked ``postgres``: on the default SQLite it is run in a PostgreSQL process of its own whenever
one is reachable (tests/conftest.py), and the session's summary says so."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from notifications import services
from notifications.models import Decision, DecisionKind, Notification, Permit
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from tests.factories import submitted_at
from tests.review.conftest import make_reviewer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
    ),
]


def backend_waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_an_approval_waits_for_a_denial_in_progress_and_is_refused(transactional_db):
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=30, level="elevated")
    )
    approver = make_reviewer("approver@meti.example.jp")
    denier = make_reviewer("denier@meti.example.jp")
    denied, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def deny():
        try:
            with transaction.atomic():
                services.notification_deny(
                    notification=notification, actor=denier, reason="Listed end user."
                )
                denied.set()
                assert release.wait(30), "the approval never waited on the lock"
            outcomes["deny"] = "ok"
        except TransitionError as error:
            outcomes["deny"] = error.code
        finally:
            denied.set()
            close_old_connections()

    def approve():
        try:
            services.notification_approve(notification=notification, actor=approver)
            outcomes["approve"] = "ok"
        except TransitionError as error:
            outcomes["approve"] = error.code
        finally:
            close_old_connections()

    denying = threading.Thread(target=deny)
    denying.start()
    assert denied.wait(30)
    approving = threading.Thread(target=approve)
    approving.start()
    deadline = time.monotonic() + 30
    while not backend_waiting_on_a_lock():
        assert time.monotonic() < deadline, "the approval never waited on the denial's lock"
        time.sleep(0.05)
    release.set()
    denying.join(30)
    approving.join(30)

    assert outcomes == {"deny": "ok", "approve": "wrong_state"}
    notification.refresh_from_db()
    assert notification.status == Status.DENIED
    assert not Permit.objects.filter(notification=notification).exists()
    assert list(
        Decision.objects.filter(notification=notification).values_list("kind", flat=True)
    ) == [DecisionKind.DENY]
    assert Notification.objects.filter(pk=notification.pk, status=Status.DENIED).exists()
