"""Mail goes to the people concerned (issue 23): the person who filed, plus the firm's users who
asked for all of their firm's mail; on a queue of its own, so it never delays screening."""

from unittest import mock

import pytest
from celery import Celery
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from exportctl import compiled
from exportctl.accounts.roles import Role
from exportctl.celery import app as celery_app
from notifications import emails, services, tasks
from notifications.models import Notification
from notifications.services import ScreeningResult
from notifications.workflow import Status
from tests.factories import ExporterFactory, FirmFactory, UserFactory, submitted_at

pytestmark = pytest.mark.django_db


def _clear(notification, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_clear(
            notification=notification, result=ScreeningResult(score=5, level="low")
        )
    return list(mail.outbox)


def test_one_status_change_sends_one_email_to_the_filer_by_default(
    django_capture_on_commit_callbacks, eager_tasks
):
    filer = ExporterFactory(email="filer@firm.example", preferred_language="en")
    notification = submitted_at(Status.SCREENING, firm=filer.firm, created_by=filer)
    # Forty colleagues who did not ask for the firm's mail hear nothing.
    for n in range(40):
        ExporterFactory(firm=filer.firm, email=f"colleague{n}@firm.example")
    ExporterFactory(firm=filer.firm, email="admin@firm.example", roles=(Role.FIRM_ADMIN,))

    messages = _clear(notification, django_capture_on_commit_callbacks)

    assert len(messages) == 1
    assert messages[0].to == ["filer@firm.example"]
    with translation.override("en"):
        assert notification.reference in messages[0].subject
        assert "Cleared" in messages[0].subject


def test_an_opted_in_colleague_also_gets_it_and_other_firms_never(
    django_capture_on_commit_callbacks, eager_tasks
):
    filer = ExporterFactory(email="filer@firm.example")
    notification = submitted_at(Status.SCREENING, firm=filer.firm, created_by=filer)
    ExporterFactory(
        firm=filer.firm, email="watcher@firm.example", email_all_firm_notifications=True
    )
    ExporterFactory(firm=filer.firm, email="quiet@firm.example")
    ExporterFactory(
        firm=FirmFactory(), email="other-firm@elsewhere.example", email_all_firm_notifications=True
    )
    # Ministry staff belong to no firm, whatever their preference says.
    UserFactory(
        email="reviewer@ministry.example", roles=[Role.REVIEWER], email_all_firm_notifications=True
    )

    messages = _clear(notification, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in messages) == ["filer@firm.example", "watcher@firm.example"]
    assert all(len(m.to) == 1 for m in messages)


def test_a_filer_who_left_or_was_deactivated_hears_nothing_more(
    django_capture_on_commit_callbacks, eager_tasks
):
    filer = ExporterFactory(email="filer@firm.example")
    notification = submitted_at(Status.SCREENING, firm=filer.firm, created_by=filer)
    filer.is_active = False
    filer.save(update_fields=["is_active"])

    assert _clear(notification, django_capture_on_commit_callbacks) == []


def test_an_opted_in_user_without_an_exporter_role_hears_nothing():
    filer = ExporterFactory(email="filer@firm.example")
    notification = submitted_at(Status.SCREENING, firm=filer.firm, created_by=filer)
    UserFactory(firm=filer.firm, email="no-role@firm.example", email_all_firm_notifications=True)

    recipients = emails.status_recipients(notification)

    assert [u.email for u in recipients] == ["filer@firm.example"]


def test_an_opted_in_filer_gets_one_email_not_two():
    filer = ExporterFactory(email="filer@firm.example", email_all_firm_notifications=True)
    notification = submitted_at(Status.SCREENING, firm=filer.firm, created_by=filer)

    messages = emails.status_change_messages(notification, Status.CLEARED)

    assert [m.to for m in messages] == [["filer@firm.example"]]


def _fields(obj) -> list:
    return [getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields]


def test_the_compiled_recipients_are_status_recipients_for_every_filing():
    """``recipients_of`` runs ``status_recipients``' SQL compiled once, with each filing's firm
    and filer in place: the same users, in the same order, with the same fields."""
    firm_a = ExporterFactory(email="a-filer@firm.example").firm
    filer_a = firm_a.users.get()
    ExporterFactory(firm=firm_a, email="a-watch@firm.example", email_all_firm_notifications=True)
    ExporterFactory(
        firm=firm_a,
        email="a-admin@firm.example",
        roles=(Role.FIRM_ADMIN,),
        email_all_firm_notifications=True,
    )
    ExporterFactory(firm=firm_a, email="a-quiet@firm.example")
    ExporterFactory(
        firm=firm_a, email="a-gone@firm.example", email_all_firm_notifications=True, is_active=False
    )
    UserFactory(firm=firm_a, email="a-no-role@firm.example", email_all_firm_notifications=True)
    UserFactory(
        email="ministry@example.org", roles=[Role.REVIEWER], email_all_firm_notifications=True
    )
    filer_b = ExporterFactory(email="b-filer@firm.example", email_all_firm_notifications=True)
    ExporterFactory(firm=filer_b.firm, email="b-quiet@firm.example")
    left = ExporterFactory(firm=firm_a, email="a-left@firm.example")
    filings = [
        submitted_at(Status.SCREENING, firm=firm_a, created_by=filer_a),
        submitted_at(Status.SCREENING, firm=filer_b.firm, created_by=filer_b),
        submitted_at(Status.SCREENING, firm=firm_a, created_by=left),
    ]
    left.is_active = False
    left.save(update_fields=["is_active"])
    compiled.clear()

    with mock.patch.object(compiled, "_compile", wraps=compiled._compile) as compiling:
        found = [emails.recipients_of(n) for n in filings]

    assert compiling.call_count == 1
    assert [[u.email for u in users] for users in found] == [
        ["a-filer@firm.example", "a-watch@firm.example", "a-admin@firm.example"],
        ["b-filer@firm.example"],
        ["a-watch@firm.example", "a-admin@firm.example"],
    ]
    for notification, users in zip(filings, found, strict=True):
        expected = list(emails.status_recipients(notification))
        assert [_fields(u) for u in users] == [_fields(u) for u in expected]


def test_the_status_email_task_reads_its_filing_with_two_queries_compiled_once():
    filer = ExporterFactory(email="filer@firm.example")
    notifications = [
        submitted_at(Status.CLEARED, firm=filer.firm, created_by=filer) for _ in range(2)
    ]
    compiled.clear()
    mail.outbox.clear()

    with (
        mock.patch.object(compiled, "_compile", wraps=compiled._compile) as compiling,
        CaptureQueriesContext(connection) as queries,
    ):
        sent = [tasks.send_status_email.run(n.pk, Status.CLEARED) for n in notifications]

    assert sent == [1, 1]
    assert len(queries.captured_queries) == 4
    assert compiling.call_count == 2  # the filing's query and the recipients', once each
    assert [m.to for m in mail.outbox] == [["filer@firm.example"]] * 2
    for notification in notifications:
        read = tasks._notification(notification.pk)
        assert _fields(read) == _fields(Notification.objects.get(pk=notification.pk))


def test_the_status_email_of_a_filing_that_does_not_exist_fails_visibly():
    with pytest.raises(Notification.DoesNotExist):
        tasks.send_status_email.run(2**31 - 1, Status.CLEARED)


MAIL_TASKS = [
    "notifications.send_status_email",
    "notifications.send_inform_notice_email",
    "partners.send_publication_emails",
    "accounts.send_signup_email",
    "accounts.send_signup_existing_account_email",
    "accounts.send_invitation_email",
    "accounts.send_credentials_revoked_email",
    "accounts.send_account_locked_email",
]


def _queue_of(task_name: str) -> str:
    """The queue Celery's own router picks for ``task_name`` under the project's settings (a
    fresh app: the test session may have pointed the shared one at queues of its own)."""
    app = Celery("routing-check", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize("name", MAIL_TASKS)
def test_every_mail_task_is_routed_to_the_mail_queue(name):
    celery_app.loader.import_default_modules()
    assert name in celery_app.tasks, f"{name} is not a registered task"
    assert settings.MAIL_QUEUE == "mail"
    assert _queue_of(name) == "mail"


@pytest.mark.parametrize("name", ["screening.screen_notification", "notifications.render_document"])
def test_screening_and_documents_stay_off_the_mail_queue(name):
    assert _queue_of(name) == "celery"


def test_every_task_that_sends_mail_is_routed_to_the_mail_queue():
    """A new mail task added without a route would share the screening queue again."""
    celery_app.loader.import_default_modules()  # every app's tasks module, as a worker does
    mail_like = sorted(
        name
        for name in celery_app.tasks
        if name.split(".", 1)[0] in {"notifications", "accounts", "partners"}
        and ("email" in name or "mail" in name)
    )
    assert mail_like == sorted(MAIL_TASKS)


def _compose_commands() -> dict[str, list[str]]:
    import yaml

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    return {name: service.get("command") or [] for name, service in compose["services"].items()}


def test_every_way_of_starting_a_worker_consumes_the_mail_queue():
    consumed = [
        command[command.index("--queues") + 1].split(",")
        for command in _compose_commands().values()
        if "worker" in command and "--queues" in command
    ]
    assert any(settings.MAIL_QUEUE in queues for queues in consumed), consumed
    # ... on a worker of its own: mail never waits behind screening or documents.
    mail_worker = _compose_commands()["mail-worker"]
    assert mail_worker[mail_worker.index("--queues") + 1] == settings.MAIL_QUEUE
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    worker_recipe = makefile.split("\nworker:", 1)[1].split("\n\n", 1)[0]
    assert "--queues celery,mail" in worker_recipe
    procfile = (settings.BASE_DIR / "exportctl" / "Procfile").read_text()
    assert "--queues celery,mail" in procfile


@pytest.mark.worker
@pytest.mark.usefixtures("transactional_db")
def test_the_worker_sends_status_mail_to_the_filer_only_through_the_mail_queue(task_runner):
    """The task path as production runs it: the submission's e-mail travels on the (session's)
    mail queue to a real worker, which sends it to the filer alone; with no broker it runs
    in-process and the same holds."""
    from tests.factories import ready_notification

    filer = ExporterFactory(email="filer@firm.example")
    ExporterFactory(firm=filer.firm, email="colleague@firm.example")
    notification = ready_notification(firm=filer.firm, created_by=filer)
    mail.outbox.clear()

    submitted = services.notification_submit(
        notification=notification, actor=filer, declaration_accepted=True
    )

    sent = task_runner.wait_for(
        lambda: [m for m in task_runner.sent_mail() if submitted.reference in m], timeout=90
    )
    assert all("filer@firm.example" in m for m in sent)
    assert not any("colleague@firm.example" in m for m in task_runner.sent_mail())


def test_a_status_never_mailed_queues_no_mail_task(monkeypatch):
    """Screening's own step is not mailed, so no message is put on the mail queue for it; the
    clearance that follows is."""
    from notifications import tasks

    queued = []
    monkeypatch.setattr(
        tasks.send_status_email, "delay_on_commit", lambda *args: queued.append(args)
    )
    notification = submitted_at(Status.SUBMITTED)

    services.notification_start_screening(notification=notification)
    assert queued == []

    services.notification_clear(
        notification=notification, result=ScreeningResult(score=5, level="low")
    )
    assert queued == [(notification.pk, Status.CLEARED)]
