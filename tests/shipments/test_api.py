"""Shipments over the API: create and list, balances, refusal (409), idempotent retries, and
another firm's permit answered 404."""

import pytest
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications.enforcement_models import Violation
from notifications.models import Permit, PermitStatus
from notifications.shipment_models import Shipment
from tests.api.conftest import token_client
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db


def _url(permit):
    return (
        f"/api/v1/notifications/{permit.notification.public_id}/permits/{permit.public_id}"
        "/shipments/"
    )


def _body(**overrides):
    body = {
        "shipped_on": timezone.localdate().isoformat(),
        "customs_reference": "ED-2026-0001",
        "lines": [{"item": 1, "quantity": "2.5"}, {"item": 2, "quantity": "1"}],
    }
    body.update(overrides)
    return body


def test_create_and_list(permit, exporter):
    api = token_client(exporter)
    created = api.post(_url(permit), _body(), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["lines"] == [
        {"item": 1, "quantity": "2.500"},
        {"item": 2, "quantity": "1.000"},
    ]
    listed = api.get(_url(permit)).json()
    assert listed["permit"] == permit.number
    assert [(b["item"], b["shipped"], b["balance"]) for b in listed["balances"]] == [
        (1, "2.500", "7.500"),
        (2, "1.000", "3.000"),
    ]
    assert [s["id"] for s in listed["shipments"]] == [created.json()["id"]]


def test_a_refused_shipment_is_a_409_and_nothing_is_stored(permit, exporter):
    Permit.objects.filter(pk=permit.pk).update(status=PermitStatus.SUSPENDED)
    api = token_client(exporter)
    response = api.post(_url(permit), _body(), format="json")
    assert response.status_code == 409
    assert {e["code"] for e in response.json()["errors"]} == {"shipment_refused"}
    assert not Shipment.objects.exists()
    assert AuditEvent.objects.filter(action="shipment.refused").count() == 1
    assert Violation.objects.filter(kind="shipment_beyond_permit").count() == 1


def test_a_retry_with_the_same_key_records_once(permit, exporter):
    api = token_client(exporter)
    first = api.post(_url(permit), _body(), format="json", HTTP_IDEMPOTENCY_KEY="erp-42")
    again = api.post(_url(permit), _body(), format="json", HTTP_IDEMPOTENCY_KEY="erp-42")
    other = api.post(
        _url(permit),
        _body(lines=[{"item": 1, "quantity": "1"}]),
        format="json",
        HTTP_IDEMPOTENCY_KEY="erp-42",
    )
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 422)
    assert again.json()["id"] == first.json()["id"]
    assert Shipment.objects.count() == 1


def test_another_firms_permit_is_a_404(permit):
    api = token_client(ExporterFactory())
    assert api.get(_url(permit)).status_code == 404
    assert api.post(_url(permit), _body(), format="json").status_code == 404
    assert not Shipment.objects.exists()


def test_invalid_input_is_a_400(permit, exporter):
    api = token_client(exporter)
    response = api.post(_url(permit), _body(lines=[]), format="json")
    assert response.status_code == 400
    assert not Shipment.objects.exists() and not Violation.objects.exists()
