"""Screening hooks itself onto the notifications core and partners, which never import it.

``ScreeningConfig.ready`` registers the receivers; submission and publication call the hooks
inside their transactions, and the task is queued once, after the commit, on the same queue."""

import os
import subprocess
import sys

import pytest
from django.apps import apps

from notifications import services
from notifications.hooks import notification_submitted
from notifications.workflow import Status, TransitionError
from partners.hooks import list_version_published
from screening import tasks
from screening.apps import queue_publication_rescreen, queue_submission_screening
from tests.factories import ExporterFactory, submitted_at


def test_screening_registers_its_receivers_once_however_often_ready_runs():
    assert notification_submitted.receivers == (queue_submission_screening,)
    assert list_version_published.receivers == (queue_publication_rescreen,)
    apps.get_app_config("screening").ready()
    assert notification_submitted.receivers == (queue_submission_screening,)
    assert list_version_published.receivers == (queue_publication_rescreen,)


@pytest.mark.django_db
def test_a_submission_queues_its_screening_once_after_the_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.screen_notification, "delay", lambda *args: queued.append(args))
    notification = submitted_at(Status.DRAFT)
    exporter = ExporterFactory(firm=notification.firm)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_submit(
            notification=notification, actor=exporter, declaration_accepted=True
        )
        assert queued == []  # nothing is sent before the transaction commits
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [(notification.pk,)]
    assert tasks.screen_notification.name == "screening.screen_notification"


@pytest.mark.django_db
def test_a_refused_submission_queues_nothing(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.screen_notification, "delay", lambda *args: queued.append(args))
    notification = submitted_at(Status.DRAFT)
    exporter = ExporterFactory(firm=notification.firm)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionError),
    ):
        services.notification_submit(
            notification=notification, actor=exporter, declaration_accepted=False
        )
    assert (callbacks, queued) == ([], [])


@pytest.mark.parametrize(
    "start",
    [
        # What a Celery worker runs at start-up (its Django fix-up sets Django up).
        "from exportctl.celery import app; app.loader.import_default_modules()",
        # What manage.py, gunicorn (exportctl.wsgi) and every management command run.
        "import django; django.setup()",
    ],
)
def test_every_kind_of_process_registers_the_receivers(start):
    probe = (
        f"{start}\n"
        "from notifications.hooks import notification_submitted\n"
        "from partners.hooks import list_version_published\n"
        "print([r.__qualname__ for r in notification_submitted.receivers],"
        " [r.__qualname__ for r in list_version_published.receivers])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "exportctl.settings_for_tests"},
    ).stdout
    assert out.strip().splitlines()[-1] == (
        "['queue_submission_screening'] ['queue_publication_rescreen']"
    )
