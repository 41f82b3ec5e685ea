"""What auditors read: every firm's submitted notifications and permits, searched and sorted.

Auditors are ministry staff without a firm holding the auditor role; anybody else gets a 404 from
``access_*`` and an empty queryset from the searches, so no page can leak by forgetting a check.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from exportctl import access
from exportctl.accounts.models import User
from exportctl.audit.selectors import CHAIN_ORDER
from notifications.models import (
    Classification,
    Decision,
    Document,
    Item,
    Notification,
    Party,
    Permit,
)
from notifications.workflow import FINAL_STATUSES, OUTCOME_STATUSES, Status
from screening.party_search import PartyMatch, party_matches

if TYPE_CHECKING:
    from screening.models import PartyHit

#: domain.md §7: records are kept 7 years; 5 years when every item is in rows 5–16.
RETENTION_YEARS = 7
RETENTION_YEARS_ROWS_5_TO_16 = 5
_ROWS_KEPT_SEVEN_YEARS = frozenset({"1", "2", "3", "3-2", "4"})

NOTIFICATION_SORTS = {
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "reference": ("reference", "pk"),
    "-reference": ("-reference", "-pk"),
    "risk": ("risk_score", "pk"),
    "-risk": ("-risk_score", "-pk"),
    "decided": ("decided_at", "pk"),
    "-decided": ("-decided_at", "-pk"),
}


def _audited() -> QuerySet[Notification]:
    return Notification.objects.exclude(status=Status.DRAFT)


@dataclass(frozen=True)
class NotificationSearch:
    """The auditor's search form, already validated."""

    text: str = ""  # reference, permit number, firm, or a party's name in any script
    destination: str = ""
    status: str = ""
    decision: str = ""
    reviewer: str = ""  # e-mail of the reviewer who decided
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "-submitted"


@dataclass(frozen=True)
class CaseSearchResult:
    notifications: QuerySet[Notification]
    #: For a search text: the parties whose name answered it, per notification id, best first.
    party_matches: dict[int, list[PartyMatch]] = field(default_factory=dict)


def _text_matches(text: str) -> Q:
    """The exact old search: a substring of the reference, title, firm or a party's name, the
    corporate number, or any permit's or issued document's number (receipt, permit, denial)."""
    # django-stubs types ``Q | Exists`` as Combinable; Django's Q.__or__ returns a Q for any
    # conditional expression.
    return (
        Q(reference__icontains=text)  # type: ignore[return-value]
        | Q(title__icontains=text)
        | Q(firm__name__icontains=text)
        | Q(firm__name_local__icontains=text)
        | Q(firm__corporate_number=text)
        | Exists(Permit.objects.filter(notification=OuterRef("pk"), number__iexact=text))
        | Exists(Document.objects.filter(notification=OuterRef("pk"), number__iexact=text))
        | Exists(
            Party.objects.filter(notification=OuterRef("pk")).filter(
                Q(name__icontains=text) | Q(local_name__icontains=text)
            )
        )
    )


def notification_search(*, user: User, search: NotificationSearch) -> CaseSearchResult:
    """The cases an auditor's search finds, in the chosen order.

    A party's name is found in any spelling or script through the screening engine
    (``screening.party_search``): the other filters first narrow the cases, the engine's keys
    pick at most a few hundred candidate parties among them, and its scorer keeps those that
    answer the text. The number of queries does not depend on the number of parties.
    """
    if not access.is_auditor(user):
        return CaseSearchResult(Notification.objects.none())
    queryset = _audited().select_related("firm")
    if search.destination:
        queryset = queryset.filter(destination_country=search.destination.upper())
    if search.status:
        queryset = queryset.filter(status=search.status)
    if search.decision:
        queryset = queryset.filter(
            Exists(Decision.objects.filter(notification=OuterRef("pk"), kind=search.decision))
        )
    if search.reviewer:
        queryset = queryset.filter(
            Exists(
                Decision.objects.filter(
                    notification=OuterRef("pk"), actor__email__iexact=search.reviewer.strip()
                )
            )
        )
    if search.date_from:
        queryset = queryset.filter(submitted_at__date__gte=search.date_from)
    if search.date_to:
        queryset = queryset.filter(submitted_at__date__lte=search.date_to)
    by_notification: dict[int, list[PartyMatch]] = {}
    text = " ".join(search.text.split())
    if text:
        for match in party_matches(text=text, among=queryset):
            by_notification.setdefault(match.notification_id, []).append(match)
        queryset = queryset.filter(_text_matches(text) | Q(pk__in=list(by_notification)))
    ordering = NOTIFICATION_SORTS.get(search.sort, NOTIFICATION_SORTS["-submitted"])
    return CaseSearchResult(queryset.order_by(*ordering), by_notification)


def access_notification_for_auditor(*, user: User, public_id: UUID | str) -> Notification:
    if not access.is_auditor(user):
        raise Http404
    try:
        return _audited().select_related("firm", "created_by").get(public_id=public_id)
    except (Notification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def access_document_for_auditor(*, user: User, public_id: UUID | str) -> Document:
    if not access.is_auditor(user):
        raise Http404
    try:
        return Document.objects.select_related("notification").get(public_id=public_id)
    except (Document.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def decisions_for_export(*, user: User) -> QuerySet[Decision]:
    if not access.is_auditor(user):
        return Decision.objects.none()
    return Decision.objects.select_related("notification", "notification__firm", "actor").order_by(
        "created_at", "pk"
    )


def permits_for_export(*, user: User) -> QuerySet[Permit]:
    if not access.is_auditor(user):
        return Permit.objects.none()
    return Permit.objects.select_related("notification", "notification__firm", "document").order_by(
        "valid_from", "pk"
    )


def adjudications_for_export(*, user: User) -> "QuerySet[PartyHit]":
    """Every hit of every screening run, adjudicated or not, with what the export shows."""
    from screening.models import PartyHit

    if not access.is_auditor(user):
        return PartyHit.objects.none()
    return PartyHit.objects.select_related(
        "run__notification__firm", "party", "entry__version__source", "adjudicated_by"
    ).order_by("run__notification_id", "run__created_at", "run_id", "-score", "pk")


def retention_years(items: Iterable[Item]) -> int:
    """7 years if any item is listed in rows 1–4, else 5 (rows 5–16 and the catch-all)."""
    for item in items:
        if item.classification == Classification.LIST_CONTROL and (
            item.list_row in _ROWS_KEPT_SEVEN_YEARS
        ):
            return RETENTION_YEARS
    return RETENTION_YEARS_ROWS_5_TO_16


def keep_until(
    notification: Notification, items: Iterable[Item] | None = None
) -> datetime.date | None:
    """The date until which the record must be kept; None while the case is still open.

    The period runs from the case's last decision (or, for a case closed without one, its last
    change), because that is when the record is complete.
    """
    if notification.status not in FINAL_STATUSES | OUTCOME_STATUSES:
        return None
    closed = notification.decided_at or notification.updated_at
    items = (
        list(items) if items is not None else list(Item.objects.filter(notification=notification))
    )
    return (closed + relativedelta(years=retention_years(items))).date()


def case_record(notification: Notification) -> dict:
    """Everything a reviewer saw and did on the case, for the auditor's case view."""
    from exportctl.audit.models import AuditEvent
    from screening.models import PartyHit, ScreeningRun

    items = list(notification.items.select_related("key_technology"))
    public_id = str(notification.public_id)
    runs = list(
        ScreeningRun.objects.filter(notification=notification)
        .select_related("list_version", "list_version__source")
        .prefetch_related(
            Prefetch(
                "hits",
                PartyHit.objects.select_related(
                    "party", "entry", "entry__version", "adjudicated_by"
                ).order_by("-score", "pk"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    return {
        "items": items,
        "parties": list(notification.parties.all()),
        "runs": runs,
        "decisions": list(notification.decisions.select_related("actor")),
        "permits": list(notification.permits.select_related("document")),
        "messages": list(notification.messages.select_related("author").order_by("created_at")),
        "attachments": list(notification.attachments.order_by("created_at")),
        "documents": list(Document.objects.filter(notification=notification)),
        "events": list(
            AuditEvent.objects.filter(Q(object_id=public_id) | Q(data__notification=public_id))
            .select_related("actor")
            .order_by(*CHAIN_ORDER)
        ),
        "keep_until": keep_until(notification, items),
        "retention_years": retention_years(items),
    }
