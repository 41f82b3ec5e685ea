"""The API's token check (exportctl.accounts.token_auth): knox's, in one query per request."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def _client(secret: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_request_reads_the_token_table_once():
    exporter = ExporterFactory()
    for _ in range(3):  # the user's other tokens are not read on every request
        api_token_create(actor=exporter, expires_in_days=30, via="test")
    _, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")

    with CaptureQueriesContext(connection) as captured:
        response = _client(secret).get(LIST)

    assert response.status_code == 200
    token_reads = [q for q in captured.captured_queries if '"knox_authtoken"' in q["sql"]]
    assert len(token_reads) == 1


def test_an_expired_token_is_refused_and_deleted_when_presented():
    exporter = ExporterFactory()
    row, secret = api_token_create(actor=exporter, expires_in_days=1, via="test")
    AuthToken.objects.filter(pk=row.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert _client(secret).get(LIST).status_code == 401
    assert not AuthToken.objects.filter(pk=row.pk).exists()


def test_a_wrong_secret_with_a_known_prefix_is_refused():
    exporter = ExporterFactory()
    row, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    forged = secret[:8] + ("0" if secret[8] != "0" else "1") + secret[9:]

    assert _client(forged).get(LIST).status_code == 401
    assert _client(secret).get(LIST).status_code == 200
    assert AuthToken.objects.filter(pk=row.pk).exists()


def test_the_schema_still_names_the_token_scheme(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert "knoxApiToken" in response.json()["components"]["securitySchemes"]


def test_a_secret_that_differs_after_the_token_key_is_refused():
    """The stored digest decides, not the key: the first characters (``token_key``) find the
    row, and a secret sharing them but differing later is refused."""
    from knox.settings import CONSTANTS

    exporter = ExporterFactory()
    row, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    position = CONSTANTS.TOKEN_KEY_LENGTH + 3
    forged = secret[:position] + ("0" if secret[position] != "0" else "1") + secret[position + 1 :]
    assert forged[: CONSTANTS.TOKEN_KEY_LENGTH] == row.token_key

    assert _client(forged).get(LIST).status_code == 401
    assert _client(secret).get(LIST).status_code == 200


def test_an_inactive_users_token_is_refused():
    exporter = ExporterFactory()
    _, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    type(exporter).objects.filter(pk=exporter.pk).update(is_active=False)

    assert _client(secret).get(LIST).status_code == 401


def test_a_request_reads_the_token_with_its_user_in_one_query():
    exporter = ExporterFactory()
    _, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")

    with CaptureQueriesContext(connection) as captured:
        response = _client(secret).get(LIST)

    assert response.status_code == 200
    (token_read,) = [q["sql"] for q in captured.captured_queries if '"knox_authtoken"' in q["sql"]]
    assert '"accounts_user"' in token_read
    assert response.wsgi_request.user == exporter
