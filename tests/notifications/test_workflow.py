"""The transition table, and every (status, move, actor) combination through the services."""

import datetime
import itertools

import pytest
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.models import Decision, DecisionKind, Message, Permit, Review
from notifications.services import ScreeningResult
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    AWAITING_EXPORTER_STATUSES,
    AWAITING_MINISTRY_STATUSES,
    AWAITING_SYSTEM_STATUSES,
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    OUTCOME_STATUSES,
    Move,
    Procedure,
    Status,
    TransitionError,
    moves_of,
)
from tests.factories import ExporterFactory, UserFactory, submitted_at

S = Status

# The diagram of DESIGN.md, edge by edge: (move, source, target).
DRAWN_EDGES = {
    (Move.SUBMIT, S.DRAFT, S.SUBMITTED),
    (Move.START_SCREENING, S.SUBMITTED, S.SCREENING),
    (Move.CLEAR, S.SCREENING, S.CLEARED),
    (Move.REFER, S.SCREENING, S.UNDER_REVIEW),
    (Move.REQUEST_INFO, S.UNDER_REVIEW, S.INFO_REQUESTED),
    (Move.RESPOND, S.INFO_REQUESTED, S.UNDER_REVIEW),
    (Move.APPROVE, S.UNDER_REVIEW, S.APPROVED),
    (Move.APPROVE_FOR_COUNTERSIGN, S.UNDER_REVIEW, S.AWAITING_COUNTERSIGN),
    (Move.COUNTERSIGN, S.AWAITING_COUNTERSIGN, S.APPROVED),
    (Move.RETURN, S.AWAITING_COUNTERSIGN, S.UNDER_REVIEW),
    (Move.DENY, S.UNDER_REVIEW, S.DENIED),
    (Move.DENY_FOR_COUNTERSIGN, S.UNDER_REVIEW, S.AWAITING_COUNTERSIGN),
    (Move.COUNTERSIGN_DENIAL, S.AWAITING_COUNTERSIGN, S.DENIED),
    (Move.REOPEN, S.CLEARED, S.UNDER_REVIEW),
    (Move.REOPEN, S.APPROVED, S.UNDER_REVIEW),
    (Move.CONCLUDE_NO_LICENCE, S.UNDER_REVIEW, S.NO_LICENCE_REQUIRED),
    (Move.REOPEN, S.NO_LICENCE_REQUIRED, S.UNDER_REVIEW),
    (Move.CONCLUDE_INFORMED, S.UNDER_REVIEW, S.INFORMED),
} | {
    (Move.WITHDRAW, source, S.WITHDRAWN)
    for source in (
        S.SUBMITTED,
        S.SCREENING,
        S.UNDER_REVIEW,
        S.INFO_REQUESTED,
        S.AWAITING_COUNTERSIGN,
    )
}

ACTORS = (
    "exporter",
    "firm_admin",
    "other_firm_exporter",
    "reviewer",
    "senior_reviewer",
    "list_manager",
    "auditor",
    "system",
)

# Who may make each move, by the actor names above.
DRAWN_ACTORS = {
    Move.SUBMIT: {"exporter", "firm_admin"},
    Move.RESPOND: {"exporter", "firm_admin"},
    Move.WITHDRAW: {"exporter", "firm_admin"},
    Move.START_SCREENING: {"system"},
    Move.CLEAR: {"system"},
    Move.REFER: {"system"},
    Move.REOPEN: {"system"},
    Move.REQUEST_INFO: {"reviewer", "senior_reviewer"},
    Move.APPROVE: {"reviewer", "senior_reviewer"},
    Move.APPROVE_FOR_COUNTERSIGN: {"reviewer", "senior_reviewer"},
    Move.DENY: {"reviewer", "senior_reviewer"},
    Move.DENY_FOR_COUNTERSIGN: {"reviewer", "senior_reviewer"},
    Move.COUNTERSIGN: {"senior_reviewer"},
    Move.COUNTERSIGN_DENIAL: {"senior_reviewer"},
    Move.RETURN: {"senior_reviewer"},
    Move.CONCLUDE_NO_LICENCE: {"reviewer", "senior_reviewer"},
    Move.CONCLUDE_INFORMED: {"reviewer", "senior_reviewer"},
}

# The moves of each procedure: a key-technology prior report is a dialogue, so it is never
# cleared, approved, denied or countersigned; only it ends with ``conclude_informed``.
_LICENCE_MOVES = {
    Move.CLEAR,
    Move.APPROVE,
    Move.APPROVE_FOR_COUNTERSIGN,
    Move.COUNTERSIGN,
    Move.RETURN,
    Move.DENY,
    Move.DENY_FOR_COUNTERSIGN,
    Move.COUNTERSIGN_DENIAL,
}
DRAWN_PROCEDURES = {
    Procedure.CATCH_ALL: set(Move) - {Move.CONCLUDE_INFORMED},
    Procedure.PRIOR_REPORT: set(Move) - _LICENCE_MOVES,
}


def test_table_is_exactly_the_drawn_diagram():
    table_edges = {
        (move, source, transition.target)
        for move, transition in ALLOWED_TRANSITIONS.items()
        for source in transition.sources
    }
    assert table_edges == DRAWN_EDGES
    assert set(ALLOWED_TRANSITIONS) == set(Move)
    for procedure, moves in DRAWN_PROCEDURES.items():
        assert moves_of(procedure) == moves


def test_status_groups_are_derived_from_the_table():
    assert {
        S.SUBMITTED,
        S.SCREENING,
        S.UNDER_REVIEW,
        S.INFO_REQUESTED,
        S.AWAITING_COUNTERSIGN,
    } == OPEN_STATUSES
    assert {S.DRAFT} == EDITABLE_STATUSES
    assert {S.DENIED, S.WITHDRAWN, S.INFORMED} == FINAL_STATUSES
    assert {S.CLEARED, S.APPROVED, S.NO_LICENCE_REQUIRED} == OUTCOME_STATUSES
    assert {S.UNDER_REVIEW, S.AWAITING_COUNTERSIGN} == AWAITING_MINISTRY_STATUSES
    assert {S.DRAFT, S.INFO_REQUESTED} == AWAITING_EXPORTER_STATUSES
    assert {S.SUBMITTED, S.SCREENING} == AWAITING_SYSTEM_STATUSES


def _actor(name: str, notification):
    firm = notification.firm
    return {
        "exporter": lambda: ExporterFactory(firm=firm),
        "firm_admin": lambda: UserFactory(firm=firm, roles=[Role.FIRM_ADMIN]),
        "other_firm_exporter": lambda: ExporterFactory(),
        "reviewer": lambda: UserFactory(roles=[Role.REVIEWER]),
        "senior_reviewer": lambda: UserFactory(roles=[Role.REVIEWER, Role.SENIOR_REVIEWER]),
        "list_manager": lambda: UserFactory(roles=[Role.LIST_MANAGER]),
        "auditor": lambda: UserFactory(roles=[Role.AUDITOR]),
        "system": lambda: None,
    }[name]()


def _prepare(move: Move, notification) -> None:
    """Give the case what the move needs besides its status (risk, a pending approval)."""
    if move in (Move.APPROVE, Move.DENY):
        notification.risk_level = "low"
        notification.save()
    if move in (Move.APPROVE_FOR_COUNTERSIGN, Move.DENY_FOR_COUNTERSIGN):
        notification.risk_level = "high"
        notification.save()
    if move == Move.COUNTERSIGN_DENIAL:
        Decision.objects.create(
            notification=notification,
            kind=DecisionKind.DENY_FOR_COUNTERSIGN,
            actor=UserFactory(roles=[Role.REVIEWER]),
            reason="End user is listed.",
        )
    if move in (Move.COUNTERSIGN, Move.RETURN):
        Decision.objects.create(
            notification=notification,
            kind=DecisionKind.APPROVE_FOR_COUNTERSIGN,
            actor=UserFactory(roles=[Role.REVIEWER]),
            validity_months=6,
        )


def _make(move: Move, notification, actor):
    result = ScreeningResult(score=12, level="low")
    tomorrow = timezone.localdate() + datetime.timedelta(days=14)
    calls = {
        Move.SUBMIT: lambda: services.notification_submit(
            notification=notification, actor=actor, declaration_accepted=True
        ),
        Move.START_SCREENING: lambda: services.notification_start_screening(
            notification=notification, actor=actor
        ),
        Move.CLEAR: lambda: services.notification_clear(
            notification=notification, result=result, actor=actor
        ),
        Move.REFER: lambda: services.notification_refer(
            notification=notification, result=result, actor=actor
        ),
        Move.REOPEN: lambda: services.notification_reopen(
            notification=notification, result=result, reason="New list hit", actor=actor
        ),
        Move.REQUEST_INFO: lambda: services.notification_request_info(
            notification=notification,
            actor=actor,
            question="Who operates the site?",
            due_on=tomorrow,
        ),
        Move.RESPOND: lambda: services.notification_respond(
            notification=notification, actor=actor, body="The plant's own staff."
        ),
        Move.APPROVE: lambda: services.notification_approve(notification=notification, actor=actor),
        Move.APPROVE_FOR_COUNTERSIGN: lambda: services.notification_approve(
            notification=notification, actor=actor
        ),
        Move.COUNTERSIGN: lambda: services.notification_countersign(
            notification=notification, actor=actor
        ),
        Move.RETURN: lambda: services.notification_return(
            notification=notification, actor=actor, reason="Conditions too broad."
        ),
        Move.DENY: lambda: services.notification_deny(
            notification=notification, actor=actor, reason="End user is listed."
        ),
        Move.DENY_FOR_COUNTERSIGN: lambda: services.notification_deny(
            notification=notification, actor=actor, reason="End user is listed."
        ),
        Move.COUNTERSIGN_DENIAL: lambda: services.notification_countersign(
            notification=notification, actor=actor
        ),
        Move.WITHDRAW: lambda: services.notification_withdraw(
            notification=notification, actor=actor
        ),
        Move.CONCLUDE_NO_LICENCE: lambda: services.notification_conclude_no_licence(
            notification=notification, actor=actor, grounds="Civil use confirmed."
        ),
        Move.CONCLUDE_INFORMED: lambda: services.prior_report_conclude_informed(
            notification=notification, actor=actor, grounds="The concern remains."
        ),
    }
    return calls[move]()


def _footprint(notification) -> dict:
    notification.refresh_from_db()
    return {
        "status": notification.status,
        "reference": notification.reference,
        "risk_level": notification.risk_level,
        "audit": AuditEvent.objects.count(),
        "decisions": Decision.objects.filter(notification=notification).count(),
        "messages": Message.objects.filter(notification=notification).count(),
        "permits": Permit.objects.filter(notification=notification).count(),
        "reviews": list(
            Review.objects.filter(notification=notification).values_list("pk", "closed_at")
        ),
    }


COMBINATIONS = list(itertools.product(list(Procedure), list(Status), list(Move), ACTORS))


def _prior_report(notification) -> None:
    """What a key-technology prior report needs to be submitted (its details)."""
    from notifications.models import PriorReportDetails
    from partners.models import KeyTechnology

    technology, _created = KeyTechnology.objects.get_or_create(
        code="mlcc",
        defaults={
            "name_en": "MLCC",
            "name_ja": "積層セラミックコンデンサ",
            "effective_from": datetime.date(2024, 12, 30),
        },
    )
    PriorReportDetails.objects.create(
        notification=notification,
        transaction_type="guidance",
        technology=technology,
        technology_description="Process know-how.",
        recipient_relation="subsidiary",
        protection_access_control=True,
    )
    notification.planned_date = timezone.localdate() + datetime.timedelta(days=90)
    notification.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("procedure", "status", "move", "actor_name"),
    COMBINATIONS,
    ids=[f"{p.value}-{s.value}-{m.value}-{a}" for p, s, m, a in COMBINATIONS],
)
def test_every_combination_is_made_or_refused(procedure, status, move, actor_name):
    notification = submitted_at(status, procedure=procedure)
    if procedure == Procedure.PRIOR_REPORT:
        _prior_report(notification)
    _prepare(move, notification)
    actor = _actor(actor_name, notification)
    legal = (
        (move, status, ALLOWED_TRANSITIONS[move].target) in DRAWN_EDGES
        and actor_name in DRAWN_ACTORS[move]
        and move in DRAWN_PROCEDURES[procedure]
    )
    before = _footprint(notification)

    if legal:
        _make(move, notification, actor)
        notification.refresh_from_db()
        assert notification.status == ALLOWED_TRANSITIONS[move].target
        # The case's own last event (a clearance also issues the receipt, a document's event).
        event = (
            AuditEvent.objects.filter(object_id=str(notification.public_id))
            .order_by("-seq")
            .first()
        )
        assert event.action == f"notification.{move.value}"
        assert event.object_id == str(notification.public_id)
        assert event.data["from"] == status
        assert event.data["to"] == notification.status
        assert event.actor_id == (actor.pk if actor is not None else None)
    else:
        with pytest.raises(TransitionError) as refused:
            _make(move, notification, actor)
        assert refused.value.code in {"wrong_state", "forbidden_role", "wrong_procedure"}
        if move not in DRAWN_PROCEDURES[procedure]:
            assert refused.value.code == "wrong_procedure"
        assert _footprint(notification) == before
