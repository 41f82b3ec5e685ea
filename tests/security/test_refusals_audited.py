"""Issue 19, finding 7: a refused attempt at a privileged action is on the audit trail.

Recorded once per request as ``access.refused`` (actor, attempted action, object, reason), in the
same hash chain as every other event; aggregated so that a flood cannot fill the log; a 404 of
another firm's object is not recorded; the auditor's log can show refusals alone.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.log import LogFilter, audit_events
from exportctl.audit.models import AuditEvent
from notifications.models import Decision, DecisionKind, Notification, Review
from notifications.workflow import Status
from tests.factories import submitted_at
from tests.security.world import build_world, snapshot

pytestmark = pytest.mark.django_db

REFUSED = "access.refused"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_world()


def _web(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    _row, secret = api_token_create(actor=user, expires_in_days=None, via="test")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq")[before:])


def _unchanged_but_refusals(before: dict) -> dict:
    """Everything the access matrix watches, except the audit trail's length."""
    after = snapshot()
    return {k: (before[k], after[k]) for k in before if k != "audit" and before[k] != after[k]}


def test_an_exporter_calling_a_reviewer_endpoint_is_recorded(world):
    client = _api(world.a.exporter)
    before, state = AuditEvent.objects.count(), snapshot()

    response = client.get(f"/api/v1/review/cases/{world.a.case.public_id}/")

    assert response.status_code == 403
    [event] = _new_events(before)
    assert event.action == REFUSED
    assert (event.actor_id, event.actor_label) == (world.a.exporter.pk, world.a.exporter.email)
    assert (event.object_type, event.object_id) == (
        "notifications.notification",
        str(world.a.case.public_id),
    )
    assert event.data["attempted"] == "review_api:case"
    assert event.data["reason"] == "permission_denied"
    assert event.data["method"] == "GET"
    assert event.data["count"] == 1
    assert _unchanged_but_refusals(state) == {}


def test_an_exporter_opening_a_reviewer_page_is_recorded(world):
    before = AuditEvent.objects.count()

    response = _web(world.a.exporter).get("/review/")

    assert response.status_code == 403
    [event] = _new_events(before)
    assert (event.action, event.actor_id) == (REFUSED, world.a.exporter.pk)
    assert event.data["attempted"] == "review:queue"
    assert event.data["reason"] == "permission_denied"


@pytest.mark.parametrize("channel", ["web", "api"])
def test_an_auditor_posting_an_approval_is_recorded_and_changes_nothing(channel, world):
    auditor, case = world.users["auditor"], world.a.case
    client = _web(auditor) if channel == "web" else _api(auditor)
    url = (
        f"/review/{case.public_id}/approve/"
        if channel == "web"
        else f"/api/v1/review/cases/{case.public_id}/approve/"
    )
    before, state = AuditEvent.objects.count(), snapshot()

    response = client.post(url, {"conditions": "", "validity_months": 6, "step": "confirm"})

    assert response.status_code == 403
    [event] = _new_events(before)
    assert (event.action, event.actor_id, event.object_id) == (
        REFUSED,
        auditor.pk,
        str(case.public_id),
    )
    assert event.data["method"] == "POST"
    assert event.data["attempted"].endswith("approve")
    assert _unchanged_but_refusals(state) == {}
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW


@pytest.fixture
def own_proposal(world):
    """A high-risk approval proposed by the senior reviewer, awaiting a countersignature."""
    senior = world.users["senior"]
    case = submitted_at(Status.AWAITING_COUNTERSIGN, firm=world.a.firm, created_by=world.a.exporter)
    Review.objects.create(
        notification=case, assignee=senior, claimed_at=timezone.now(), opened_at=timezone.now()
    )
    Decision.objects.create(
        notification=case,
        kind=DecisionKind.APPROVE_FOR_COUNTERSIGN,
        actor=senior,
        validity_months=6,
    )
    return case, senior


@pytest.mark.parametrize("channel", ["web", "api"])
def test_a_reviewer_countersigning_their_own_approval_is_recorded(channel, own_proposal):
    case, senior = own_proposal
    client = _web(senior) if channel == "web" else _api(senior)
    url = (
        f"/review/{case.public_id}/countersign/"
        if channel == "web"
        else f"/api/v1/review/cases/{case.public_id}/countersign/"
    )
    before, state = AuditEvent.objects.count(), snapshot()

    response = client.post(url)

    # The page answers with a banner over the case, the API with 403: both are refusals.
    assert response.status_code == (302 if channel == "web" else 403)
    [event] = _new_events(before)
    assert (event.action, event.actor_id, event.object_id) == (
        REFUSED,
        senior.pk,
        str(case.public_id),
    )
    assert event.data["reason"] == "four_eyes"
    assert "countersign" in event.data["message"]
    assert _unchanged_but_refusals(state) == {}
    assert Notification.objects.get(pk=case.pk).status == Status.AWAITING_COUNTERSIGN


def test_a_reviewer_importing_a_list_is_recorded(world):
    """The list manager's pages refuse everyone else with 403 (a version itself answers 404 to
    them, like a version that does not exist: that is not recorded)."""
    before = AuditEvent.objects.count()

    response = _web(world.users["reviewer"]).post("/lists/manage/import/")

    assert response.status_code == 403
    [event] = _new_events(before)
    assert (event.action, event.actor_id) == (REFUSED, world.users["reviewer"].pk)
    assert event.data["attempted"] == "partners:import"
    assert event.data["reason"] == "permission_denied"


def test_another_firms_object_is_a_404_and_not_recorded(world):
    """Deliberate non-disclosure: an attempt at another firm's case is not a privileged one."""
    api, web = _api(world.a.exporter), _web(world.a.exporter)
    before = AuditEvent.objects.count()
    assert api.get(f"/api/v1/notifications/{world.b.case.public_id}/").status_code == 404
    assert web.get(f"/notifications/{world.b.case.public_id}/").status_code == 404
    assert [e.action for e in _new_events(before)] == []


def test_a_flood_of_refusals_writes_a_bounded_number_of_events_and_the_chain_holds(world):
    client = _web(world.a.exporter)
    before = AuditEvent.objects.count()

    for _ in range(100):
        assert client.post(f"/review/{world.a.case.public_id}/claim/").status_code == 403

    events = _new_events(before)
    assert [e.action for e in events] == [REFUSED] * 3
    assert [e.data["count"] for e in events] == [1, 10, 100]  # "at least 100 in this window"
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_a_new_window_records_again(world, monkeypatch):
    from exportctl.audit import refusals

    client = _web(world.a.exporter)
    before = AuditEvent.objects.count()
    now = [1_000_000.0]
    monkeypatch.setattr(refusals.time, "time", lambda: now[0])

    for _ in range(5):
        client.get("/review/")
    now[0] += refusals.window_seconds()
    client.get("/review/")

    assert [e.data["count"] for e in _new_events(before)] == [1, 1]


def test_refusals_of_different_actions_are_counted_apart(world):
    client = _web(world.a.exporter)
    before = AuditEvent.objects.count()

    client.get("/review/")
    client.get("/review/")
    client.get(f"/review/{world.a.case.public_id}/")

    assert [e.data["attempted"] for e in _new_events(before)] == ["review:queue", "review:case"]


def test_the_auditors_log_filters_refusals(world):
    _web(world.a.exporter).get("/review/")
    auditor = _web(world.users["auditor"])

    response = auditor.get("/audit/log/", {"refusals": "on"})
    assert response.status_code == 200
    assert [e.action for e in response.context["page"]] == [REFUSED]
    response = auditor.get("/audit/log/")
    assert {e.action for e in response.context["page"]} > {REFUSED}
    assert [e.action for e in audit_events(LogFilter(refusals=True))] == [REFUSED]


def test_a_refusal_outside_a_request_is_not_noted():
    """A service refusing a task or a shell has no request, actor context or window: no-op."""
    from exportctl.audit import refusals

    refusals.note(reason="forbidden_role", message="x")  # must not raise
    assert not AuditEvent.objects.filter(action=REFUSED).exists()
