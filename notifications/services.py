"""Every change of a notification's state: one service per move of ``ALLOWED_TRANSITIONS``.

Each service runs in one transaction: it locks the notification row, checks the source state and
the actor's role against the table, changes the row, writes the audit event, and schedules side
effects (screening, e-mail) to run only after the transaction commits.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.roles import FIRM_ROLES, MINISTRY_ROLES
from exportctl.audit import trail
from notifications.models import (
    Decision,
    DecisionKind,
    Message,
    MessageKind,
    Notification,
    Permit,
    PermitStatus,
    Review,
)
from notifications.readiness import Gap, readiness_gaps
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    Actor,
    Move,
    TransitionError,
    check_move,
)

DEFAULT_VALIDITY_MONTHS = 6
#: Risk levels at which an approval needs a senior reviewer's countersignature.
COUNTERSIGN_LEVELS = frozenset({"high", "prohibited"})


class NotReadyError(TransitionError):
    def __init__(self, gaps: list[Gap]) -> None:
        super().__init__(_("The notification is not ready to submit."), code="not_ready")
        self.gaps = gaps


@dataclass(frozen=True)
class ScreeningResult:
    """What the screening worker hands to ``notification_clear``/``notification_refer``."""

    score: int
    level: str


def effective_roles(actor, notification: Notification) -> frozenset[str]:
    """The roles ``actor`` holds *for this notification*.

    Firm roles count only on the actor's own firm's notifications, ministry roles only for staff
    without a firm; ``None`` is the system (the screening worker).
    """
    if actor is None:
        return frozenset({Actor.SYSTEM.value})
    if not actor.is_active:
        return frozenset()
    roles = set()
    for role in actor.roles:
        if role in FIRM_ROLES and actor.firm_id == notification.firm_id:
            roles.add(role.value)
        if role in MINISTRY_ROLES and actor.firm_id is None:
            roles.add(role.value)
    return frozenset(roles)


def _begin(notification: Notification, move: Move, actor) -> Notification:
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_move(move, status=locked.status, roles=effective_roles(actor, locked))
    return locked


def _finish(
    locked: Notification, move: Move, *, actor, data: dict | None = None, fields: tuple = ()
) -> Notification:
    from notifications.tasks import send_status_email

    previous = locked.status
    locked.status = ALLOWED_TRANSITIONS[move].target
    locked.save(update_fields=["status", "updated_at", *fields])
    trail.record(
        action=f"notification.{move.value}",
        actor=actor,
        obj=locked,
        data={"from": previous, "to": locked.status, "reference": locked.reference, **(data or {})},
    )
    send_status_email.delay_on_commit(locked.pk, locked.status)
    return locked


def _open_review(notification: Notification) -> Review:
    return Review.objects.create(notification=notification, opened_at=timezone.now())


def _close_review(notification: Notification) -> None:
    review = (
        Review.objects.select_for_update()
        .filter(notification=notification, closed_at__isnull=True)
        .first()
    )
    if review is not None:
        review.closed_at = timezone.now()
        review.save(update_fields=["closed_at", "updated_at"])


def _store_result(locked: Notification, result: ScreeningResult) -> tuple[str, ...]:
    locked.risk_score = result.score
    locked.risk_level = result.level
    return ("risk_score", "risk_level")


# --- The exporter's moves --------------------------------------------------------------------


@transaction.atomic
def notification_submit(
    *, notification: Notification, actor, declaration_accepted: bool
) -> Notification:
    from screening.tasks import screen_notification

    locked = _begin(notification, Move.SUBMIT, actor)
    if not declaration_accepted:
        raise TransitionError(
            _("Confirm the declaration before you submit."), code="declaration_required"
        )
    gaps = readiness_gaps(locked)
    if gaps:
        raise NotReadyError(gaps)
    now = timezone.now()
    locked.submitted_at = now
    locked.declaration_accepted_at = now
    # The primary key makes the reference unique without a counter table to contend on.
    locked.reference = f"EXN-{timezone.localdate(now):%Y}-{locked.pk:07d}"
    _finish(
        locked,
        Move.SUBMIT,
        actor=actor,
        fields=("submitted_at", "declaration_accepted_at", "reference"),
    )
    screen_notification.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def notification_respond(*, notification: Notification, actor, body: str) -> Message:
    locked = _begin(notification, Move.RESPOND, actor)
    if not body.strip():
        raise TransitionError(_("Write a reply."), code="empty_reply")
    message = Message.objects.create(
        notification=locked, kind=MessageKind.REPLY, author=actor, body=body.strip()
    )
    _finish(locked, Move.RESPOND, actor=actor, data={"message": str(message.public_id)})
    return message


@transaction.atomic
def notification_withdraw(*, notification: Notification, actor, reason: str = "") -> Notification:
    locked = _begin(notification, Move.WITHDRAW, actor)
    _close_review(locked)
    return _finish(locked, Move.WITHDRAW, actor=actor, data={"reason": reason})


# --- The screening worker's moves ------------------------------------------------------------
# ``actor`` stays ``None`` (the system) in production; it is a parameter so that the role check
# is the same code path for every move, and a person passing it is refused by the table.


@transaction.atomic
def notification_start_screening(*, notification: Notification, actor=None) -> Notification:
    locked = _begin(notification, Move.START_SCREENING, actor)
    return _finish(locked, Move.START_SCREENING, actor=actor)


@transaction.atomic
def notification_clear(
    *, notification: Notification, result: ScreeningResult, actor=None
) -> Notification:
    locked = _begin(notification, Move.CLEAR, actor)
    fields = _store_result(locked, result)
    return _finish(
        locked,
        Move.CLEAR,
        actor=actor,
        fields=fields,
        data={"score": result.score, "level": result.level},
    )


@transaction.atomic
def notification_refer(
    *, notification: Notification, result: ScreeningResult, actor=None
) -> Notification:
    locked = _begin(notification, Move.REFER, actor)
    fields = _store_result(locked, result)
    _open_review(locked)
    return _finish(
        locked,
        Move.REFER,
        actor=actor,
        fields=fields,
        data={"score": result.score, "level": result.level},
    )


@transaction.atomic
def notification_reopen(
    *, notification: Notification, result: ScreeningResult, reason: str, actor=None
) -> Notification:
    """A new list version hits a party of a cleared or approved case: back to review, and any
    valid permit is suspended until a reviewer decides again."""
    locked = _begin(notification, Move.REOPEN, actor)
    suspended = []
    for permit in (
        Permit.objects.select_for_update()
        .filter(notification=locked, status=PermitStatus.VALID)
        .order_by("pk")
    ):
        permit.status = PermitStatus.SUSPENDED
        permit.status_reason = reason
        permit.save(update_fields=["status", "status_reason", "updated_at"])
        suspended.append(permit.number)
        trail.record(
            action="permit.suspend",
            actor=None,
            obj=permit,
            firm=locked.firm,
            data={"reason": reason, "notification": locked.reference},
        )
    fields = _store_result(locked, result)
    _open_review(locked)
    return _finish(
        locked,
        Move.REOPEN,
        actor=actor,
        fields=fields,
        data={"reason": reason, "suspended_permits": suspended},
    )


# --- The ministry's moves --------------------------------------------------------------------


@transaction.atomic
def notification_request_info(
    *, notification: Notification, actor, question: str, due_on: datetime.date
) -> Message:
    locked = _begin(notification, Move.REQUEST_INFO, actor)
    if not question.strip():
        raise TransitionError(_("Write the question."), code="empty_question")
    if due_on <= timezone.localdate():
        raise TransitionError(_("The due date must be in the future."), code="due_in_past")
    message = Message.objects.create(
        notification=locked,
        kind=MessageKind.QUESTION,
        author=actor,
        body=question.strip(),
        due_on=due_on,
    )
    Decision.objects.create(
        notification=locked, kind=DecisionKind.REQUEST_INFO, actor=actor, reason=question.strip()
    )
    _finish(
        locked,
        Move.REQUEST_INFO,
        actor=actor,
        data={"message": str(message.public_id), "due_on": due_on.isoformat()},
    )
    return message


def needs_countersignature(notification: Notification) -> bool:
    """Four eyes: high or prohibited risk, or any confirmed list hit."""
    from screening.models import Disposition, PartyHit

    if notification.risk_level in COUNTERSIGN_LEVELS:
        return True
    return PartyHit.objects.filter(
        run__notification=notification, disposition=Disposition.CONFIRMED
    ).exists()


def _issue_permit(locked: Notification, decision: Decision, *, actor) -> Permit:
    today = timezone.localdate()
    months = decision.validity_months or DEFAULT_VALIDITY_MONTHS
    permit = Permit.objects.create(
        notification=locked,
        decision=decision,
        number=f"EXP-{today:%Y}-{locked.pk:07d}-{decision.pk:04d}",
        conditions=decision.conditions,
        valid_from=today,
        valid_until=today + relativedelta(months=months),
    )
    trail.record(
        action="permit.issue",
        actor=actor,
        obj=permit,
        firm=locked.firm,
        data={"notification": locked.reference, "valid_until": permit.valid_until},
    )
    return permit


@transaction.atomic
def notification_approve(
    *,
    notification: Notification,
    actor,
    conditions: str = "",
    validity_months: int = DEFAULT_VALIDITY_MONTHS,
) -> Decision:
    """Approve outright, or — when four eyes are needed — approve pending a countersignature."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    move = Move.APPROVE_FOR_COUNTERSIGN if needs_countersignature(locked) else Move.APPROVE
    check_move(move, status=locked.status, roles=effective_roles(actor, locked))
    if not 1 <= validity_months <= 36:
        raise TransitionError(_("Validity must be between 1 and 36 months."), code="validity")
    decision = Decision.objects.create(
        notification=locked,
        kind=DecisionKind.APPROVE if move == Move.APPROVE else DecisionKind.APPROVE_FOR_COUNTERSIGN,
        actor=actor,
        conditions=conditions.strip(),
        validity_months=validity_months,
    )
    fields: tuple[str, ...] = ()
    data = {"decision": str(decision.public_id)}
    if move == Move.APPROVE:
        locked.decided_at = timezone.now()
        fields = ("decided_at",)
        _close_review(locked)
        data["permit"] = _issue_permit(locked, decision, actor=actor).number
    _finish(locked, move, actor=actor, data=data, fields=fields)
    return decision


def _pending_approval(locked: Notification) -> Decision:
    return (
        Decision.objects.filter(notification=locked, kind=DecisionKind.APPROVE_FOR_COUNTERSIGN)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def notification_countersign(*, notification: Notification, actor) -> Decision:
    locked = _begin(notification, Move.COUNTERSIGN, actor)
    approval = _pending_approval(locked)
    if approval.actor_id == actor.pk:
        raise TransitionError(
            _("The approver cannot countersign their own approval."), code="four_eyes"
        )
    decision = Decision.objects.create(
        notification=locked,
        kind=DecisionKind.COUNTERSIGN,
        actor=actor,
        conditions=approval.conditions,
        validity_months=approval.validity_months,
    )
    locked.decided_at = timezone.now()
    _close_review(locked)
    permit = _issue_permit(locked, decision, actor=actor)
    _finish(
        locked,
        Move.COUNTERSIGN,
        actor=actor,
        fields=("decided_at",),
        data={
            "decision": str(decision.public_id),
            "approval": str(approval.public_id),
            "permit": permit.number,
        },
    )
    return decision


@transaction.atomic
def notification_return(*, notification: Notification, actor, reason: str) -> Decision:
    locked = _begin(notification, Move.RETURN, actor)
    if not reason.strip():
        raise TransitionError(_("Say why the approval is returned."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.RETURN, actor=actor, reason=reason.strip()
    )
    _finish(locked, Move.RETURN, actor=actor, data={"decision": str(decision.public_id)})
    return decision


@transaction.atomic
def notification_deny(*, notification: Notification, actor, reason: str) -> Decision:
    locked = _begin(notification, Move.DENY, actor)
    if not reason.strip():
        raise TransitionError(_("Cite the grounds for the denial."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.DENY, actor=actor, reason=reason.strip()
    )
    locked.decided_at = timezone.now()
    _close_review(locked)
    _finish(
        locked,
        Move.DENY,
        actor=actor,
        fields=("decided_at",),
        data={"decision": str(decision.public_id)},
    )
    return decision


# --- Permits ---------------------------------------------------------------------------------


@transaction.atomic
def permit_expire_due(*, today: datetime.date | None = None) -> int:
    """Valid permits whose last day has passed become expired (run daily by beat)."""
    today = today or timezone.localdate()
    expired = 0
    for permit in (
        Permit.objects.select_for_update()
        .filter(status=PermitStatus.VALID, valid_until__lt=today)
        .select_related("notification")
        .order_by("pk")
    ):
        permit.status = PermitStatus.EXPIRED
        permit.save(update_fields=["status", "updated_at"])
        trail.record(
            action="permit.expire",
            actor=None,
            obj=permit,
            firm=permit.notification.firm,
            data={"valid_until": permit.valid_until},
        )
        expired += 1
    return expired
