"""The reviewer API: who may call it, the queue and a case with its hits, and every decision —
four eyes proven over HTTP, the loser of two reviewers answered with 409."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from exportctl.accounts.roles import Role
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.models import Decision, Notification, Permit
from notifications.workflow import Status
from screening.models import Disposition, PartyHit
from tests.factories import ExporterFactory, UserFactory
from tests.review.conftest import make_reviewer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/review/cases/"


@pytest.fixture(autouse=True)
def _no_throttling_between_tests():
    cache.clear()
    yield
    cache.clear()


def api(user=None, *, token: bool = True) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    if user is not None:
        if token:
            _row, secret = api_token_create(actor=user, expires_in_days=None, via="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        else:
            client.force_login(user)
    return client


def at(case, action: str = "") -> str:
    return f"{BASE}{case.public_id}/" + (f"{action}/" if action else "")


def state(case) -> tuple:
    """A refused attempt writes its own ``access.refused`` event (issue 19) and nothing else:
    the trail is counted without those, and tests assert the refusals they expect."""
    case.refresh_from_db()
    return (
        case.status,
        Decision.objects.filter(notification=case).count(),
        Permit.objects.filter(notification=case).count(),
        AuditEvent.objects.exclude(action="access.refused").count(),
    )


def refusal_reasons() -> list[str]:
    events = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    return [event.data["reason"] for event in events]


def test_anonymous_exporters_auditors_and_list_managers_are_refused(case):
    before = state(case)
    assert api().get(BASE).status_code == 401
    assert api().post(at(case, "approve"), {}, format="json").status_code == 401
    exporter = ExporterFactory(firm=case.firm)
    for user in (
        exporter,
        UserFactory(roles=[Role.AUDITOR]),
        UserFactory(roles=[Role.LIST_MANAGER]),
    ):
        client = api(user)
        assert client.get(BASE).status_code == 403
        assert client.get(at(case)).status_code == 403
        assert client.post(at(case, "approve"), {}, format="json").status_code == 403
        assert client.post(at(case, "notes"), {"body": "hi"}, format="json").status_code == 403
    after = state(case)
    assert after[:3] == before[:3]
    assert (
        not AuditEvent.objects.filter(action__startswith="notification.")
        .exclude(
            action__in=["notification.submit", "notification.start_screening", "notification.refer"]
        )
        .exists()
    )


def test_queue_lists_cases_with_their_clock_and_hits_and_takes_filters(case, reviewer):
    client = api(reviewer)
    response = client.get(BASE)
    assert response.status_code == 200
    [row] = response.data["results"]
    assert response.data["count"] == 1
    assert (row["reference"], row["status"], row["risk_level"]) == (
        case.reference,
        "under_review",
        "high",
    )
    assert (row["hit_count"], row["pending_hit_count"], row["confirmed_hit_count"]) == (1, 1, 0)
    assert row["assignee"] is None
    assert row["clock"]["paused"] is False
    assert row["clock"]["overdue"] is False
    assert row["clock"]["working_days_left"] in (89, 90)
    assert client.get(BASE, {"risk": "low"}).data["count"] == 0
    assert client.get(BASE, {"assigned": "unassigned", "hits": "pending"}).data["count"] == 1
    bad = client.get(BASE, {"destination": "Iran"})
    assert bad.status_code == 400
    assert list(bad.data) == ["destination"]


def test_the_queue_rows_are_what_the_generic_serializer_gives_in_every_state(flag, reviewer):
    """``QueueCaseSerializer`` builds its rows directly, for speed: on cases unassigned, claimed,
    waiting on the exporter (clock paused) and without a planned date, every field is what DRF's
    generic ``ModelSerializer`` makes of the same page."""
    from rest_framework import serializers

    from notifications.review_api import QueueCaseSerializer
    from notifications.selectors import review_queue_page

    flag()  # unassigned
    claimed, asked, undated = flag(), flag(), flag()
    services.review_claim(notification=claimed, actor=reviewer)
    services.review_claim(notification=asked, actor=reviewer)
    services.notification_request_info(
        notification=asked,
        actor=reviewer,
        question="Who is the end user?",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    Notification.objects.filter(pk=undated.pk).update(planned_date=None)
    page = review_queue_page(user=reviewer, page_number=1)
    assert len(page.object_list) == 4
    serializer = QueueCaseSerializer()
    fast = [serializer.to_representation(n) for n in page.object_list]
    generic = [
        serializers.ModelSerializer.to_representation(serializer, n) for n in page.object_list
    ]
    assert fast == [dict(row) for row in generic]
    assert {row["assignee"] for row in fast} == {None, reviewer.email}
    assert {row["clock"]["paused"] for row in fast} == {True, False}
    assert None in {row["planned_date"] for row in fast}
    assert json.loads(json.dumps(fast)) == fast


def test_case_detail_carries_hits_factors_and_internal_notes(case, reviewer):
    services.notification_add_internal_note(notification=case, actor=reviewer, body="Check HIT.")
    response = api(reviewer, token=False).get(at(case))
    assert response.status_code == 200
    data = response.data
    assert data["reference"] == case.reference
    [hit] = data["hits"]
    assert hit["entry"]["number"] == 45
    assert hit["entry"]["concern_codes"] == ["B", "C", "M", "N"]
    assert hit["party"]["name"] == "Amirkabir Univ. of Technology"
    assert hit["explanation"]["name_kind"] == "alias"
    assert hit["disposition"] == "pending"
    assert [f["rule"] for f in data["screening"]["factors"]] == [
        "listed_party",
        "country_of_concern",
    ]
    assert [n["body"] for n in data["internal_notes"]] == ["Check HIT."]
    assert data["messages"] == []
    assert [(e["action"], e["actor"]) for e in data["timeline"]] == [
        ("notification.submit", case.created_by.email),
        ("notification.start_screening", "system"),
        ("screening.run_completed", "system"),
        ("notification.refer", "system"),
        ("notification.internal_note", reviewer.email),
    ]


def test_four_eyes_over_the_api(case, reviewer, senior, other_senior):
    hit = PartyHit.objects.get(run__notification=case)
    approver = api(senior)
    response = approver.post(
        at(case, f"hits/{hit.public_id}/adjudicate"),
        {"disposition": "confirmed", "reason": "Alias of the listed university."},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["hits"][0]["disposition"] == Disposition.CONFIRMED

    response = approver.post(
        at(case, "approve"), {"conditions": "No re-export.", "validity_months": 6}, format="json"
    )
    assert response.status_code == 200
    assert response.data["status"] == Status.AWAITING_COUNTERSIGN
    plain, countersigner = api(reviewer), api(other_senior)  # issuing a token is audited too
    before = state(case)

    response = approver.post(at(case, "countersign"), format="json")
    assert response.status_code == 403
    assert response.data == {
        "detail": "You proposed this decision yourself; another senior reviewer must countersign "
        "it.",
        "code": "four_eyes",
        "status": "awaiting_countersign",
    }
    response = plain.post(at(case, "countersign"), format="json")
    assert response.status_code == 403
    assert response.data["code"] == "forbidden_role"
    assert state(case) == before
    assert refusal_reasons() == ["four_eyes", "forbidden_role"]

    response = countersigner.post(at(case, "countersign"), format="json")
    assert response.status_code == 200
    assert response.data["status"] == Status.APPROVED
    [permit] = response.data["permits"]
    assert (permit["status"], permit["conditions"]) == ("valid", "No re-export.")
    assert Permit.objects.filter(notification=case).count() == 1


def adjudicate_all(case, actor, disposition=Disposition.FALSE_POSITIVE) -> None:
    """Settle every hit of the case, as an approval requires."""
    from screening.services import hit_adjudicate

    for hit in PartyHit.objects.filter(run__notification=case, disposition=Disposition.PENDING):
        hit_adjudicate(hit=hit, actor=actor, disposition=disposition, reason="Different entity.")


def test_the_second_of_two_reviewers_gets_409_and_nothing_changes(case, reviewer):
    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    adjudicate_all(case, reviewer)
    colleague = make_reviewer("colleague@meti.example.jp")
    late = api(colleague)
    assert api(reviewer).post(at(case, "approve"), {}, format="json").status_code == 200
    before = state(case)

    for action, payload in (("approve", {}), ("deny", {"reason": "Listed end user."})):
        response = late.post(at(case, action), payload, format="json")
        assert response.status_code == 409
        assert response.data["code"] == "wrong_state"
        assert response.data["status"] == "approved"
    assert state(case) == before
    assert Permit.objects.filter(notification=case).count() == 1


def test_claim_conflict_request_info_return_and_deny(case, reviewer, senior, other_senior):
    colleague = make_reviewer("colleague@meti.example.jp")
    assert api(reviewer).post(at(case, "claim"), format="json").data["assignee"] == reviewer.email
    response = api(colleague).post(at(case, "claim"), format="json")
    assert (response.status_code, response.data["code"]) == (409, "already_claimed")

    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = api(reviewer).post(
        at(case, "request-info"), {"question": "Who?", "due_on": past}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "due_in_past")
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = api(reviewer).post(
        at(case, "request-info"), {"question": "Who?", "due_on": due}, format="json"
    )
    assert response.status_code == 200
    assert response.data["status"] == "info_requested"
    assert response.data["clock"]["paused"] is True
    assert response.data["messages"][0]["kind"] == "question"

    exporter = ExporterFactory(firm=case.firm)
    services.notification_respond(notification=case, actor=exporter, body="The university.")
    adjudicate_all(case, reviewer, Disposition.CONFIRMED)
    services.review_release(notification=case, actor=reviewer)
    services.notification_approve(notification=case, actor=senior)
    response = api(other_senior).post(at(case, "return"), {"reason": ""}, format="json")
    assert response.status_code == 400
    response = api(other_senior).post(at(case, "return"), {"reason": "Site visit."}, format="json")
    assert response.data["status"] == "under_review"
    # A high-risk denial waits for a senior reviewer's countersignature, like an approval.
    response = api(reviewer).post(at(case, "deny"), {"reason": "Listed, WMD."}, format="json")
    assert (response.status_code, response.data["status"]) == (200, "awaiting_countersign")
    assert response.data["pending_decision"]["kind"] == "deny_for_countersign"
    response = api(other_senior).post(at(case, "countersign"), format="json")
    assert (response.status_code, response.data["status"]) == (200, "denied")


def test_inform_rerun_assign_and_permit_actions(
    case, reviewer, senior, django_capture_on_commit_callbacks
):
    client = api(reviewer)
    response = client.post(at(case, "inform"), {"grounds": "Missile concern."}, format="json")
    assert response.data["inform_notice_received"] is True
    assert response.data["messages"][0]["kind"] == "inform_notice"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(at(case, "rerun"), format="json")
    assert response.status_code == 202
    assert case.screening_runs.filter(trigger="manual").count() == 1
    response = client.post(at(case, "assign"), {"assignee": senior.email}, format="json")
    assert response.data["assignee"] == senior.email
    response = client.post(at(case, "assign"), {"assignee": "nobody@x.example"}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "invalid_assignee")

    Notification.objects.filter(pk=case.pk).update(risk_level="elevated")
    adjudicate_all(case, reviewer)
    services.notification_approve(notification=case, actor=senior)  # the assignee decides
    permit = Permit.objects.get(notification=case)
    path = at(case, f"permits/{permit.public_id}/suspend")
    assert client.post(path, {"reason": "x"}, format="json").status_code == 403
    response = api(senior).post(path, {"reason": "On-site check."}, format="json")
    assert response.status_code == 200
    assert response.data["permits"][0]["status"] == "suspended"
    unknown = at(case, f"permits/{permit.public_id}/burn")
    assert api(senior).post(unknown, {"reason": "x"}, format="json").status_code == 404


def test_another_case_hit_or_permit_is_404(case, reviewer, flag):
    other = flag(party="Harbin Inst. of Technology", country="CN")
    other_hit = PartyHit.objects.get(run__notification=other)
    response = api(reviewer).post(
        at(case, f"hits/{other_hit.public_id}/adjudicate"),
        {"disposition": "confirmed", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    other_hit.refresh_from_db()
    assert other_hit.disposition == "pending"
    assert api(reviewer).get(f"{BASE}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_an_approval_over_an_unadjudicated_hit_is_409_naming_it_and_changes_nothing(case, reviewer):
    client = api(reviewer)
    before = state(case)
    response = client.post(at(case, "approve"), {"validity_months": 6}, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "outstanding"
    assert response.data["status"] == "under_review"
    assert "Amirkabir Univ. of Technology" in response.data["detail"]
    [item] = response.data["outstanding"]
    hit = PartyHit.objects.get(run__notification=case)
    assert (item["kind"], item["hit"], item["entry_number"]) == ("hit", str(hit.public_id), 45)
    assert state(case) == before

    detail = client.get(at(case)).data
    assert [i["hit"] for i in detail["outstanding"]] == [str(hit.public_id)]
    assert detail["evidence"]["hits_pending"] == 1
    assert "approve" in detail["available_actions"]  # offered, and refused with the reason


def test_an_unknown_checklist_answer_needs_a_note_over_the_api(reviewer, flag):
    case = flag(party="Siam Motor Co.", country="IR")  # a country of concern, no hit
    checklist = dict(case.checklist)
    checklist["7"] = {"answer": "unknown", "note": ""}
    Notification.objects.filter(pk=case.pk).update(checklist=checklist)
    client = api(reviewer)
    response = client.post(at(case, "approve"), {}, format="json")
    assert (response.status_code, response.data["code"]) == (409, "outstanding")
    assert response.data["outstanding"] == [
        {
            "kind": "checklist",
            "text": "checklist item 7 is answered “unknown” and has no reviewer's note",
            "number": 7,
            "answer": "unknown",
        }
    ]
    response = client.post(at(case, "checklist/4/note"), {"body": "x"}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "invalid_item")
    response = client.post(at(case, "checklist/7/note"), {"body": "Checked."}, format="json")
    assert response.status_code == 200
    [row] = [r for r in response.data["checklist_review"] if r["number"] == 7]
    assert (row["reviewer_note"], row["reviewer_note_by"]) == ("Checked.", reviewer.email)
    response = client.post(at(case, "approve"), {}, format="json")
    assert response.status_code == 200
    assert response.data["status"] in ("approved", "awaiting_countersign")


def test_a_high_risk_denial_is_countersigned_over_the_api(case, reviewer, senior, other_senior):
    response = api(senior).post(at(case, "deny"), {"reason": "Listed, WMD."}, format="json")
    assert (response.status_code, response.data["status"]) == (200, "awaiting_countersign")
    assert response.data["available_actions"] == ["assign", "claim"]  # not the proposer's
    assert api(other_senior).get(at(case)).data["available_actions"] == [
        "assign",
        "claim",
        "countersign",
        "return",
    ]
    before = state(case)
    for user in (senior, reviewer):
        response = api(user).post(at(case, "countersign"), format="json")
        assert response.status_code == 403
        assert response.data["code"] == ("four_eyes" if user == senior else "forbidden_role")
    assert state(case)[:3] == before[:3]

    response = api(other_senior).post(at(case, "countersign"), format="json")
    assert (response.status_code, response.data["status"]) == (200, "denied")
    assert [d["kind"] for d in response.data["decisions"]] == ["deny_for_countersign", "deny"]
    assert response.data["decisions"][-1]["reason"] == "Listed, WMD."
    assert response.data["permits"] == []


def test_a_reviewer_cannot_decide_a_case_a_colleague_claimed_over_the_api(case, reviewer):
    colleague = make_reviewer("colleague@meti.example.jp")
    services.review_claim(notification=case, actor=colleague)
    before = state(case)
    response = api(reviewer).post(at(case, "deny"), {"reason": "Listed."}, format="json")
    assert (response.status_code, response.data["code"]) == (409, "claimed_by_other")
    assert state(case)[:3] == before[:3]
