"""A filing's life outside the ministry's desk: the exporter's moves (submit, respond,
withdraw) and the screening worker's (start, clear, refer, reopen, and a re-run's risk update).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.audit import trail
from notifications import calendar, declaration, enforcement, inform_notice_selectors, planning
from notifications.documents.services import document_issue
from notifications.hooks import notification_submitted
from notifications.models import (
    DocumentKind,
    Message,
    MessageKind,
    Notification,
    Permit,
    PermitStatus,
    Review,
)
from notifications.readiness import Gap, readiness_gaps
from notifications.services.base import (
    begin_move,
    close_review,
    finish_move,
    lock_notification,
    resume_clock,
)
from notifications.workflow import Move, TransitionError

if TYPE_CHECKING:
    from exportctl.accounts.models import User


class NotReadyError(TransitionError):
    def __init__(self, gaps: list[Gap]) -> None:
        super().__init__(_("The notification is not ready to submit."), code="not_ready")
        self.gaps = gaps


@dataclass(frozen=True)
class ScreeningResult:
    """What the screening worker hands to ``notification_clear``/``notification_refer``."""

    score: int
    level: str


def _open_review(notification: Notification) -> Review:
    now = timezone.now()
    return Review.objects.create(
        notification=notification,
        opened_at=now,
        due_on=calendar.standard_due_date(timezone.localdate(now)),
    )


def _store_result(locked: Notification, result: ScreeningResult) -> tuple[str, ...]:
    locked.risk_score = result.score
    locked.risk_level = result.level
    return ("risk_score", "risk_level")


# --- The exporter's moves --------------------------------------------------------------------
@transaction.atomic
def notification_submit(
    *, notification: Notification, actor: User, declaration_accepted: bool
) -> Notification:
    locked = begin_move(notification, Move.SUBMIT, actor)
    # A firm under a running export ban files nothing (FEFTA Art. 53; notifications.enforcement).
    enforcement.refuse_if_banned(locked.firm, action="submit")
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
    # What the person agreed to, word for word, in the language it was shown in.
    agreed = declaration.current()
    locked.declaration_version = agreed.version
    locked.declaration_language = declaration.language_of()
    locked.declaration_text = agreed.text(locked.declaration_language)
    # The primary key makes the reference unique without a counter table to contend on.
    locked.reference = f"EXN-{timezone.localdate(now):%Y}-{locked.pk:07d}"
    late = planning.lateness(locked.planned_date, filed_on=timezone.localdate(now))
    locked.planned_date_late = late.late
    finish_move(
        locked,
        Move.SUBMIT,
        actor=actor,
        fields=(
            "submitted_at",
            "declaration_accepted_at",
            "declaration_version",
            "declaration_language",
            "declaration_text",
            "reference",
            "planned_date_late",
        ),
        data={
            "planned_date": locked.planned_date,
            "late": late.reason or None,
            "declaration_version": locked.declaration_version,
        },
    )
    # Screening (registered by screening's AppConfig) is queued once this transaction commits.
    notification_submitted(locked.pk)
    return locked


@transaction.atomic
def notification_respond(*, notification: Notification, actor: User, body: str) -> Message:
    locked = begin_move(notification, Move.RESPOND, actor)
    if not body.strip():
        raise TransitionError(_("Write a reply."), code="empty_reply")
    message = Message.objects.create(
        notification=locked, kind=MessageKind.REPLY, author=actor, body=body.strip()
    )
    waited = resume_clock(locked)
    finish_move(
        locked,
        Move.RESPOND,
        actor=actor,
        data={"message": str(message.public_id), "clock_paused_working_days": waited},
    )
    return message


@transaction.atomic
def notification_withdraw(
    *, notification: Notification, actor: User, reason: str = ""
) -> Notification:
    locked = begin_move(notification, Move.WITHDRAW, actor)
    close_review(locked)
    return finish_move(locked, Move.WITHDRAW, actor=actor, data={"reason": reason})


# --- The screening worker's moves ------------------------------------------------------------
# ``actor`` stays ``None`` (the system) in production; it is a parameter so that the role check
# is the same code path for every move, and a person passing it is refused by the table.
@transaction.atomic
def notification_start_screening(
    *, notification: Notification, actor: User | None = None
) -> Notification:
    locked = begin_move(notification, Move.START_SCREENING, actor)
    return finish_move(locked, Move.START_SCREENING, actor=actor)


@transaction.atomic
def notification_clear(
    *,
    notification: Notification,
    result: ScreeningResult,
    actor: User | None = None,
    held: bool = False,
) -> Notification:
    """``held``: the caller holds ``notification``'s lock in this transaction and read it under
    the lock (``begin_move``)."""
    locked = begin_move(notification, Move.CLEAR, actor, held=held)
    _refuse_if_informed(locked)
    fields = _store_result(locked, result)
    cleared = finish_move(
        locked,
        Move.CLEAR,
        actor=actor,
        fields=fields,
        data={"score": result.score, "level": result.level},
    )
    # The receipt exists the moment the case is cleared (its PDF is made on first download); the
    # case is locked and current in this transaction, so the receipt does not read it again.
    document_issue(notification=cleared, kind=DocumentKind.RECEIPT, held=True)
    return cleared


def _refuse_if_informed(locked: Notification) -> None:
    """Rule ``inform_notice`` (domain.md §10 rule 4): a filing that an inform notice covers —
    the one the exporter cited, or any notice of its firm naming its destination, an end user or
    its goods — needs a licence, so it is never cleared without a reviewer. Screening already
    refers such a filing; this is the last line, in the one service that clears."""
    covering = inform_notice_selectors.notices_covering(locked)
    if locked.inform_notice_received or covering:
        raise TransitionError(
            _("An inform notice covers this filing (%(numbers)s): it cannot be cleared.")
            % {
                "numbers": ", ".join(n.number for n in covering)
                or locked.inform_notice_reference
                or "—"
            },
            code="inform_notice_covers",
        )


@transaction.atomic
def notification_refer(
    *,
    notification: Notification,
    result: ScreeningResult,
    actor: User | None = None,
    held: bool = False,
) -> Notification:
    """``held``: as for ``notification_clear``."""
    locked = begin_move(notification, Move.REFER, actor, held=held)
    fields = _store_result(locked, result)
    _open_review(locked)
    return finish_move(
        locked,
        Move.REFER,
        actor=actor,
        fields=fields,
        data={"score": result.score, "level": result.level},
    )


@transaction.atomic
def notification_reopen(
    *,
    notification: Notification,
    result: ScreeningResult,
    reason: str,
    actor: User | None = None,
    held: bool = False,
) -> Notification:
    """A new list version hits a party of a cleared or approved case: back to review, and any
    valid permit is suspended until a reviewer decides again. ``held``: as for
    ``notification_clear``."""
    locked = begin_move(notification, Move.REOPEN, actor, held=held)
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
    return finish_move(
        locked,
        Move.REOPEN,
        actor=actor,
        fields=fields,
        data={"reason": reason, "suspended_permits": suspended},
    )


@transaction.atomic
def notification_update_risk(
    *, notification: Notification, result: ScreeningResult, run_ref: str, actor: User | None = None
) -> Notification:
    """A re-run of screening on a case under review: the queue's risk follows the newest run.

    Called by the screening service inside its own transaction, with the row already locked."""
    locked = lock_notification(notification)
    if actor is not None:
        raise TransitionError(_("Only screening updates the risk."), code="forbidden_role")
    before = {"score": locked.risk_score, "level": locked.risk_level}
    fields = _store_result(locked, result)
    locked.save(update_fields=[*fields, "updated_at"])
    trail.record(
        action="notification.risk_update",
        actor=None,
        obj=locked,
        data={
            "reference": locked.reference,
            "run": run_ref,
            "from": before,
            "to": {"score": result.score, "level": result.level},
        },
    )
    return locked
