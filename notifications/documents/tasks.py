"""Rendering issued documents in the worker: WeasyPrint is too slow for a request."""

import logging

from celery import shared_task
from django.db import OperationalError

from notifications.models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.render_document",
    acks_late=True,
    reject_on_worker_lost=True,
    # Only a lost database connection is worth another try; a template or signing-key error
    # would fail the same way every time and must surface in the worker's log instead.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def render_document(notification_id: int, kind: str) -> str | None:
    """Issue the ``kind`` document of a notification; idempotent (an issued one is kept)."""
    # Imported here: WeasyPrint and pyHanko take a second to load, and web processes import this
    # module (to queue the task) without ever rendering.
    from notifications.documents.services import DocumentNotIssuable, document_issue

    notification = Notification.objects.get(pk=notification_id)
    try:
        document = document_issue(notification=notification, kind=kind)
    except DocumentNotIssuable as reason:
        # The case moved on before the worker got to it (e.g. reopened before the receipt was
        # made): nothing to record, and retrying would not change that.
        logger.warning("no %s for notification %s: %s", kind, notification_id, reason)
        return None
    return document.number
