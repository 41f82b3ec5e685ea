"""The prior report over the API: create with its details → submit → read the status, the
OpenAPI schema documents ``procedure`` and ``prior_report``, and another firm's report is a 404."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.workflow import Procedure, Status
from partners.services import reference_data_load
from tests.api.conftest import token_client
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications/"


def _report(planned_in_days: int = 60) -> dict:
    return {
        "procedure": "prior_report",
        "title": "MLCC know-how for our Thai subsidiary",
        "destination_country": "TH",
        "planned_date": (
            timezone.localdate() + datetime.timedelta(days=planned_in_days)
        ).isoformat(),
        "parties": [
            {"role": "end_user", "name": "Siam Ceramic Components Co., Ltd.", "country": "TH"}
        ],
        "prior_report": {
            "transaction_type": "guidance",
            "technology": "mlcc",
            "technology_description": "Process documents and on-site training.",
            "recipient_relation": "subsidiary",
            "protection_access_control": True,
            "protection_contract_clauses": True,
            "protection_measures": "No onward transfer.",
        },
    }


@pytest.fixture(autouse=True)
def _world(db):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    reference_data_load()


def test_create_submit_and_read_a_prior_report(
    api, exporter, django_capture_on_commit_callbacks, eager_tasks
):
    created = api.post(BASE, _report(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["procedure"] == "prior_report"
    assert body["prior_report"]["technology"] == "mlcc"
    assert body["prior_report"]["recipient_relation"] == "subsidiary"
    assert body["items"] == []
    assert body["readiness"] == []
    with django_capture_on_commit_callbacks(execute=True):
        submitted = api.post(
            f"{BASE}{body['id']}/submit/", {"declaration_accepted": True}, format="json"
        )
    assert submitted.status_code in (200, 202), submitted.json()
    status = api.get(f"{BASE}{body['id']}/status/").json()
    # Screening never clears a prior report: the ministry's dialogue decides it.
    assert status["status"] == Status.UNDER_REVIEW
    assert status["waiting_on"] == "ministry"
    detail = api.get(f"{BASE}{body['id']}/").json()
    assert detail["permits"] == []
    assert detail["prior_report"]["technology"] == "mlcc"


def test_a_prior_report_lists_its_own_gaps_and_a_catch_all_carries_no_details(api):
    body = api.post(BASE, {"procedure": "prior_report", "title": "MLCC"}, format="json").json()
    fields = {gap["field"] for gap in body["readiness"]}
    assert {"transaction_type", "technology", "planned_date", "end_user"} <= fields
    assert "checklist" not in fields and "items" not in fields
    plain = api.post(BASE, {"title": "Goods"}, format="json").json()
    assert plain["procedure"] == "catch_all"
    assert plain["prior_report"] is None


def test_patch_writes_the_details_and_a_technology_off_the_list_is_refused(api):
    body = api.post(BASE, {"procedure": "prior_report", "title": "MLCC"}, format="json").json()
    patched = api.patch(
        f"{BASE}{body['id']}/",
        {"prior_report": {"transaction_type": "investment", "technology": "sputtering-target"}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["prior_report"]["transaction_type"] == "investment"
    refused = api.patch(
        f"{BASE}{body['id']}/", {"prior_report": {"technology": "no-such"}}, format="json"
    )
    assert refused.status_code == 400
    notification = Notification.objects.get(public_id=body["id"])
    assert notification.prior_report.technology.code == "sputtering-target"


def test_details_on_a_catch_all_filing_are_refused_unchanged(api):
    body = api.post(BASE, {"title": "Goods"}, format="json").json()
    refused = api.patch(
        f"{BASE}{body['id']}/", {"prior_report": {"transaction_type": "licence"}}, format="json"
    )
    assert refused.status_code == 409
    notification = Notification.objects.get(public_id=body["id"])
    assert notification.procedure == Procedure.CATCH_ALL
    assert not hasattr(notification, "prior_report") or notification.prior_report is None


def test_another_firms_prior_report_is_a_404(api, other_exporter):
    body = api.post(BASE, _report(), format="json").json()
    rival = token_client(other_exporter)
    assert rival.get(f"{BASE}{body['id']}/").status_code == 404
    assert rival.get(f"{BASE}{body['id']}/status/").status_code == 404
    patched = rival.patch(
        f"{BASE}{body['id']}/", {"prior_report": {"transaction_type": "other"}}, format="json"
    )
    assert patched.status_code == 404
    submitted = rival.post(
        f"{BASE}{body['id']}/submit/", {"declaration_accepted": True}, format="json"
    )
    assert submitted.status_code == 404
    notification = Notification.objects.get(public_id=body["id"])
    assert notification.status == Status.DRAFT
    assert notification.prior_report.transaction_type == "guidance"


def test_the_openapi_schema_documents_the_procedure_and_the_details(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    create = components["NotificationCreateRequest"]["properties"]
    assert set(create["procedure"].get("enum", [])) >= {"catch_all", "prior_report"} or (
        "$ref" in str(create["procedure"]) or "allOf" in create["procedure"]
    )
    assert "prior_report" in create
    read = components["Notification"]["properties"]
    assert "procedure" in read and "prior_report" in read
    details = components["PriorReport"]["properties"]
    assert {"transaction_type", "technology", "recipient_relation", "protection_measures"} <= set(
        details
    )


def test_the_reviewer_api_shows_the_details_and_refuses_approve_on_a_prior_report(
    api, reviewer, django_capture_on_commit_callbacks, eager_tasks, settings
):
    from notifications.models import Decision, Permit
    from tests.review.test_api import api as review_client

    settings.EXPORTCTL_MINISTRY_2FA = False
    body = api.post(BASE, _report(), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}{body['id']}/submit/", {"declaration_accepted": True}, format="json")
    ministry = review_client(reviewer)
    case = ministry.get(f"/api/v1/review/cases/{body['id']}/").json()
    assert case["procedure"] == "prior_report"
    assert case["prior_report"]["technology"] == "mlcc"
    assert "approve" not in case.get("actions", []) and "deny" not in case.get("actions", [])
    refused = ministry.post(f"/api/v1/review/cases/{body['id']}/approve/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "wrong_procedure"
    notification = Notification.objects.get(public_id=body["id"])
    assert notification.status == Status.UNDER_REVIEW
    assert not Decision.objects.filter(notification=notification).exists()
    assert not Permit.objects.exists()
