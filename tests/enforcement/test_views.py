"""Enforcement over HTTP: the browser pages and the API, with the ban's refusals on the trail."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from exportctl.audit.refusals import REFUSAL_ACTION
from notifications import enforcement
from notifications.enforcement_models import Sanction, Violation, ViolationStatus
from notifications.models import Permit, PermitStatus
from notifications.workflow import Status
from tests.api.conftest import token_client
from tests.enforcement.conftest import ban, referred, with_permit
from tests.factories import ExporterFactory, ready_notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Refusal counters and throttles live in the cache: one test's must not reach the next."""
    cache.clear()
    yield
    cache.clear()


def signed_in(client, user):
    client.force_login(user)
    return client


def snapshot() -> tuple:
    return (
        list(AuditEvent.objects.exclude(action=REFUSAL_ACTION).values_list("seq", flat=True)),
        list(Violation.objects.values_list("pk", "status")),
        list(Sanction.objects.values_list("pk", flat=True)),
        list(Permit.objects.values_list("pk", "status")),
    )


# --- The ban, in the browser and over the API --------------------------------------------------


def test_a_banned_firm_cannot_submit_in_the_browser(client, exporter, officer):
    sanction = ban(exporter.firm, officer, starts=-1, ends=20)
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    before = snapshot()
    response = signed_in(client, exporter).post(
        reverse("notifications:edit", args=[draft.public_id, "review"]),
        {"declaration": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "export ban" in text
    assert sanction.ends_on.strftime("%Y") in text
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == (Status.DRAFT, None)
    assert snapshot() == before
    refusal = AuditEvent.objects.get(action=REFUSAL_ACTION)
    assert (refusal.data["reason"], refusal.data["until"]) == (
        "export_ban",
        sanction.ends_on.isoformat(),
    )


def test_a_banned_firm_cannot_submit_over_the_api(exporter, officer):
    sanction = ban(exporter.firm, officer, starts=-3, ends=3)
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    api = token_client(exporter)
    before = snapshot()
    response = api.post(
        f"/api/v1/notifications/{draft.public_id}/submit/",
        {"declaration_accepted": True},
        format="json",
    )
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["code"] == "export_ban"
    assert sanction.ends_on.strftime("%Y") in error["message"]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert snapshot() == before
    assert AuditEvent.objects.get(action=REFUSAL_ACTION).data["reason"] == "export_ban"


def test_the_day_after_the_ban_the_api_submits(exporter, officer):
    ban(exporter.firm, officer, starts=-30, ends=-1)
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    response = token_client(exporter).post(
        f"/api/v1/notifications/{draft.public_id}/submit/",
        {"declaration_accepted": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_reviewer_cannot_grant_a_permit_to_a_banned_firm(client, exporter, officer, reviewer):
    case = referred(exporter)
    ban(exporter.firm, officer, starts=0, ends=5)
    before = snapshot()
    response = signed_in(client, reviewer).post(
        reverse("review:approve", args=[case.public_id]),
        {"validity_months": 6, "conditions": "", "step": "confirm"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "export ban (FEFTA Art. 53) until" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert Permit.objects.count() == 0
    assert snapshot() == before
    assert AuditEvent.objects.get(action=REFUSAL_ACTION).data["refused"] == "permit"


# --- Voluntary disclosure ----------------------------------------------------------------------


def test_a_disclosure_over_the_api_reaches_the_ministry_and_the_trail(client, exporter, officer):
    case = referred(exporter)
    response = token_client(exporter).post(
        "/api/v1/disclosures/",
        {
            "kind": "late_or_missing_report",
            "description": "The prior report was filed after shipment.",
            "occurred_on": (TODAY() - 3 * DAY).isoformat(),
            "notifications": [case.reference],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["notifications"]) == ("candidate", [case.reference])
    violation = Violation.objects.get(public_id=body["id"])
    assert (violation.disclosed, violation.firm, violation.created_by) == (
        True,
        exporter.firm,
        exporter,
    )
    event = AuditEvent.objects.get(action="violation.disclose")
    assert (event.object_id, event.actor, event.firm) == (body["id"], exporter, exporter.firm)
    listing = signed_in(client, officer).get(reverse("enforcement:list"))
    assert listing.status_code == 200
    assert reverse("enforcement:violation", args=[violation.public_id]) in listing.content.decode()


def test_a_disclosure_cannot_name_another_firms_case(exporter):
    other_case = referred(ExporterFactory())
    response = token_client(exporter).post(
        "/api/v1/disclosures/",
        {"kind": "false_declaration", "description": "x", "notifications": [other_case.reference]},
        format="json",
    )
    assert response.status_code == 400
    assert Violation.objects.count() == 0


def test_an_exporter_cannot_see_another_firms_disclosure(client, exporter):
    other = enforcement.violation_disclose(
        actor=ExporterFactory(), kind="false_declaration", description="Theirs."
    )
    assert (
        signed_in(client, exporter)
        .get(reverse("disclosures:detail", args=[other.public_id]))
        .status_code
        == 404
    )
    assert token_client(exporter).get(f"/api/v1/disclosures/{other.public_id}/").status_code == 404
    assert token_client(exporter).get("/api/v1/disclosures/").json()["results"] == []


def test_a_ministry_record_is_not_the_firms_disclosure(client, exporter, officer):
    record = enforcement.violation_record(
        firm=exporter.firm, kind="false_declaration", description="Ours.", actor=officer
    )
    response = signed_in(client, exporter).get(
        reverse("disclosures:detail", args=[record.public_id])
    )
    assert response.status_code == 404


def test_a_disclosure_in_the_browser(client, exporter):
    response = signed_in(client, exporter).post(
        reverse("disclosures:new"),
        {"kind": "permit_condition_breach", "description": "Resold without consent."},
    )
    violation = Violation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("disclosures:detail", args=[violation.public_id])
    assert violation.disclosed


# --- The ministry's pages ----------------------------------------------------------------------


def test_an_officer_records_confirms_and_bans_through_the_pages(
    client, exporter, officer, reviewer
):
    permit = with_permit(exporter, reviewer)
    client = signed_in(client, officer)
    response = client.post(
        reverse("enforcement:violation_new"),
        {
            "firm": exporter.firm.pk,
            "kind": "export_without_licence",
            "description": "Customs found row 2 goods.",
            "references": permit.number,
        },
    )
    violation = Violation.objects.get()
    assert response.status_code == 302
    assert list(violation.permits.all()) == [permit]
    client.post(reverse("enforcement:violation_confirm", args=[violation.public_id]), {"note": ""})
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.CONFIRMED
    too_long = client.post(
        reverse("enforcement:sanction", args=[violation.public_id]),
        {
            "kind": "export_ban",
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + 3 * 366 * DAY).isoformat(),
            "reason": "Serious breach.",
        },
    )
    assert too_long.status_code == 400
    assert Sanction.objects.count() == 0
    response = client.post(
        reverse("enforcement:sanction", args=[violation.public_id]),
        {
            "kind": "export_ban",
            "starts_on": TODAY().isoformat(),
            "ends_on": (TODAY() + 365 * DAY).isoformat(),
            "reason": "Serious breach.",
        },
    )
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == PermitStatus.SUSPENDED
    assert enforcement.running_ban(exporter.firm) is not None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("violation_confirm", {"note": "x"}),
        ("violation_dismiss", {"note": "x"}),
        ("sanction", {"kind": "warning", "starts_on": "2026-01-01", "reason": "x"}),
    ],
)
def test_the_auditor_and_a_plain_reviewer_are_refused(
    client, exporter, auditor, reviewer, name, data
):
    violation = enforcement.violation_disclose(
        actor=exporter, kind="false_declaration", description="x"
    )
    for user in (auditor, reviewer):
        client.force_login(user)
        before = snapshot()
        response = client.post(reverse(f"enforcement:{name}", args=[violation.public_id]), data)
        assert response.status_code == 403
        assert snapshot() == before
    assert client.get(reverse("enforcement:list")).status_code == 403  # the reviewer reads nothing
    client.force_login(auditor)
    assert (
        client.get(reverse("enforcement:violation", args=[violation.public_id])).status_code == 200
    )


def test_the_auditor_exports_violations_as_csv_with_formulas_made_inert(client, exporter, auditor):
    enforcement.violation_disclose(
        actor=exporter, kind="false_declaration", description='=HYPERLINK("http://x")'
    )
    response = signed_in(client, auditor).get(
        reverse("enforcement:export_violations"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Voluntary disclosure" in text.splitlines()[0]
    assert "'=HYPERLINK" in text
    assert AuditEvent.objects.filter(action="audit.exported").count() == 1


def test_an_enforcement_officer_lands_on_the_enforcement_list(client, officer):
    response = signed_in(client, officer).get("/")
    assert (response.status_code, response.url) == (302, reverse("enforcement:list"))


def test_the_reviewer_is_told_of_the_ban_before_confirming(client, exporter, officer, reviewer):
    case = referred(exporter)
    sanction = ban(exporter.firm, officer, starts=0, ends=5)
    response = signed_in(client, reviewer).post(
        reverse("review:approve", args=[case.public_id]),
        {"validity_months": 6, "conditions": ""},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    text = response.content.decode()
    assert "export ban (FEFTA Art. 53) until" in text
    assert str(sanction.ends_on.day) in text
    case.refresh_from_db()
    assert (case.status, Permit.objects.count()) == (Status.UNDER_REVIEW, 0)


def test_the_ministry_list_filters_by_firm_and_status(client, exporter, officer):
    other = ExporterFactory()
    mine = enforcement.violation_disclose(actor=exporter, kind="false_declaration", description="a")
    theirs = enforcement.violation_disclose(actor=other, kind="false_declaration", description="b")
    enforcement.violation_confirm(violation=theirs, actor=officer)
    client = signed_in(client, officer)

    def listed(**params) -> set:
        html = client.get(reverse("enforcement:list"), params).content.decode()
        return {v for v in (mine, theirs) if str(v.public_id) in html}

    assert listed() == {mine, theirs}
    assert listed(firm=exporter.firm.name) == {mine}
    assert listed(firm=other.firm.corporate_number) == {theirs}
    assert listed(status="confirmed") == {theirs}
    assert listed(status="candidate") == {mine}


def test_the_firm_sees_its_running_ban_and_its_sanctions_only(client, exporter, officer):
    sanction = ban(exporter.firm, officer, starts=-2, ends=40)
    ban(ExporterFactory().firm, officer, starts=-2, ends=10)  # the same reason, another firm
    html = signed_in(client, exporter).get(reverse("disclosures:list"), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert 'id="running-ban"' in text
    assert sanction.ends_on.isoformat() in text
    assert text.count(sanction.reason) == 1  # its own sanction; another firm's is not listed


def test_no_ban_banner_once_the_ban_has_ended(client, exporter, officer):
    ban(exporter.firm, officer, starts=-20, ends=-1)
    text = signed_in(client, exporter).get(reverse("disclosures:list")).content.decode()
    assert 'id="running-ban"' not in text
    assert 'id="firm-sanctions"' in text
