"""The ministry's moves of the table on a case under review: ask the exporter for
information, approve, deny, countersign or return a proposal, and conclude that no licence is
required.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl.access import effective_roles
from notifications import inform_notice_selectors, review_state
from notifications.documents.tasks import render_document
from notifications.models import (
    Decision,
    DecisionKind,
    DocumentKind,
    Message,
    MessageKind,
    Notification,
)
from notifications.services.base import (
    begin_move,
    close_review,
    finish_move,
    pause_clock,
    procedure_of,
)
from notifications.services.decision_rules import (
    approval_check,
    countersign_move_for,
    denial_check,
    refuse_if_claimed_by_other,
    refuse_own_proposal,
)
from notifications.services.permits import DEFAULT_VALIDITY_MONTHS, issue_permit
from notifications.workflow import Move, TransitionError, check_move, check_state

if TYPE_CHECKING:
    from exportctl.accounts.models import User


# --- The ministry's moves --------------------------------------------------------------------
@transaction.atomic
def notification_request_info(
    *, notification: Notification, actor: User, question: str, due_on: datetime.date
) -> Message:
    locked = begin_move(notification, Move.REQUEST_INFO, actor)
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
    pause_clock(locked)
    finish_move(
        locked,
        Move.REQUEST_INFO,
        actor=actor,
        data={"message": str(message.public_id), "due_on": due_on.isoformat()},
    )
    return message


@transaction.atomic
def notification_approve(
    *,
    notification: Notification,
    actor: User,
    conditions: str = "",
    validity_months: int = DEFAULT_VALIDITY_MONTHS,
) -> Decision:
    """Approve outright, or — when four eyes are needed — approve pending a countersignature.
    Refused while a hit of the newest screening run is unadjudicated or a checklist answer is
    "unknown" without the reviewer's note (``approval_check``)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    move = approval_check(notification=locked, actor=actor)
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
        close_review(locked)
        data["permit"] = issue_permit(locked, decision, actor=actor).number
    finish_move(locked, move, actor=actor, data=data, fields=fields)
    return decision


@transaction.atomic
def notification_countersign(*, notification: Notification, actor: User) -> Decision:
    """A senior reviewer other than the proposer countersigns the pending approval (the permit
    is issued) or the pending denial (the case is denied and the denial letter issued)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_state(Move.COUNTERSIGN, status=locked.status, procedure=locked.procedure)
    pending = review_state.pending_decision(locked)
    if pending is None:
        raise TransitionError(
            _("No decision is waiting for a countersignature."), code="wrong_state"
        )
    # Four eyes first: the proposer is told why, whatever their role.
    refuse_own_proposal(pending, actor)
    move = countersign_move_for(pending)
    check_move(
        move,
        status=locked.status,
        roles=effective_roles(actor, locked),
        procedure=locked.procedure,
    )
    if move == Move.COUNTERSIGN_DENIAL:
        decision = Decision.objects.create(
            notification=locked, kind=DecisionKind.DENY, actor=actor, reason=pending.reason
        )
    else:
        decision = Decision.objects.create(
            notification=locked,
            kind=DecisionKind.COUNTERSIGN,
            actor=actor,
            conditions=pending.conditions,
            validity_months=pending.validity_months,
        )
    locked.decided_at = timezone.now()
    close_review(locked)
    data = {"decision": str(decision.public_id), "proposal": str(pending.public_id)}
    if move == Move.COUNTERSIGN:
        data["approval"] = str(pending.public_id)
        data["permit"] = issue_permit(locked, decision, actor=actor).number
    finish_move(locked, move, actor=actor, fields=("decided_at",), data=data)
    if move == Move.COUNTERSIGN_DENIAL:
        render_document.delay_on_commit(locked.pk, "denial_letter")
    return decision


@transaction.atomic
def notification_return(*, notification: Notification, actor: User, reason: str) -> Decision:
    """A senior reviewer sends a proposed approval or denial back to review, with the reason."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_state(Move.RETURN, status=locked.status, procedure=locked.procedure)
    pending = review_state.pending_decision(locked)
    refuse_own_proposal(pending, actor)
    check_move(
        Move.RETURN,
        status=locked.status,
        roles=effective_roles(actor, locked),
        procedure=locked.procedure,
    )
    if not reason.strip():
        raise TransitionError(_("Say why the decision is returned."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.RETURN, actor=actor, reason=reason.strip()
    )
    data = {"decision": str(decision.public_id)}
    if pending is not None:
        data["proposal"] = str(pending.public_id)
        data["proposal_kind"] = pending.kind
    finish_move(locked, Move.RETURN, actor=actor, data=data)
    return decision


@transaction.atomic
def notification_deny(*, notification: Notification, actor: User, reason: str) -> Decision:
    """Deny, citing the grounds; at high or prohibited risk the denial waits for a senior
    reviewer's countersignature, and the denial letter is issued only then."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    move = denial_check(notification=locked, actor=actor)
    if not reason.strip():
        raise TransitionError(_("Cite the grounds for the denial."), code="reason_required")
    if move == Move.DENY_FOR_COUNTERSIGN:
        decision = Decision.objects.create(
            notification=locked,
            kind=DecisionKind.DENY_FOR_COUNTERSIGN,
            actor=actor,
            reason=reason.strip(),
        )
        finish_move(locked, move, actor=actor, data={"decision": str(decision.public_id)})
        return decision
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.DENY, actor=actor, reason=reason.strip()
    )
    locked.decided_at = timezone.now()
    close_review(locked)
    finish_move(
        locked,
        Move.DENY,
        actor=actor,
        fields=("decided_at",),
        data={"decision": str(decision.public_id)},
    )
    render_document.delay_on_commit(locked.pk, "denial_letter")
    return decision


# --- The "no licence required" outcome --------------------------------------------------------
@transaction.atomic
def notification_conclude_no_licence(
    *, notification: Notification, actor: User, grounds: str
) -> Decision:
    """Close a referred case (or a prior report or pre-consultation) with the ministry's answer
    that no licence is required: the firm may proceed. Grants no permit; issues a dated, signed
    "no licence required" letter (NL-), verifiable at /verify/. Refused on a filing an inform
    notice covers: there a licence is required by the notice itself (domain.md §10 rule 4)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_move(
        Move.CONCLUDE_NO_LICENCE,
        status=locked.status,
        roles=effective_roles(actor, locked),
        **procedure_of(locked),
    )
    refuse_if_claimed_by_other(locked, actor)
    if not grounds.strip():
        raise TransitionError(_("State why no licence is required."), code="reason_required")
    covering = inform_notice_selectors.notices_covering(locked)
    if covering:
        raise TransitionError(
            _(
                "An inform notice covers this filing (%(numbers)s): a licence is required, so "
                "the case cannot be concluded without one."
            )
            % {"numbers": ", ".join(n.number for n in covering)},
            code="inform_notice_covers",
        )
    decision = Decision.objects.create(
        notification=locked,
        kind=DecisionKind.NO_LICENCE_REQUIRED,
        actor=actor,
        reason=grounds.strip(),
    )
    locked.decided_at = timezone.now()
    close_review(locked)
    finish_move(
        locked,
        Move.CONCLUDE_NO_LICENCE,
        actor=actor,
        fields=("decided_at",),
        data={"decision": str(decision.public_id)},
    )
    render_document.delay_on_commit(locked.pk, DocumentKind.NO_LICENCE_LETTER.value)
    return decision
