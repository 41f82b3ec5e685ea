"""The task path as production runs it: submit → task after commit → worker → run stored.

In-process on SQLite by default; with ``REDIS_URL`` (and PostgreSQL) a real ``celery worker``
process picks the task off Redis. The same assertions hold either way.
"""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification, Party
from notifications.services import notification_submit
from notifications.workflow import Status
from screening.models import RunStatus, ScreeningRun
from screening.tasks import (
    TRANSIENT_ERRORS,
    rescreen_batch,
    rescreen_notification,
    screen_notification,
    sweep_stuck,
)
from tests.factories import ExporterFactory, ready_notification, submitted_at
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul


@pytest.fixture
def _committed_database(task_runner):
    """These tests commit for real (``task_runner`` uses ``transactional_db``)."""


def _status(pk: int) -> str | None:
    status = Notification.objects.get(pk=pk).status
    return status if status in (Status.CLEARED, Status.UNDER_REVIEW) else None


def _submitted(country: str, party: str) -> Notification:
    exporter = ExporterFactory()
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country=country
    )
    Party.objects.filter(notification=notification).update(name=party, country=country)
    return notification_submit(notification=notification, actor=exporter, declaration_accepted=True)


@pytest.mark.usefixtures("_committed_database")
def test_submission_is_screened_by_the_worker_exactly_once(task_runner):
    make_tiers()
    eul = publish_eul(EUL_SAMPLE)
    listed = _submitted("IR", "Amirkabir Univ. of Technology")
    harmless = _submitted("US", "Acme Precision Tools Inc.")

    assert task_runner.wait_for(lambda: _status(listed.pk)) == Status.UNDER_REVIEW
    assert task_runner.wait_for(lambda: _status(harmless.pk)) == Status.CLEARED

    run = ScreeningRun.objects.get(notification=listed)
    assert (run.status, run.outcome, run.list_version_id) == (RunStatus.COMPLETED, "review", eul.pk)
    assert [h.entry.number for h in run.hits.all()] == [45]
    cleared = ScreeningRun.objects.get(notification=harmless)
    assert (cleared.outcome, cleared.level, cleared.hits.count()) == ("cleared", "low", 0)
    assert ScreeningRun.objects.count() == 2


@pytest.mark.usefixtures("_committed_database")
def test_sweeper_requeues_only_stuck_notifications(task_runner):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    stuck = submitted_at(Status.SUBMITTED, destination_country="US")
    Party.objects.filter(notification=stuck).update(country="US")
    fresh = submitted_at(Status.SUBMITTED, destination_country="US")
    Notification.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    assert sweep_stuck() == 1

    assert task_runner.wait_for(lambda: _status(stuck.pk)) == Status.CLEARED
    assert ScreeningRun.objects.filter(notification=stuck).count() == 1
    assert Notification.objects.get(pk=fresh.pk).status == Status.SUBMITTED
    assert not ScreeningRun.objects.filter(notification=fresh).exists()


@pytest.mark.parametrize(
    ("task", "name"),
    [
        (screen_notification, "screening.screen_notification"),
        (rescreen_batch, "screening.rescreen_batch"),
        (rescreen_notification, "screening.rescreen_notification"),
        (sweep_stuck, "screening.sweep_stuck"),
    ],
)
def test_tasks_survive_lost_workers_and_retry_only_transient_errors(task, name):
    from django.db import InterfaceError, OperationalError

    assert task.name == name
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert task.autoretry_for == TRANSIENT_ERRORS
    assert {OperationalError, InterfaceError} <= set(TRANSIENT_ERRORS)
    assert not any(issubclass(ValueError, error) for error in TRANSIENT_ERRORS)
    assert (task.retry_backoff, task.max_retries) == (True, 6)
    assert 0 < task.soft_time_limit < task.time_limit
