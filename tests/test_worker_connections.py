"""A worker keeps its database connection from one task to the next
(``exportctl.celery.KeepingConnectionsFixup``) and closes only one that is broken, left in a
transaction or older than ``CONN_MAX_AGE``, as Django does around a request."""

import time
from unittest import mock

import pytest
from celery.fixups.django import DjangoFixup
from celery.signals import celeryd_init
from django.db import connection

from exportctl.celery import KeepingConnectionsFixup
from exportctl.celery import app as celery_app
from notifications.models import Notification, Party
from notifications.services import notification_submit
from notifications.workflow import AWAITING_SYSTEM_STATUSES
from screening.tasks import screen_notification
from tests.factories import ExporterFactory, ready_notification
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul


@pytest.fixture
def fixup():
    return KeepingConnectionsFixup(celery_app)


@pytest.fixture
def open_connection(transactional_db):
    """A connection outside any transaction, kept for a minute as ``CONN_MAX_AGE=60`` keeps it;
    ``close`` is watched (closing SQLite's in-memory test database does nothing)."""
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60
    with mock.patch.object(connection, "close", wraps=connection.close) as close:
        yield close
    if not connection.get_autocommit():
        connection.set_autocommit(True)
    connection.close()


def test_the_worker_installs_the_keeping_fixup():
    django_fixups = [f for f in celery_app._fixups if isinstance(f, DjangoFixup)]
    assert len(django_fixups) == 1
    previous = django_fixups[0].worker_fixup
    try:
        celeryd_init.send(sender="worker@test", instance=None, conf=celery_app.conf, options={})
        assert type(django_fixups[0].worker_fixup) is KeepingConnectionsFixup
    finally:
        django_fixups[0].worker_fixup = previous


@pytest.mark.parametrize("hook", ["on_task_prerun", "on_task_postrun"])
def test_a_sound_connection_is_kept_around_a_task(fixup, open_connection, hook):
    kept = connection.connection

    getattr(fixup, hook)(sender=screen_notification)

    assert not open_connection.called
    assert connection.connection is kept


@pytest.mark.parametrize("hook", ["on_task_prerun", "on_task_postrun"])
def test_a_connection_past_its_age_is_closed(fixup, open_connection, hook):
    connection.close_at = time.monotonic() - 1

    getattr(fixup, hook)(sender=screen_notification)

    assert open_connection.called


@pytest.mark.parametrize("hook", ["on_task_prerun", "on_task_postrun"])
def test_a_connection_that_failed_and_no_longer_answers_is_closed(fixup, open_connection, hook):
    connection.errors_occurred = True
    with mock.patch.object(connection, "is_usable", return_value=False):
        getattr(fixup, hook)(sender=screen_notification)

    assert open_connection.called


def test_a_connection_that_failed_but_answers_is_kept(fixup, open_connection):
    connection.errors_occurred = True

    fixup.on_task_postrun(sender=screen_notification)

    assert not open_connection.called
    assert not connection.errors_occurred


def test_a_connection_left_in_a_transaction_is_closed(fixup, open_connection):
    connection.set_autocommit(False)

    fixup.on_task_postrun(sender=screen_notification)

    assert open_connection.called


def test_an_eager_task_leaves_the_connection_alone(fixup, open_connection):
    connection.close_at = time.monotonic() - 1
    screen_notification.push_request(is_eager=True)
    try:
        fixup.on_task_postrun(sender=screen_notification)
    finally:
        screen_notification.pop_request()

    assert not open_connection.called


def _worker_backends(left_before: dict[int, object] | None = None) -> dict[int, object]:
    """The other client backends of this database (the worker's pool processes): pid → start;
    without those in ``left_before`` (what earlier tests' workers may leave for a while)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        found = dict(cursor.fetchall())
    return {pid: start for pid, start in found.items() if pid not in (left_before or {})}


def _submit() -> int:
    exporter = ExporterFactory()
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country="US"
    )
    Party.objects.filter(notification=notification).update(country="US")
    notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
    return notification.pk


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_reuses_its_connections_from_task_to_task(task_runner):
    if not task_runner.is_real_worker:
        pytest.skip("needs a real worker (REDIS_URL) on PostgreSQL")
    make_tiers()
    publish_eul(EUL_SAMPLE)
    # The worker's pool processes connect at their first task: a backend already here is another
    # test's (a killed worker's pool process may hold its connection a while).
    left_before = _worker_backends()

    def screened(pk):
        return Notification.objects.get(pk=pk).status not in AWAITING_SYSTEM_STATUSES

    first = _submit()
    task_runner.wait_for(lambda: screened(first))
    # Its screening and e-mail tasks are done (the worker logs them), and the connection stays.
    task_runner.wait_for(lambda: task_runner.log().count("] succeeded in") >= 3)
    after_first = _worker_backends(left_before)
    assert after_first, "the worker closed its connection after the task"

    for _ in range(4):
        pk = _submit()
        task_runner.wait_for(lambda pk=pk: screened(pk))
    task_runner.wait_for(lambda: task_runner.log().count("] succeeded in") >= 15)
    after_all = _worker_backends(left_before)

    # Two pool processes: at most one connection each, and the first one's is the same backend.
    assert len(after_all) <= 2
    assert after_first.items() <= after_all.items()
