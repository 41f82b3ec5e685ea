"""The list import's worker tasks. Ids are the only arguments; each task calls one service.

A job may run more than once (``acks_late``: a message is redelivered when a worker dies, and the
sweeper queues a job again that stayed queued too long); the services make that harmless, since a
finished job is never run again and its success is stored with the version in one transaction.

Only transient database and broker errors are retried. A file with problems fails the job with
every problem (nothing is imported); the soft time limit fails it with a message naming the limit
(the service's transaction rolls back, so nothing is imported either); any other error is a bug:
the job is failed so the list manager is not left waiting, and the error propagates to Celery.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from partners.models import ListImportJobError
from partners.services import list_import_job_fail, list_import_job_run, list_import_jobs_sweep

#: The database or the broker went away for a moment; worth trying again.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerOperationalError,
)

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
    name="partners.import_list",
    soft_time_limit=settings.LIST_IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.LIST_IMPORT_TIME_LIMIT,
    **_TASK_OPTIONS,
)
def import_list(job_id: int) -> str | None:
    """Import one uploaded list file as a draft; returns the job's status."""
    try:
        job = list_import_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        job = list_import_job_fail(job_id=job_id, error=ListImportJobError.TIME_LIMIT)
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        list_import_job_fail(job_id=job_id, error=ListImportJobError.INTERNAL)
        raise
    return job.status if job else None


@shared_task(name="partners.sweep_import_jobs", soft_time_limit=60, time_limit=90, **_TASK_OPTIONS)
def sweep_import_jobs() -> dict:
    """Queue again the jobs whose message was lost; fail those whose worker was lost."""
    requeued, failed = list_import_jobs_sweep(hard_time_limit=settings.LIST_IMPORT_TIME_LIMIT)
    for job_id in requeued:
        import_list.delay(job_id)
    return {"requeued": len(requeued), "failed": failed}


@shared_task(
    name="partners.send_publication_emails",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(*TRANSIENT_ERRORS, ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def send_publication_emails(version_id: int) -> int:
    """E-mail every subscriber that a revision was published (queued once it committed)."""
    from django.core.mail import get_connection

    from partners.emails import publication_messages
    from partners.models import ListVersion

    version = ListVersion.objects.select_related("source").get(pk=version_id)
    messages = publication_messages(version)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
