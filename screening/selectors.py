"""Reads of screening data. Access rules stay with the caller's ``access_*`` helper: these take
an already authorised notification (or none, for the worker's own queries)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, Permit, PermitStatus
from notifications.review_state import Outstanding
from notifications.workflow import AWAITING_SYSTEM_STATUSES, Status
from screening import rules
from screening.models import Disposition, PartyHit, RunStatus, ScreeningRun


def _hits() -> QuerySet[PartyHit]:
    return PartyHit.objects.select_related(
        "party", "entry", "entry__version", "entry__version__source", "adjudicated_by"
    ).order_by("-score", "pk")


def runs_for(notification: Notification) -> QuerySet[ScreeningRun]:
    """Every run of the case, newest first, with the list version it used."""
    return (
        ScreeningRun.objects.filter(notification=notification)
        .select_related("list_version", "list_version__source")
        .order_by("-created_at", "-pk")
    )


def latest_run_for(notification: Notification) -> ScreeningRun | None:
    """The newest run of any status (a FAILED run is shown, not hidden), hits prefetched."""
    return runs_for(notification).prefetch_related(Prefetch("hits", queryset=_hits())).first()


def latest_completed_run_for(notification: Notification) -> ScreeningRun | None:
    return (
        runs_for(notification)
        .filter(status=RunStatus.COMPLETED)
        .prefetch_related(Prefetch("hits", queryset=_hits()))
        .first()
    )


def hits_for(run: ScreeningRun) -> QuerySet[PartyHit]:
    return _hits().filter(run=run)


def pending_hits_for(notification: Notification) -> QuerySet[PartyHit]:
    """Hits of the latest completed run that no reviewer has adjudicated yet."""
    run = latest_completed_run_for(notification)
    if run is None:
        return PartyHit.objects.none()
    return hits_for(run).filter(disposition="pending")


def criteria_rules() -> tuple[rules.Rule, ...]:
    """The rules exactly as the worker applies them, for the public criteria page."""
    return rules.RULES


def stuck_notification_ids(*, updated_before: datetime.datetime, limit: int) -> list[int]:
    """Notifications waiting on the worker and untouched since ``updated_before``."""
    return list(
        Notification.objects.filter(
            status__in=AWAITING_SYSTEM_STATUSES, updated_at__lt=updated_before
        )
        .order_by("updated_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def rescreen_candidate_ids() -> QuerySet:
    """What a list publication re-screens, by pk: cases under review or waiting on the exporter
    or a countersigner, cleared cases, and approved cases that still have a valid permit."""
    valid_permit = Permit.objects.filter(notification=OuterRef("pk"), status=PermitStatus.VALID)
    return (
        Notification.objects.filter(
            Q(
                status__in=[
                    Status.UNDER_REVIEW,
                    Status.INFO_REQUESTED,
                    Status.AWAITING_COUNTERSIGN,
                    Status.CLEARED,
                ]
            )
            | (Q(status=Status.APPROVED) & Exists(valid_permit))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def unstarted_rescreen_version_ids(*, published_before: datetime.datetime) -> list[int]:
    """Versions in force whose re-screen never started: the message queued on publication was
    lost (the fan-out stores its total as the first thing it does), or the version applies from
    a later date than its publication and that date has now come (its re-screen starts then)."""
    from django.utils import timezone

    from partners.models import ListVersion, ListVersionStatus

    return list(
        ListVersion.objects.filter(
            status=ListVersionStatus.PUBLISHED,
            published_at__lt=published_before,
            rescreen_started_at__isnull=True,
        )
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=timezone.localdate()))
        .values_list("pk", flat=True)
    )


def outstanding_hits(notification: Notification) -> list[Outstanding]:
    """Every hit of the newest completed run that no reviewer has adjudicated, named as an item
    that keeps the approval back (``notifications.review_state.approval_outstanding`` asks
    through the hook ``approval_hits_outstanding``, registered in ``screening.apps``)."""
    latest = (
        ScreeningRun.objects.filter(notification=notification, status=RunStatus.COMPLETED)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    hits = (
        PartyHit.objects.filter(run_id=Subquery(latest), disposition=Disposition.PENDING)
        .select_related("party", "entry__version__source")
        .order_by("party__position", "-score", "pk")
    )
    return [
        Outstanding(
            kind="hit",
            text=str(
                _(
                    "the hit of %(party)s (%(role)s) on %(list)s No. %(number)s "
                    "“%(entry)s” has not been adjudicated"
                )
                % {
                    "party": hit.party.name,
                    "role": hit.party.get_role_display(),
                    "list": hit.entry.version.source.display_name,
                    "number": hit.entry.number,
                    "entry": hit.entry.name,
                }
            ),
            data={
                "hit": str(hit.public_id),
                "party": hit.party.name,
                "entry_number": hit.entry.number,
                "entry_name": hit.entry.name,
            },
        )
        for hit in hits
    ]
