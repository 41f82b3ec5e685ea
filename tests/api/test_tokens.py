"""Personal API tokens: POST /api/v1/auth/token/ for scripts, and the page in the profile."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from tests.api.conftest import PASSWORD, audit_actions, audit_count, token_client
from tests.factories import ExporterFactory, UserFactory

pytestmark = pytest.mark.django_db

OBTAIN = "/api/v1/auth/token/"
CURRENT = "/api/v1/auth/token/current/"
PAGE = "/accounts/tokens/"


def anonymous() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


# --- POST /api/v1/auth/token/ ------------------------------------------------------------------


def test_a_script_exchanges_email_and_password_for_a_token(exporter):
    response = anonymous().post(OBTAIN, {"email": "ERP@example.com", "password": PASSWORD})

    assert response.status_code == 201
    body = response.json()
    assert body["expiry"] is None
    assert body["token"].startswith(body["token_key"])
    assert response["Cache-Control"] == "no-store"
    token = AuthToken.objects.get(user=exporter)
    assert token.token_key == body["token_key"]
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.actor_id, event.object_id, event.data["via"]) == (
        exporter.pk,
        token.token_key,
        "api",
    )

    client = anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/v1/notifications/").status_code == 200


def test_a_token_may_carry_an_expiry(exporter):
    response = anonymous().post(
        OBTAIN, {"email": exporter.email, "password": PASSWORD, "expires_in_days": 30}
    )

    assert response.status_code == 201
    expiry = AuthToken.objects.get(user=exporter).expiry
    assert abs(expiry - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(
        minutes=1
    )


def test_an_expired_token_no_longer_authenticates(exporter):
    api = token_client(exporter)
    AuthToken.objects.filter(user=exporter).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert api.get("/api/v1/notifications/").status_code == 401


@pytest.mark.parametrize(
    ("email", "password"),
    [("erp@example.com", "wrong-password-2026"), ("nobody@example.com", PASSWORD)],
)
def test_a_wrong_password_or_unknown_email_is_refused_and_audited(exporter, email, password):
    response = anonymous().post(OBTAIN, {"email": email, "password": password})

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The e-mail address or password is not correct.",
        "errors": [
            {
                "field": None,
                "code": "invalid_credentials",
                "message": "The e-mail address or password is not correct.",
            }
        ],
    }
    assert AuthToken.objects.count() == 0
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.data) == (
        "api_token.obtain_failed",
        None,
        {"email": email, "reason": "invalid_credentials"},
    )


def test_a_user_without_a_role_gets_no_token(db):
    UserFactory(email="norole@example.com")

    response = anonymous().post(OBTAIN, {"email": "norole@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "no_api_access"
    assert AuthToken.objects.count() == 0
    assert audit_actions() == ["api_token.obtain_failed"]


def test_ministry_staff_cannot_obtain_a_token_with_a_password_alone(reviewer):
    response = anonymous().post(OBTAIN, {"email": reviewer.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "second_factor_required"
    assert AuthToken.objects.count() == 0
    assert audit_actions() == ["api_token.obtain_failed"]


def test_missing_fields_are_named(db):
    response = anonymous().post(OBTAIN, {"email": "not-an-email"})

    assert response.status_code == 400
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("email", "invalid"),
        ("password", "required"),
    ]
    assert audit_count() == 0


def test_an_expiry_beyond_a_year_is_refused(exporter):
    response = anonymous().post(
        OBTAIN, {"email": exporter.email, "password": PASSWORD, "expires_in_days": 366}
    )

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("expires_in_days", "max_value")
    ]
    assert AuthToken.objects.count() == 0


def test_token_requests_are_throttled_with_a_structured_429(exporter, monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "token_obtain": "2/min"},
    )
    client = anonymous()
    for _ in range(2):
        client.post(OBTAIN, {"email": exporter.email, "password": "wrong-password-2026"})
    events = audit_count()

    response = client.post(OBTAIN, {"email": exporter.email, "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (None, "throttled")
    assert response.json()["detail"].startswith("Request was throttled.")
    assert AuthToken.objects.count() == 0
    assert audit_count() == events


def test_the_token_limit_is_enforced(exporter, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    for _ in range(2):
        api_token_create(actor=exporter, expires_in_days=None, via="test")

    response = anonymous().post(OBTAIN, {"email": exporter.email, "password": PASSWORD})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "token_limit"
    assert AuthToken.objects.filter(user=exporter).count() == 2
    assert audit_actions()[-1] == "api_token.obtain_failed"


def test_an_expired_token_does_not_count_against_the_limit(exporter, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    api_token_create(actor=exporter, expires_in_days=1, via="test")
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(minutes=1))

    response = anonymous().post(OBTAIN, {"email": exporter.email, "password": PASSWORD})

    assert response.status_code == 201


# --- DELETE /api/v1/auth/token/current/ ----------------------------------------------------------


def test_a_script_revokes_its_own_token(exporter):
    api = token_client(exporter)
    kept = token_client(exporter)

    response = api.delete(CURRENT)

    assert response.status_code == 204
    assert api.get("/api/v1/notifications/").status_code == 401
    assert kept.get("/api/v1/notifications/").status_code == 200
    assert AuthToken.objects.filter(user=exporter).count() == 1
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.actor_id, event.data["via"]) == (exporter.pk, "api")


def test_revoking_needs_a_token(client, exporter):
    token_client(exporter)
    client.force_login(exporter)

    response = client.delete(CURRENT, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_token_authenticated"
    assert AuthToken.objects.filter(user=exporter).count() == 1


def test_revoking_anonymously_is_401(db):
    assert anonymous().delete(CURRENT).status_code == 401


# --- The page at /accounts/tokens/ ---------------------------------------------------------------


def test_the_page_lists_only_the_users_own_tokens(client, exporter, other_exporter):
    mine, _ = api_token_create(actor=exporter, expires_in_days=30, via="test")
    theirs, _ = api_token_create(actor=other_exporter, expires_in_days=None, via="test")
    client.force_login(exporter)

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert mine.token_key in page
    assert theirs.token_key not in page
    assert response.templates[0].name == "accounts/tokens.html"


def test_the_page_has_an_empty_state(client, exporter):
    client.force_login(exporter)

    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert "No API tokens yet" in response.content.decode()


def test_creating_a_token_shows_it_once(client, exporter):
    client.force_login(exporter)

    response = client.post(PAGE, {"expires_in_days": "90"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    token = AuthToken.objects.get(user=exporter)
    secret = response.context["new_token"]
    assert secret.startswith(token.token_key)
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert abs(token.expiry - (timezone.now() + datetime.timedelta(days=90))) < datetime.timedelta(
        minutes=1
    )
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.actor_id, event.data["via"]) == (exporter.pk, "page")
    assert secret not in client.get(PAGE).content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/notifications/").status_code == 200


def test_a_token_without_expiry_from_the_page(client, exporter):
    client.force_login(exporter)

    client.post(PAGE, {"expires_in_days": ""})

    assert AuthToken.objects.get(user=exporter).expiry is None


def test_an_invalid_expiry_keeps_the_form_and_creates_nothing(client, exporter):
    client.force_login(exporter)

    response = client.post(PAGE, {"expires_in_days": "9999"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["expires_in_days"]
    assert "There is a problem" in response.content.decode()
    assert AuthToken.objects.count() == 0
    assert audit_count() == 0


def test_the_page_refuses_a_token_beyond_the_limit(client, exporter, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    api_token_create(actor=exporter, expires_in_days=None, via="test")
    client.force_login(exporter)
    events = audit_count()

    response = client.post(PAGE, {"expires_in_days": ""}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "You already have 1 active tokens" in response.content.decode()
    assert AuthToken.objects.count() == 1
    assert audit_count() == events


def test_revoke_a_token_from_the_page(client, exporter):
    token, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    client.force_login(exporter)

    response = client.post(f"{PAGE}{token.token_key}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert AuthToken.objects.count() == 0
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert (event.actor_id, event.object_id, event.data["via"]) == (
        exporter.pk,
        token.token_key,
        "page",
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/notifications/").status_code == 401


def test_another_users_token_cannot_be_revoked(client, exporter, other_exporter):
    colleague = ExporterFactory(firm=exporter.firm)
    theirs, _ = api_token_create(actor=other_exporter, expires_in_days=None, via="test")
    colleagues, _ = api_token_create(actor=colleague, expires_in_days=None, via="test")
    client.force_login(exporter)
    events = audit_count()

    assert client.post(f"{PAGE}{theirs.token_key}/revoke/").status_code == 404
    assert client.post(f"{PAGE}{colleagues.token_key}/revoke/").status_code == 404
    assert AuthToken.objects.count() == 2
    assert audit_count() == events


def test_revoke_is_post_only(client, exporter):
    token, _ = api_token_create(actor=exporter, expires_in_days=None, via="test")
    client.force_login(exporter)

    assert client.get(f"{PAGE}{token.token_key}/revoke/").status_code == 405
    assert AuthToken.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(PAGE, {"expires_in_days": ""}).status_code == 302
    assert AuthToken.objects.count() == 0


def test_ministry_staff_create_their_token_on_the_page_after_the_second_factor(client, reviewer):
    client.force_login(reviewer)  # password and one-time code (tests/conftest.py)

    assert client.get(PAGE).status_code == 200
    client.post(PAGE, {"expires_in_days": "30"})
    assert AuthToken.objects.filter(user=reviewer).count() == 1


def test_a_ministry_session_without_the_second_factor_is_stopped_before_the_page(reviewer):
    from django.test import Client

    unverified = Client()
    unverified.post("/accounts/login/", {"username": reviewer.email, "password": PASSWORD})
    response = unverified.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    assert AuthToken.objects.count() == 0
