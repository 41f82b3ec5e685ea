"""Reading the audit log: filters for the auditor's log page and its export, and the chain check
shared with ``manage.py verify_audit``."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from exportctl.audit.chain import ChainReport, verify_chain
from exportctl.audit.models import AuditEvent
from exportctl.audit.refusals import REFUSAL_ACTION
from exportctl.audit.sealer import seal


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    object: str = ""  # object type or id
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    refusals: bool = False  # only refused attempts at privileged actions


def audit_events(log_filter: LogFilter) -> QuerySet[AuditEvent]:
    # Events still waiting for the sealer have no ``seq`` yet: newest first, by their queue place.
    queryset = AuditEvent.objects.select_related("actor", "firm").order_by(
        F("seq").desc(nulls_first=True), "-id"
    )
    if log_filter.actor:
        queryset = queryset.filter(actor_label__icontains=log_filter.actor.strip())
    if log_filter.refusals:
        queryset = queryset.filter(action=REFUSAL_ACTION)
    if log_filter.action:
        queryset = queryset.filter(action__startswith=log_filter.action.strip())
    if log_filter.object:
        text = log_filter.object.strip()
        queryset = queryset.filter(Q(object_type__iexact=text) | Q(object_id__iexact=text))
    if log_filter.date_from:
        queryset = queryset.filter(occurred_at__date__gte=log_filter.date_from)
    if log_filter.date_to:
        queryset = queryset.filter(occurred_at__date__lte=log_filter.date_to)
    return queryset


def chain_report() -> ChainReport:
    """The whole chain, in order, read in chunks so its length does not matter. Seals what is
    waiting first, so the check covers every committed event; what still waits after that (an
    event altered before it was sealed, or one committed since) is checked by
    ``exportctl.audit.integrity`` against its content hash."""
    seal()
    sealed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    return verify_chain(sealed.iterator(chunk_size=2000))
