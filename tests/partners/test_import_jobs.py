"""The list manager's upload as an import job run by the worker (issue 19, finding 8): the file is
kept with its SHA-256, the worker imports it within a time limit, the job's page shows its
progress, then the draft or every problem of the file; nothing is imported on failure."""

from __future__ import annotations

import datetime
import hashlib
import re
from html import unescape
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from partners import services, tasks
from partners.models import (
    ListImportJob,
    ListImportJobError,
    ListImportJobStatus,
    ListVersion,
)
from partners.services import list_version_import, list_version_publish
from tests.factories import ExporterFactory, UserFactory
from tests.partners.conftest import EUL_2025_01, EUL_2025_09, good_row
from tests.partners.test_services import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def manager(client):
    user = UserFactory(roles=[Role.LIST_MANAGER])
    client.force_login(user)
    return user


@pytest.fixture
def post_import(client, django_capture_on_commit_callbacks):
    """Post the upload; the job runs in-process after commit, as without REDIS_URL."""

    def post(path, **data):
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("partners:import"), {"source": "meti-eul", "eul_file": upload, **data}
            )

    return post


def actions_since(count: int) -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)[count:])


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def stored_files() -> list[str]:
    root = settings.MEDIA_ROOT / "list-imports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- success -----------------------------------------------------------------------------------


def test_upload_creates_a_job_whose_draft_has_the_same_diff(client, manager, post_import):
    list_version_publish(
        version=list_version_import(
            source_code="meti-eul", file=EUL_2025_01, file_name=EUL_2025_01.name, actor=manager
        ),
        actor=manager,
    )
    audit_before = AuditEvent.objects.count()
    response = post_import(EUL_2025_09, label="2025-09-29")

    job = ListImportJob.objects.get()
    assert response["Location"] == reverse("partners:import_job", args=[job.public_id])
    draft = ListVersion.objects.get(status="draft")
    assert (job.status, job.version, job.requested_by) == ("succeeded", draft, manager)
    assert job.attempts == 1 and job.started_at <= job.finished_at
    # The file is kept under MEDIA_ROOT (var/, never served) with its SHA-256.
    digest = hashlib.sha256(EUL_2025_09.read_bytes()).hexdigest()
    assert stored_files() == [f"{job.public_id}/list.xlsx"]
    assert job.file_sha256 == draft.file_sha256 == digest
    assert (job.file_name, draft.file_name, draft.label) == (
        EUL_2025_09.name,
        EUL_2025_09.name,
        "2025-09-29",
    )
    assert actions_since(audit_before) == [
        "list_import_job.request",
        "list_version.import",
        "list_import_job.succeed",
    ]
    # The job's page goes on to the draft, whose diff is the one the direct import gave.
    page = client.get(response["Location"])
    assert page["Location"] == reverse("partners:version", args=[draft.public_id])
    diff = client.get(page["Location"])
    assert diff.context["counts"] == {"changed": 186, "added": 93, "removed": 6}
    assert diff.context["diff"].unchanged_count == 556
    assert "was imported as a draft with 835 entries" in text(diff)


def test_a_job_runs_once(manager, post_import):
    post_import(EUL_2025_01)
    job = ListImportJob.objects.get()
    audit_before = AuditEvent.objects.count()
    tasks.import_list(job.pk)  # a redelivered message, or the sweeper's second try
    assert ListVersion.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 1)


# --- failure -----------------------------------------------------------------------------------


def test_a_malformed_workbook_fails_the_job_with_its_problems_and_imports_nothing(
    client, manager, make_workbook, post_import
):
    path = make_workbook(
        [good_row("Fine Co."), ["=ROW()-1", "Atlantis", "Bad Country Co.", None, "核\nN", None]]
    )
    before = snapshot()
    response = post_import(path)

    job = ListImportJob.objects.get()
    assert job.status == ListImportJobStatus.FAILED
    assert job.problems == [
        {"row": 3, "column": "B", "reason": "unknown country or region 'Atlantis'"}
    ]
    assert job.version is None
    assert snapshot()[:3] == before[:3]  # no version, no entry, no source
    assert actions_since(before[3]) == ["list_import_job.request", "list_import_job.fail"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "3 B unknown country or region 'Atlantis'" in text(page)
    assert "The file has 1 problem, listed below. Nothing was imported." in text(page)


def test_the_soft_time_limit_fails_the_job_with_a_clear_message(client, manager, post_import):
    before = snapshot()
    with mock.patch.object(
        services, "list_version_import", side_effect=SoftTimeLimitExceeded()
    ) as service:
        response = post_import(EUL_2025_01)
    assert service.called  # the worker did call the import service
    job = ListImportJob.objects.get()
    assert (job.status, job.error, job.problems) == ("failed", ListImportJobError.TIME_LIMIT, [])
    assert snapshot()[:3] == before[:3]
    page = client.get(response["Location"])
    assert (
        f"The import took longer than {settings.LIST_IMPORT_SOFT_TIME_LIMIT} seconds and was "
        "stopped. Nothing was imported." in text(page)
    )


def test_the_time_limit_inside_the_storing_transaction_leaves_nothing(manager, post_import):
    """The limit can strike after rows were written: the service's transaction rolls back."""
    real = services.list_version_import

    def stopped_after_storing(**kwargs):
        def stop(version):
            assert version.entries.count() == 748  # written, not yet committed
            raise SoftTimeLimitExceeded()

        return real(**{**kwargs, "on_stored": stop})

    before = snapshot()
    with mock.patch.object(services, "list_version_import", side_effect=stopped_after_storing):
        post_import(EUL_2025_01)
    assert ListImportJob.objects.get().status == ListImportJobStatus.FAILED
    assert snapshot()[:3] == before[:3]
    assert "list_version.import" not in actions_since(before[3])


def test_an_unexpected_error_fails_the_job_and_reaches_celery(manager, post_import):
    with mock.patch.object(services, "list_version_import", side_effect=KeyError("bug")):
        response = post_import(EUL_2025_01)  # in-process: the dispatch logs it
        assert response.status_code == 302  # and the upload still leads to the job's page
        job = queued_job(manager)
        with pytest.raises(KeyError):  # in a worker, Celery records the error
            tasks.import_list(job.pk)
    states = list(ListImportJob.objects.values_list("status", "error"))
    assert states == [("failed", ListImportJobError.INTERNAL)] * 2
    assert ListVersion.objects.count() == 0


def test_the_task_has_the_time_limits_of_the_settings():
    assert tasks.import_list.soft_time_limit == settings.LIST_IMPORT_SOFT_TIME_LIMIT == 120
    assert tasks.import_list.time_limit == settings.LIST_IMPORT_TIME_LIMIT == 150
    assert tasks.import_list.acks_late and tasks.import_list.reject_on_worker_lost


# --- the page and its progress -----------------------------------------------------------------


def queued_job(user) -> ListImportJob:
    """A job as a real worker would find it: its file stored, its message not yet run."""
    job = ListImportJob.objects.create(
        source_code="meti-eul",
        file_dir="list-imports/queued",
        file_name=EUL_2025_01.name,
        requested_by=user,
    )
    default_storage.save("list-imports/queued/list.xlsx", EUL_2025_01.open("rb"))
    return job


def test_a_queued_job_polls_and_then_sends_the_browser_on(client, manager):
    job = queued_job(manager)
    page = client.get(reverse("partners:import_job", args=[job.public_id]))
    progress = reverse("partners:import_job_progress", args=[job.public_id])
    assert page.status_code == 200
    assert f'hx-get="{progress}"' in page.content.decode()
    assert 'data-status="queued"' in page.content.decode()
    panel = client.get(progress, HTTP_HX_REQUEST="true")
    assert 'data-polling="true"' in panel.content.decode()
    # Without htmx, the progress URL leads to the page.
    assert client.get(progress)["Location"] == reverse("partners:import_job", args=[job.public_id])

    tasks.import_list(job.pk)

    done = client.get(progress, HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert done["HX-Redirect"] == reverse("partners:version", args=[job.version.public_id])


def test_a_failed_job_sends_the_poll_to_its_page(client, manager):
    job = queued_job(manager)
    services.list_import_job_fail(job_id=job.pk, error=ListImportJobError.WORKER_LOST)
    url = reverse("partners:import_job", args=[job.public_id])
    progress = reverse("partners:import_job_progress", args=[job.public_id])
    assert client.get(progress, HTTP_HX_REQUEST="true")["HX-Redirect"] == url
    page = client.get(url)
    assert "The worker stopped before the import finished." in text(page)
    assert "hx-get" not in page.content.decode()


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        ExporterFactory,
        lambda: UserFactory(roles=[Role.REVIEWER]),
        lambda: UserFactory(roles=[Role.AUDITOR]),
    ],
)
def test_others_cannot_upload_and_nothing_changes(
    client, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user())
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:import"),
            {
                "source": "meti-eul",
                "eul_file": SimpleUploadedFile(EUL_2025_01.name, EUL_2025_01.read_bytes()),
            },
        )
    assert response.status_code == 403
    assert snapshot()[:3] == before[:3]
    assert ListImportJob.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "list-imports").exists()
    assert actions_since(before[3]) == ["access.refused"]


@pytest.mark.parametrize("name", ["partners:import_job", "partners:import_job_progress"])
@pytest.mark.parametrize(
    "make_user",
    [
        ExporterFactory,
        lambda: UserFactory(roles=[Role.REVIEWER]),
        lambda: UserFactory(roles=[Role.AUDITOR]),
    ],
)
def test_a_job_is_403_for_anyone_but_a_list_manager(client, name, make_user):
    job = queued_job(UserFactory(roles=[Role.LIST_MANAGER]))
    client.force_login(make_user())
    response = client.get(reverse(name, args=[job.public_id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "hx-get" not in response.content.decode()


def test_an_unknown_job_is_404(client, manager):
    queued_job(manager)
    other = "00000000-0000-4000-8000-000000000000"
    assert client.get(reverse("partners:import_job", args=[other])).status_code == 404


# --- the sweeper ---------------------------------------------------------------------------------


def test_the_sweeper_requeues_a_lost_job_and_fails_one_whose_worker_died(manager):
    lost_message = queued_job(manager)
    ListImportJob.objects.filter(pk=lost_message.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    fresh = ListImportJob.objects.create(
        source_code="meti-eul", file_dir="list-imports/fresh", file_name="x.xlsx"
    )
    dead_worker = ListImportJob.objects.create(
        source_code="meti-eul",
        file_dir="list-imports/dead",
        file_name="y.xlsx",
        status=ListImportJobStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    assert tasks.sweep_import_jobs() == {"requeued": 1, "failed": 1}

    states = dict(ListImportJob.objects.values_list("pk", "status"))
    assert states == {lost_message.pk: "succeeded", fresh.pk: "queued", dead_worker.pk: "failed"}
    dead_worker.refresh_from_db()
    assert dead_worker.error == ListImportJobError.WORKER_LOST
    # Sweeping again changes nothing.
    audit_before = AuditEvent.objects.count()
    assert tasks.sweep_import_jobs() == {"requeued": 0, "failed": 0}
    assert AuditEvent.objects.count() == audit_before
    assert ListVersion.objects.count() == 1


def test_the_sweeper_is_on_the_beat_schedule():
    from exportctl.celery import app

    entries = {e["task"]: e["schedule"] for e in app.conf.beat_schedule.values()}
    assert entries["partners.sweep_import_jobs"] <= 300


def test_a_job_that_keeps_killing_its_worker_is_failed_not_run_again(manager):
    job = queued_job(manager)
    ListImportJob.objects.filter(pk=job.pk).update(
        status=ListImportJobStatus.RUNNING, attempts=3, started_at=timezone.now()
    )
    with mock.patch.object(services, "list_version_import") as service:
        tasks.import_list(job.pk)  # the message of the third dead worker, redelivered
    assert not service.called
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", ListImportJobError.WORKER_LOST)
