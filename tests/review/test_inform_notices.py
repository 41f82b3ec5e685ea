"""Inform notices as records, the planned date, and the "no licence required" outcome (issue 21).

Filings go through the real submit path (``notification_submit`` → screening task after commit →
rules → ``notification_clear``/``notification_refer``) against a published End User List.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications import calendar, drafts, planning, selectors, services
from notifications.models import (
    Decision,
    InformNotice,
    InformSubject,
    Notification,
    Party,
    Permit,
    Review,
)
from notifications.services import NotReadyError, ScreeningResult, notification_submit
from notifications.workflow import Status, TransitionError
from screening.models import ScreeningRun
from tests.api.conftest import token_client
from tests.factories import ExporterFactory, FirmFactory, UserFactory, ready_notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _notice(firm, kind, subject, *, reviewer=None) -> InformNotice:
    return services.inform_notice_issue(
        actor=reviewer or UserFactory(roles=[Role.REVIEWER]),
        firm=firm,
        subject_kind=kind,
        subject=subject,
        grounds="Diversion to missile development is suspected.",
    )


def _filing(exporter, **kwargs) -> Notification:
    """A goods filing that screening clears when no notice covers it: a harmless US end user."""
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country="US", **kwargs
    )
    Party.objects.filter(notification=notification).update(
        name="Acme Precision Tools Inc.", country="US"
    )
    notification.items.update(description="5-axis machining centre", hs_code="8457.10")
    return notification


def _submit(notification, exporter, capture) -> Notification:
    with capture(execute=True):
        notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
    notification.refresh_from_db()
    return notification


# --- A filing an inform notice covers is never cleared -----------------------------------------

#: (id, the notice's subject kind, its subject, whose firm, cited by the exporter, outcome)
COVERAGE = [
    ("no-notice", None, "", "own", False, Status.CLEARED),
    ("cited-by-the-exporter", InformSubject.GOODS, "Turbine blades", "own", True, "review"),
    ("destination", InformSubject.DESTINATION, "us", "own", False, "review"),
    ("end-user", InformSubject.END_USER, "ACME Precision Tools", "own", False, "review"),
    ("goods-described", InformSubject.GOODS, "5-axis machining centre", "own", False, "review"),
    ("goods-by-hs-code", InformSubject.GOODS, "HS 8457.10 machines", "own", False, "review"),
    ("technology-notice-on-goods", InformSubject.TECHNOLOGY, "5-axis machining centre", "own",
     False, Status.CLEARED),
    ("another-destination", InformSubject.DESTINATION, "CN", "own", False, Status.CLEARED),
    ("another-firms-notice", InformSubject.DESTINATION, "US", "other", False, Status.CLEARED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "subject", "whose", "cited", "outcome"),
    [case[1:] for case in COVERAGE],
    ids=[case[0] for case in COVERAGE],
)
def test_a_goods_filing_covered_by_an_inform_notice_is_never_cleared(
    eul, django_capture_on_commit_callbacks, kind, subject, whose, cited, outcome
):
    exporter = ExporterFactory()
    notification = _filing(exporter)
    notice = None
    if kind is not None:
        firm = exporter.firm if whose == "own" else FirmFactory()
        notice = _notice(firm, kind, subject)
    if cited:
        drafts.draft_update(
            notification=notification, actor=exporter, inform_notice=notice.public_id
        )
    notification = _submit(notification, exporter, django_capture_on_commit_callbacks)

    run = ScreeningRun.objects.get(notification=notification)
    rules_applied = [factor["rule"] for factor in run.factors]
    if outcome == Status.CLEARED:
        assert notification.status == Status.CLEARED
        assert "inform_notice" not in rules_applied
        return
    assert notification.status == Status.UNDER_REVIEW
    assert run.outcome == "review"
    factor = next(f for f in run.factors if f["rule"] == "inform_notice")
    # The reviewer is told which notice holds the filing.
    assert notice.number in factor["evidence"]["reference"]


def test_the_clear_service_refuses_a_covered_filing_and_changes_nothing():
    """The last line: even a screening result of "cleared" cannot clear a covered filing."""
    exporter = ExporterFactory()
    notification = _filing(exporter)
    _notice(exporter.firm, InformSubject.DESTINATION, "US")
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SCREENING, reference="EXN-2026-0000001", submitted_at=timezone.now()
    )
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionError) as refused:
        services.notification_clear(
            notification=notification, result=ScreeningResult(score=0, level="low")
        )
    assert refused.value.code == "inform_notice_covers"
    notification.refresh_from_db()
    assert notification.status == Status.SCREENING
    assert notification.risk_level == ""
    assert AuditEvent.objects.count() == events


# --- The exporter's answer picks a notice its firm received -----------------------------------


def test_the_answer_accepts_only_the_firms_own_notices():
    exporter = ExporterFactory()
    notification = _filing(exporter)
    own = _notice(exporter.firm, InformSubject.END_USER, "Northern Star Institute")
    foreign = _notice(FirmFactory(), InformSubject.END_USER, "Northern Star Institute")
    for value in (foreign.public_id, "IN-2026-000001", "not-a-uuid"):
        with pytest.raises(ValidationError) as refused:
            drafts.draft_update(notification=notification, actor=exporter, inform_notice=value)
        assert "inform_notice" in refused.value.message_dict
        notification.refresh_from_db()
        assert notification.inform_notice is None
        assert notification.inform_notice_received is False
    drafts.draft_update(notification=notification, actor=exporter, inform_notice=own.public_id)
    notification.refresh_from_db()
    assert notification.inform_notice == own
    assert notification.inform_notice_received is True
    assert notification.inform_notice_reference == own.number


def test_received_without_choosing_a_notice_cannot_be_submitted():
    exporter = ExporterFactory()
    notification = _filing(exporter)
    drafts.draft_update(notification=notification, actor=exporter, inform_notice_received=True)
    with pytest.raises(NotReadyError) as refused:
        notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
    assert [g.field for g in refused.value.gaps] == ["inform_notice"]
    assert Notification.objects.get(pk=notification.pk).status == Status.DRAFT


def test_the_api_refuses_another_firms_notice(client):
    exporter = ExporterFactory()
    notification = _filing(exporter)
    foreign = _notice(FirmFactory(), InformSubject.DESTINATION, "US")
    own = _notice(exporter.firm, InformSubject.DESTINATION, "CN")
    api = token_client(exporter)
    url = reverse("api:notifications:detail", args=[notification.public_id])
    refused = api.patch(url, {"inform_notice": str(foreign.public_id)}, format="json")
    assert refused.status_code == 400
    assert Notification.objects.get(pk=notification.pk).inform_notice is None
    accepted = api.patch(url, {"inform_notice": str(own.public_id)}, format="json")
    assert accepted.status_code == 200
    detail = api.get(url).json()
    assert detail["inform_notice"] == str(own.public_id)
    assert detail["inform_notice_reference"] == own.number


# --- The planned date -------------------------------------------------------------------------

FILED_ON = datetime.date(2026, 11, 2)  # a Monday
#: (id, planned date relative to the filing, late, reason)
LATENESS = [
    ("yesterday", FILED_ON - datetime.timedelta(days=1), True, "past"),
    ("same-day", FILED_ON, True, "too_close"),
    ("nine-working-days", calendar.add_working_days(FILED_ON, 9), True, "too_close"),
    ("ten-working-days", calendar.add_working_days(FILED_ON, 10), False, ""),
    ("two-months", FILED_ON + datetime.timedelta(days=60), False, ""),
    ("no-date", None, False, ""),
]


@pytest.mark.parametrize(
    ("planned", "late", "reason"), [c[1:] for c in LATENESS], ids=[c[0] for c in LATENESS]
)
def test_lateness_against_the_working_day_threshold(settings, planned, late, reason):
    settings.PLANNED_DATE_MIN_WORKING_DAYS = 10
    result = planning.lateness(planned, filed_on=FILED_ON)
    assert (result.late, result.reason) == (late, reason)


def test_a_filing_without_a_planned_date_cannot_be_submitted():
    exporter = ExporterFactory()
    notification = _filing(exporter, planned_date=None)
    with pytest.raises(NotReadyError) as refused:
        notification_submit(notification=notification, actor=exporter, declaration_accepted=True)
    assert [(g.step, g.field) for g in refused.value.gaps] == [("parties", "planned_date")]
    assert Notification.objects.get(pk=notification.pk).status == Status.DRAFT


def test_a_filing_dated_yesterday_is_flagged_late_and_the_queue_filter_finds_it(
    flag, reviewer, client, django_capture_on_commit_callbacks
):
    on_time = flag()
    exporter = ExporterFactory()
    late = ready_notification(
        firm=exporter.firm,
        created_by=exporter,
        destination_country="IR",
        planned_date=TODAY() - datetime.timedelta(days=1),
    )
    Party.objects.filter(notification=late).update(
        name="Amirkabir Univ. of Technology", country="IR"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification_submit(notification=late, actor=exporter, declaration_accepted=True)
    late.refresh_from_db()
    assert late.status == Status.UNDER_REVIEW
    assert late.planned_date_late is True
    assert on_time.planned_date_late is False
    event = AuditEvent.objects.filter(action="notification.submit", object_id=str(late.public_id))
    assert event.get().data["late"] == "past"

    page = selectors.review_queue_page(
        user=reviewer, page_number=1, filters=selectors.QueueFilters(late=True)
    )
    assert [n.pk for n in page.object_list] == [late.pk]

    client.force_login(reviewer)
    response = client.get(reverse("review:queue"), {"late": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [n.pk for n in response.context["page"].object_list] == [late.pk]
    assert b"data-late" in response.content
    case = client.get(reverse("review:case", args=[late.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert b'id="late-flag"' in case.content

    api = token_client(reviewer)
    answer = api.get("/api/v1/review/cases/", {"late": "true"}).json()
    assert [row["public_id"] for row in answer["results"]] == [str(late.public_id)]
    assert answer["results"][0]["planned_date_late"] is True


def test_the_review_step_warns_before_submission(client):
    exporter = ExporterFactory()
    notification = _filing(exporter, planned_date=TODAY() - datetime.timedelta(days=1))
    client.force_login(exporter)
    url = reverse("notifications:edit", args=[notification.public_id, "review"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert b'id="late-warning"' in response.content
    assert b"has already passed" in response.content
    Notification.objects.filter(pk=notification.pk).update(
        planned_date=calendar.add_working_days(TODAY(), 30)
    )
    assert b'id="late-warning"' not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content


# --- No licence required ----------------------------------------------------------------------


def test_conclude_no_licence_issues_no_permit_and_is_audited(
    flag, reviewer, mailoutbox, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    from notifications.documents import signing

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.generate_demo_key(key, cert)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = key, cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.PUBLIC_BASE_URL = "https://exportctl.example.go.jp"
    case = flag()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.notification_conclude_no_licence(
            notification=case, actor=reviewer, grounds="Civil use confirmed by an on-site visit."
        )
    case.refresh_from_db()
    assert case.status == Status.NO_LICENCE_REQUIRED
    assert decision.kind == "no_licence_required"
    assert not Permit.objects.filter(notification=case).exists()
    assert not Review.objects.filter(notification=case, closed_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="notification.conclude_no_licence")
    assert event.actor == reviewer
    assert event.data["to"] == Status.NO_LICENCE_REQUIRED
    # The firm is told by e-mail, and its case page says it may proceed, with the letter.
    assert len(mailoutbox) == 1
    # In the recipient's language (Japanese by default): the new status, "no licence required".
    assert "許可不要" in mailoutbox[0].body
    client.force_login(case.created_by)
    page = client.get(
        reverse("notifications:detail", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert b"No licence required: you may proceed" in page.content
    letter = case.documents.get()
    assert letter.kind == "no_licence_letter"
    assert letter.number.encode() in page.content


@pytest.mark.parametrize(
    ("who", "status", "grounds", "covered", "code"),
    [
        ("exporter", Status.UNDER_REVIEW, "Civil use.", False, "forbidden_role"),
        ("auditor", Status.UNDER_REVIEW, "Civil use.", False, "forbidden_role"),
        ("reviewer", Status.INFO_REQUESTED, "Civil use.", False, "wrong_state"),
        ("reviewer", Status.UNDER_REVIEW, "  ", False, "reason_required"),
        ("reviewer", Status.UNDER_REVIEW, "Civil use.", True, "inform_notice_covers"),
    ],
    ids=["exporter", "auditor", "info-requested", "no-grounds", "covered-by-a-notice"],
)
def test_conclude_no_licence_refusals_change_nothing(
    flag, reviewer, who, status, grounds, covered, code
):
    case = flag()
    Notification.objects.filter(pk=case.pk).update(status=status)
    if covered:
        _notice(case.firm, InformSubject.DESTINATION, case.destination_country)
    actor = {
        "exporter": case.created_by,
        "auditor": UserFactory(roles=[Role.AUDITOR]),
        "reviewer": reviewer,
    }[who]
    before = (AuditEvent.objects.count(), Decision.objects.count())
    with pytest.raises(TransitionError) as refused:
        services.notification_conclude_no_licence(notification=case, actor=actor, grounds=grounds)
    assert refused.value.code == code
    assert Notification.objects.get(pk=case.pk).status == status
    assert (AuditEvent.objects.count(), Decision.objects.count()) == before
    assert not Permit.objects.filter(notification=case).exists()


# --- Ministry-initiative notices --------------------------------------------------------------


def test_a_reviewer_issues_a_notice_on_the_ministrys_initiative(client, reviewer, mailoutbox):
    firm = FirmFactory(name="Tokai Precision K.K.")
    ExporterFactory(firm=firm, email="export@tokai.example")
    client.force_login(reviewer)
    response = client.post(
        reverse("review:inform_notice_new"),
        {
            "firm": firm.pk,
            "subject_kind": InformSubject.DESTINATION,
            "subject": "cn",
            "grounds": "Procurement network for a missile programme.",
        },
    )
    notice = InformNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("review:inform_notice", args=[notice.public_id])
    assert (notice.firm, notice.subject_kind, notice.subject) == (firm, "destination", "CN")
    assert notice.notification is None and notice.issued_by == reviewer
    assert AuditEvent.objects.filter(action="inform_notice.issue").count() == 1


@pytest.mark.parametrize("who", ["exporter", "auditor", "list_manager"])
def test_others_cannot_issue_a_notice_and_nothing_changes(client, who):
    firm = FirmFactory()
    actor = {
        "exporter": ExporterFactory(firm=firm),
        "auditor": UserFactory(roles=[Role.AUDITOR]),
        "list_manager": UserFactory(roles=[Role.LIST_MANAGER]),
    }[who]
    client.force_login(actor)
    events = AuditEvent.objects.exclude(action="access.refused").count()
    response = client.post(
        reverse("review:inform_notice_new"),
        {"firm": firm.pk, "subject_kind": "end_user", "subject": "X", "grounds": "Y"},
    )
    assert response.status_code == 403
    with pytest.raises(TransitionError) as refused:
        services.inform_notice_issue(
            actor=actor, firm=firm, subject_kind="end_user", subject="X", grounds="Y"
        )
    assert refused.value.code == "forbidden_role"
    assert InformNotice.objects.count() == 0
    assert AuditEvent.objects.exclude(action="access.refused").count() == events


def test_the_issue_form_refuses_a_destination_that_is_no_country(client, reviewer):
    firm = FirmFactory()
    client.force_login(reviewer)
    response = client.post(
        reverse("review:inform_notice_new"),
        {"firm": firm.pk, "subject_kind": "destination", "subject": "Narnia", "grounds": "Y"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "two-letter ISO 3166" in str(response.context["form"].errors["subject"])
    assert InformNotice.objects.count() == 0


def test_an_exporter_sees_its_own_notices_and_another_firms_is_404(client):
    exporter = ExporterFactory()
    own = _notice(exporter.firm, InformSubject.END_USER, "Northern Star Institute")
    other = _notice(FirmFactory(), InformSubject.END_USER, "Southern Cross Institute")
    client.force_login(exporter)
    listing = client.get(reverse("notifications:inform_notices"))
    assert [n.pk for n in listing.context["page"].object_list] == [own.pk]
    assert (
        client.get(reverse("notifications:inform_notice", args=[own.public_id])).status_code == 200
    )
    for name in ("notifications:inform_notice", "notifications:inform_notice_pdf"):
        assert client.get(reverse(name, args=[other.public_id])).status_code == 404
    api = token_client(exporter)
    answer = api.get("/api/v1/inform-notices/").json()
    assert [row["number"] for row in answer["results"]] == [own.number]
    assert api.get(f"/api/v1/inform-notices/{other.public_id}/").status_code == 404
    assert api.get(f"/api/v1/inform-notices/{own.public_id}/").json()["subject"] == own.subject


def test_the_inform_notice_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert "/api/v1/inform-notices/" in paths
    assert "/api/v1/inform-notices/{notice_id}/download/" in paths
    assert "/api/v1/review/cases/{public_id}/conclude-no-licence/" in paths
    header = schema["components"]["schemas"]["NotificationCreateRequest"]["properties"]
    assert "planned_date" in header and "inform_notice" in header
