"""The prior report in the browser (test client): the start page offers it, the wizard's own
technology step, the review step, the reviewer's case page, the licence application after an
inform notice, and a 404 for another firm's report on every page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications import drafts, services
from notifications.models import Notification, PriorReportDetails
from notifications.workflow import Procedure, Status
from partners.models import KeyTechnology
from partners.services import reference_data_load
from tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _key_technologies(db):
    reference_data_load()


@pytest.fixture
def client_in(client, exporter):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(exporter)
    return client


def _url(name, notification, *args):
    return reverse(f"notifications:{name}", args=[notification.public_id, *args])


def _report(exporter) -> Notification:
    report = drafts.draft_create(actor=exporter, procedure=Procedure.PRIOR_REPORT, title="MLCC")
    return report


def _technology_post(**overrides) -> dict:
    data = {
        "transaction_type": "guidance",
        "transaction_description": "",
        "technology": str(KeyTechnology.objects.get(code="mlcc").pk),
        "technology_description": "Process documents and training.",
        "recipient_relation": "subsidiary",
        "planned_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "protection_access_control": "on",
        "protection_measures": "No onward transfer.",
        "action": "continue",
    }
    data.update(overrides)
    return data


def test_the_start_page_offers_the_prior_report_and_starts_it_on_the_technology_step(client_in):
    page = client_in.get(reverse("notifications:new"))
    assert b"Prior report on a key technology transfer" in page.content
    response = client_in.post(
        reverse("notifications:new"), {"procedure": "prior_report", "title": "MLCC know-how"}
    )
    report = Notification.objects.get(title="MLCC know-how")
    assert report.procedure == Procedure.PRIOR_REPORT
    assert PriorReportDetails.objects.filter(notification=report).exists()
    assert response["Location"] == _url("edit", report, "technology")
    # A catch-all draft has no technology step; a prior report has no items or checklist step.
    assert client_in.get(_url("edit", report, "items")).status_code == 404
    assert client_in.get(_url("edit", report, "checklist")).status_code == 404


def test_the_technology_step_saves_the_details_and_the_planned_date(client_in, exporter):
    report = _report(exporter)
    page = client_in.get(_url("edit", report, "technology"))
    assert page.status_code == 200
    assert "積層セラミック".encode() not in page.content  # English page: English names
    assert b"Design or manufacture of multilayer ceramic capacitors" in page.content
    response = client_in.post(_url("edit", report, "technology"), _technology_post())
    assert response.status_code == 302
    assert response["Location"] == _url("edit", report, "parties")
    report.refresh_from_db()
    details = report.prior_report
    assert details.technology.code == "mlcc"
    assert details.recipient_relation == "subsidiary"
    assert details.protection_access_control is True
    assert report.planned_date == timezone.localdate() + datetime.timedelta(days=60)
    assert AuditEvent.objects.filter(action="notification.prior_report_updated").count() == 1
    review = client_in.get(_url("edit", report, "review"))
    assert b"prior-report-details" in review.content
    assert b"deadline-unconfirmed" in review.content
    assert b"Clear-criteria checklist" not in review.content


def test_another_firms_report_is_a_404_on_every_page(client, outsider, exporter):
    report = _report(exporter)
    client.force_login(outsider)
    for url in (
        _url("edit", report, "technology"),
        _url("edit", report, "review"),
        _url("detail", report),
    ):
        assert client.get(url).status_code == 404
    before = report.prior_report.updated_at
    assert client.post(_url("edit", report, "technology"), _technology_post()).status_code == 404
    assert client.post(_url("licence_application", report)).status_code == 404
    report.prior_report.refresh_from_db()
    assert report.prior_report.updated_at == before
    assert report.prior_report.technology_id is None
    assert Notification.objects.count() == 1


def _informed_report(exporter, reviewer, django_capture_on_commit_callbacks):
    report = _report(exporter)
    drafts.draft_update(
        notification=report,
        actor=exporter,
        destination_country="TH",
        planned_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    drafts.prior_report_update(
        notification=report,
        actor=exporter,
        transaction_type="licence",
        technology=KeyTechnology.objects.get(code="mlcc"),
        technology_description="Licence of MLCC process know-how.",
        recipient_relation="joint_venture",
        protection_contract_clauses=True,
    )
    PartyFactory(notification=report, country="TH")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_submit(notification=report, actor=exporter, declaration_accepted=True)
    report.refresh_from_db()
    assert report.status == Status.UNDER_REVIEW
    return report


def test_the_reviewer_sees_the_procedure_and_the_dialogues_outcomes_not_approve(
    client, exporter, reviewer, settings, django_capture_on_commit_callbacks, eager_tasks
):
    settings.EXPORTCTL_MINISTRY_2FA = False
    report = _informed_report(exporter, reviewer, django_capture_on_commit_callbacks)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(reviewer)
    page = client.get(reverse("review:case", args=[report.public_id])).content.decode()
    assert "Prior report on a key technology transfer" in page
    assert 'id="prior-report-details"' in page
    assert 'id="conclude-no-licence-form"' in page
    assert 'id="inform-form"' in page
    assert 'id="checklist"' not in page  # the catch-all clear criteria are not asked
    assert "Request information" in page
    assert reverse("review:approve", args=[report.public_id]) not in page
    assert reverse("review:deny", args=[report.public_id]) not in page
    # Approve posted anyway: refused, nothing changed.
    events = AuditEvent.objects.exclude(action="access.refused").count()
    client.post(
        reverse("review:approve", args=[report.public_id]),
        {"validity_months": "6", "conditions": "", "step": "confirm"},
    )
    report.refresh_from_db()
    assert report.status == Status.UNDER_REVIEW
    assert not report.permits.exists()
    assert AuditEvent.objects.exclude(action="access.refused").count() == events


def test_after_an_inform_notice_the_firm_starts_the_linked_licence_application_once(
    client_in, exporter, reviewer, django_capture_on_commit_callbacks, eager_tasks
):
    report = _informed_report(exporter, reviewer, django_capture_on_commit_callbacks)
    under_review = client_in.get(_url("detail", report)).content.decode()
    assert 'id="prior-report-dialogue"' in under_review
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_inform(notification=report, actor=reviewer, grounds="Concern.")
    report.refresh_from_db()
    assert report.status == Status.INFORMED
    detail = client_in.get(_url("detail", report)).content.decode()
    assert 'id="start-licence-application"' in detail
    response = client_in.post(_url("licence_application", report))
    application = Notification.objects.get(copied_from=report)
    assert response["Location"] == _url("edit", application, "items")
    assert application.procedure == Procedure.CATCH_ALL
    assert application.inform_notice_id == report.inform_notice_id
    client_in.post(_url("licence_application", report))
    assert Notification.objects.filter(copied_from=report).count() == 1
    assert AuditEvent.objects.filter(action="notification.licence_application_started").count() == 1


def test_the_dashboard_marks_a_prior_report_and_continues_it_on_its_own_first_step(
    client_in, exporter
):
    report = _report(exporter)
    html = client_in.get(reverse("notifications:dashboard")).content.decode()
    assert _url("edit", report, "technology") in html
    assert _url("edit", report, "items") not in html
    assert "Prior report" in html
