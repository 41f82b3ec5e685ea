"""What every service of the package shares: the move's begin and finish (lock the row, check
the table, save, audit, e-mail the firm after commit), the review's clock, and the lock and the
role and status checks of the reviewer's work that is not a move of the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.access import effective_roles
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from notifications import calendar, emails
from notifications.models import Notification, Review
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    EXAMINATION_STATUSES,
    Move,
    Status,
    TransitionError,
    check_move,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)

    from exportctl.accounts.models import User


def begin_move(
    notification: Notification, move: Move, actor: User | None, *, held: bool = False
) -> Notification:
    """Lock the case and check the move. ``held``: the caller already holds the row's lock in
    this transaction and read ``notification`` under it (the screening worker's store), so the
    row is checked as given, not read a second time."""
    locked = (
        notification if held else Notification.objects.select_for_update().get(pk=notification.pk)
    )
    check_move(
        move,
        status=locked.status,
        roles=effective_roles(actor, locked),
        procedure=locked.procedure,
    )
    return locked


def notify_firm(locked: Notification, event: str) -> None:
    """E-mail the firm after commit (a status, or one of ``emails.EVENT_LABELS``); no message is
    queued for what is never mailed."""
    from notifications.tasks import send_status_email

    if emails.is_mailed(event):
        send_status_email.delay_on_commit(locked.pk, event)


def finish_move(
    locked: Notification,
    move: Move,
    *,
    actor: User | None,
    data: dict | None = None,
    fields: tuple = (),
) -> Notification:
    previous = locked.status
    locked.status = ALLOWED_TRANSITIONS[move].target
    locked.save(update_fields=["status", "updated_at", *fields])
    trail.record(
        action=f"notification.{move.value}",
        actor=actor,
        obj=locked,
        data={"from": previous, "to": locked.status, "reference": locked.reference, **(data or {})},
    )
    notify_firm(locked, locked.status)
    return locked


def locked_open_review(notification: Notification) -> Review | None:
    return (
        Review.objects.select_for_update()
        .filter(notification=notification, closed_at__isnull=True)
        .first()
    )


def pause_clock(notification: Notification) -> None:
    """The exporter owes an answer: the processing period stops running."""
    review = locked_open_review(notification)
    if review is not None and review.paused_at is None:
        review.paused_at = timezone.now()
        review.save(update_fields=["paused_at", "updated_at"])


def resume_clock(notification: Notification) -> int:
    """The answer came in: the due date moves back by the working days the exporter took."""
    review = locked_open_review(notification)
    if review is None or review.paused_at is None:
        return 0
    waited = max(
        0,
        calendar.working_days_between(timezone.localdate(review.paused_at), timezone.localdate()),
    )
    review.paused_working_days += waited
    if review.due_on is not None:
        review.due_on = calendar.add_working_days(review.due_on, waited)
    review.paused_at = None
    review.save(update_fields=["paused_at", "paused_working_days", "due_on", "updated_at"])
    return waited


def close_review(notification: Notification) -> None:
    review = (
        Review.objects.select_for_update()
        .filter(notification=notification, closed_at__isnull=True)
        .first()
    )
    if review is not None:
        review.closed_at = timezone.now()
        review.save(update_fields=["closed_at", "updated_at"])


# --- Reviewer work that is not a move of the table -------------------------------------------
# Claiming, notes, inform notices and permit actions change no notification status, so they are
# not in ``ALLOWED_TRANSITIONS``; each still locks the notification first (the same lock order as
# every move), checks the actor's role for this notification, and audits in the same transaction.

REVIEWER_ROLES = frozenset({Role.REVIEWER.value, Role.SENIOR_REVIEWER.value})
#: Statuses in which a reviewer may issue an inform notice or note a checklist answer.
INFORM_STATUSES = EXAMINATION_STATUSES


def lock_notification(notification: Notification) -> Notification:
    return (
        Notification.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=notification.pk)
    )


def require_roles(
    actor: User | None, notification: Notification, roles: frozenset[str], action: str | StrPromise
) -> None:
    if not access.acts_as(actor, notification, roles):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": action}, code="forbidden_role"
        )


def require_status(
    notification: Notification, statuses: Collection[str], action: str | StrPromise
) -> None:
    if notification.status not in statuses:
        raise TransitionError(
            _("This notification is %(status)s; you cannot %(action)s now.")
            % {"status": Status(notification.status).label, "action": action},
            code="wrong_state",
        )


def user_label(user: User) -> str:
    return user.full_name or user.email


def procedure_of(notification: Notification) -> dict:
    """The procedure argument for the table's checks, once the filing has one."""
    procedure = getattr(notification, "procedure", None)
    return {"procedure": procedure} if procedure else {}
