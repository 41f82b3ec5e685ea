"""The review desk's work that is not a move of the table: claiming, releasing and
assigning a case, internal notes, and the reviewer's notes on checklist answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from notifications import review_state
from notifications.models import (
    QUEUE_STATUSES,
    ChecklistNote,
    Message,
    MessageKind,
    Notification,
    Review,
)
from notifications.readiness import CHECKLIST_SIZE
from notifications.services.base import (
    INFORM_STATUSES,
    REVIEWER_ROLES,
    lock_notification,
    locked_open_review,
    require_roles,
    require_status,
    user_label,
)
from notifications.workflow import Status, TransitionError

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)

    from exportctl.accounts.models import User


# --- The reviewer's notes on checklist answers -----------------------------------------------
@transaction.atomic
def checklist_note_record(
    *, notification: Notification, actor: User, number: int, body: str
) -> ChecklistNote:
    """The reviewer's note on the exporter's "no" or "unknown" answer to checklist item
    ``number``: what the reviewer established about it. A note on every "unknown" answer is a
    condition of approval; writing it again replaces it (both versions stay in the audit)."""
    locked = lock_notification(notification)
    action = _("note on a checklist answer")
    require_roles(actor, locked, REVIEWER_ROLES, action)
    require_status(locked, INFORM_STATUSES, action)
    answer = ((locked.checklist or {}).get(str(number)) or {}).get("answer", "")
    if not 1 <= number <= CHECKLIST_SIZE or answer not in review_state.CHECKLIST_NOTED_ANSWERS:
        raise TransitionError(
            _("Checklist item %(number)s is not answered “no” or “unknown”; it needs no note.")
            % {"number": number},
            code="invalid_item",
        )
    if not body.strip():
        raise TransitionError(_("Write the note."), code="empty_note")
    note, created = ChecklistNote.objects.select_for_update().get_or_create(
        notification=locked,
        number=number,
        defaults={"body": body.strip(), "author": actor},
    )
    previous = None
    if not created:
        previous = note.body
        note.body = body.strip()
        note.author = actor
        note.save(update_fields=["body", "author", "updated_at"])
    trail.record(
        action="notification.checklist_note",
        actor=actor,
        obj=locked,
        data={
            "reference": locked.reference,
            "item": number,
            "answer": answer,
            "note": str(note.public_id),
            "replaced": previous is not None,
        },
    )
    return note


def _open_review_for_desk(locked: Notification, action: str | StrPromise) -> Review:
    require_status(locked, QUEUE_STATUSES, action)
    review = locked_open_review(locked)
    if review is None:  # the database allows none only for closed cases; be explicit anyway
        raise TransitionError(_("This case has no open review."), code="wrong_state")
    return review


@transaction.atomic
def review_claim(*, notification: Notification, actor: User) -> Review:
    """Take the case. The first of two reviewers claiming at once wins; the other is told who."""
    locked = lock_notification(notification)
    action = _("claim this case")
    require_roles(actor, locked, REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    if review.assignee_id == actor.pk:
        return review
    if review.assignee is not None:  # (an unset key reads no row)
        raise TransitionError(
            _("%(name)s has already claimed this case.") % {"name": user_label(review.assignee)},
            code="already_claimed",
        )
    review.assignee = actor
    review.claimed_at = timezone.now()
    review.save(update_fields=["assignee", "claimed_at", "updated_at"])
    trail.record(
        action="review.claim",
        actor=actor,
        obj=locked,
        data={"reference": locked.reference, "assignee": actor.email},
    )
    return review


@transaction.atomic
def review_release(*, notification: Notification, actor: User) -> Review:
    """Put the case back in the unassigned pool: its assignee, or a senior reviewer, may."""
    locked = lock_notification(notification)
    action = _("release this case")
    require_roles(actor, locked, REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    previous = review.assignee
    if previous is None:
        raise TransitionError(_("Nobody has claimed this case."), code="not_claimed")
    if not may_release(review, actor):
        raise TransitionError(
            _("You are not allowed to %(action)s.")
            % {"action": _("release a case claimed by a colleague")},
            code="forbidden_role",
        )
    review.assignee = None
    review.claimed_at = None
    review.save(update_fields=["assignee", "claimed_at", "updated_at"])
    trail.record(
        action="review.release",
        actor=actor,
        obj=locked,
        data={"reference": locked.reference, "previous_assignee": previous.email},
    )
    return review


def may_release(review: Review, actor: User) -> bool:
    """The assignee releases their own claim; a senior reviewer releases anyone's."""
    return review.assignee_id == actor.pk or access.is_senior_reviewer(actor)


@transaction.atomic
def review_assign(*, notification: Notification, actor: User, assignee: User) -> Review:
    """Hand the case to a colleague. A case claimed by a third person is reassigned only by a
    senior reviewer, so that nobody takes work off a colleague's desk unnoticed."""
    locked = lock_notification(notification)
    action = _("assign this case")
    require_roles(actor, locked, REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    if not access.is_reviewer(assignee):
        raise TransitionError(
            _("Cases can be assigned only to an active reviewer."), code="invalid_assignee"
        )
    if review.assignee_id == assignee.pk:
        return review
    if review.assignee_id not in (None, actor.pk):
        require_roles(
            actor,
            locked,
            frozenset({Role.SENIOR_REVIEWER.value}),
            _("reassign a case claimed by a colleague"),
        )
    previous = review.assignee.email if review.assignee is not None else None
    review.assignee = assignee
    review.claimed_at = timezone.now()
    review.save(update_fields=["assignee", "claimed_at", "updated_at"])
    trail.record(
        action="review.assign",
        actor=actor,
        obj=locked,
        data={
            "reference": locked.reference,
            "previous_assignee": previous,
            "assignee": assignee.email,
        },
    )
    return review


@transaction.atomic
def notification_add_internal_note(
    *, notification: Notification, actor: User, body: str
) -> Message:
    """A note between ministry staff. Never shown to the exporter: exporter pages and payloads
    select message kinds explicitly, and the audit event carries only the note's id."""
    locked = lock_notification(notification)
    require_roles(actor, locked, REVIEWER_ROLES, _("add an internal note"))
    if locked.status == Status.DRAFT:
        raise TransitionError(_("Drafts have no review."), code="wrong_state")
    if not body.strip():
        raise TransitionError(_("Write the note."), code="empty_note")
    message = Message.objects.create(
        notification=locked, kind=MessageKind.INTERNAL_NOTE, author=actor, body=body.strip()
    )
    trail.record(
        action="notification.internal_note",
        actor=actor,
        obj=locked,
        data={"reference": locked.reference, "message": str(message.public_id)},
    )
    return message
