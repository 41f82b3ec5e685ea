"""Reads of the audit trail. Callers decide who may see which events (see the exporter's
timeline in ``notifications.exporter_selectors``, which shows only exporter-visible actions)."""

from collections.abc import Iterable

from django.db.models import F, QuerySet

from exportctl.audit.models import AuditEvent

#: Oldest first: sealed events by their place in the chain, then those still waiting for the
#: sealer (no ``seq`` yet) by their place in the queue (``exportctl.audit.sealer``).
CHAIN_ORDER = (F("seq").asc(nulls_last=True), "id")


def events_for(object_type: str, object_id: object) -> QuerySet[AuditEvent]:
    """Every event about one object, oldest first (chain order)."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        *CHAIN_ORDER
    )


def events_for_objects(object_type: str, object_ids: Iterable) -> QuerySet[AuditEvent]:
    """Every event about several objects of one type, oldest first."""
    return AuditEvent.objects.filter(
        object_type=object_type, object_id__in=[str(i) for i in object_ids]
    ).order_by(*CHAIN_ORDER)
