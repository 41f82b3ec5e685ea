"""Decisions follow the evidence: no approval over an unadjudicated hit or an unexplained
"unknown" checklist answer, four eyes on high-risk denials, the claim respected, and the one
``available_actions`` that pages and the API offer. Every refusal changes nothing."""

import pytest

from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.documents.tasks import render_document
from notifications.models import ChecklistNote, Decision, DecisionKind, Notification, Permit
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from screening.models import Disposition, PartyHit
from screening.services import hit_adjudicate
from tests.factories import ExporterFactory, UserFactory, full_checklist, submitted_at
from tests.review.conftest import make_reviewer

pytestmark = pytest.mark.django_db


def referred(level: str = "elevated", score: int = 30, checklist=None) -> Notification:
    notification = submitted_at(Status.SCREENING, checklist=checklist or full_checklist())
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=score, level=level)
    )
    notification.refresh_from_db()
    return notification


def with_unknown(*numbers: int) -> dict:
    checklist = full_checklist()
    for number in numbers:
        checklist[str(number)] = {"answer": "unknown", "note": "Not told."}
    return checklist


def footprint(notification) -> tuple:
    notification.refresh_from_db()
    return (
        notification.status,
        notification.decided_at,
        list(Decision.objects.filter(notification=notification).values_list("kind", flat=True)),
        Permit.objects.filter(notification=notification).count(),
        list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)),
    )


@pytest.fixture
def letters(monkeypatch):
    """The documents the services ask to be rendered once their transaction commits."""
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(
        render_document,
        "delay_on_commit",
        lambda notification_id, kind: queued.append((notification_id, kind)),
    )
    return queued


# --- No approval over unsettled evidence -----------------------------------------------------


def test_an_approval_over_an_unadjudicated_hit_is_refused_naming_it(case, reviewer, english):
    before = footprint(case)

    with pytest.raises(TransitionError) as refused:
        services.notification_approve(notification=case, actor=reviewer)

    assert refused.value.code == "outstanding"
    message = str(refused.value)
    assert "Amirkabir Univ. of Technology (End user)" in message
    assert "No. 45" in message
    assert "has not been adjudicated" in message
    [item] = refused.value.items
    assert (item.kind, item.data["entry_number"]) == ("hit", 45)
    assert footprint(case) == before


def test_the_approval_goes_ahead_once_the_hit_is_adjudicated(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(
        hit=hit, actor=reviewer, disposition=Disposition.FALSE_POSITIVE, reason="Other city."
    )

    decision = services.notification_approve(notification=case, actor=reviewer)

    case.refresh_from_db()
    assert decision.kind == DecisionKind.APPROVE_FOR_COUNTERSIGN  # high risk: four eyes
    assert case.status == Status.AWAITING_COUNTERSIGN


def test_only_the_newest_runs_hits_count(case, reviewer, django_capture_on_commit_callbacks):
    """A re-run makes new hits; the old run's pending hit no longer blocks, the new one does."""
    from screening.services import screening_rerun_request

    old = PartyHit.objects.get(run__notification=case)
    with django_capture_on_commit_callbacks(execute=True):
        screening_rerun_request(notification=case, actor=reviewer)
    new = PartyHit.objects.filter(run__notification=case).exclude(pk=old.pk).get()
    hit_adjudicate(hit=new, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same.")
    old.refresh_from_db()
    assert old.disposition == Disposition.PENDING

    services.notification_approve(notification=case, actor=reviewer)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_COUNTERSIGN


def test_an_unknown_checklist_answer_without_a_reviewers_note_blocks_the_approval(
    reviewer, english
):
    notification = referred(checklist=with_unknown(3, 11))
    before = footprint(notification)

    with pytest.raises(TransitionError) as refused:
        services.notification_approve(notification=notification, actor=reviewer)

    assert refused.value.code == "outstanding"
    assert "checklist item 3 is answered “unknown”" in str(refused.value)
    assert "checklist item 11 is answered “unknown”" in str(refused.value)
    assert [item.data["number"] for item in refused.value.items] == [3, 11]
    assert footprint(notification) == before

    services.checklist_note_record(
        notification=notification, actor=reviewer, number=3, body="Site confirmed by phone."
    )
    with pytest.raises(TransitionError) as refused:
        services.notification_approve(notification=notification, actor=reviewer)
    assert [item.data["number"] for item in refused.value.items] == [11]

    services.checklist_note_record(
        notification=notification, actor=reviewer, number=11, body="Route via Singapore, normal."
    )
    services.notification_approve(notification=notification, actor=reviewer)
    notification.refresh_from_db()
    assert notification.status == Status.APPROVED


def test_a_checklist_note_is_audited_and_rewriting_it_replaces_it(reviewer, senior):
    notification = referred(checklist=with_unknown(3))
    first = services.checklist_note_record(
        notification=notification, actor=reviewer, number=3, body="  Asked the firm.  "
    )
    assert (first.body, first.author, first.number) == ("Asked the firm.", reviewer, 3)
    second = services.checklist_note_record(
        notification=notification, actor=senior, number=3, body="Site visited."
    )
    assert second.pk == first.pk
    assert ChecklistNote.objects.get().body == "Site visited."
    events = AuditEvent.objects.filter(action="notification.checklist_note").order_by("seq")
    assert [(e.actor, e.data["item"], e.data["replaced"]) for e in events] == [
        (reviewer, 3, False),
        (senior, 3, True),
    ]
    assert "Site visited." not in str(events.last().data)  # ministry-internal, like notes


def test_checklist_note_refusals_change_nothing(reviewer):
    notification = referred(checklist=with_unknown(3))
    exporter = ExporterFactory(firm=notification.firm)
    approved = submitted_at(Status.APPROVED, checklist=with_unknown(3))
    attempts = [
        (notification, reviewer, 4, "note", "invalid_item"),  # answered "yes"
        (notification, reviewer, 21, "note", "invalid_item"),
        (notification, reviewer, 3, "  ", "empty_note"),
        (notification, exporter, 3, "note", "forbidden_role"),
        (approved, reviewer, 3, "note", "wrong_state"),
    ]
    before = footprint(notification)
    for target, actor, number, body, code in attempts:
        with pytest.raises(TransitionError) as refused:
            services.checklist_note_record(
                notification=target, actor=actor, number=number, body=body
            )
        assert refused.value.code == code, (number, code)
    assert ChecklistNote.objects.count() == 0
    assert footprint(notification) == before


# --- Four eyes on a high-risk denial ---------------------------------------------------------


def test_a_high_risk_denial_waits_for_a_countersignature_and_the_letter_with_it(
    case, reviewer, senior, letters
):
    decision = services.notification_deny(
        notification=case, actor=reviewer, reason="Listed end user; WMD concern."
    )

    case.refresh_from_db()
    assert decision.kind == DecisionKind.DENY_FOR_COUNTERSIGN
    assert (case.status, case.decided_at) == (Status.AWAITING_COUNTERSIGN, None)
    assert letters == []
    assert AuditEvent.objects.order_by("-seq").first().action == "notification.deny_for_countersign"

    final = services.notification_countersign(notification=case, actor=senior)

    case.refresh_from_db()
    assert (final.kind, final.actor, final.reason) == (
        DecisionKind.DENY,
        senior,
        "Listed end user; WMD concern.",
    )
    assert case.status == Status.DENIED
    assert case.decided_at is not None
    assert letters == [(case.pk, "denial_letter")]
    assert Permit.objects.filter(notification=case).count() == 0
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor, event.data["proposal"]) == (
        "notification.countersign_denial",
        senior,
        str(decision.public_id),
    )


def test_the_proposer_cannot_countersign_their_own_denial_or_approval(
    case, senior, reviewer, english
):
    services.notification_deny(notification=case, actor=senior, reason="Listed end user.")
    before = footprint(case)
    for service, kwargs in (
        (services.notification_countersign, {}),
        (services.notification_return, {"reason": "Check."}),
    ):
        with pytest.raises(TransitionError) as refused:
            service(notification=case, actor=senior, **kwargs)
        assert refused.value.code == "four_eyes"
        assert str(refused.value) == (
            "You proposed this decision yourself; another senior reviewer must countersign it."
        )
    assert footprint(case) == before


def test_a_plain_reviewer_who_proposed_is_told_it_is_their_own_not_a_missing_right(
    case, reviewer, english
):
    """The issue's complaint: the approver pressing 上席承認 read 権限がありません."""
    services.notification_deny(notification=case, actor=reviewer, reason="Listed end user.")
    before = footprint(case)
    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=case, actor=reviewer)
    assert refused.value.code == "four_eyes"
    assert footprint(case) == before
    colleague = make_reviewer("colleague@meti.example.jp")
    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=case, actor=colleague)
    assert refused.value.code == "forbidden_role"
    assert footprint(case) == before


def test_a_senior_returning_a_pending_denial_sends_the_case_back_without_a_letter(
    case, reviewer, senior, letters
):
    proposal = services.notification_deny(
        notification=case, actor=reviewer, reason="Listed end user."
    )
    services.notification_return(notification=case, actor=senior, reason="Ask the firm first.")
    case.refresh_from_db()
    assert (case.status, case.decided_at) == (Status.UNDER_REVIEW, None)
    assert letters == []
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.data["proposal"], event.data["proposal_kind"]) == (
        "notification.return",
        str(proposal.public_id),
        "deny_for_countersign",
    )


def test_an_elevated_risk_denial_is_still_one_step(reviewer, letters):
    notification = referred(level="elevated")
    decision = services.notification_deny(
        notification=notification, actor=reviewer, reason="False statements."
    )
    notification.refresh_from_db()
    assert decision.kind == DecisionKind.DENY
    assert notification.status == Status.DENIED
    assert letters == [(notification.pk, "denial_letter")]


# --- The claim -------------------------------------------------------------------------------


def test_a_case_claimed_by_a_colleague_is_decided_only_by_them(reviewer, senior, english):
    notification = referred(level="low", score=5)
    colleague = make_reviewer("colleague@meti.example.jp", name="Reviewer Ito")
    services.review_claim(notification=notification, actor=colleague)
    before = footprint(notification)
    calls = (
        lambda actor: services.notification_approve(notification=notification, actor=actor),
        lambda actor: services.notification_deny(
            notification=notification, actor=actor, reason="No."
        ),
    )
    for call in calls:
        for actor in (reviewer, senior):
            with pytest.raises(TransitionError) as refused:
                call(actor)
            assert refused.value.code == "claimed_by_other"
            assert str(refused.value).startswith("Reviewer Ito has claimed this case")
    assert footprint(notification) == before
    services.notification_deny(notification=notification, actor=colleague, reason="No.")
    notification.refresh_from_db()
    assert notification.status == Status.DENIED


# --- available_actions: one branch per rule --------------------------------------------------


def test_actions_of_a_reviewer_on_an_unclaimed_case_under_review(reviewer):
    notification = referred()
    assert services.available_actions(notification, reviewer) == {
        "claim",
        "assign",
        "request_info",
        "approve",
        "deny",
        "conclude_no_licence",
        "inform",
    }


def test_actions_when_a_colleague_holds_the_claim(reviewer, senior):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp")
    services.review_claim(notification=notification, actor=colleague)
    assert services.available_actions(notification, reviewer) == {
        "assign",
        "request_info",
        "inform",
    }
    # A senior reviewer may release the claim (and then decide), not decide over it.
    assert services.available_actions(notification, senior) == {
        "release",
        "assign",
        "request_info",
        "inform",
    }
    assert services.available_actions(notification, colleague) == {
        "release",
        "assign",
        "request_info",
        "approve",
        "deny",
        "conclude_no_licence",
        "inform",
    }


def test_actions_while_the_exporter_owes_an_answer(reviewer):
    notification = referred()
    Notification.objects.filter(pk=notification.pk).update(status=Status.INFO_REQUESTED)
    notification.refresh_from_db()
    assert services.available_actions(notification, reviewer) == {"claim", "assign", "inform"}


@pytest.mark.parametrize("proposal", ["approve", "deny"])
def test_actions_on_a_pending_decision_follow_four_eyes(proposal, reviewer, senior, other_senior):
    notification = referred(level="high", score=80)
    if proposal == "approve":
        services.notification_approve(notification=notification, actor=senior)
    else:
        services.notification_deny(notification=notification, actor=senior, reason="Listed.")
    notification.refresh_from_db()
    assert services.available_actions(notification, other_senior) == {
        "claim",
        "assign",
        "countersign",
        "return",
    }
    assert services.available_actions(notification, senior) == {"claim", "assign"}  # proposer
    assert services.available_actions(notification, reviewer) == {"claim", "assign"}


def test_no_actions_for_others_or_on_a_decided_case(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    for user in (exporter, UserFactory(roles=["auditor"]), UserFactory(roles=["list_manager"])):
        assert services.available_actions(notification, user) == frozenset()
    services.notification_approve(notification=notification, actor=reviewer)
    notification.refresh_from_db()
    assert notification.status == Status.APPROVED
    assert services.available_actions(notification, reviewer) == frozenset()


def test_the_offered_actions_are_exactly_the_ones_the_services_accept(reviewer, senior):
    """Offer what the table allows: each action offered succeeds; each one not offered is
    refused. Checked for the decisions on a case claimed by a colleague and on an open one."""
    colleague = make_reviewer("colleague@meti.example.jp")
    for holder in (None, colleague):
        for actor in (reviewer, senior):
            for action in ("approve", "deny"):
                notification = referred()
                if holder is not None:
                    services.review_claim(notification=notification, actor=holder)
                offered = action in services.available_actions(notification, actor)
                try:
                    if action == "approve":
                        services.notification_approve(notification=notification, actor=actor)
                    else:
                        services.notification_deny(
                            notification=notification, actor=actor, reason="Grounds."
                        )
                    accepted = True
                except TransitionError:
                    accepted = False
                assert offered == accepted, (holder, actor, action)
