"""The enforcement services: violations, disclosures, sanctions and the ban's effect."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications import enforcement, services
from notifications.enforcement_models import (
    Sanction,
    SanctionKind,
    Violation,
    ViolationEvidence,
    ViolationStatus,
)
from notifications.models import Decision, Permit, PermitStatus
from notifications.workflow import Status, TransitionError
from tests.enforcement.conftest import ban, referred, with_permit
from tests.factories import ExporterFactory, ready_notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# --- The interface the shipment service uses ---------------------------------------------------


def test_a_candidate_from_a_refused_shipment_is_on_the_record(exporter, reviewer):
    permit = with_permit(exporter, reviewer)
    violation = enforcement.violation_candidate_record(
        firm=exporter.firm,
        kind="shipment_beyond_permit",
        description="Shipment of 12 units over a balance of 10.",
        permit=permit,
        actor=exporter,
    )
    assert (violation.status, violation.disclosed, violation.created_by) == (
        ViolationStatus.CANDIDATE,
        False,
        exporter,
    )
    assert list(violation.permits.all()) == [permit]
    assert list(violation.notifications.all()) == [permit.notification]
    event = AuditEvent.objects.get(action="violation.candidate")
    assert event.data["permits"] == [permit.number]
    assert event.firm == exporter.firm


def test_a_candidate_cannot_link_another_firms_permit(exporter, reviewer):
    permit = with_permit(ExporterFactory(), reviewer)
    with pytest.raises(ValidationError):
        enforcement.violation_candidate_record(
            firm=exporter.firm, kind="shipment_beyond_permit", description="x", permit=permit
        )
    assert Violation.objects.count() == 0


# --- Violations --------------------------------------------------------------------------------


def test_an_officer_records_confirms_and_a_senior_dismisses(exporter, officer, senior):
    first = enforcement.violation_record(
        firm=exporter.firm, kind="export_without_licence", description="Row 2 goods.", actor=officer
    )
    second = enforcement.violation_record(
        firm=exporter.firm, kind="false_declaration", description="End use.", actor=senior
    )
    enforcement.violation_confirm(violation=first, actor=officer, note="Customs record.")
    enforcement.violation_dismiss(violation=second, actor=senior, note="Clerical error.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by) == (ViolationStatus.CONFIRMED, officer)
    assert (second.status, second.decision_note) == (ViolationStatus.DISMISSED, "Clerical error.")
    assert actions()[-4:] == [
        "violation.record",
        "violation.record",
        "violation.confirm",
        "violation.dismiss",
    ]
    with pytest.raises(TransitionError) as refused:
        enforcement.violation_dismiss(violation=first, actor=officer, note="Changed my mind.")
    assert refused.value.code == "wrong_state"


def test_a_reviewer_without_the_enforcement_role_is_refused(exporter, reviewer):
    with pytest.raises(TransitionError) as refused:
        enforcement.violation_record(
            firm=exporter.firm, kind="false_declaration", description="x", actor=reviewer
        )
    assert refused.value.code == "forbidden_role"
    assert Violation.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="violation.").count() == 0


def test_a_firm_discloses_its_own_breach(exporter):
    violation = enforcement.violation_disclose(
        actor=exporter, kind="late_or_missing_report", description="Filed a week late."
    )
    assert (violation.firm, violation.disclosed, violation.status) == (
        exporter.firm,
        True,
        ViolationStatus.CANDIDATE,
    )
    assert AuditEvent.objects.get(action="violation.disclose").object_id == str(violation.public_id)


def test_a_disclosure_cannot_link_another_firms_case(exporter):
    other = ready_notification(firm=ExporterFactory().firm)
    with pytest.raises(ValidationError):
        enforcement.violation_disclose(
            actor=exporter, kind="false_declaration", description="x", notifications=[other]
        )
    assert Violation.objects.count() == 0


def test_evidence_is_checked_by_content(exporter, officer):
    violation = enforcement.violation_record(
        firm=exporter.firm, kind="false_declaration", description="x", actor=officer
    )
    with pytest.raises(ValidationError):
        enforcement.evidence_add(
            violation=violation,
            actor=officer,
            uploaded_file=SimpleUploadedFile("a.pdf", b"MZ not a pdf at all", "application/pdf"),
        )
    assert ViolationEvidence.objects.count() == 0
    evidence = enforcement.evidence_add(
        violation=violation,
        actor=officer,
        uploaded_file=SimpleUploadedFile("customs.pdf", PDF, "application/pdf"),
    )
    assert (evidence.content_type, evidence.original_name) == ("application/pdf", "customs.pdf")
    assert AuditEvent.objects.filter(action="violation.evidence_added").count() == 1


# --- Sanctions ---------------------------------------------------------------------------------


def test_a_ban_longer_than_three_years_is_refused(exporter, officer):
    start = TODAY()
    latest = start.replace(year=start.year + 3) - DAY
    with pytest.raises(ValidationError) as refused:
        enforcement.sanction_impose(
            firm=exporter.firm,
            kind=SanctionKind.EXPORT_BAN,
            reason="x",
            actor=officer,
            starts_on=start,
            ends_on=latest + DAY,
        )
    assert "ends_on" in refused.value.message_dict
    assert Sanction.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="sanction.").count() == 0
    longest = enforcement.sanction_impose(
        firm=exporter.firm,
        kind=SanctionKind.EXPORT_BAN,
        reason="x",
        actor=officer,
        starts_on=start,
        ends_on=latest,
    )
    assert longest.ends_on == latest


def test_a_ban_suspends_the_firms_valid_permits_with_the_reason(exporter, officer, reviewer):
    permit = with_permit(exporter, reviewer)
    other = with_permit(ExporterFactory(), reviewer)
    sanction = enforcement.sanction_impose(
        firm=exporter.firm,
        kind=SanctionKind.EXPORT_BAN,
        reason="Unlicensed export.",
        actor=officer,
        ends_on=TODAY() + 90 * DAY,
    )
    permit.refresh_from_db()
    other.refresh_from_db()
    assert permit.status == PermitStatus.SUSPENDED
    assert "Unlicensed export." in permit.status_reason
    assert sanction.ends_on.isoformat() in permit.status_reason
    assert other.status == PermitStatus.VALID
    assert actions()[-2:] == ["sanction.export_ban", "permit.suspend"]


def test_a_future_ban_suspends_permits_when_it_starts(exporter, officer, reviewer):
    permit = with_permit(exporter, reviewer)
    enforcement.sanction_impose(
        firm=exporter.firm,
        kind=SanctionKind.EXPORT_BAN,
        reason="x",
        actor=officer,
        starts_on=TODAY() + 2 * DAY,
        ends_on=TODAY() + 30 * DAY,
    )
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID
    assert enforcement.ban_suspend_permits_due(today=TODAY() + DAY) == 0
    assert enforcement.ban_suspend_permits_due(today=TODAY() + 2 * DAY) == 1
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUSPENDED


def test_a_plain_reviewer_cannot_impose_a_sanction(exporter, reviewer):
    with pytest.raises(TransitionError):
        enforcement.sanction_impose(
            firm=exporter.firm, kind=SanctionKind.WARNING, reason="x", actor=reviewer
        )
    assert Sanction.objects.count() == 0


# --- The ban's effect: submit and permit --------------------------------------------------------


def test_a_banned_firm_cannot_submit_and_nothing_changes(exporter, officer):
    sanction = ban(exporter.firm, officer, starts=-5, ends=0)  # today is the ban's last day
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    before = actions()
    with pytest.raises(TransitionError) as refused:
        services.notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
    assert refused.value.code == "export_ban"
    assert refused.value.until == sanction.ends_on
    draft.refresh_from_db()
    assert (draft.status, draft.reference, draft.submitted_at) == (Status.DRAFT, None, None)
    assert actions() == before


def test_the_day_after_the_ban_ends_the_firm_can_submit(exporter, officer):
    ban(exporter.firm, officer, starts=-30, ends=-1)  # ended yesterday
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    services.notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_banned_firm_is_granted_no_permit(exporter, officer, reviewer):
    case = referred(exporter)
    ban(exporter.firm, officer, starts=0, ends=10)
    before = actions()
    with pytest.raises(TransitionError) as refused:
        services.notification_approve(notification=case, actor=reviewer)
    assert refused.value.code == "export_ban"
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert Permit.objects.count() == 0
    assert Decision.objects.filter(notification=case).count() == 0
    assert actions() == before


def test_a_banned_firm_gets_no_permit_on_countersignature(exporter, officer, reviewer, senior):
    case = referred(exporter, level="high")
    services.notification_approve(notification=case, actor=reviewer)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_COUNTERSIGN
    ban(exporter.firm, officer, starts=-1, ends=10)
    decisions = Decision.objects.count()
    with pytest.raises(TransitionError) as refused:
        services.notification_countersign(notification=case, actor=senior)
    assert refused.value.code == "export_ban"
    case.refresh_from_db()
    assert case.status == Status.AWAITING_COUNTERSIGN
    assert (Permit.objects.count(), Decision.objects.count()) == (0, decisions)


def test_after_the_ban_a_permit_can_be_granted(exporter, officer, reviewer):
    case = referred(exporter)
    ban(exporter.firm, officer, starts=-30, ends=-1)
    services.notification_approve(notification=case, actor=reviewer)
    assert Permit.objects.filter(notification=case).count() == 1


def test_a_ban_starting_tomorrow_does_not_block_today(exporter, officer):
    ban(exporter.firm, officer, starts=1, ends=10)
    assert enforcement.running_ban(exporter.firm) is None
    assert enforcement.running_ban(exporter.firm, on=TODAY() + DAY) is not None


def test_the_auditor_reads_but_cannot_act(exporter, auditor):
    violation = enforcement.violation_disclose(
        actor=exporter, kind="false_declaration", description="x"
    )
    assert enforcement.is_enforcement_reader(auditor) and not enforcement.is_enforcer(auditor)
    before = actions()
    with pytest.raises(TransitionError):
        enforcement.violation_confirm(violation=violation, actor=auditor)
    with pytest.raises(TransitionError):
        enforcement.sanction_impose(
            firm=exporter.firm, kind=SanctionKind.WARNING, reason="x", actor=auditor
        )
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.CANDIDATE
    assert (actions(), Sanction.objects.count()) == (before, 0)
