"""Which documents should exist but do not: the sweeper's work list."""

import datetime

from django.db.models import Exists, OuterRef

from notifications.models import (
    Document,
    DocumentKind,
    InformNotice,
    Notification,
    Permit,
    PermitStatus,
)
from notifications.workflow import Status


def missing_documents(*, changed_before: datetime.datetime, limit: int) -> list[tuple[int, str]]:
    """(notification id, kind) of every receipt, permit and denial letter that was due before
    ``changed_before`` and was never issued — its message lost with the broker or its worker.

    A receipt is due for a cleared case, a denial letter for a denied one, a permit document for
    each valid permit; the grace period leaves the normal path time to finish first."""
    due: list[tuple[int, str]] = []
    for status, kind in (
        (Status.CLEARED, DocumentKind.RECEIPT),
        (Status.DENIED, DocumentKind.DENIAL_LETTER),
        (Status.NO_LICENCE_REQUIRED, DocumentKind.NO_LICENCE_LETTER),
    ):
        ids = (
            Notification.objects.filter(status=status, updated_at__lt=changed_before)
            .exclude(Exists(Document.objects.filter(notification=OuterRef("pk"), kind=kind)))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        due.extend((pk, kind) for pk in ids)
    permits = (
        Permit.objects.filter(
            status=PermitStatus.VALID, document__isnull=True, created_at__lt=changed_before
        )
        .order_by("pk")
        .values_list("notification_id", flat=True)[:limit]
    )
    due.extend((pk, DocumentKind.PERMIT) for pk in permits)
    return due[:limit]


def missing_inform_notice_letters(*, changed_before: datetime.datetime, limit: int) -> list[int]:
    """Ids of inform notices issued before ``changed_before`` whose letter was never made."""
    return list(
        InformNotice.objects.filter(document__isnull=True, issued_at__lt=changed_before)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
