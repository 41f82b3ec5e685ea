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
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from partners.models import ListVersion
from screening.models import Trigger
from screening.selectors import rescreen_candidate_ids, stuck_notification_ids
from screening.services import screening_rescreen, screening_run_execute

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
    name="screening.rescreen_notification", soft_time_limit=60, time_limit=90, **_TASK_OPTIONS
)
def rescreen_notification(notification_id: int, list_version_id: int) -> str | None:
    """Re-screen one case after a publication and count it on the version's progress.

    A case counts once it is finished for good: re-screened (or skipped), or failed beyond
    retrying. A transient error that Celery will retry does not count yet. The count is one
    atomic UPDATE capped at the total, so concurrent workers never lose an increment and a
    message redelivered after the count cannot push the bar past 100 %."""
    try:
        run = screening_rescreen(notification_id=notification_id, list_version_id=list_version_id)
    except TRANSIENT_ERRORS:
        if rescreen_notification.request.retries < rescreen_notification.max_retries:
            raise  # retried by autoretry_for; counted when it finishes
        _count_rescreened(list_version_id, failed=True)
        raise
    except Exception:
        _count_rescreened(list_version_id, failed=True)
        raise
    _count_rescreened(list_version_id, failed=False)
    return str(run.public_id) if run else None


def _count_rescreened(list_version_id: int, *, failed: bool) -> None:
    versions = ListVersion.objects.filter(pk=list_version_id, rescreen_total__isnull=False)
    changes = {"rescreen_done": Least(F("rescreen_done") + 1, F("rescreen_total"))}
    if failed:
        # Never beyond the new done count (both sides of one UPDATE read the old values).
        changes["rescreen_failed"] = Least(
            F("rescreen_failed") + 1, Least(F("rescreen_done") + 1, F("rescreen_total"))
        )
    versions.update(**changes)
    versions.filter(
        rescreen_finished_at__isnull=True, rescreen_done__gte=F("rescreen_total")
    ).update(rescreen_finished_at=timezone.now())


@shared_task(name="screening.sweep_stuck", soft_time_limit=120, time_limit=180, **_TASK_OPTIONS)
def sweep_stuck() -> int:
    """Re-queue screening that a lost message or a dead worker left unfinished."""
    ids = stuck_notification_ids(updated_before=timezone.now() - STUCK_AFTER, limit=SWEEP_BATCH)
    for notification_id in ids:
        screen_notification.delay(notification_id)
    return len(ids)


@shared_task(
    name="screening.rescreen_after_publication",
    soft_time_limit=300,
    time_limit=360,
    **_TASK_OPTIONS,
)
def rescreen_after_publication(list_version_id: int) -> int:
    """Fan out one re-screening task per open, cleared or permitted case (run on publication).

    Each task is idempotent per (notification, list version), so a redelivered fan-out only
    repeats work that records nothing new.

    The total is stored before the first task is queued: with eager tasks (and with fast
    workers) a case may be finished before the next one is queued, and its count must land on a
    total that is already there. A redelivered fan-out starts the count again from zero."""
    candidate_ids = list(rescreen_candidate_ids())
    now = timezone.now()
    ListVersion.objects.filter(pk=list_version_id).update(
        rescreen_total=len(candidate_ids),
        rescreen_done=0,
        rescreen_failed=0,
        rescreen_started_at=now,
        rescreen_finished_at=None if candidate_ids else now,
    )
    for notification_id in candidate_ids:
        rescreen_notification.delay(notification_id, list_version_id)
    return len(candidate_ids)
