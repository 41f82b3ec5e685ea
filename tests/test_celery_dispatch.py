"""Queueing after commit never undoes a committed request (``exportctl.celery.SafeDispatchTask``).

A broker that refuses connections, or accepts them and never answers, is logged at ERROR with the
task and its arguments and swallowed: the submission stays saved and the exporter sees success.
In eager mode (no broker) a task that fails in-process is logged the same way. Anything else —
a message that cannot even be encoded — is a bug and still raises.
"""

import logging
import time

import pytest
from django.db import transaction
from django.urls import reverse
from kombu.exceptions import EncodeError

from exportctl.audit.models import AuditEvent
from exportctl.celery import SafeDispatchTask
from exportctl.celery import app as celery_app
from notifications.models import Notification
from notifications.services import notification_submit
from notifications.workflow import Status
from screening import services as screening_services
from screening.models import RunStatus, ScreeningRun
from screening.tasks import screen_notification
from tests.factories import ExporterFactory, ready_notification
from tests.faults.brokers import SilentBroker, celery_broker, free_port

CELERY_LOGGER = "exportctl.celery"


def _draft():
    exporter = ExporterFactory()
    return exporter, ready_notification(firm=exporter.firm, created_by=exporter)


def _dispatch_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == CELERY_LOGGER and r.levelno == logging.ERROR]


def _audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_every_task_dispatches_safely():
    assert isinstance(screen_notification._get_current_object(), SafeDispatchTask)
    assert issubclass(celery_app.Task, SafeDispatchTask)


def test_submitting_in_the_browser_while_the_broker_is_down_succeeds(
    transactional_db, client, caplog
):
    exporter, draft = _draft()
    client.force_login(exporter)
    url = reverse("notifications:edit", args=[draft.public_id, "review"])

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"), caplog.at_level(logging.ERROR):
        response = client.post(url, {"declaration": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:detail", args=[draft.public_id])
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.reference == f"EXN-{draft.submitted_at:%Y}-{draft.pk:07d}"
    assert _audit_actions() == ["notification.submit"]
    assert not ScreeningRun.objects.exists()
    errors = _dispatch_errors(caplog)
    assert [r.args for r in errors] == [
        ("notifications.send_status_email", (draft.pk, "submitted"), {}),
        ("screening.screen_notification", (draft.pk,), {}),
    ]
    assert all(r.getMessage().startswith("broker unavailable: task ") for r in errors)
    assert all(r.exc_info is not None for r in errors)


def test_submitting_through_the_api_while_the_broker_is_down_succeeds(transactional_db, caplog):
    from tests.api.conftest import token_client

    exporter, draft = _draft()
    api = token_client(exporter)

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"), caplog.at_level(logging.ERROR):
        response = api.post(
            f"/api/v1/notifications/{draft.public_id}/submit/",
            {"declaration_accepted": True},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["status"] == Status.SUBMITTED
    assert Notification.objects.get(pk=draft.pk).status == Status.SUBMITTED
    assert [r.args[0] for r in _dispatch_errors(caplog)] == [
        "notifications.send_status_email",
        "screening.screen_notification",
    ]


def test_a_broker_that_never_answers_is_given_up_within_seconds(transactional_db, caplog):
    exporter, draft = _draft()
    silent = SilentBroker()
    try:
        with celery_broker(silent.url), caplog.at_level(logging.ERROR):
            started = time.monotonic()
            notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
            elapsed = time.monotonic() - started
    finally:
        silent.close()

    assert Notification.objects.get(pk=draft.pk).status == Status.SUBMITTED
    # Two publishes, each bounded by the broker socket timeout (3 s), not by the OS (forever).
    assert elapsed < 9
    assert len(silent.accepted) >= 1
    assert [r.args[0] for r in _dispatch_errors(caplog)] == [
        "notifications.send_status_email",
        "screening.screen_notification",
    ]


def test_a_rolled_back_transaction_queues_nothing(transactional_db, caplog):
    exporter, draft = _draft()
    with (
        celery_broker(f"redis://127.0.0.1:{free_port()}/0"),
        caplog.at_level(logging.ERROR),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
        raise RuntimeError("rolled back")

    assert Notification.objects.get(pk=draft.pk).status == Status.DRAFT
    assert _dispatch_errors(caplog) == []


def test_apply_async_on_commit_is_as_safe_as_delay_on_commit(transactional_db, caplog):
    with (
        celery_broker(f"redis://127.0.0.1:{free_port()}/0"),
        caplog.at_level(logging.ERROR),
        transaction.atomic(),
    ):
        screen_notification.apply_async_on_commit((41,), countdown=5)

    assert [r.args for r in _dispatch_errors(caplog)] == [
        ("screening.screen_notification", (41,), {})
    ]


def test_a_message_that_cannot_be_encoded_still_raises(transactional_db):
    with celery_broker("memory://"), pytest.raises(EncodeError), transaction.atomic():
        screen_notification.delay_on_commit(object())


def test_eager_task_failing_after_commit_is_logged_not_raised(
    transactional_db, eager_tasks, client, caplog, monkeypatch
):
    """``make run`` without Redis runs tasks in-process, inside the request that committed."""
    exporter, draft = _draft()
    client.force_login(exporter)

    def broken(context):
        raise ValueError("rule table corrupt")

    monkeypatch.setattr(screening_services.rules, "evaluate", broken)
    url = reverse("notifications:edit", args=[draft.public_id, "review"])
    with caplog.at_level(logging.ERROR):
        response = client.post(url, {"declaration": "on"})

    assert response.status_code == 302
    assert Notification.objects.get(pk=draft.pk).status == Status.SCREENING
    run = ScreeningRun.objects.get(notification=draft)
    assert (run.status, run.error) == (RunStatus.FAILED, "ValueError: rule table corrupt")
    errors = _dispatch_errors(caplog)
    assert [r.args for r in errors] == [("screening.screen_notification", (draft.pk,), {})]
    assert errors[0].getMessage().endswith("failed in-process after its transaction committed")
    assert errors[0].exc_info[0] is ValueError
