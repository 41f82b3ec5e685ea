"""What a page or the API offers a user on a filing: the moves of the table
(``workflow.available_moves``) narrowed by the case's facts, by the names the pages give them.
Reads only; the services of the other modules make the moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exportctl import access
from exportctl.access import effective_roles
from notifications import review_state
from notifications.models import Notification
from notifications.services.base import INFORM_STATUSES
from notifications.services.decision_rules import (
    approve_move_for,
    claimed_by_other,
    countersign_move_for,
    deny_move_for,
    proposed_by,
)
from notifications.services.review_desk import may_release
from notifications.workflow import Move, Procedure, available_moves

if TYPE_CHECKING:
    from exportctl.accounts.models import User

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


def offered_moves(notification: Notification, user: User) -> frozenset[Move]:
    """The moves of the table offered to ``user`` on this case: ``workflow.available_moves``
    narrowed by the case's facts — the approve or deny move its risk calls for, nothing decided
    over a colleague's claim, and no countersignature or return of one's own proposal."""
    moves = available_moves(
        notification.status, effective_roles(user, notification), notification.procedure
    )
    review = review_state.open_review_for(notification)
    if claimed_by_other(review, user):
        moves -= _DECISIONS
    moves -= _APPROVE_OR_DENY - {approve_move_for(notification), deny_move_for(notification)}
    pending = review_state.pending_decision(notification)
    if pending is None or proposed_by(pending, user):
        moves -= _ON_A_PROPOSAL
    else:
        moves -= _COUNTERSIGNS - {countersign_move_for(pending)}
    return moves


def decisions_withheld_by_claim(notification: Notification, user: User) -> frozenset[Move]:
    """The decisions the table allows ``user`` on this case that a colleague's claim withholds
    (the case page says who holds it)."""
    if not claimed_by_other(review_state.open_review_for(notification), user):
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


def available_actions(notification: Notification, user: User) -> frozenset[str]:
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
        elif may_release(review, user):
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


def firm_actions(notification: Notification, user: User) -> list[str]:
    """What a firm user may do with this filing now: ``workflow.available_moves`` by the names
    of ``FIRM_ACTIONS``, then "copy" (a new draft from this one), which is no move and always
    open to the firm."""
    moves = available_moves(
        notification.status, effective_roles(user, notification), notification.procedure
    )
    return [name for move, names in FIRM_ACTIONS if move in moves for name in names] + ["copy"]
