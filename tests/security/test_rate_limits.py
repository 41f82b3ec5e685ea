"""Rate limits: the public verify page, the self-check page and API, and the token endpoint each
answer 429 once their (here lowered) limit is spent, saying when to come back (Retry-After),
and the refused request does nothing (no lookup shown, no check run, no token, no audit event)."""

import pytest
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from tests.security.world import PASSWORD, build_world

AMIRKABIR = "Amirkabir University of Technology"


@pytest.fixture(autouse=True)
def _fresh_budget():
    """Limits count in the cache: every test starts, and leaves, with a full budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return build_world()


def _throttle(monkeypatch, scope: str, rate: str) -> None:
    # DRF binds the rates to its throttle classes when they are imported; settings overrides
    # made later do not reach them.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, scope: rate},
    )


def _api(user) -> APIClient:
    _, secret = api_token_create(actor=user, expires_in_days=None, via="test")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_verify_page(world, settings):
    settings.VERIFY_RATE = "2/m"
    document = world.a.permit_document
    query = {"number": document.number, "code": document.verification_code}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    answers = [client.get("/verify/", query) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "verify-result" in answers[1].content.decode()
    limited = answers[2]
    assert limited["Retry-After"] == "60"
    assert "Too many requests" in limited.content.decode()
    assert "verify-result" not in limited.content.decode()


def test_self_check_page(world, settings):
    settings.SELF_CHECK_RATE = "2/m"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.a.exporter)

    statuses = []
    for _ in range(3):
        events = AuditEvent.objects.count()
        response = client.post("/screening/self-check/", {"name": AMIRKABIR})
        statuses.append((response.status_code, AuditEvent.objects.count() - events))

    assert statuses == [(200, 1), (200, 1), (429, 0)]
    assert response["Retry-After"] == "60"
    assert "Too many requests" in response.content.decode()


def test_self_check_api(world, monkeypatch):
    _throttle(monkeypatch, "self_check", "2/min")
    client = _api(world.a.exporter)

    statuses = []
    for _ in range(3):
        events = AuditEvent.objects.count()
        response = client.post("/api/v1/screening/self-check/", {"name": AMIRKABIR}, format="json")
        statuses.append((response.status_code, AuditEvent.objects.count() - events))

    assert statuses == [(200, 1), (200, 1), (429, 0)]
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["errors"][0]["code"] == "throttled"


def test_token_endpoint(world, monkeypatch):
    _throttle(monkeypatch, "token_obtain", "2/min")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    credentials = {"email": world.a.exporter.email, "password": PASSWORD}
    tokens = AuthToken.objects.count()

    first, second, third = (client.post("/api/v1/auth/token/", credentials) for _ in range(3))

    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 429]
    assert 0 < int(third["Retry-After"]) <= 60
    assert third.json()["errors"][0]["code"] == "throttled"
    assert "token" not in third.json()
    assert AuthToken.objects.count() == tokens + 2
