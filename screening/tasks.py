"""The screening worker's tasks. Ids are the only arguments; each task calls one service.

Every task may run more than once (``acks_late``: a message is redelivered when a worker dies
mid-run, and the sweeper re-queues stuck work), which the services make harmless: a run is
idempotent per (notification, list version, ruleset version, trigger, trigger_ref).

Only transient errors are retried here. Anything else is a bug or bad data: the service has
already marked the run FAILED (visible to reviewers) and the error propagates to Celery.
"""

from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from partners.services import (
    list_version_rescreen_fail,
    list_version_rescreen_progress,
    list_version_rescreen_start,
)
from screening.models import Trigger
from screening.rescreen import screening_rescreen_batch
from screening.selectors import (
    rescreen_candidate_ids,
    stuck_notification_ids,
    unstarted_rescreen_version_ids,
)
from screening.services import screening_run_execute

#: The database or the broker went away for a moment; worth trying again.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerOperationalError,
)
#: A notification untouched this long in submitted/screening has lost its message or worker.
STUCK_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
#: Cases per re-screen task: large enough that the per-task costs (queries, one audit event,
#: the broker round trip) vanish beside matching, small enough to stay well inside the time limit
#: and to let two workers share the tail of the work.
RESCREEN_BATCH_SIZE = 250

_TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(
    name="screening.screen_notification", soft_time_limit=60, time_limit=90, **_TASK_OPTIONS
)
def screen_notification(notification_id: int) -> str | None:
    run = screening_run_execute(notification_id=notification_id, trigger=Trigger.SUBMISSION)
    return str(run.public_id) if run else None


@shared_task(
    name="screening.rerun_notification",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def rerun_notification(notification_id: int, request_ref: str) -> str | None:
    """A reviewer's "re-run screening" (``screening.services.screening_rerun_request``): the run
    is keyed by the request's own reference, so a redelivered message makes one run."""
    run = screening_run_execute(
        notification_id=notification_id, trigger=Trigger.MANUAL, trigger_ref=request_ref
    )
    return str(run.public_id) if run else None


@shared_task(name="screening.rescreen_batch", soft_time_limit=300, time_limit=360, **_TASK_OPTIONS)
def rescreen_batch(notification_ids: list[int], list_version_id: int) -> dict:
    """Re-screen one chunk of cases after a publication and count them on the version's progress.

    A case counts once it is finished for good: re-screened (or skipped), or failed. A case that
    fails on its own is marked FAILED by the service while the rest of the chunk goes on; a
    transient error retries the whole chunk (idempotent) and counts nothing until the chunk
    finishes, or until the retries are exhausted (then every case of it counts as failed)."""
    return _rescreen_counted(rescreen_batch, notification_ids, list_version_id)


@shared_task(
    name="screening.rescreen_notification", soft_time_limit=60, time_limit=90, **_TASK_OPTIONS
)
def rescreen_notification(notification_id: int, list_version_id: int) -> dict:
    """One case: messages queued before the fan-out went by chunks are still worked off."""
    return _rescreen_counted(rescreen_notification, [notification_id], list_version_id)


def _rescreen_counted(task, notification_ids: list[int], list_version_id: int) -> dict:
    cases = len(set(notification_ids))
    try:
        result = screening_rescreen_batch(
            notification_ids=notification_ids, list_version_id=list_version_id
        )
    except TRANSIENT_ERRORS:
        if task.request.retries < task.max_retries:
            raise  # retried by autoretry_for; counted when it finishes
        list_version_rescreen_fail(version_id=list_version_id, cases=cases)
        raise
    except Exception:
        list_version_rescreen_fail(version_id=list_version_id, cases=cases)
        raise
    list_version_rescreen_progress(
        version_id=list_version_id, done=result.done, failed=result.failed
    )
    return {"done": result.done, "failed": result.failed}


@shared_task(name="screening.sweep_stuck", soft_time_limit=120, time_limit=180, **_TASK_OPTIONS)
def sweep_stuck() -> int:
    """Re-queue screening that a lost message or a dead worker left unfinished: submissions
    stuck before their run, and the re-screen of a publication whose fan-out never started."""
    cutoff = timezone.now() - STUCK_AFTER
    ids = stuck_notification_ids(updated_before=cutoff, limit=SWEEP_BATCH)
    for notification_id in ids:
        screen_notification.delay(notification_id)
    for version_id in unstarted_rescreen_version_ids(published_before=cutoff):
        rescreen_after_publication.delay(version_id)
    return len(ids)


@shared_task(
    name="screening.rescreen_after_publication",
    soft_time_limit=300,
    time_limit=360,
    **_TASK_OPTIONS,
)
def rescreen_after_publication(list_version_id: int) -> int:
    """Fan out one re-screening task per chunk of ``RESCREEN_BATCH_SIZE`` open, cleared or
    permitted cases (run on publication); returns the number of cases.

    Each chunk is idempotent per (notification, list version), so a redelivered fan-out only
    repeats work that records nothing new.

    The total is stored before the first task is queued: with eager tasks (and with fast
    workers) a chunk may be finished before the next one is queued, and its count must land on a
    total that is already there. A redelivered fan-out starts the count again from zero."""
    candidate_ids = list(rescreen_candidate_ids())
    list_version_rescreen_start(version_id=list_version_id, total=len(candidate_ids))
    for start in range(0, len(candidate_ids), RESCREEN_BATCH_SIZE):
        rescreen_batch.delay(candidate_ids[start : start + RESCREEN_BATCH_SIZE], list_version_id)
    return len(candidate_ids)
