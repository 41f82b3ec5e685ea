"""Progress of the re-screen a publication queues: the fan-out stores the total before the first
case task runs, each case task counts itself once it is finished for good, and the count never
passes the total (database constraints back that)."""

import pytest
from django.db import IntegrityError, OperationalError, transaction

from exportctl.celery import app as celery_app
from notifications.workflow import Status
from partners.models import ListVersion
from partners.services import list_version_publish
from screening import tasks
from screening.tasks import rescreen_after_publication, rescreen_notification
from tests.factories import submitted_at
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.django_db


@pytest.fixture
def eul():
    make_tiers()
    return publish_eul(EUL_SAMPLE)


def progress(version) -> tuple:
    v = ListVersion.objects.get(pk=version.pk)
    return (v.rescreen_total, v.rescreen_done, v.rescreen_failed, v.rescreen_percent)


def cases():
    """One case of each re-screened kind and two that are not re-screened."""
    return [
        submitted_at(Status.CLEARED, destination_country="US"),
        submitted_at(Status.UNDER_REVIEW, destination_country="US"),
        submitted_at(Status.INFO_REQUESTED, destination_country="US"),
    ], [submitted_at(Status.DRAFT), submitted_at(Status.WITHDRAWN)]


def test_a_version_never_published_has_no_progress(eul):
    draft = publish_eul(EUL_SAMPLE, label="draft", status="draft")
    assert progress(draft) == (None, 0, 0, 0)
    assert (draft.rescreen_started, draft.rescreen_finished) == (False, False)


def test_fan_out_counts_every_case_when_tasks_run_eagerly(eul, eager_tasks):
    candidates, _others = cases()
    assert rescreen_after_publication(eul.pk) == 3
    assert progress(eul) == (3, 3, 0, 100)
    version = ListVersion.objects.get(pk=eul.pk)
    assert version.rescreen_finished
    assert version.rescreen_started_at <= version.rescreen_finished_at


def test_the_total_is_stored_before_the_first_case_is_queued(eul, monkeypatch):
    cases()
    seen = []
    monkeypatch.setattr(
        tasks.rescreen_notification,
        "delay",
        lambda notification_id, version_id: seen.append(progress(eul)),
    )
    rescreen_after_publication(eul.pk)
    assert seen == [(3, 0, 0, 0)] * 3
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at is None


def test_nothing_to_rescreen_is_finished_at_once(eul):
    submitted_at(Status.DRAFT)
    assert rescreen_after_publication(eul.pk) == 0
    version = ListVersion.objects.get(pk=eul.pk)
    assert progress(eul) == (0, 0, 0, 100)
    assert version.rescreen_finished
    assert version.rescreen_finished_at is not None


def test_publish_through_the_service_ends_at_100_percent(eul, django_capture_on_commit_callbacks):
    cases()
    draft = publish_eul(EUL_SAMPLE, label="next", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        list_version_publish(version=draft, actor=None)
    assert progress(draft) == (3, 3, 0, 100)
    assert progress(eul) == (None, 0, 0, 0)  # the superseded version's own count is untouched


def test_each_case_counts_once_and_never_beyond_the_total(eul):
    [cleared, review, _], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=2)
    rescreen_notification(cleared.pk, eul.pk)
    assert progress(eul) == (2, 1, 0, 50)
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at is None
    rescreen_notification(review.pk, eul.pk)
    assert progress(eul) == (2, 2, 0, 100)
    finished_at = ListVersion.objects.get(pk=eul.pk).rescreen_finished_at
    assert finished_at is not None
    rescreen_notification(review.pk, eul.pk)  # a redelivered message
    assert progress(eul) == (2, 2, 0, 100)
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at == finished_at


def test_a_skipped_case_still_counts(eul):
    withdrawn = submitted_at(Status.WITHDRAWN)
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=1)
    assert rescreen_notification(withdrawn.pk, eul.pk) is None
    assert progress(eul) == (1, 1, 0, 100)


def test_a_case_that_fails_counts_as_done_and_failed(eul, monkeypatch):
    [cleared, *_], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)

    def broken(**kwargs):
        raise ValueError("bad data")

    monkeypatch.setattr(tasks, "screening_rescreen", broken)
    with pytest.raises(ValueError, match="bad data"):
        rescreen_notification.apply(args=(cleared.pk, eul.pk))
    assert progress(eul) == (3, 1, 1, 33)


@pytest.fixture
def eager_retries():
    """Celery retries an eager task in place only when eager errors are not propagated (with
    propagation the first retry request itself is raised)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.mark.usefixtures("eager_retries")
def test_a_transient_error_counts_only_when_retries_are_exhausted(eul, monkeypatch):
    [cleared, *_], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    calls = []

    def flaky(**kwargs):
        calls.append(rescreen_notification.request.retries)
        raise OperationalError("database went away")

    monkeypatch.setattr(tasks, "screening_rescreen", flaky)
    result = rescreen_notification.apply(args=(cleared.pk, eul.pk))
    assert isinstance(result.result, OperationalError)
    assert calls == list(range(rescreen_notification.max_retries + 1))
    assert progress(eul) == (3, 1, 1, 33)


@pytest.mark.usefixtures("eager_retries")
def test_a_retried_case_that_then_succeeds_counts_once(eul, monkeypatch):
    [cleared, *_], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    real = tasks.screening_rescreen
    calls = []

    def once_flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "screening_rescreen", once_flaky)
    result = rescreen_notification.apply(args=(cleared.pk, eul.pk))
    assert result.successful()
    assert len(calls) == 2
    assert progress(eul) == (3, 1, 0, 33)


def test_a_redelivered_fan_out_starts_the_count_again(eul, eager_tasks):
    cases()
    rescreen_after_publication(eul.pk)
    rescreen_after_publication(eul.pk)
    assert progress(eul) == (3, 3, 0, 100)


def test_database_refuses_more_done_than_total(eul):
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListVersion.objects.filter(pk=eul.pk).update(rescreen_done=3)
    assert progress(eul) == (2, 0, 0, 0)


def test_database_refuses_a_count_without_a_total(eul):
    with pytest.raises(IntegrityError), transaction.atomic():
        ListVersion.objects.filter(pk=eul.pk).update(rescreen_done=1)


def test_database_refuses_more_failed_than_done(eul):
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=2, rescreen_done=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListVersion.objects.filter(pk=eul.pk).update(rescreen_failed=2)
