"""The reviewer's services: the review clock, claiming, notes, inform notices, hit adjudication,
re-running screening and the permit lifecycle. Every refusal changes nothing."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications import calendar, services
from notifications.models import (
    Decision,
    DecisionKind,
    InformNotice,
    Message,
    MessageKind,
    Notification,
    Permit,
    PermitStatus,
    Review,
)
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from screening.models import Disposition, PartyHit, RunStatus, ScreeningRun, Trigger
from screening.services import hit_adjudicate, screening_rerun_request, screening_rescreen
from tests.factories import ExporterFactory, UserFactory, submitted_at
from tests.review.conftest import make_reviewer
from tests.screening.test_services import EUL_SAMPLE, ROSOBORONEXPORT, publish_eul

pytestmark = pytest.mark.django_db


def referred(level: str = "elevated", score: int = 30) -> Notification:
    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=score, level=level)
    )
    notification.refresh_from_db()
    return notification


def open_review(notification) -> Review:
    return Review.objects.get(notification=notification, closed_at__isnull=True)


def events() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# --- The clock -------------------------------------------------------------------------------


def test_a_referral_starts_the_ninety_working_day_clock():
    notification = referred()
    review = open_review(notification)
    assert review.due_on == calendar.standard_due_date(timezone.localdate(review.opened_at))
    assert (review.paused_at, review.paused_working_days) == (None, 0)


def test_the_clock_stops_while_the_exporter_owes_an_answer_and_the_due_date_moves_back(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    due_before = open_review(notification).due_on
    services.notification_request_info(
        notification=notification,
        actor=reviewer,
        question="Who operates the plant?",
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    review = open_review(notification)
    assert review.paused_at is not None
    # The exporter takes a while: the question went out on Monday 2 November 2026.
    asked = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)
    Review.objects.filter(pk=review.pk).update(paused_at=asked)
    waited = calendar.working_days_between(timezone.localdate(asked), timezone.localdate())
    assert waited > 0

    services.notification_respond(notification=notification, actor=exporter, body="Siam Motor.")

    review.refresh_from_db()
    assert review.paused_at is None
    assert review.paused_working_days == waited
    assert review.due_on == calendar.add_working_days(due_before, waited)
    event = AuditEvent.objects.filter(action="notification.respond").get()
    assert event.data["clock_paused_working_days"] == waited


# --- Claiming --------------------------------------------------------------------------------


def test_claim_then_a_second_reviewer_is_told_who_has_it_and_nothing_changes(reviewer):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp", name="Reviewer Ito")

    services.review_claim(notification=notification, actor=reviewer)
    review = open_review(notification)
    assert review.assignee == reviewer
    assert review.claimed_at is not None
    before = (events(), review.claimed_at)

    with pytest.raises(TransitionError) as refused:
        services.review_claim(notification=notification, actor=colleague)

    assert refused.value.code == "already_claimed"
    assert "Reviewer Sato" in str(refused.value)
    review.refresh_from_db()
    assert (events(), review.claimed_at) == before
    assert review.assignee == reviewer
    assert events()[-1] == "review.claim"


def test_claiming_twice_is_harmless(reviewer):
    notification = referred()
    services.review_claim(notification=notification, actor=reviewer)
    services.review_claim(notification=notification, actor=reviewer)
    assert events().count("review.claim") == 1


def test_exporters_auditors_and_closed_cases_cannot_be_claimed(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    auditor = UserFactory(roles=["auditor"])
    for actor in (exporter, auditor):
        with pytest.raises(TransitionError) as refused:
            services.review_claim(notification=notification, actor=actor)
        assert refused.value.code == "forbidden_role"
    cleared = submitted_at(Status.CLEARED)
    with pytest.raises(TransitionError) as refused:
        services.review_claim(notification=cleared, actor=reviewer)
    assert refused.value.code == "wrong_state"
    assert open_review(notification).assignee is None
    assert events().count("review.claim") == 0


def test_release_by_the_assignee_or_a_senior_but_not_by_another_reviewer(reviewer, senior):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp")
    services.review_claim(notification=notification, actor=reviewer)

    with pytest.raises(TransitionError) as refused:
        services.review_release(notification=notification, actor=colleague)
    assert refused.value.code == "forbidden_role"
    assert open_review(notification).assignee == reviewer

    services.review_release(notification=notification, actor=senior)
    review = open_review(notification)
    assert (review.assignee, review.claimed_at) == (None, None)
    event = AuditEvent.objects.filter(action="review.release").get()
    assert event.data["previous_assignee"] == reviewer.email
    assert event.actor == senior

    with pytest.raises(TransitionError) as refused:
        services.review_release(notification=notification, actor=reviewer)
    assert refused.value.code == "not_claimed"


def test_assign_to_a_colleague_and_only_a_senior_reassigns_a_claimed_case(reviewer, senior):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp")
    third = make_reviewer("third@meti.example.jp")

    services.review_assign(notification=notification, actor=reviewer, assignee=colleague)
    assert open_review(notification).assignee == colleague

    with pytest.raises(TransitionError) as refused:
        services.review_assign(notification=notification, actor=reviewer, assignee=third)
    assert refused.value.code == "forbidden_role"
    assert open_review(notification).assignee == colleague

    services.review_assign(notification=notification, actor=senior, assignee=third)
    assert open_review(notification).assignee == third
    assert [
        (e.data["previous_assignee"], e.data["assignee"])
        for e in AuditEvent.objects.filter(action="review.assign").order_by("seq")
    ] == [(None, colleague.email), (colleague.email, third.email)]


def test_cases_are_assigned_only_to_active_reviewers(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    inactive = make_reviewer("gone@meti.example.jp")
    inactive.is_active = False
    inactive.save()
    for assignee in (exporter, inactive, UserFactory(roles=["auditor"])):
        with pytest.raises(TransitionError) as refused:
            services.review_assign(notification=notification, actor=reviewer, assignee=assignee)
        assert refused.value.code == "invalid_assignee"
    assert open_review(notification).assignee is None
    assert "review.assign" not in events()


# --- Notes and inform notices ----------------------------------------------------------------


def test_internal_note_is_stored_and_audited_without_its_text(reviewer):
    notification = referred()
    note = services.notification_add_internal_note(
        notification=notification, actor=reviewer, body="  The buyer's website lists a lab.  "
    )
    assert (note.kind, note.body, note.author) == (
        MessageKind.INTERNAL_NOTE,
        "The buyer's website lists a lab.",
        reviewer,
    )
    event = AuditEvent.objects.get(action="notification.internal_note")
    assert event.data == {"reference": notification.reference, "message": str(note.public_id)}


def test_exporters_cannot_write_internal_notes_and_empty_notes_are_refused(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    with pytest.raises(TransitionError) as refused:
        services.notification_add_internal_note(
            notification=notification, actor=exporter, body="hello"
        )
    assert refused.value.code == "forbidden_role"
    with pytest.raises(TransitionError) as refused:
        services.notification_add_internal_note(notification=notification, actor=reviewer, body=" ")
    assert refused.value.code == "empty_note"
    assert Message.objects.count() == 0
    assert "notification.internal_note" not in events()


def test_inform_notice_is_a_decision_and_a_message_of_its_own_and_marks_the_filing(reviewer):
    notification = referred()
    decision = services.notification_inform(
        notification=notification,
        actor=reviewer,
        grounds="The end user may divert the machine tools to missile production.",
    )
    notification.refresh_from_db()
    assert decision.kind == DecisionKind.INFORM
    assert notification.status == Status.UNDER_REVIEW  # the licence decision is still to come
    assert notification.inform_notice_received is True
    # The notice is a record of its own (IN- series), linked to the case and its decision.
    notice = InformNotice.objects.get()
    assert notice.notification == notification
    assert notice.decision == decision
    assert notice.firm == notification.firm
    assert notice.number == f"IN-{timezone.localdate():%Y}-000001"
    assert notification.inform_notice == notice
    assert notification.inform_notice_reference == notice.number
    message = Message.objects.get(notification=notification)
    assert message.kind == MessageKind.INFORM_NOTICE
    event = AuditEvent.objects.get(action="notification.inform")
    assert event.data["notice"] == notification.inform_notice_reference
    assert event.actor == reviewer


def test_inform_notice_needs_grounds_a_reviewer_and_an_open_review(reviewer):
    notification = referred()
    exporter = ExporterFactory(firm=notification.firm)
    approved = submitted_at(Status.APPROVED)
    attempts = [
        (notification, reviewer, " ", "reason_required"),
        (notification, exporter, "grounds", "forbidden_role"),
        (approved, reviewer, "grounds", "wrong_state"),
    ]
    for target, actor, grounds, code in attempts:
        with pytest.raises(TransitionError) as refused:
            services.notification_inform(notification=target, actor=actor, grounds=grounds)
        assert refused.value.code == code
    assert Decision.objects.count() == 0
    assert InformNotice.objects.count() == 0
    assert Notification.objects.filter(inform_notice_received=True).count() == 0


# --- Hits ------------------------------------------------------------------------------------


def test_confirming_a_hit_is_audited_and_makes_the_approval_need_four_eyes(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    # Force the risk down to prove that the confirmed hit alone calls for a countersignature.
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")

    hit_adjudicate(
        hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same university."
    )

    hit.refresh_from_db()
    assert (hit.disposition, hit.disposition_reason, hit.adjudicated_by) == (
        Disposition.CONFIRMED,
        "Same university.",
        reviewer,
    )
    assert hit.adjudicated_at is not None
    event = AuditEvent.objects.get(action="screening.hit_adjudicate")
    assert (event.data["from"], event.data["to"], event.data["entry_number"]) == (
        "pending",
        "confirmed",
        45,
    )
    decision = services.notification_approve(notification=case, actor=reviewer)
    case.refresh_from_db()
    assert decision.kind == DecisionKind.APPROVE_FOR_COUNTERSIGN
    assert case.status == Status.AWAITING_COUNTERSIGN
    assert Permit.objects.count() == 0


def test_adjudication_refusals_change_nothing(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    exporter = ExporterFactory(firm=case.firm)
    attempts = [
        (reviewer, Disposition.CONFIRMED, "  ", "reason_required"),
        (reviewer, Disposition.PENDING, "why", "invalid_disposition"),
        (exporter, Disposition.FALSE_POSITIVE, "not us", "forbidden_role"),
    ]
    before = events()
    for actor, disposition, reason, code in attempts:
        with pytest.raises(TransitionError) as refused:
            hit_adjudicate(hit=hit, actor=actor, disposition=disposition, reason=reason)
        assert refused.value.code == code
    Notification.objects.filter(pk=case.pk).update(status=Status.AWAITING_COUNTERSIGN)
    with pytest.raises(TransitionError) as refused:
        hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="x")
    assert refused.value.code == "wrong_state"
    hit.refresh_from_db()
    assert (hit.disposition, hit.adjudicated_by) == (Disposition.PENDING, None)
    assert events() == before


def test_rerun_records_a_manual_run_per_request_and_the_risk_follows_it(
    case, reviewer, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=case.pk).update(risk_score=1, risk_level="low")
    with django_capture_on_commit_callbacks(execute=True):
        first = screening_rerun_request(notification=case, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        second = screening_rerun_request(notification=case, actor=reviewer)

    runs = ScreeningRun.objects.filter(notification=case, trigger=Trigger.MANUAL).order_by("pk")
    assert [run.trigger_ref for run in runs] == [first, second]
    assert {run.status for run in runs} == {RunStatus.COMPLETED}
    case.refresh_from_db()
    assert (case.status, case.risk_level, case.risk_score) == (
        Status.UNDER_REVIEW,
        "high",
        runs[1].score,
    )
    assert [e for e in events() if e.startswith(("screening.rerun", "notification.risk"))] == [
        "screening.rerun_requested",
        "notification.risk_update",
        "screening.rerun_requested",
        "notification.risk_update",
    ]


def test_rerun_is_refused_outside_review(reviewer, django_capture_on_commit_callbacks):
    cleared = submitted_at(Status.CLEARED)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionError) as refused,
    ):
        screening_rerun_request(notification=cleared, actor=reviewer)
    assert refused.value.code == "wrong_state"
    assert callbacks == []
    assert ScreeningRun.objects.count() == 0


# --- Permits ---------------------------------------------------------------------------------


def approved_with_permit(reviewer) -> tuple[Notification, Permit]:
    notification = referred()
    services.notification_approve(notification=notification, actor=reviewer)
    notification.refresh_from_db()
    return notification, Permit.objects.get(notification=notification)


def test_senior_suspends_reinstates_and_revokes_a_permit_with_reasons(reviewer, senior):
    _notification, permit = approved_with_permit(reviewer)

    services.permit_suspend(permit=permit, actor=senior, reason="Pending an on-site check.")
    permit.refresh_from_db()
    assert (permit.status, permit.status_reason) == (
        PermitStatus.SUSPENDED,
        "Pending an on-site check.",
    )
    services.permit_reinstate(permit=permit, actor=senior, reason="Check passed.")
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID
    services.permit_revoke(permit=permit, actor=senior, reason="False statement found.")
    permit.refresh_from_db()
    assert permit.status == PermitStatus.REVOKED
    trail = AuditEvent.objects.filter(action__startswith="permit.").order_by("seq")
    assert [(e.action, e.data.get("from"), e.data.get("to")) for e in trail] == [
        ("permit.issue", None, None),
        ("permit.suspend", "valid", "suspended"),
        ("permit.reinstate", "suspended", "valid"),
        ("permit.revoke", "valid", "revoked"),
    ]


def test_permit_actions_refused_for_plain_reviewers_without_reason_or_from_the_wrong_status(
    reviewer, senior
):
    _notification, permit = approved_with_permit(reviewer)
    before = events()
    attempts = [
        (services.permit_suspend, reviewer, "reason", "forbidden_role"),
        (services.permit_revoke, reviewer, "reason", "forbidden_role"),
        (services.permit_suspend, senior, " ", "reason_required"),
        (services.permit_reinstate, senior, "reason", "wrong_state"),
    ]
    for service, actor, reason, code in attempts:
        with pytest.raises(TransitionError) as refused:
            service(permit=permit, actor=actor, reason=reason)
        assert refused.value.code == code, service
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID
    assert events() == before


def test_a_permit_suspended_by_a_reopened_case_is_not_reinstated_during_the_new_review(
    reviewer, senior
):
    notification, permit = approved_with_permit(reviewer)
    services.notification_reopen(
        notification=notification,
        result=ScreeningResult(score=80, level="high"),
        reason="A new list version matches a party.",
    )
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUSPENDED
    with pytest.raises(TransitionError) as refused:
        services.permit_reinstate(permit=permit, actor=senior, reason="Looks fine")
    assert refused.value.code == "wrong_state"
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUSPENDED


def test_expired_permits_cannot_be_reinstated(reviewer, senior):
    _notification, permit = approved_with_permit(reviewer)
    services.permit_suspend(permit=permit, actor=senior, reason="Check")
    Permit.objects.filter(pk=permit.pk).update(
        valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2025, 7, 1)
    )
    permit.refresh_from_db()
    with pytest.raises(TransitionError) as refused:
        services.permit_reinstate(permit=permit, actor=senior, reason="Check passed")
    assert refused.value.code == "expired"


def test_a_rescreen_hit_suspends_the_valid_permit_and_reopens_the_case(
    eul, reviewer, senior, other_senior, django_capture_on_commit_callbacks, eager_tasks
):
    """The whole path: screened clear of the list, approved with four eyes, then a new list
    version names the end user — the permit is suspended and the case is back in the queue."""
    from tests.review.conftest import file_and_submit

    with django_capture_on_commit_callbacks(execute=True):
        notification = file_and_submit(party="Rosoboronexport", country="IR")
    notification.refresh_from_db()
    # A country of concern: reviewed at high risk although no party is listed yet.
    assert (notification.status, notification.risk_level) == (Status.UNDER_REVIEW, "high")
    assert PartyHit.objects.filter(run__notification=notification).count() == 0
    services.notification_approve(notification=notification, actor=senior)
    services.notification_countersign(notification=notification, actor=other_senior)
    permit = Permit.objects.get(notification=notification)
    assert permit.status == PermitStatus.VALID
    new_version = publish_eul([*EUL_SAMPLE, ROSOBORONEXPORT], label="2026-06-01", supersede=eul)

    screening_rescreen(notification_id=notification.pk, list_version_id=new_version.pk)

    notification.refresh_from_db()
    permit.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert permit.status == PermitStatus.SUSPENDED
    assert "No. 806" in permit.status_reason
    assert Review.objects.filter(notification=notification, closed_at__isnull=True).count() == 1
    assert events()[-2:] == ["permit.suspend", "notification.reopen"]


# --- Two reviewers at once -------------------------------------------------------------------


def test_the_second_of_two_approvals_is_refused_and_only_one_permit_exists(reviewer):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp")
    stale = Notification.objects.get(pk=notification.pk)  # the colleague's page, loaded earlier

    services.notification_approve(notification=notification, actor=reviewer)
    with pytest.raises(TransitionError) as refused:
        services.notification_approve(notification=stale, actor=colleague)

    assert refused.value.code == "wrong_state"
    assert Permit.objects.filter(notification=notification).count() == 1
    assert Decision.objects.filter(notification=notification).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
)
def test_two_senior_reviewers_countersigning_at_once_make_one_permit(
    transactional_db, senior, other_senior
):
    notification = referred(level="high", score=80)
    approver = make_reviewer("approver@meti.example.jp")
    services.notification_approve(notification=notification, actor=approver)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def countersign(actor):
        try:
            barrier.wait()
            services.notification_countersign(notification=notification, actor=actor)
            outcomes.append("ok")
        except TransitionError as error:
            outcomes.append(error.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=countersign, args=(a,)) for a in (senior, other_senior)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "wrong_state"]
    assert Permit.objects.filter(notification=notification).count() == 1
    assert Decision.objects.filter(kind=DecisionKind.COUNTERSIGN).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
)
def test_an_approval_and_a_denial_at_once_one_wins_and_at_most_one_permit(
    transactional_db, reviewer
):
    notification = referred()
    colleague = make_reviewer("colleague@meti.example.jp")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "ok"
        except TransitionError as error:
            outcomes[name] = error.code
        finally:
            close_old_connections()

    calls = {
        "approve": lambda: services.notification_approve(notification=notification, actor=reviewer),
        "deny": lambda: services.notification_deny(
            notification=notification, actor=colleague, reason="Listed end user."
        ),
    }
    threads = [threading.Thread(target=act, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["ok", "wrong_state"]
    notification.refresh_from_db()
    winner = "approve" if notification.status == Status.APPROVED else "deny"
    assert outcomes[winner] == "ok"
    assert notification.status == {"approve": Status.APPROVED, "deny": Status.DENIED}[winner]
    assert Permit.objects.filter(notification=notification).count() == (winner == "approve")
    assert Decision.objects.filter(notification=notification).count() == 1
