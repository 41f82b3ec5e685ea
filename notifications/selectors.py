"""Reads with their access rules. Another firm's notification is a 404, never a 403."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.accounts.models import User
from exportctl.audit.selectors import CHAIN_ORDER
from notifications import calendar
from notifications.models import (
    QUEUE_STATUSES,
    RISK_ORDER,
    Decision,
    Document,
    Message,
    MessageKind,
    Notification,
    Permit,
    Review,
    RiskLevel,
    risk_rank,
)
from notifications.review_state import (  # noqa: F401 (the read side's names for them)
    CHECKLIST_ANSWER_LABELS,
    CHECKLIST_NOTED_ANSWERS,
    PENDING_DECISION_KINDS,
    Outstanding,
    approval_outstanding,
    checklist_rows,
    open_review_for,
    pending_decision,
)
from notifications.workflow import Status

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy label (django-stubs, dev only)

PAGE_SIZE = 25


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    """Every notification ``user`` may read: their firm's, or (ministry) every submitted one."""
    if access.is_firm_user(user):
        return Notification.objects.filter(firm_id=user.firm_id)  # type: ignore[misc]  # a firm user has a firm: firm_id is set
    if access.is_ministry(user):
        return Notification.objects.exclude(status=Status.DRAFT)
    return Notification.objects.none()


def access_notification_for_exporter(*, user: User, public_id: UUID | str) -> Notification:
    """The firm's own notification, or 404 (``access.access_notification``)."""
    return access.access_notification(user, public_id, audience=access.Audience.EXPORTER)


# --- The reviewer's queue and case page ------------------------------------------------------

QUEUE_PAGE_SIZE = 50
#: Age of a case since submission, in calendar days: (lower bound, label) per bucket.
AGEING_BUCKETS = (
    (0, _("Under 30 days")),
    (30, _("30–59 days")),
    (60, _("60–89 days")),
    (90, _("90 days or more")),
)


def access_notification_for_reviewer(*, user: User, public_id: UUID | str) -> Notification:
    """A submitted notification for a ministry reviewer, or 404
    (``access.access_notification``)."""
    return access.access_notification(user, public_id, audience=access.Audience.REVIEWER)


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrowed the queue to; blank means "any"."""

    status: str = ""
    risk: str = ""
    destination: str = ""
    hits: str = ""  # "any" | "pending" | "none"
    assigned: str = ""  # "me" | "unassigned"
    overdue: bool = False
    #: Only filings whose planned date was past or too close at submission (``planning``).
    late: bool = False
    sort: str = "risk"  # "risk" | "age" | "due"


@dataclass(frozen=True)
class ReviewClock:
    """The standard processing period of one case, as the reviewer sees it."""

    due_on: datetime.date | None
    days_left: int | None
    paused: bool

    @property
    def overdue(self) -> bool:
        return not self.paused and self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0


def review_clock(
    *,
    due_on: datetime.date | None,
    paused_at: datetime.datetime | None,
    today: datetime.date | None = None,
) -> ReviewClock:
    """Working days left until ``due_on``; while paused, frozen at the day the clock stopped."""
    if due_on is None:
        return ReviewClock(due_on=None, days_left=None, paused=paused_at is not None)
    today = today or timezone.localdate()
    counted_to = timezone.localdate(paused_at) if paused_at is not None else today
    return ReviewClock(
        due_on=due_on,
        days_left=calendar.working_days_between(counted_to, due_on),
        paused=paused_at is not None,
    )


def _latest_completed_run(notification_ref: OuterRef) -> QuerySet:
    from screening.models import RunStatus, ScreeningRun

    return (
        ScreeningRun.objects.filter(notification=notification_ref, status=RunStatus.COMPLETED)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def _latest_hits(**conditions: object) -> Exists:
    """Hits of the case's newest completed run (for filtering only: the page counts them for its
    own rows in one query, so the sorted query stays cheap on a large queue)."""
    from screening.models import PartyHit

    return Exists(
        PartyHit.objects.filter(
            run_id=Subquery(_latest_completed_run(OuterRef(OuterRef("pk")))), **conditions
        )
    )


def _open_review_where(**conditions: object) -> Exists:
    return Exists(
        Review.objects.filter(notification=OuterRef("pk"), closed_at__isnull=True, **conditions)
    )


def _queue_filtered(*, user: User, filters: QueueFilters) -> QuerySet[Notification]:
    """The cases that match ``filters``, without annotations or joins: what the page counts."""
    if not access.is_reviewer(user):
        return Notification.objects.none()
    queryset = notification_list_for(user=user).filter(status__in=QUEUE_STATUSES)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.risk == "none":
        queryset = queryset.filter(risk_level="")
    elif filters.risk:
        queryset = queryset.filter(risk_level=filters.risk)
    if filters.destination:
        queryset = queryset.filter(destination_country=filters.destination.upper())
    if filters.hits == "any":
        queryset = queryset.filter(_latest_hits())
    elif filters.hits == "pending":
        queryset = queryset.filter(_latest_hits(disposition="pending"))
    elif filters.hits == "none":
        queryset = queryset.filter(~_latest_hits())
    if filters.assigned == "me":
        queryset = queryset.filter(_open_review_where(assignee=user))
    elif filters.assigned == "unassigned":
        queryset = queryset.filter(_open_review_where(assignee__isnull=True))
    if filters.overdue:
        queryset = queryset.filter(
            _open_review_where(due_on__lt=timezone.localdate(), paused_at__isnull=True)
        )
    if filters.late:
        queryset = queryset.filter(planned_date_late=True)
    return queryset


def _with_review(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    """Each case with its open review's clock and assignee (one review at most: a constraint)."""
    return (
        queryset.annotate(
            open_review=FilteredRelation("reviews", condition=Q(reviews__closed_at__isnull=True))
        )
        .annotate(
            review_due_on=F("open_review__due_on"),
            review_paused_at=F("open_review__paused_at"),
            review_assignee_id=F("open_review__assignee_id"),
            review_assignee_name=F("open_review__assignee__full_name"),
            review_assignee_email=F("open_review__assignee__email"),
            risk_rank=risk_rank(),
        )
        .select_related("firm")
    )


def _count_hits(notifications: list[Notification]) -> None:
    """Set ``hit_count``, ``pending_hit_count`` and ``confirmed_hit_count`` (of the newest
    completed run) on each case of a page: two queries whatever the page size."""
    from screening.models import Disposition, PartyHit, RunStatus, ScreeningRun

    # The counts are attributes of this page's instances, not fields of the model.
    for notification in notifications:
        notification.hit_count = notification.pending_hit_count = 0  # type: ignore[attr-defined]
        notification.confirmed_hit_count = 0  # type: ignore[attr-defined]
    if not notifications:
        return
    latest: dict[int, int] = {}
    runs = (
        ScreeningRun.objects.filter(
            notification_id__in=[n.pk for n in notifications], status=RunStatus.COMPLETED
        )
        .order_by("notification_id", "-created_at", "-pk")
        .values_list("notification_id", "pk")
    )
    for notification_id, run_id in runs:
        latest.setdefault(notification_id, run_id)
    counts: dict[int, dict[str, int]] = {}
    for run_id, disposition, number in (
        PartyHit.objects.filter(run_id__in=latest.values())
        .order_by()
        .values("run_id", "disposition")
        .annotate(n=Count("pk"))
        .values_list("run_id", "disposition", "n")
    ):
        counts.setdefault(run_id, {})[disposition] = number
    for notification in notifications:
        found = counts.get(latest[notification.pk], {}) if notification.pk in latest else {}
        notification.hit_count = sum(found.values())  # type: ignore[attr-defined]
        notification.pending_hit_count = found.get(Disposition.PENDING, 0)  # type: ignore[attr-defined]
        notification.confirmed_hit_count = found.get(Disposition.CONFIRMED, 0)  # type: ignore[attr-defined]


_SORTS = {
    "risk": ("-risk_rank", "-risk_score", "submitted_at", "pk"),
    "age": ("submitted_at", "pk"),
    "due": (F("review_due_on").asc(nulls_last=True), "submitted_at", "pk"),
}


def review_queue(*, user: User, filters: QueueFilters | None = None) -> QuerySet[Notification]:
    """Open cases on the ministry's desk (under review, waiting on the exporter, or awaiting a
    countersignature), filtered and sorted — risk first, then age, by default."""
    filters = filters or QueueFilters()
    queryset = _with_review(_queue_filtered(user=user, filters=filters))
    return queryset.order_by(*_SORTS.get(filters.sort, _SORTS["risk"]))


class _QueuePaginator(Paginator):
    """Counts the filtered cases without the joins the rows need (a third of the page's time
    on a queue of 100,000 cases)."""

    def __init__(
        self,
        object_list: QuerySet[Notification],
        per_page: int,
        *,
        count_queryset: QuerySet[Notification],
    ) -> None:
        super().__init__(object_list, per_page)
        self._count_queryset = count_queryset

    @cached_property
    def count(self) -> int:
        return self._count_queryset.count()


def review_queue_page(
    *, user: User, page_number: int | str | None, filters: QueueFilters | None = None
) -> Page:
    """One page of the queue; each case carries its ``clock`` and risk label (no extra query)."""
    filters = filters or QueueFilters()
    paginator = _QueuePaginator(
        review_queue(user=user, filters=filters),
        QUEUE_PAGE_SIZE,
        count_queryset=_queue_filtered(user=user, filters=filters),
    )
    page = paginator.get_page(page_number)
    labels = dict(RiskLevel.choices)
    today = timezone.localdate()
    page.object_list = list(page.object_list)
    _count_hits(page.object_list)
    for notification in page.object_list:
        notification.clock = review_clock(
            due_on=notification.review_due_on, paused_at=notification.review_paused_at, today=today
        )
        notification.risk_level_label = labels.get(notification.risk_level, notification.risk_level)
    return page


@dataclass(frozen=True)
class Bar:
    key: str
    label: "str | StrPromise"
    value: int
    css: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart drawn as SVG on the server (no JavaScript, no chart library)."""

    title: "str | StrPromise"
    bars: tuple[Bar, ...]
    width: int = 400
    label_width: int = 190
    bar_height: int = 22
    gap: int = 8

    @property
    def height(self) -> int:
        return len(self.bars) * (self.bar_height + self.gap) + self.gap

    @property
    def rows(self) -> list[dict]:
        most = max([bar.value for bar in self.bars] + [1])
        room = self.width - self.label_width - 40
        return [
            {
                "bar": bar,
                "y": self.gap + i * (self.bar_height + self.gap),
                "text_y": self.gap + i * (self.bar_height + self.gap) + self.bar_height * 0.7,
                "length": round(room * bar.value / most) if bar.value else 0,
                "value_x": self.label_width
                + (round(room * bar.value / most) if bar.value else 0)
                + 6,
            }
            for i, bar in enumerate(self.bars)
        ]


def review_dashboard(*, user: User) -> dict:
    """Counts of the open cases by status, by risk and by age (one aggregate), and how many are
    past their due date."""
    today = timezone.localdate()
    now = timezone.now()
    aggregates = {}
    for status in QUEUE_STATUSES:
        aggregates[f"status_{status}"] = Count("pk", filter=Q(status=status))
    for level in RISK_ORDER:
        aggregates[f"risk_{level}"] = Count("pk", filter=Q(risk_level=level))
    aggregates["risk_none"] = Count("pk", filter=Q(risk_level=""))
    lowers = [lower for lower, _label in AGEING_BUCKETS]
    uppers: list[int | None] = [*lowers[1:], None]
    for lower, upper in zip(lowers, uppers, strict=False):
        condition = Q(submitted_at__lte=now - datetime.timedelta(days=lower))
        if upper is not None:
            condition &= Q(submitted_at__gt=now - datetime.timedelta(days=upper))
        aggregates[f"age_{lower}"] = Count("pk", filter=condition)
    aggregates["total"] = Count("pk")
    cases = (
        notification_list_for(user=user)
        if access.is_reviewer(user)
        else Notification.objects.none()
    ).filter(status__in=QUEUE_STATUSES)
    # Two queries, not one with a join: a case reopened by a re-screen has closed reviews too,
    # which a join would count again; and the overdue count walks the index on the due date.
    counts = cases.order_by().aggregate(**aggregates)
    counts["overdue"] = (
        Review.objects.filter(
            closed_at__isnull=True,
            due_on__lt=today,
            paused_at__isnull=True,
            notification__in=cases,
        )
        .order_by()
        .count()
    )
    risk_labels = dict(RiskLevel.choices)
    return {
        "total": counts["total"],
        "overdue": counts["overdue"],
        "by_status": Chart(
            title=_("Open cases by status"),
            bars=tuple(
                Bar(status, Status(status).label, counts[f"status_{status}"], status)
                for status in QUEUE_STATUSES
            ),
        ),
        "by_risk": Chart(
            title=_("Open cases by risk"),
            bars=tuple(
                Bar(level, risk_labels[level], counts[f"risk_{level}"], level)
                for level in RISK_ORDER
            )
            + (Bar("none", _("Not screened"), counts["risk_none"], "none"),),
        ),
        "by_age": Chart(
            title=_("Open cases by age since submission"),
            bars=tuple(
                Bar(str(lower), label, counts[f"age_{lower}"], "age")
                for lower, label in AGEING_BUCKETS
            ),
        ),
    }


def reviewer_choices() -> QuerySet[User]:
    """Colleagues a case can be assigned to: active ministry reviewers."""
    return access.reviewers().distinct().order_by("full_name", "email")


def review_case(*, notification: Notification) -> dict:
    """Everything the case page shows, read in a fixed number of queries."""
    from screening import selectors as screening_selectors

    review = open_review_for(notification)
    clock = review_clock(due_on=review.due_on, paused_at=review.paused_at) if review else None
    messages = list(
        Message.objects.filter(notification=notification)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    decisions = list(
        Decision.objects.filter(notification=notification)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    pending_approval = None
    if notification.status == Status.AWAITING_COUNTERSIGN:
        pending_approval = next(
            (d for d in reversed(decisions) if d.kind in PENDING_DECISION_KINDS),
            None,
        )
    runs = list(screening_selectors.runs_for(notification))
    latest_run = screening_selectors.latest_completed_run_for(notification)
    hits = list(latest_run.hits.all()) if latest_run else []
    checklist = checklist_rows(notification)
    return {
        "review": review,
        "clock": clock,
        "items": list(notification.items.select_related("key_technology").order_by("position")),
        "parties": list(notification.parties.order_by("position", "pk")),
        "attachments": list(
            notification.attachments.filter(message__isnull=True).order_by("created_at", "pk")
        ),
        "correspondence": [m for m in messages if m.kind != MessageKind.INTERNAL_NOTE],
        "internal_notes": [m for m in messages if m.kind == MessageKind.INTERNAL_NOTE],
        "decisions": decisions,
        "pending_approval": pending_approval,
        "permits": list(
            Permit.objects.filter(notification=notification)
            .select_related("document")
            .order_by("-valid_from", "-pk")
        ),
        "runs": runs,
        "latest_run": latest_run,
        "latest_failed": runs[0] if runs and runs[0].status == "failed" else None,
        "hits": hits,
        "checklist": checklist,
        "evidence": evidence_counts(hits=hits, checklist=checklist),
        "timeline": case_timeline(notification=notification),
    }


def evidence_counts(*, hits: list, checklist: list[dict]) -> dict:
    """The counts the case page's summary line and the confirmation step show."""
    return {
        "hits": len(hits),
        "hits_pending": sum(1 for hit in hits if hit.disposition == "pending"),
        "hits_confirmed": sum(1 for hit in hits if hit.disposition == "confirmed"),
        "checklist_no": sum(1 for row in checklist if row["answer"] == "no"),
        "checklist_unknown": sum(1 for row in checklist if row["answer"] == "unknown"),
        "checklist_unknown_unexplained": sum(
            1 for row in checklist if row["answer"] == "unknown" and row["reviewer_note"] is None
        ),
    }


def case_timeline(*, notification: Notification) -> list:
    """Every audit event about the case, its screening runs and hits, its permits and documents,
    oldest first: the full history as the audit trail recorded it."""
    from exportctl.audit.models import AuditEvent
    from screening.models import PartyHit, ScreeningRun

    related = {
        "notifications.notification": [str(notification.public_id)],
        "screening.screeningrun": [
            str(u)
            for u in ScreeningRun.objects.filter(notification=notification).values_list(
                "public_id", flat=True
            )
        ],
        "screening.partyhit": [
            str(u)
            for u in PartyHit.objects.filter(run__notification=notification).values_list(
                "public_id", flat=True
            )
        ],
        "notifications.permit": [
            str(u)
            for u in Permit.objects.filter(notification=notification).values_list(
                "public_id", flat=True
            )
        ],
        "notifications.document": [
            str(u)
            for u in Document.objects.filter(notification=notification).values_list(
                "public_id", flat=True
            )
        ],
    }
    condition = Q()
    for object_type, ids in related.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    # The actor is read for the timeline's sentences (by name): one query, not one per event.
    return list(AuditEvent.objects.filter(condition).select_related("actor").order_by(*CHAIN_ORDER))
