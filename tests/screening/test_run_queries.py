"""What one screening run costs the database (issue 23): the case, its parties and items are read
once per run (the receipt reads its lines again), the lists in force once and the stale-run guard
once, and a transaction that records several audit events asks PostgreSQL for the chain's lock
once. The counts are pinned, so a change that reads a row again fails here; the totals are
PostgreSQL's (production) and SQLite's, each run in transactions of its own as in the worker."""

import re
from collections import Counter
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from exportctl.audit import trail
from exportctl.audit.models import AuditEvent
from notifications.models import Document, DocumentKind, Notification
from notifications.tasks import send_status_email
from notifications.workflow import Status
from screening.index_cache import published_lists
from screening.models import Trigger
from screening.services import screening_run_execute
from tests.screening.test_services import _fast_passwords, case, eul  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
#: Queries of one submission's run, by outcome (measured, then pinned). The first receipt of the
#: year also creates its number counter (3 queries on PostgreSQL: a savepoint around the insert).
CLEARS = 51 if POSTGRES else 49
REFERS = 39 if POSTGRES else 37


def _reads(queries) -> Counter:
    """SELECTs per table read (the first table after FROM)."""
    found: Counter = Counter()
    for query in queries:
        sql = query["sql"]
        if sql.startswith("SELECT"):
            match = re.search(r'FROM "(\w+)"', sql)
            found[match.group(1) if match else sql[:40]] += 1
    return found


def _screened(notification: Notification) -> list[dict]:
    published_lists()  # the worker builds each list's index once, not per run
    # The firm's e-mail is another worker's task (eager in tests): not this run's queries.
    with (
        mock.patch.object(send_status_email, "delay_on_commit"),
        CaptureQueriesContext(connection) as captured,
    ):
        run = screening_run_execute(notification_id=notification.pk, trigger=Trigger.SUBMISSION)
    assert run is not None
    return captured.captured_queries


@pytest.mark.usefixtures("transactional_db", "eul")
def test_a_submission_that_clears_reads_each_row_once():
    notification = case(Status.SUBMITTED, country="US", party="Acme Precision Tools Inc.")

    queries = _screened(notification)

    notification.refresh_from_db()
    assert notification.status == Status.CLEARED
    assert Document.objects.filter(notification=notification, kind=DocumentKind.RECEIPT).exists()
    reads = _reads(queries)
    # Read before starting, locked to start screening, locked to store the run: the clearance
    # and the receipt take the row the store locked.
    assert reads["notifications_notification"] == 3
    # The run's facts, the party search keys, the receipt's lines.
    assert reads["notifications_party"] == 3
    assert reads["notifications_item"] == 2
    # The lists in force with the key's version (two: the screened sources, their versions in
    # force), then the stale-run guard under the lock.
    assert reads["partners_listversion"] == 3
    assert reads["screening_screeningrun"] == 2
    assert len(queries) == CLEARS, "\n".join(q["sql"][:120] for q in queries)


@pytest.mark.usefixtures("transactional_db", "eul")
def test_a_submission_that_is_referred_reads_each_row_once():
    notification = case(Status.SUBMITTED, country="IR", party="Amirkabir Univ. of Technology")

    queries = _screened(notification)

    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    reads = _reads(queries)
    assert reads["notifications_notification"] == 3
    assert reads["notifications_party"] == 2
    assert reads["notifications_item"] == 1
    assert reads["partners_listversion"] == 3
    assert len(queries) == REFERS, "\n".join(q["sql"][:120] for q in queries)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="the chain's advisory lock is PostgreSQL's")
def test_a_transaction_asks_for_the_chains_lock_once_and_again_after_a_rollback(transactional_db):
    def lock_requests(queries) -> int:
        return sum("pg_try_advisory_xact_lock" in q["sql"] for q in queries)

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        trail.record(action="test.first")
        trail.record(action="test.second")
        with transaction.atomic():
            trail.record(action="test.third")  # under a savepoint that is kept
    assert lock_requests(captured.captured_queries) == 1

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            # Takes the lock under a savepoint, and PostgreSQL releases it with the savepoint...
            trail.record(action="test.rolled_back")
            raise RuntimeError
        trail.record(action="test.after_rollback")  # ... so it is asked for again
        trail.record(action="test.after_that")
    assert lock_requests(captured.captured_queries) == 2

    events = AuditEvent.objects.filter(action__startswith="test.").order_by("seq")
    assert [e.action for e in events] == [
        "test.first",
        "test.second",
        "test.third",
        "test.after_rollback",
        "test.after_that",
    ]
    assert all(e.seq is not None for e in events)
