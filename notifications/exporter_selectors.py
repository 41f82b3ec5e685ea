"""Reads for the exporter's pages. Each takes a user (or an already authorised notification from
``access_notification_for_exporter``) and returns only what a firm may see: never another firm's
rows, never an internal note, a reviewer's identity or the details of a screening hit."""

import datetime
from dataclasses import dataclass, field
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.models import User
from exportctl.audit.models import AuditEvent
from exportctl.audit.selectors import events_for, events_for_objects
from notifications import timeline
from notifications.models import (
    Attachment,
    Document,
    Message,
    MessageKind,
    Notification,
    Party,
    Permit,
    Review,
)
from notifications.selectors import PAGE_SIZE, notification_list_for
from notifications.workflow import AWAITING_SYSTEM_STATUSES, OPEN_STATUSES, Status

#: Message kinds the firm may read: never the reviewers' internal notes.
EXPORTER_MESSAGE_KINDS = (MessageKind.QUESTION, MessageKind.REPLY, MessageKind.INFORM_NOTICE)
ADDRESS_BOOK_SIZE = 50


# --- Dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    status: str = ""
    destination: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""


def dashboard_queryset(*, user: User, filters: DashboardFilters) -> QuerySet[Notification]:
    """The firm's notifications, drafts first and then newest first, filtered and searched.

    The date is the submission date, or the creation date of a draft; the search looks in the
    reference, the title and every party's name (in either script)."""
    queryset = notification_list_for(user=user).annotate(
        draft_first=Case(
            When(status=Status.DRAFT, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        filed_on=TruncDate(Coalesce("submitted_at", "created_at")),
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.destination:
        queryset = queryset.filter(destination_country=filters.destination.upper())
    if filters.date_from:
        queryset = queryset.filter(filed_on__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(filed_on__lte=filters.date_to)
    if filters.q:
        term = filters.q.strip()
        matching_parties = Party.objects.filter(
            Q(name__icontains=term) | Q(local_name__icontains=term)
        ).values("notification_id")
        queryset = queryset.filter(
            Q(reference__icontains=term) | Q(title__icontains=term) | Q(pk__in=matching_parties)
        )
    return queryset.order_by("draft_first", "-created_at", "-pk")


def dashboard_page(*, user: User, filters: DashboardFilters, page_number: int | str | None) -> Page:
    return Paginator(dashboard_queryset(user=user, filters=filters), PAGE_SIZE).get_page(
        page_number
    )


def destinations_for_firm(*, user: User) -> list[str]:
    """The destination codes the firm has used, for the dashboard's filter."""
    return sorted(
        set(
            notification_list_for(user=user)
            .exclude(destination_country="")
            .values_list("destination_country", flat=True)
        )
    )


# --- Address book -----------------------------------------------------------------------------


def address_book(*, user: User, exclude: Notification | None = None, q: str = "") -> list[Party]:
    """Distinct parties (same kind, name, local name, address and country) of the firm's earlier
    notifications, most recently used first; the latest copy of each stands for it."""
    parties = Party.objects.filter(notification__in=notification_list_for(user=user))
    if exclude is not None:
        parties = parties.exclude(notification=exclude)
    if q.strip():
        term = q.strip()
        parties = parties.filter(Q(name__icontains=term) | Q(local_name__icontains=term))
    latest = (
        parties.values("kind", "name", "local_name", "address", "country")
        .annotate(latest=Max("pk"))
        .order_by("-latest")[:ADDRESS_BOOK_SIZE]
    )
    ids = [row["latest"] for row in latest]
    by_id = Party.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def address_book_party(*, user: User, public_id: UUID | str) -> Party | None:
    """One party of the firm's own notifications (to reuse it), or ``None``."""
    try:
        return Party.objects.get(
            public_id=public_id, notification__in=notification_list_for(user=user)
        )
    except (Party.DoesNotExist, ValueError, TypeError):
        return None


# --- What the exporter sees of a filing -------------------------------------------------------


def attachment_for_exporter(
    *, notification: Notification, public_id: UUID | str
) -> Attachment | None:
    try:
        return notification.attachments.get(public_id=public_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        return None


def document_for_exporter(*, notification: Notification, public_id: UUID | str) -> Document | None:
    try:
        return notification.documents.select_related("notification__firm").get(public_id=public_id)
    except (Document.DoesNotExist, ValueError, TypeError):
        return None


def draft_attachments(notification: Notification) -> QuerySet[Attachment]:
    return notification.attachments.filter(message__isnull=True).order_by("created_at", "pk")


def thread_for_exporter(notification: Notification) -> QuerySet[Message]:
    return (
        notification.messages.filter(kind__in=EXPORTER_MESSAGE_KINDS)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def open_question(notification: Notification) -> Message | None:
    """The ministry's question the firm still has to answer."""
    if notification.status != Status.INFO_REQUESTED:
        return None
    return (
        notification.messages.filter(kind=MessageKind.QUESTION)
        .order_by("-created_at", "-pk")
        .first()
    )


def open_review(notification: Notification) -> Review | None:
    return notification.reviews.filter(closed_at__isnull=True).order_by("-opened_at").first()


def documents_for_exporter(notification: Notification) -> QuerySet[Document]:
    return notification.documents.order_by("issued_at", "pk")


def permits_for_exporter(notification: Notification) -> QuerySet[Permit]:
    return notification.permits.select_related("document").order_by("-valid_from", "-pk")


def screening_outcome(notification: Notification) -> dict | None:
    """Only the outcome and level of the latest completed run (no hits, no scores per party)."""
    from screening.models import RunStatus
    from screening.selectors import runs_for

    run = runs_for(notification).filter(status=RunStatus.COMPLETED).first()
    if run is None:
        return None
    return {
        "outcome": run.outcome,
        "outcome_label": run.get_outcome_display(),
        "level": run.level,
        "level_label": run.get_level_display(),
        "finished_at": run.finished_at,
    }


def is_waiting_on_system(notification: Notification) -> bool:
    return notification.status in AWAITING_SYSTEM_STATUSES


def is_open(notification: Notification) -> bool:
    return notification.status in OPEN_STATUSES


# --- Timeline ---------------------------------------------------------------------------------

#: Audit actions of a notification the firm may see, and how each reads to the firm. Internal
#: steps of the ministry (approval pending countersignature, a returned approval, claims, hit
#: adjudications, notes) are left out: to the firm the case is simply under review.
NOTIFICATION_EVENTS = {
    "notification.draft_created": _("Draft started"),
    "notification.copied": _("Draft started as a copy of an earlier notification"),
    "notification.submit": _("Submitted"),
    "notification.start_screening": _("Screening started"),
    "notification.clear": _("Cleared: you may proceed with the export"),
    "notification.refer": _("Referred to the ministry for review"),
    "notification.request_info": _("The ministry asked a question"),
    "notification.respond": _("Reply sent; the case is back under review"),
    "notification.approve": _("Approved"),
    "notification.countersign": _("Approved"),
    "notification.deny": _("Denied"),
    "notification.countersign_denial": _("Denied"),
    "notification.withdraw": _("Withdrawn"),
    "notification.reopen": _("Reopened for review after an End User List update"),
    "notification.inform": _("Inform notice: a licence is required"),
}
PERMIT_EVENTS = {
    "permit.issue": _("Permit %(number)s issued"),
    "permit.suspend": _("Permit %(number)s suspended"),
    "permit.revoke": _("Permit %(number)s revoked"),
    "permit.expire": _("Permit %(number)s expired"),
    "permit.reinstate": _("Permit %(number)s reinstated"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    action: str
    title: str
    who: str
    details: list[str] = field(default_factory=list)


def _who(event: AuditEvent, notification: Notification) -> str:
    """The firm's own people by name; anyone else only by institution."""
    if event.actor is None:
        return str(_("System"))
    if event.actor.firm_id == notification.firm_id:
        return event.actor.full_name or event.actor.email
    return str(_("The ministry"))


def _actor_for_exporter(event: AuditEvent, notification: Notification) -> str:
    """The subject of a timeline sentence as the firm may read it (see ``_who``)."""
    if event.actor is None:
        return str(timeline.SYSTEM)
    if event.actor.firm_id == notification.firm_id:
        return timeline.actor_phrase(event.actor.full_name or event.actor.email)
    return str(timeline.MINISTRY)


#: Where the firm reads an event differently from the ministry: the ministry's internal steps
#: (a countersignature) read as their outcome, and the question is asked of the reader.
EXPORTER_SENTENCES = {
    "notification.request_info": _("%(actor)s asked a question"),
    "notification.countersign": _("%(actor)s approved the case"),
    "notification.countersign_denial": _("%(actor)s denied the case"),
    "notification.clear": _("%(actor)s cleared the case: you may proceed with the export"),
    "notification.refer": _("%(actor)s referred the case to the ministry for review"),
    "notification.respond": _("%(actor)s sent a reply; the case is back under review"),
}


def _sentence(event: AuditEvent, notification: Notification, names: dict) -> str:
    actor = _actor_for_exporter(event, notification)
    own = EXPORTER_SENTENCES.get(event.action)
    if own is not None:
        return str(own) % {"actor": actor}
    return timeline.sentence(event, actor=actor, names=names)


def _details(event: AuditEvent) -> list[str]:
    data = event.data or {}
    details = []
    if event.action == "notification.submit" and data.get("reference"):
        details.append(str(_("Reference %(reference)s") % {"reference": data["reference"]}))
    if event.action == "notification.request_info" and data.get("due_on"):
        due = datetime.date.fromisoformat(data["due_on"])
        details.append(
            str(_("Reply due by %(date)s") % {"date": formats.date_format(due, "DATE_FORMAT")})
        )
    if event.action == "notification.copied" and data.get("reference"):
        details.append(str(_("Copied from %(reference)s") % {"reference": data["reference"]}))
    return details


def timeline_for_exporter(notification: Notification) -> list[TimelineEntry]:
    """The firm-visible events of the case (``NOTIFICATION_EVENTS``, ``PERMIT_EVENTS``), each as a
    sentence in the reader's language (``notifications.timeline``)."""
    entries = []
    events = events_for(notification._meta.label_lower, notification.public_id).select_related(
        "actor"
    )
    permits = {str(p.public_id): p.number for p in notification.permits.all()}
    names = {str(p.public_id): p.name for p in notification.parties.all()} | permits
    for event in events:
        if event.action not in NOTIFICATION_EVENTS:
            continue
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                action=event.action,
                title=_sentence(event, notification, names),
                who=_who(event, notification),
                details=_details(event),
            )
        )
    if permits:
        for event in events_for_objects(Permit._meta.label_lower, permits).select_related("actor"):
            if event.action not in PERMIT_EVENTS:
                continue
            entries.append(
                TimelineEntry(
                    at=event.occurred_at,
                    action=event.action,
                    title=_sentence(event, notification, names),
                    who=_who(event, notification),
                )
            )
    entries.sort(key=lambda entry: entry.at)
    return entries
