"""Issuing documents in the worker: WeasyPrint is too slow for a request. (A receipt is issued
with its clearance and rendered on first download; this path issues it only for a case cleared
before receipts were, found by the sweeper.)"""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications.documents.services import (
    DocumentNotIssuable,
    document_issue,
    inform_notice_document_issue,
)
from notifications.models import InformNotice, Notification

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
    notification = Notification.objects.get(pk=notification_id)
    try:
        document = document_issue(notification=notification, kind=kind)
    except DocumentNotIssuable as reason:
        # The case moved on before the worker got to it (e.g. reopened before the receipt was
        # made): nothing to record, and retrying would not change that.
        logger.warning("no %s for notification %s: %s", kind, notification_id, reason)
        return None
    return document.number


@shared_task(
    name="notifications.render_inform_notice",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def render_inform_notice(notice_id: int) -> str:
    """Issue the signed letter of an inform notice; idempotent (an issued one is kept)."""
    notice = InformNotice.objects.get(pk=notice_id)
    return inform_notice_document_issue(notice=notice).number


#: How long the normal path (queued after commit) has to issue a document before the sweeper does.
MISSING_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 200


@shared_task(
    name="notifications.sweep_missing_documents",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    soft_time_limit=120,
    time_limit=180,
)
def sweep_missing_documents() -> int:
    """Queue every receipt, permit and denial letter that is due but was never issued (a broker
    outage or a dead worker lost its message); issuing is idempotent, so a race with the normal
    path issues one document."""
    from notifications.documents.selectors import missing_documents, missing_inform_notice_letters

    changed_before = timezone.now() - MISSING_AFTER
    due = missing_documents(changed_before=changed_before, limit=SWEEP_BATCH)
    for notification_id, kind in due:
        render_document.delay(notification_id, str(kind))
    notices = missing_inform_notice_letters(changed_before=changed_before, limit=SWEEP_BATCH)
    for notice_id in notices:
        render_inform_notice.delay(notice_id)
    return len(due) + len(notices)
