"""Progress of the re-screen a publication queues: the fan-out stores the total before the first
batch task runs, each batch task counts its cases once they are finished for good, and the count
never passes the total (database constraints back that)."""

import pytest
from django.db import IntegrityError, OperationalError, transaction

from exportctl.celery import app as celery_app
from notifications.workflow import Status
from partners.models import ListVersion
from partners.services import list_version_publish
from screening import rescreen as rescreen_module
from screening import tasks
from screening.models import RunStatus, ScreeningRun
from screening.tasks import rescreen_after_publication, rescreen_batch, rescreen_notification
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


def test_the_total_is_stored_before_the_first_batch_is_queued(eul, monkeypatch):
    candidates, _others = cases()
    seen = []
    monkeypatch.setattr(tasks, "RESCREEN_BATCH_SIZE", 2)
    monkeypatch.setattr(
        tasks.rescreen_batch,
        "delay",
        lambda notification_ids, version_id: seen.append((notification_ids, progress(eul))),
    )
    rescreen_after_publication(eul.pk)
    ids = sorted(n.pk for n in candidates)
    assert seen == [(ids[:2], (3, 0, 0, 0)), (ids[2:], (3, 0, 0, 0))]
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at is None


def test_batches_of_the_fan_out_count_every_case_when_tasks_run_eagerly(
    eul, eager_tasks, monkeypatch
):
    cases()
    monkeypatch.setattr(tasks, "RESCREEN_BATCH_SIZE", 2)
    counts = []
    real = tasks.screening_rescreen_batch

    def counted(**kwargs):
        result = real(**kwargs)
        counts.append((len(kwargs["notification_ids"]), progress(eul)))
        return result

    monkeypatch.setattr(tasks, "screening_rescreen_batch", counted)
    assert rescreen_after_publication(eul.pk) == 3
    assert counts == [(2, (3, 0, 0, 0)), (1, (3, 2, 0, 66))]  # each seen before its own count
    assert progress(eul) == (3, 3, 0, 100)


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
    [cleared, review, info], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    assert rescreen_batch([cleared.pk, review.pk], eul.pk) == {"done": 2, "failed": 0}
    assert progress(eul) == (3, 2, 0, 66)
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at is None
    rescreen_batch([info.pk], eul.pk)
    assert progress(eul) == (3, 3, 0, 100)
    finished_at = ListVersion.objects.get(pk=eul.pk).rescreen_finished_at
    assert finished_at is not None
    rescreen_batch([cleared.pk, review.pk], eul.pk)  # a redelivered message
    assert progress(eul) == (3, 3, 0, 100)
    assert ListVersion.objects.get(pk=eul.pk).rescreen_finished_at == finished_at


def test_a_message_of_the_per_case_fan_out_still_counts_its_case(eul):
    [cleared, *_], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    assert rescreen_notification(cleared.pk, eul.pk) == {"done": 1, "failed": 0}
    assert progress(eul) == (3, 1, 0, 33)


def test_a_skipped_case_still_counts(eul):
    [cleared, *_], _ = cases()
    withdrawn = submitted_at(Status.WITHDRAWN)
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=2)
    assert rescreen_batch([withdrawn.pk, cleared.pk], eul.pk) == {"done": 2, "failed": 0}
    assert progress(eul) == (2, 2, 0, 100)


def test_a_case_that_fails_counts_as_done_and_failed_and_the_rest_of_its_batch_goes_on(
    eul, monkeypatch
):
    [cleared, review, info], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    assess = rescreen_module.assess

    def broken_for_review(notification, **kwargs):
        if notification.pk == review.pk:
            raise ValueError("bad data")
        return assess(notification, **kwargs)

    monkeypatch.setattr(rescreen_module, "assess", broken_for_review)
    result = rescreen_batch.apply(args=([cleared.pk, review.pk, info.pk], eul.pk))
    assert result.result == {"done": 3, "failed": 1}
    assert progress(eul) == (3, 3, 1, 100)
    runs = dict(
        ScreeningRun.objects.filter(trigger_ref=str(eul.pk)).values_list(
            "notification_id", "status"
        )
    )
    assert runs == {
        cleared.pk: RunStatus.COMPLETED,
        review.pk: RunStatus.FAILED,
        info.pk: RunStatus.COMPLETED,
    }


def test_a_batch_that_fails_as_a_whole_counts_every_case_as_failed(eul, monkeypatch):
    [cleared, review, _], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)

    def broken(**kwargs):
        raise ValueError("bad data")

    monkeypatch.setattr(tasks, "screening_rescreen_batch", broken)
    with pytest.raises(ValueError, match="bad data"):
        rescreen_batch.apply(args=([cleared.pk, review.pk], eul.pk))
    assert progress(eul) == (3, 2, 2, 66)


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
        calls.append(rescreen_batch.request.retries)
        raise OperationalError("database went away")

    monkeypatch.setattr(tasks, "screening_rescreen_batch", flaky)
    result = rescreen_batch.apply(args=([cleared.pk], eul.pk))
    assert isinstance(result.result, OperationalError)
    assert calls == list(range(rescreen_batch.max_retries + 1))
    assert progress(eul) == (3, 1, 1, 33)


@pytest.mark.usefixtures("eager_retries")
def test_a_retried_case_that_then_succeeds_counts_once(eul, monkeypatch):
    [cleared, *_], _ = cases()
    ListVersion.objects.filter(pk=eul.pk).update(rescreen_total=3)
    real = tasks.screening_rescreen_batch
    calls = []

    def once_flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "screening_rescreen_batch", once_flaky)
    result = rescreen_batch.apply(args=([cleared.pk], eul.pk))
    assert result.successful()
    assert len(calls) == 2
    assert progress(eul) == (3, 1, 0, 33)
    assert ScreeningRun.objects.filter(notification=cleared, trigger_ref=str(eul.pk)).count() == 1


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
