"""Every change of a notification's state: one service per move of ``ALLOWED_TRANSITIONS``.

Each service runs in one transaction: it locks the notification row, checks the source state and
the actor's role against the table, changes the row, writes the audit event, and schedules side
effects (screening, e-mail) to run only after the transaction commits.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exportctl import access
from exportctl.access import effective_roles
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from exportctl.audit.checkpoints import make_checkpoint
from exportctl.audit.models import CheckpointReason
from exportctl.countries import validate_country_code
from notifications import (
    calendar,
    declaration,
    enforcement,
    inform_notice_selectors,
    planning,
    review_state,
)
from notifications.documents.numbers import next_number
from notifications.documents.tasks import render_document
from notifications.hooks import notification_submitted
from notifications.models import (
    QUEUE_STATUSES,
    ChecklistNote,
    Decision,
    DecisionKind,
    DocumentKind,
    InformNotice,
    InformSubject,
    ItemKind,
    Message,
    MessageKind,
    Notification,
    Permit,
    PermitStatus,
    Review,
    RiskLevel,
)
from notifications.readiness import CHECKLIST_SIZE, Gap, readiness_gaps
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    EXAMINATION_STATUSES,
    PERMIT_TRANSITIONS,
    Move,
    PermitMove,
    Procedure,
    Status,
    TransitionError,
    available_moves,
    check_move,
    check_state,
)

DEFAULT_VALIDITY_MONTHS = 6
#: Risk levels at which an approval needs a senior reviewer's countersignature.
COUNTERSIGN_LEVELS = frozenset({RiskLevel.HIGH, RiskLevel.PROHIBITED})


class NotReadyError(TransitionError):
    def __init__(self, gaps: list[Gap]) -> None:
        super().__init__(_("The notification is not ready to submit."), code="not_ready")
        self.gaps = gaps


@dataclass(frozen=True)
class ScreeningResult:
    """What the screening worker hands to ``notification_clear``/``notification_refer``."""

    score: int
    level: str


def _begin(notification: Notification, move: Move, actor) -> Notification:
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_move(
        move,
        status=locked.status,
        roles=effective_roles(actor, locked),
        procedure=locked.procedure,
    )
    return locked


def _notify_firm(locked: Notification, event: str) -> None:
    """E-mail the firm after commit (a status, or one of ``emails.EVENT_LABELS``)."""
    from notifications.tasks import send_status_email

    send_status_email.delay_on_commit(locked.pk, event)


def _finish(
    locked: Notification, move: Move, *, actor, data: dict | None = None, fields: tuple = ()
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
    _notify_firm(locked, locked.status)
    return locked


def _open_review(notification: Notification) -> Review:
    now = timezone.now()
    return Review.objects.create(
        notification=notification,
        opened_at=now,
        due_on=calendar.standard_due_date(timezone.localdate(now)),
    )


def _locked_open_review(notification: Notification) -> Review | None:
    return (
        Review.objects.select_for_update()
        .filter(notification=notification, closed_at__isnull=True)
        .first()
    )


def _pause_clock(notification: Notification) -> None:
    """The exporter owes an answer: the processing period stops running."""
    review = _locked_open_review(notification)
    if review is not None and review.paused_at is None:
        review.paused_at = timezone.now()
        review.save(update_fields=["paused_at", "updated_at"])


def _resume_clock(notification: Notification) -> int:
    """The answer came in: the due date moves back by the working days the exporter took."""
    review = _locked_open_review(notification)
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
    locked = _begin(notification, Move.SUBMIT, actor)
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
    _finish(
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
def notification_respond(*, notification: Notification, actor, body: str) -> Message:
    locked = _begin(notification, Move.RESPOND, actor)
    if not body.strip():
        raise TransitionError(_("Write a reply."), code="empty_reply")
    message = Message.objects.create(
        notification=locked, kind=MessageKind.REPLY, author=actor, body=body.strip()
    )
    waited = _resume_clock(locked)
    _finish(
        locked,
        Move.RESPOND,
        actor=actor,
        data={"message": str(message.public_id), "clock_paused_working_days": waited},
    )
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
    _refuse_if_informed(locked)
    fields = _store_result(locked, result)
    render_document.delay_on_commit(locked.pk, "receipt")
    return _finish(
        locked,
        Move.CLEAR,
        actor=actor,
        fields=fields,
        data={"score": result.score, "level": result.level},
    )


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
    _pause_clock(locked)
    _finish(
        locked,
        Move.REQUEST_INFO,
        actor=actor,
        data={"message": str(message.public_id), "due_on": due_on.isoformat()},
    )
    return message


def needs_countersignature(notification: Notification) -> bool:
    """Four eyes on an approval: high or prohibited risk, or any confirmed list hit (which
    screening records on the filing when a reviewer adjudicates one)."""
    return notification.risk_level in COUNTERSIGN_LEVELS or notification.has_confirmed_hit


def denial_needs_countersignature(notification: Notification) -> bool:
    """Four eyes on a denial: a refusal at high or prohibited risk is as weighty a disposition
    (処分) as an approval at that risk, so a senior reviewer countersigns it too."""
    return notification.risk_level in COUNTERSIGN_LEVELS


def approve_move_for(notification: Notification) -> Move:
    return Move.APPROVE_FOR_COUNTERSIGN if needs_countersignature(notification) else Move.APPROVE


def deny_move_for(notification: Notification) -> Move:
    return Move.DENY_FOR_COUNTERSIGN if denial_needs_countersignature(notification) else Move.DENY


def countersign_move_for(pending: Decision | None) -> Move:
    if pending is not None and pending.kind == DecisionKind.DENY_FOR_COUNTERSIGN:
        return Move.COUNTERSIGN_DENIAL
    return Move.COUNTERSIGN


class OutstandingItemsError(TransitionError):
    """An approval refused because the evidence is not settled; ``items`` names each thing."""

    def __init__(self, items: list[review_state.Outstanding]) -> None:
        super().__init__(
            _("The case cannot be approved yet: %(items)s.")
            % {"items": "; ".join(item.text for item in items)},
            code="outstanding",
        )
        self.items = items


def _claimed_by_other(review: Review | None, actor) -> bool:
    """A colleague holds the claim: only they decide (or a senior reviewer reassigns it)."""
    return review is not None and review.assignee_id not in (None, getattr(actor, "pk", None))


def _refuse_if_claimed_by_other(locked: Notification, actor) -> None:
    review = review_state.open_review_for(locked)
    if _claimed_by_other(review, actor):
        raise TransitionError(
            _(
                "%(name)s has claimed this case; only they can decide it. Ask them to release "
                "it, or a senior reviewer to assign it to you."
            )
            % {"name": _label(review.assignee)},
            code="claimed_by_other",
        )


def _proposed_by(pending: Decision | None, actor) -> bool:
    return pending is not None and actor is not None and pending.actor_id == actor.pk


def _refuse_own_proposal(pending: Decision | None, actor) -> None:
    if _proposed_by(pending, actor):
        raise TransitionError(
            _("You proposed this decision yourself; another senior reviewer must countersign it."),
            code="four_eyes",
        )


def approval_check(*, notification: Notification, actor) -> Move:
    """Every rule an approval must pass, in the order a reviewer can act on them: the move it
    would make. Changes nothing; ``notification_approve`` runs it again under the row lock, and
    the confirmation step runs it before asking the reviewer to confirm."""
    move = approve_move_for(notification)
    check_move(
        move,
        status=notification.status,
        roles=effective_roles(actor, notification),
        procedure=notification.procedure,
    )
    _refuse_if_claimed_by_other(notification, actor)
    outstanding = review_state.approval_outstanding(notification=notification)
    if outstanding:
        raise OutstandingItemsError(outstanding)
    if move == Move.APPROVE:  # it would issue the permit now: say so before the confirmation
        enforcement.refuse_if_banned(notification.firm, action="permit")
    return move


def denial_check(*, notification: Notification, actor) -> Move:
    """Every rule a denial must pass (besides its grounds): the move it would make."""
    move = deny_move_for(notification)
    check_move(
        move,
        status=notification.status,
        roles=effective_roles(actor, notification),
        procedure=notification.procedure,
    )
    _refuse_if_claimed_by_other(notification, actor)
    return move


#: What a page or the API offers for each move of the table: the approve and deny forms stand
#: for whichever move the case's risk calls for, the countersign form for the pending decision's.
ACTION_OF_MOVE: dict[Move, str] = {
    Move.REQUEST_INFO: "request_info",
    Move.APPROVE: "approve",
    Move.APPROVE_FOR_COUNTERSIGN: "approve",
    Move.DENY: "deny",
    Move.DENY_FOR_COUNTERSIGN: "deny",
    Move.CONCLUDE_NO_LICENCE: "conclude_no_licence",
    Move.CONCLUDE_INFORMED: "inform",
    Move.COUNTERSIGN: "countersign",
    Move.COUNTERSIGN_DENIAL: "countersign",
    Move.RETURN: "return",
}


def offered_moves(notification: Notification, user) -> frozenset[Move]:
    """The moves of the table offered to ``user`` on this case: ``workflow.available_moves``
    narrowed by the case's facts — the approve or deny move its risk calls for, nothing decided
    over a colleague's claim, and no countersignature or return of one's own proposal."""
    moves = available_moves(
        notification.status, effective_roles(user, notification), notification.procedure
    )
    review = review_state.open_review_for(notification)
    if _claimed_by_other(review, user):
        moves -= _DECISIONS
    moves -= _APPROVE_OR_DENY - {approve_move_for(notification), deny_move_for(notification)}
    pending = review_state.pending_decision(notification)
    if pending is None or _proposed_by(pending, user):
        moves -= _ON_A_PROPOSAL
    else:
        moves -= _COUNTERSIGNS - {countersign_move_for(pending)}
    return moves


def decisions_withheld_by_claim(notification: Notification, user) -> frozenset[Move]:
    """The decisions the table allows ``user`` on this case that a colleague's claim withholds
    (the case page says who holds it)."""
    if not _claimed_by_other(review_state.open_review_for(notification), user):
        return frozenset()
    roles = effective_roles(user, notification)
    return available_moves(notification.status, roles, notification.procedure) & _DECISIONS


#: The decisions that only the case's claimant (or anyone, while it is unclaimed) takes.
_DECISIONS = frozenset(
    {
        Move.APPROVE,
        Move.APPROVE_FOR_COUNTERSIGN,
        Move.DENY,
        Move.DENY_FOR_COUNTERSIGN,
        Move.CONCLUDE_NO_LICENCE,
        Move.CONCLUDE_INFORMED,
    }
)
_APPROVE_OR_DENY = frozenset(
    {Move.APPROVE, Move.APPROVE_FOR_COUNTERSIGN, Move.DENY, Move.DENY_FOR_COUNTERSIGN}
)
_COUNTERSIGNS = frozenset({Move.COUNTERSIGN, Move.COUNTERSIGN_DENIAL})
_ON_A_PROPOSAL = _COUNTERSIGNS | {Move.RETURN}


def available_actions(notification: Notification, user) -> frozenset[str]:
    """What ``user`` may do on this case now: the one answer pages and the API offer — the
    moves of ``offered_moves`` by their action names, beside the desk's own work (claim,
    release, assign) and a catch-all inform notice, which change no status.

    Approve is offered even while hits or unknown answers are outstanding: the reviewer is then
    told which ones, rather than left wondering where the button went."""
    reviewer = access.is_reviewer(user)
    actions = {
        ACTION_OF_MOVE[move] for move in offered_moves(notification, user) if move in ACTION_OF_MOVE
    }
    review = review_state.open_review_for(notification)
    if review is not None and reviewer:
        if review.assignee_id is None:
            actions.add("claim")
        elif _may_release(review, user):
            actions.add("release")
        actions.add("assign")
    if (
        notification.procedure != Procedure.PRIOR_REPORT
        and reviewer
        and notification.status in INFORM_STATUSES
    ):
        actions.add("inform")
    return frozenset(actions)


#: The firm's moves by the names its pages and the API give them, in the order they are listed:
#: a draft is edited only until it is submitted, so "edit" goes with the submit move.
FIRM_ACTIONS: tuple[tuple[Move, tuple[str, ...]], ...] = (
    (Move.SUBMIT, ("edit", "submit")),
    (Move.RESPOND, ("respond",)),
    (Move.WITHDRAW, ("withdraw",)),
)


def firm_actions(notification: Notification, user) -> list[str]:
    """What a firm user may do with this filing now: ``workflow.available_moves`` by the names
    of ``FIRM_ACTIONS``, then "copy" (a new draft from this one), which is no move and always
    open to the firm."""
    moves = available_moves(
        notification.status, effective_roles(user, notification), notification.procedure
    )
    return [name for move, names in FIRM_ACTIONS if move in moves for name in names] + ["copy"]


def _issue_permit(locked: Notification, decision: Decision, *, actor) -> Permit:
    # The table already refuses approval of a prior report; a permit is the one outcome that must
    # never come of one (it asks no permission), so the issuer refuses it once more.
    if locked.procedure != Procedure.CATCH_ALL:
        raise TransitionError(
            _("A prior report is never answered with a permit."), code="wrong_procedure"
        )
    # Nor is a firm under a running export ban granted one: the whole approval rolls back.
    enforcement.refuse_if_banned(locked.firm, action="permit")
    today = timezone.localdate()
    months = decision.validity_months or DEFAULT_VALIDITY_MONTHS
    permit = Permit.objects.create(
        notification=locked,
        decision=decision,
        # The permit's number is its document's number: the one identifier of the permit.
        number=next_number(DocumentKind.PERMIT, year=today),
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
    render_document.delay_on_commit(locked.pk, "permit")
    # A signed checkpoint of the audit trail, made once the issue has committed.
    make_checkpoint(reason=CheckpointReason.PERMIT_ISSUE)
    return permit


@transaction.atomic
def notification_approve(
    *,
    notification: Notification,
    actor,
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
        _close_review(locked)
        data["permit"] = _issue_permit(locked, decision, actor=actor).number
    _finish(locked, move, actor=actor, data=data, fields=fields)
    return decision


@transaction.atomic
def notification_countersign(*, notification: Notification, actor) -> Decision:
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
    _refuse_own_proposal(pending, actor)
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
    _close_review(locked)
    data = {"decision": str(decision.public_id), "proposal": str(pending.public_id)}
    if move == Move.COUNTERSIGN:
        data["approval"] = str(pending.public_id)
        data["permit"] = _issue_permit(locked, decision, actor=actor).number
    _finish(locked, move, actor=actor, fields=("decided_at",), data=data)
    if move == Move.COUNTERSIGN_DENIAL:
        render_document.delay_on_commit(locked.pk, "denial_letter")
    return decision


@transaction.atomic
def notification_return(*, notification: Notification, actor, reason: str) -> Decision:
    """A senior reviewer sends a proposed approval or denial back to review, with the reason."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    check_state(Move.RETURN, status=locked.status, procedure=locked.procedure)
    pending = review_state.pending_decision(locked)
    _refuse_own_proposal(pending, actor)
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
    _finish(locked, Move.RETURN, actor=actor, data=data)
    return decision


@transaction.atomic
def notification_deny(*, notification: Notification, actor, reason: str) -> Decision:
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
        _finish(locked, move, actor=actor, data={"decision": str(decision.public_id)})
        return decision
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
    render_document.delay_on_commit(locked.pk, "denial_letter")
    return decision


# --- The reviewer's notes on checklist answers -----------------------------------------------


@transaction.atomic
def checklist_note_record(
    *, notification: Notification, actor, number: int, body: str
) -> ChecklistNote:
    """The reviewer's note on the exporter's "no" or "unknown" answer to checklist item
    ``number``: what the reviewer established about it. A note on every "unknown" answer is a
    condition of approval; writing it again replaces it (both versions stay in the audit)."""
    locked = _lock(notification)
    action = _("note on a checklist answer")
    _require_roles(actor, locked, _REVIEWER_ROLES, action)
    _require_status(locked, INFORM_STATUSES, action)
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


# --- Permits ---------------------------------------------------------------------------------


@transaction.atomic
def permit_expire_due(*, today: datetime.date | None = None) -> int:
    """Valid permits whose last day has passed become expired (run daily by beat)."""
    today = today or timezone.localdate()
    expire = PERMIT_TRANSITIONS[PermitMove.EXPIRE]
    expired = 0
    for permit in (
        Permit.objects.select_for_update(of=("self",))
        .filter(status__in=expire.sources, valid_until__lt=today)
        .select_related("notification")
        .order_by("pk")
    ):
        permit.status = expire.target
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


# --- Reviewer work that is not a move of the table -------------------------------------------
# Claiming, notes, inform notices and permit actions change no notification status, so they are
# not in ``ALLOWED_TRANSITIONS``; each still locks the notification first (the same lock order as
# every move), checks the actor's role for this notification, and audits in the same transaction.

_REVIEWER_ROLES = frozenset({Role.REVIEWER.value, Role.SENIOR_REVIEWER.value})
#: Statuses in which a reviewer may issue an inform notice or note a checklist answer.
INFORM_STATUSES = EXAMINATION_STATUSES


def _lock(notification: Notification) -> Notification:
    return (
        Notification.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=notification.pk)
    )


def _require_roles(actor, notification: Notification, roles: frozenset[str], action) -> None:
    if not access.acts_as(actor, notification, roles):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": action}, code="forbidden_role"
        )


def _require_status(notification: Notification, statuses, action) -> None:
    if notification.status not in statuses:
        raise TransitionError(
            _("This notification is %(status)s; you cannot %(action)s now.")
            % {"status": Status(notification.status).label, "action": action},
            code="wrong_state",
        )


def _open_review_for_desk(locked: Notification, action) -> Review:
    _require_status(locked, QUEUE_STATUSES, action)
    review = _locked_open_review(locked)
    if review is None:  # the database allows none only for closed cases; be explicit anyway
        raise TransitionError(_("This case has no open review."), code="wrong_state")
    return review


def _label(user) -> str:
    return user.full_name or user.email


@transaction.atomic
def review_claim(*, notification: Notification, actor) -> Review:
    """Take the case. The first of two reviewers claiming at once wins; the other is told who."""
    locked = _lock(notification)
    action = _("claim this case")
    _require_roles(actor, locked, _REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    if review.assignee_id == actor.pk:
        return review
    if review.assignee_id is not None:
        raise TransitionError(
            _("%(name)s has already claimed this case.") % {"name": _label(review.assignee)},
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
def review_release(*, notification: Notification, actor) -> Review:
    """Put the case back in the unassigned pool: its assignee, or a senior reviewer, may."""
    locked = _lock(notification)
    action = _("release this case")
    _require_roles(actor, locked, _REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    if review.assignee_id is None:
        raise TransitionError(_("Nobody has claimed this case."), code="not_claimed")
    if not _may_release(review, actor):
        raise TransitionError(
            _("You are not allowed to %(action)s.")
            % {"action": _("release a case claimed by a colleague")},
            code="forbidden_role",
        )
    previous = review.assignee
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


def _may_release(review: Review, actor) -> bool:
    """The assignee releases their own claim; a senior reviewer releases anyone's."""
    return review.assignee_id == actor.pk or access.is_senior_reviewer(actor)


@transaction.atomic
def review_assign(*, notification: Notification, actor, assignee) -> Review:
    """Hand the case to a colleague. A case claimed by a third person is reassigned only by a
    senior reviewer, so that nobody takes work off a colleague's desk unnoticed."""
    locked = _lock(notification)
    action = _("assign this case")
    _require_roles(actor, locked, _REVIEWER_ROLES, action)
    review = _open_review_for_desk(locked, action)
    if not access.is_reviewer(assignee):
        raise TransitionError(
            _("Cases can be assigned only to an active reviewer."), code="invalid_assignee"
        )
    if review.assignee_id == assignee.pk:
        return review
    if review.assignee_id not in (None, actor.pk):
        _require_roles(
            actor,
            locked,
            frozenset({Role.SENIOR_REVIEWER.value}),
            _("reassign a case claimed by a colleague"),
        )
    previous = review.assignee.email if review.assignee_id else None
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
def notification_add_internal_note(*, notification: Notification, actor, body: str) -> Message:
    """A note between ministry staff. Never shown to the exporter: exporter pages and payloads
    select message kinds explicitly, and the audit event carries only the note's id."""
    locked = _lock(notification)
    _require_roles(actor, locked, _REVIEWER_ROLES, _("add an internal note"))
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


@transaction.atomic
def notification_inform(*, notification: Notification, actor, grounds: str) -> Decision:
    """An inform notice (インフォーム通知) from a case: the ministry tells the exporter that this
    export needs a licence whatever the catch-all tests say (domain.md §0, §10 rule 4). It is
    recorded as a decision of its own kind, a message to the exporter and an ``InformNotice``
    (numbered, with its signed letter) issued through ``inform_notice_issue``; the filing is
    marked as informed so that every later screening applies the inform rule. The review goes
    on: the licence decision (approve or deny) is still to be taken."""
    if notification.procedure == Procedure.PRIOR_REPORT:
        return prior_report_conclude_informed(
            notification=notification, actor=actor, grounds=grounds
        )
    locked = _lock(notification)
    action = _("issue an inform notice")
    _require_roles(actor, locked, _REVIEWER_ROLES, action)
    _require_status(locked, INFORM_STATUSES, action)
    if not grounds.strip():
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.INFORM, actor=actor, reason=grounds.strip()
    )
    notice = inform_notice_issue(
        actor=actor,
        firm=locked.firm,
        subject_kind=_case_subject_kind(locked),
        subject=_case_subject(locked),
        grounds=grounds,
        notification=locked,
        decision=decision,
    )
    message = Message.objects.create(
        notification=locked,
        kind=MessageKind.INFORM_NOTICE,
        author=actor,
        body=grounds.strip(),
    )
    locked.inform_notice_received = True
    locked.inform_notice_reference = notice.number
    locked.inform_notice = notice
    locked.save(
        update_fields=[
            "inform_notice_received",
            "inform_notice_reference",
            "inform_notice",
            "updated_at",
        ]
    )
    _notify_firm(locked, "inform_notice")
    trail.record(
        action="notification.inform",
        actor=actor,
        obj=locked,
        data={
            "reference": locked.reference,
            "decision": str(decision.public_id),
            "message": str(message.public_id),
            "notice": notice.number,
        },
    )
    return decision


@transaction.atomic
def prior_report_conclude_informed(*, notification: Notification, actor, grounds: str) -> Decision:
    """The dialogue on a key-technology prior report left the ministry's concern in place: the
    report ends with an inform notice (FEFTA Art. 55-8; domain.md §0a step 3) and the firm must now
    apply for an Art. 25 licence, in a filing of its own that cites the notice. Unlike an inform
    notice on a catch-all case, the report itself is closed: it never leads to a permit."""
    locked = _begin(notification, Move.CONCLUDE_INFORMED, actor)
    _refuse_if_claimed_by_other(locked, actor)
    if not grounds.strip():
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    decision = Decision.objects.create(
        notification=locked, kind=DecisionKind.INFORM, actor=actor, reason=grounds.strip()
    )
    details = getattr(locked, "prior_report", None)
    technology = details.technology if details is not None else None
    subject = technology.name_en if technology is not None else (locked.title or "")
    notice = inform_notice_issue(
        actor=actor,
        firm=locked.firm,
        subject_kind=InformSubject.TECHNOLOGY,
        subject=f"{locked.reference}: {subject}"[:500],
        grounds=grounds,
        notification=locked,
        decision=decision,
    )
    message = Message.objects.create(
        notification=locked, kind=MessageKind.INFORM_NOTICE, author=actor, body=grounds.strip()
    )
    locked.inform_notice_received = True
    locked.inform_notice_reference = notice.number
    locked.inform_notice = notice
    locked.decided_at = timezone.now()
    _close_review(locked)
    _finish(
        locked,
        Move.CONCLUDE_INFORMED,
        actor=actor,
        fields=(
            "inform_notice_received",
            "inform_notice_reference",
            "inform_notice",
            "decided_at",
        ),
        data={
            "decision": str(decision.public_id),
            "message": str(message.public_id),
            "notice": notice.number,
        },
    )
    return decision


def _case_subject_kind(notification: Notification) -> str:
    """A notice from a case is about what the case exports: technology if every item is
    technology or software, goods otherwise."""
    kinds = set(notification.items.values_list("kind", flat=True))
    if kinds and kinds <= {ItemKind.TECHNOLOGY, ItemKind.SOFTWARE}:
        return InformSubject.TECHNOLOGY
    return InformSubject.GOODS


def _case_subject(notification: Notification) -> str:
    descriptions = list(
        notification.items.order_by("position", "pk").values_list("description", flat=True)
    )
    text = "; ".join(descriptions) or notification.title or str(notification.reference)
    return f"{notification.reference}: {text}"[:500]


# --- Inform notices as records of their own ---------------------------------------------------


@transaction.atomic
def inform_notice_issue(
    *,
    actor,
    firm,
    subject_kind: str,
    subject: str,
    grounds: str,
    notification: Notification | None = None,
    decision: Decision | None = None,
) -> InformNotice:
    """Issue an inform notice to ``firm``: from a case (``notification``), or on the ministry's
    own initiative about goods, a technology, a destination or an end user. Takes the next IN-
    number, audits in this transaction, and after commit e-mails the firm and issues the signed
    letter (verifiable at /verify/). Only an active reviewer or senior reviewer may."""
    if not access.is_reviewer(actor):
        raise TransitionError(
            _("You are not allowed to %(action)s.") % {"action": _("issue an inform notice")},
            code="forbidden_role",
        )
    if subject_kind not in InformSubject.values:
        raise TransitionError(_("Choose what the notice is about."), code="invalid_subject")
    subject, grounds = (subject or "").strip(), (grounds or "").strip()
    if subject_kind == InformSubject.DESTINATION:
        subject = subject.upper()
        try:
            validate_country_code(subject)
        except ValidationError as exc:
            raise TransitionError(
                _("Give the destination as a two-letter ISO 3166 country code, e.g. CN."),
                code="invalid_subject",
            ) from exc
    if not subject:
        raise TransitionError(_("Describe what the notice is about."), code="invalid_subject")
    if not grounds:
        raise TransitionError(_("State the grounds of the inform notice."), code="reason_required")
    if notification is not None and notification.firm_id != firm.pk:
        raise TransitionError(
            _("The case belongs to another firm than the notice."), code="wrong_firm"
        )
    now = timezone.now()
    notice = InformNotice.objects.create(
        number=next_number(DocumentKind.INFORM_NOTICE, year=timezone.localdate(now)),
        firm=firm,
        subject_kind=subject_kind,
        subject=subject[:500],
        grounds=grounds,
        notification=notification,
        decision=decision,
        issued_by=actor,
        issued_at=now,
        requires_licence=True,
    )
    trail.record(
        action="inform_notice.issue",
        actor=actor,
        obj=notice,
        firm=firm,
        data={
            "number": notice.number,
            "subject_kind": subject_kind,
            "subject": notice.subject,
            "notification": notification.reference if notification is not None else None,
            "own_initiative": notification is None,
        },
    )
    from notifications.documents.tasks import render_inform_notice
    from notifications.tasks import send_inform_notice_email

    render_inform_notice.delay_on_commit(notice.pk)
    if notification is None:
        # A notice from a case reaches the firm with the case's own e-mail (the inform event).
        send_inform_notice_email.delay_on_commit(notice.pk)
    return notice


# --- The "no licence required" outcome --------------------------------------------------------


@transaction.atomic
def notification_conclude_no_licence(
    *, notification: Notification, actor, grounds: str
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
        **_procedure_of(locked),
    )
    _refuse_if_claimed_by_other(locked, actor)
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
    _close_review(locked)
    _finish(
        locked,
        Move.CONCLUDE_NO_LICENCE,
        actor=actor,
        fields=("decided_at",),
        data={"decision": str(decision.public_id)},
    )
    render_document.delay_on_commit(locked.pk, DocumentKind.NO_LICENCE_LETTER.value)
    return decision


def _procedure_of(notification: Notification) -> dict:
    """The procedure argument for the table's checks, once the filing has one."""
    procedure = getattr(notification, "procedure", None)
    return {"procedure": procedure} if procedure else {}


@transaction.atomic
def notification_update_risk(
    *, notification: Notification, result: ScreeningResult, run_ref: str, actor=None
) -> Notification:
    """A re-run of screening on a case under review: the queue's risk follows the newest run.

    Called by the screening service inside its own transaction, with the row already locked."""
    locked = _lock(notification)
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


# --- Permit lifecycle: valid → suspended / revoked → expired ---------------------------------
# Who may make each move, from which status, is ``workflow.PERMIT_TRANSITIONS``.

_PERMIT_EVENTS = {
    PermitStatus.SUSPENDED: "permit_suspended",
    PermitStatus.REVOKED: "permit_revoked",
    PermitStatus.VALID: "permit_reinstated",
}


def _lock_permit(locked: Notification, permit: Permit) -> Permit:
    return Permit.objects.select_for_update().get(pk=permit.pk, notification=locked)


def _permit_change(
    *,
    permit: Permit,
    actor,
    reason: str,
    move: PermitMove,
    action: str,
    verb,
) -> Permit:
    """Make ``move`` of ``PERMIT_TRANSITIONS``: who may, from which status, to which."""
    transition = PERMIT_TRANSITIONS[move]
    target = transition.target
    locked = _lock(permit.notification)
    _require_roles(actor, locked, transition.roles, verb)
    current = _lock_permit(locked, permit)
    if current.status not in transition.sources:
        raise TransitionError(
            _("This permit is %(status)s; you cannot %(action)s it now.")
            % {"status": PermitStatus(current.status).label, "action": verb},
            code="wrong_state",
        )
    if not reason.strip():
        raise TransitionError(_("Give the reason."), code="reason_required")
    previous = current.status
    current.status = target
    current.status_reason = reason.strip()
    current.save(update_fields=["status", "status_reason", "updated_at"])
    _notify_firm(locked, _PERMIT_EVENTS[target])
    trail.record(
        action=action,
        actor=actor,
        obj=current,
        firm=locked.firm,
        data={
            "notification": locked.reference,
            "number": current.number,
            "from": previous,
            "to": target,
            "reason": current.status_reason,
        },
    )
    return current


@transaction.atomic
def permit_suspend(*, permit: Permit, actor, reason: str) -> Permit:
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.SUSPEND,
        action="permit.suspend",
        verb=_("suspend"),
    )


@transaction.atomic
def permit_suspend_for_ban(*, permit: Permit, actor, reason: str) -> Permit:
    """Suspend a valid permit because its firm is banned from exporting (``actor`` ``None`` is
    the daily task). Reinstating it afterwards is a senior reviewer's decision."""
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.SUSPEND_FOR_BAN,
        action="permit.suspend",
        verb=_("suspend"),
    )


@transaction.atomic
def permit_revoke(*, permit: Permit, actor, reason: str) -> Permit:
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.REVOKE,
        action="permit.revoke",
        verb=_("revoke"),
    )


@transaction.atomic
def permit_reinstate(*, permit: Permit, actor, reason: str) -> Permit:
    """A suspended permit becomes valid again — only on an approved case (not while a re-screen
    has reopened it), within its validity, and never beside another valid permit."""
    notification = _lock(permit.notification)
    verb = _("reinstate")
    _require_roles(actor, notification, PERMIT_TRANSITIONS[PermitMove.REINSTATE].roles, verb)
    _require_status(notification, {Status.APPROVED}, _("reinstate a permit"))
    if permit.valid_until < timezone.localdate():
        raise TransitionError(_("This permit's validity has ended."), code="expired")
    if (
        Permit.objects.filter(notification=notification, status=PermitStatus.VALID)
        .exclude(pk=permit.pk)
        .exists()
    ):
        raise TransitionError(
            _("Another permit of this notification is valid."), code="another_valid"
        )
    return _permit_change(
        permit=permit,
        actor=actor,
        reason=reason,
        move=PermitMove.REINSTATE,
        action="permit.reinstate",
        verb=verb,
    )
