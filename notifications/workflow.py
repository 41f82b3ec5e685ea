"""The notification lifecycle: the one table of legal moves, and the groups derived from it.

    draft ──submit──▶ submitted ──(worker)──▶ screening ──▶ cleared
                                                       └──▶ under_review ◀───────────────┐
    under_review ──request_info──▶ info_requested ──respond──┘                           │
    under_review ──approve──▶ approved                    [low/elevated risk]            │
    under_review ──approve──▶ awaiting_countersign ──countersign──▶ approved             │
                                                   └──return─────────────────────────────┘
    under_review ──conclude_no_licence──▶ no_licence_required  (dated letter; the firm may proceed)
    under_review ──deny──▶ denied                          [low/elevated risk]
    under_review ──deny──▶ awaiting_countersign ──countersign_denial──▶ denied
                                                └──return──▶ under_review
    any open state ──withdraw──▶ withdrawn
    cleared / approved / no_licence_required ──(a new list version hits a party)──▶ under_review

A key-technology prior report (``Procedure.PRIOR_REPORT``, FEFTA Art. 55-8) walks the same table
with the moves of a dialogue, never those of a licence (``notifications.prior_reports``):

    draft ──submit──▶ submitted ──(worker)──▶ screening ──refer──▶ under_review ⇄ info_requested
    under_review ──conclude_no_licence──▶ no_licence_required  ("you may proceed" letter)
    under_review ──conclude_informed──▶ informed  (inform notice; the firm applies for a licence)

Clear, approve, deny and their countersignatures are catch-all moves only: a prior report never
ends in a permit or a receipt, so each ``Transition`` names the procedures it serves.

Every service in ``notifications.services`` makes exactly one of these moves; nothing else changes
a notification's status. The status groups below are computed from the table so that they can never
drift from it.

What a page or the API offers is ``available_moves(status, roles, procedure)``: the table read from
one status for one set of roles (``services.offered_moves`` narrows it by a case's facts, the claim
and four eyes; ``services.available_actions`` and ``services.firm_actions`` name the moves for the
reviewer's and the firm's pages). A permit has a table of its own, ``PERMIT_TRANSITIONS``, read the
same way by ``available_permit_moves(permit_status, roles)``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.roles import Role
from exportctl.audit import refusals

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)


class Procedure(models.TextChoices):
    """What kind of filing a notification is; it decides which moves of the table apply."""

    CATCH_ALL = "catch_all", _("Advance notification (goods and technology, catch-all)")
    PRIOR_REPORT = "prior_report", _("Prior report on a key technology transfer")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    CLEARED = "cleared", _("Cleared")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    AWAITING_COUNTERSIGN = "awaiting_countersign", _("Awaiting countersignature")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    INFORMED = "informed", _("Inform notice issued: a licence is required")
    #: The ministry's answer to a referred case or a prior report/pre-consultation: no licence is
    #: needed and the firm may go ahead (a dated "no licence required" letter records it).
    NO_LICENCE_REQUIRED = "no_licence_required", _("No licence required — you may proceed")


class Move(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    START_SCREENING = "start_screening", _("Start screening")
    CLEAR = "clear", _("Clear")
    REFER = "refer", _("Refer for review")
    REQUEST_INFO = "request_info", _("Request information")
    RESPOND = "respond", _("Respond")
    APPROVE = "approve", _("Approve")
    APPROVE_FOR_COUNTERSIGN = "approve_for_countersign", _("Approve, pending countersignature")
    COUNTERSIGN = "countersign", _("Countersign")
    RETURN = "return", _("Return to review")
    DENY = "deny", _("Deny")
    CONCLUDE_NO_LICENCE = "conclude_no_licence", _("Conclude: no licence required")
    DENY_FOR_COUNTERSIGN = "deny_for_countersign", _("Deny, pending countersignature")
    COUNTERSIGN_DENIAL = "countersign_denial", _("Countersign the denial")
    WITHDRAW = "withdraw", _("Withdraw")
    REOPEN = "reopen", _("Reopen after a new list hit")
    CONCLUDE_INFORMED = "conclude_informed", _("Close with an inform notice")


class Actor(models.TextChoices):
    """Who may make a move: a role, or the system itself (the screening worker)."""

    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status
    roles: frozenset[str]
    #: The procedures in which the move exists at all.
    procedures: frozenset[str] = frozenset(Procedure.values)


def _t(
    sources: Iterable[Status],
    target: Status,
    *roles: str,
    procedures: Iterable[str] = tuple(Procedure.values),
) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles), frozenset(procedures))


#: Moves that lead to, or towards, a licence or a catch-all receipt: a prior report has none.
_CATCH_ALL_ONLY = (Procedure.CATCH_ALL,)
_PRIOR_REPORT_ONLY = (Procedure.PRIOR_REPORT,)


_EXPORTERS = (Role.EXPORTER, Role.FIRM_ADMIN)
_REVIEWERS = (Role.REVIEWER, Role.SENIOR_REVIEWER)
_OPEN = (
    Status.SUBMITTED,
    Status.SCREENING,
    Status.UNDER_REVIEW,
    Status.INFO_REQUESTED,
    Status.AWAITING_COUNTERSIGN,
)

ALLOWED_TRANSITIONS: dict[Move, Transition] = {
    Move.SUBMIT: _t({Status.DRAFT}, Status.SUBMITTED, *_EXPORTERS),
    Move.START_SCREENING: _t({Status.SUBMITTED}, Status.SCREENING, Actor.SYSTEM),
    # A prior report is never cleared by the worker: the scheme's answer is the ministry's, after
    # the dialogue (domain.md §0a), so screening refers every report to a reviewer.
    Move.CLEAR: _t({Status.SCREENING}, Status.CLEARED, Actor.SYSTEM, procedures=_CATCH_ALL_ONLY),
    Move.REFER: _t({Status.SCREENING}, Status.UNDER_REVIEW, Actor.SYSTEM),
    Move.REQUEST_INFO: _t({Status.UNDER_REVIEW}, Status.INFO_REQUESTED, *_REVIEWERS),
    Move.RESPOND: _t({Status.INFO_REQUESTED}, Status.UNDER_REVIEW, *_EXPORTERS),
    # A prior report asks no permission, so it is never approved (no permit) nor denied: the
    # ministry's instrument there is the inform notice, after which a licence application follows.
    Move.APPROVE: _t(
        {Status.UNDER_REVIEW}, Status.APPROVED, *_REVIEWERS, procedures=_CATCH_ALL_ONLY
    ),
    Move.APPROVE_FOR_COUNTERSIGN: _t(
        {Status.UNDER_REVIEW},
        Status.AWAITING_COUNTERSIGN,
        *_REVIEWERS,
        procedures=_CATCH_ALL_ONLY,
    ),
    Move.COUNTERSIGN: _t(
        {Status.AWAITING_COUNTERSIGN},
        Status.APPROVED,
        Role.SENIOR_REVIEWER,
        procedures=_CATCH_ALL_ONLY,
    ),
    Move.RETURN: _t(
        {Status.AWAITING_COUNTERSIGN},
        Status.UNDER_REVIEW,
        Role.SENIOR_REVIEWER,
        procedures=_CATCH_ALL_ONLY,
    ),
    Move.DENY: _t({Status.UNDER_REVIEW}, Status.DENIED, *_REVIEWERS, procedures=_CATCH_ALL_ONLY),
    # From under review only, like approve and deny: while a question is out (info_requested) the
    # firm's answer is still owed, and concluding then would leave that answer unread. It needs no
    # countersignature: it grants nothing and refuses nothing (domain.md §0a: without an inform
    # notice the firm may proceed anyway); a new list hit reopens it like a clearance.
    Move.CONCLUDE_NO_LICENCE: _t({Status.UNDER_REVIEW}, Status.NO_LICENCE_REQUIRED, *_REVIEWERS),
    Move.DENY_FOR_COUNTERSIGN: _t(
        {Status.UNDER_REVIEW},
        Status.AWAITING_COUNTERSIGN,
        *_REVIEWERS,
        procedures=_CATCH_ALL_ONLY,
    ),
    Move.COUNTERSIGN_DENIAL: _t(
        {Status.AWAITING_COUNTERSIGN},
        Status.DENIED,
        Role.SENIOR_REVIEWER,
        procedures=_CATCH_ALL_ONLY,
    ),
    Move.WITHDRAW: _t(_OPEN, Status.WITHDRAWN, *_EXPORTERS),
    Move.REOPEN: _t(
        {Status.CLEARED, Status.APPROVED, Status.NO_LICENCE_REQUIRED},
        Status.UNDER_REVIEW,
        Actor.SYSTEM,
    ),
    # The dialogue left a concern: the prior report ends with an inform notice, and the firm must
    # now apply for an Art. 25 licence in a filing of its own that cites the notice. From
    # under_review only, like the other conclusions: an owed answer is read first.
    Move.CONCLUDE_INFORMED: _t(
        {Status.UNDER_REVIEW}, Status.INFORMED, *_REVIEWERS, procedures=_PRIOR_REPORT_ONLY
    ),
}


def _sources_where(predicate: Callable[[Move, Transition], bool]) -> frozenset[Status]:
    return frozenset(
        status
        for move, transition in ALLOWED_TRANSITIONS.items()
        if predicate(move, transition)
        for status in transition.sources
    )


#: Work in progress that the exporter may still withdraw.
OPEN_STATUSES = ALLOWED_TRANSITIONS[Move.WITHDRAW].sources
#: The exporter may change the filing's contents only before submitting it.
EDITABLE_STATUSES = ALLOWED_TRANSITIONS[Move.SUBMIT].sources
#: Statuses from which no move at all leads on.
FINAL_STATUSES = frozenset(Status) - _sources_where(lambda move, t: True)
#: Outcomes that let the exporter ship, until a new list version reopens them.
OUTCOME_STATUSES = ALLOWED_TRANSITIONS[Move.REOPEN].sources
#: Waiting on a ministry person (the review queue).
AWAITING_MINISTRY_STATUSES = _sources_where(
    lambda move, t: bool(t.roles & {r.value for r in _REVIEWERS})
)
#: Waiting on the exporting firm (besides withdrawal, which is always open to it).
AWAITING_EXPORTER_STATUSES = _sources_where(
    lambda move, t: move != Move.WITHDRAW and bool(t.roles & {r.value for r in _EXPORTERS})
)
#: Waiting on the screening worker.
AWAITING_SYSTEM_STATUSES = _sources_where(
    lambda move, t: Actor.SYSTEM in t.roles and move != Move.REOPEN
)


#: The case's evidence is being examined: a review is open and no decision is proposed yet —
#: the dialogue of ``REQUEST_INFO`` and its answer. Hits are adjudicated, checklist answers noted
#: and a catch-all inform notice issued only here.
EXAMINATION_STATUSES = ALLOWED_TRANSITIONS[Move.REQUEST_INFO].sources | {
    ALLOWED_TRANSITIONS[Move.REQUEST_INFO].target
}


def available_moves(
    status: str, roles: frozenset[str], procedure: str = Procedure.CATCH_ALL
) -> frozenset[Move]:
    """The moves of the table that one of ``roles`` may make from ``status`` in ``procedure``.

    This is what pages and the API offer (``notifications.services.available_actions`` adds the
    facts of one case: the claim, four eyes, which approve or deny move the risk calls for).
    """
    return frozenset(
        move
        for move, transition in ALLOWED_TRANSITIONS.items()
        if procedure in transition.procedures
        and status in transition.sources
        and transition.roles & roles
    )


# --- Permits: valid → suspended / revoked / expired ------------------------------------------


class PermitStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class PermitMove(models.TextChoices):
    SUSPEND = "suspend", _("Suspend")
    #: The firm's export ban has started (``notifications.enforcement``).
    SUSPEND_FOR_BAN = "suspend_for_ban", _("Suspend for an export ban")
    REVOKE = "revoke", _("Revoke")
    REINSTATE = "reinstate", _("Reinstate")
    EXPIRE = "expire", _("Expire")


@dataclass(frozen=True)
class PermitTransition:
    sources: frozenset[PermitStatus]
    target: PermitStatus
    roles: frozenset[str]


def _p(sources: Iterable[PermitStatus], target: PermitStatus, *roles: str) -> PermitTransition:
    return PermitTransition(frozenset(sources), target, frozenset(roles))


#: The one table of a permit's moves. A senior reviewer suspends, revokes and reinstates; the
#: system expires a permit after its last day; a ban suspends it at a senior reviewer's, an
#: enforcement officer's or the daily task's hand (a case reopened by a new list hit suspends its
#: valid permits as part of the case's ``Move.REOPEN``, the system's move). Reinstating asks
#: more of the case than the table can say (approved, within validity, no other valid permit):
#: ``notifications.services.permit_reinstate`` checks that.
PERMIT_TRANSITIONS: dict[PermitMove, PermitTransition] = {
    PermitMove.SUSPEND: _p({PermitStatus.VALID}, PermitStatus.SUSPENDED, Role.SENIOR_REVIEWER),
    PermitMove.SUSPEND_FOR_BAN: _p(
        {PermitStatus.VALID},
        PermitStatus.SUSPENDED,
        Role.SENIOR_REVIEWER,
        Role.ENFORCEMENT_OFFICER,
        Actor.SYSTEM,
    ),
    PermitMove.REVOKE: _p(
        {PermitStatus.VALID, PermitStatus.SUSPENDED}, PermitStatus.REVOKED, Role.SENIOR_REVIEWER
    ),
    PermitMove.REINSTATE: _p({PermitStatus.SUSPENDED}, PermitStatus.VALID, Role.SENIOR_REVIEWER),
    PermitMove.EXPIRE: _p({PermitStatus.VALID}, PermitStatus.EXPIRED, Actor.SYSTEM),
}


def available_permit_moves(permit_status: str, roles: frozenset[str]) -> frozenset[PermitMove]:
    """The permit moves that one of ``roles`` may make on a permit in ``permit_status``."""
    return frozenset(
        move
        for move, transition in PERMIT_TRANSITIONS.items()
        if permit_status in transition.sources and transition.roles & roles
    )


class TransitionError(Exception):
    """A move that the table does not allow from this status, or not for this actor."""

    def __init__(self, message: "str | StrPromise", *, code: str) -> None:
        super().__init__(message)
        self.code = code
        if code in refusals.PRIVILEGE_CODES:  # who may act: on the record, whoever catches it
            refusals.note(reason=code, message=message)


def check_procedure(move: Move, *, procedure: str) -> Transition:
    """Return the transition for ``move`` if the move exists in ``procedure`` at all."""
    transition = ALLOWED_TRANSITIONS[move]
    if procedure not in transition.procedures:
        raise TransitionError(
            _("A %(procedure)s cannot be %(move)s.")
            % {"procedure": Procedure(procedure).label.lower(), "move": move.label.lower()},
            code="wrong_procedure",
        )
    return transition


def check_state(move: Move, *, status: str, procedure: str = Procedure.CATCH_ALL) -> Transition:
    """Return the transition for ``move`` if the table allows it from ``status`` in
    ``procedure`` (today's catch-all filing unless said otherwise)."""
    transition = check_procedure(move, procedure=procedure)
    if status not in transition.sources:
        raise TransitionError(
            _("This notification is %(status)s; it cannot be %(move)s now.")
            % {"status": Status(status).label, "move": move.label.lower()},
            code="wrong_state",
        )
    return transition


def check_roles(move: Move, *, roles: frozenset[str]) -> Transition:
    """Return the transition for ``move`` if one of ``roles`` may make it."""
    transition = ALLOWED_TRANSITIONS[move]
    if not transition.roles & roles:
        raise TransitionError(
            _("You are not allowed to %(move)s this notification.") % {"move": move.label.lower()},
            code="forbidden_role",
        )
    return transition


def check_move(
    move: Move, *, status: str, roles: frozenset[str], procedure: str = Procedure.CATCH_ALL
) -> Transition:
    """Return the transition for ``move`` or raise ``TransitionError``.

    ``roles`` are the actor's role values, or ``{Actor.SYSTEM}`` for the worker.
    """
    check_state(move, status=status, procedure=procedure)
    return check_roles(move, roles=roles)


def is_allowed(
    move: Move, *, status: str, roles: frozenset[str], procedure: str = Procedure.CATCH_ALL
) -> bool:
    """Whether the table allows ``move`` from ``status`` to one of ``roles`` in ``procedure``."""
    transition = ALLOWED_TRANSITIONS[move]
    return (
        procedure in transition.procedures
        and status in transition.sources
        and bool(transition.roles & roles)
    )


def moves_of(procedure: str) -> frozenset[Move]:
    """The moves that exist in ``procedure``."""
    return frozenset(m for m, t in ALLOWED_TRANSITIONS.items() if procedure in t.procedures)
