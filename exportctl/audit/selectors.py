"""Reads of the audit trail. Callers decide who may see which events (see the exporter's
timeline in ``notifications.exporter_selectors``, which shows only exporter-visible actions)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from exportctl.audit.models import AuditEvent


def events_for(object_type: str, object_id) -> QuerySet[AuditEvent]:
    """Every event about one object, oldest first (chain order)."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "seq"
    )


def events_for_objects(object_type: str, object_ids: Iterable) -> QuerySet[AuditEvent]:
    """Every event about several objects of one type, oldest first."""
    return AuditEvent.objects.filter(
        object_type=object_type, object_id__in=[str(i) for i in object_ids]
    ).order_by("seq")
