"""The task behind a reviewer's "re-run screening" (``screening.services.screening_rerun_request``).

Kept apart from ``screening.tasks`` (the submission, publication and sweeper tasks) and imported by
``screening.services``, so every process that can queue it — and every worker, which imports
``screening.tasks`` and through it the services — has it registered. Like every screening task it
takes ids only and is idempotent: the run is keyed by the request's own reference.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


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
    from screening.models import Trigger
    from screening.services import screening_run_execute

    run = screening_run_execute(
        notification_id=notification_id, trigger=Trigger.MANUAL, trigger_ref=request_ref
    )
    return str(run.public_id) if run else None
