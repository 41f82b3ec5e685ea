"""The audit trail's scheduled work (``exportctl/celery.py``): the sealer every few seconds, the
signed checkpoint every ten minutes."""

from celery import shared_task
from django.db import OperationalError

from exportctl.audit.checkpoints import checkpoint_create
from exportctl.audit.models import CheckpointReason
from exportctl.audit.sealer import seal


@shared_task(
    name="audit.make_checkpoint",
    acks_late=True,
    reject_on_worker_lost=True,
    # A lost database connection is worth another try; a missing key fails the same way every
    # time and must surface in the worker's log.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def make_scheduled_checkpoint() -> int | None:
    """Sign the trail's head when events were added since the latest checkpoint; idempotent (a
    second run with nothing new makes none)."""
    checkpoint = checkpoint_create(reason=CheckpointReason.SCHEDULE)
    return checkpoint.number if checkpoint is not None else None


@shared_task(
    name="audit.seal",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def seal_waiting_events() -> int:
    """Chain the events written while another transaction held the sealer's lock (writers never
    wait for it: ``exportctl.audit.sealer``). Skips a round while another transaction holds the
    lock. Idempotent; returns how many it sealed."""
    return seal(wait=False).sealed
