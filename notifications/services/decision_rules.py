"""The rules a decision must pass before it is made: four eyes (which approvals and
denials a senior reviewer countersigns, and never the proposer), a colleague's claim, and the
evidence an approval waits for. ``approval_check``/``denial_check`` change nothing; the decision
services in ``decisions`` run them again under the row lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from exportctl.access import effective_roles
from notifications import enforcement, review_state
from notifications.models import Decision, DecisionKind, Notification, Review, RiskLevel
from notifications.services.base import user_label
from notifications.workflow import Move, TransitionError, check_move

if TYPE_CHECKING:
    from exportctl.accounts.models import User


#: Risk levels at which an approval needs a senior reviewer's countersignature.
COUNTERSIGN_LEVELS = frozenset({RiskLevel.HIGH, RiskLevel.PROHIBITED})


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


def claimed_by_other(review: Review | None, actor: User | None) -> bool:
    """A colleague holds the claim: only they decide (or a senior reviewer reassigns it)."""
    return review is not None and review.assignee_id not in (None, getattr(actor, "pk", None))


def refuse_if_claimed_by_other(locked: Notification, actor: User) -> None:
    review = review_state.open_review_for(locked)
    if (
        review is not None
        and claimed_by_other(review, actor)
        and review.assignee is not None  # always, once claimed; narrows the type
    ):
        raise TransitionError(
            _(
                "%(name)s has claimed this case; only they can decide it. Ask them to release "
                "it, or a senior reviewer to assign it to you."
            )
            % {"name": user_label(review.assignee)},
            code="claimed_by_other",
        )


def proposed_by(pending: Decision | None, actor: User | None) -> bool:
    return pending is not None and actor is not None and pending.actor_id == actor.pk


def refuse_own_proposal(pending: Decision | None, actor: User) -> None:
    if proposed_by(pending, actor):
        raise TransitionError(
            _("You proposed this decision yourself; another senior reviewer must countersign it."),
            code="four_eyes",
        )


def approval_check(*, notification: Notification, actor: User) -> Move:
    """Every rule an approval must pass, in the order a reviewer can act on them: the move it
    would make. Changes nothing; ``notification_approve`` runs it again under the row lock, and
    the confirmation step runs it before asking the reviewer to confirm."""
    move = _decision_allowed(approve_move_for(notification), notification, actor)
    outstanding = review_state.approval_outstanding(notification=notification)
    if outstanding:
        raise OutstandingItemsError(outstanding)
    if move == Move.APPROVE:  # it would issue the permit now: say so before the confirmation
        enforcement.refuse_if_banned(notification.firm, action="permit")
    return move


def denial_check(*, notification: Notification, actor: User) -> Move:
    """Every rule a denial must pass (besides its grounds): the move it would make."""
    return _decision_allowed(deny_move_for(notification), notification, actor)


def _decision_allowed(move: Move, notification: Notification, actor: User) -> Move:
    """What an approval and a denial both check first: the table allows the move from here to
    this actor, and no colleague holds the case."""
    check_move(
        move,
        status=notification.status,
        roles=effective_roles(actor, notification),
        procedure=notification.procedure,
    )
    refuse_if_claimed_by_other(notification, actor)
    return move
