"""Shipments against a permit: balances go down per line; rule 13 refuses a shipment over the
balance, after expiry or under a suspended or revoked permit, storing nothing, auditing the refusal
and raising a violation candidate for the ministry."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications import shipments
from notifications.enforcement_models import Violation
from notifications.models import Permit, PermitStatus
from notifications.shipment_models import Shipment, ShipmentLine
from notifications.workflow import TransitionError
from tests.factories import ExporterFactory
from tests.shipments.conftest import grant_permit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _balances(permit):
    return [(line.item.position, line.balance) for line in shipments.balances(permit)]


def _state():
    return (
        Shipment.objects.count(),
        ShipmentLine.objects.count(),
        list(Shipment.objects.values_list("pk", flat=True)),
    )


def test_shipments_decrement_the_balance_of_each_permit_line(permit, exporter):
    shipments.shipment_record(
        permit=permit,
        actor=exporter,
        shipped_on=TODAY(),
        quantities={1: Decimal("3"), 2: Decimal("1")},
        customs_reference="1234-5678-9012",
    )
    shipments.shipment_record(
        permit=permit, actor=exporter, shipped_on=TODAY(), quantities={1: Decimal("7")}
    )
    assert _balances(permit) == [(1, Decimal("0")), (2, Decimal("3"))]
    assert AuditEvent.objects.filter(action="shipment.record").count() == 2
    assert not Violation.objects.exists()


def _refused(permit, exporter, *, shipped_on, quantities):
    before = (_state(), _balances(permit))
    with pytest.raises(shipments.ShipmentRefused) as refused:
        shipments.shipment_record(
            permit=permit, actor=exporter, shipped_on=shipped_on, quantities=quantities
        )
    assert (_state(), _balances(permit)) == before
    event = AuditEvent.objects.get(action="shipment.refused")
    assert event.data["rule"] == "licence_mismatch"
    candidate = Violation.objects.get()
    assert (candidate.kind, candidate.status, candidate.firm_id) == (
        "shipment_beyond_permit",
        "candidate",
        permit.notification.firm_id,
    )
    assert list(candidate.permits.all()) == [permit]
    return refused.value


def test_a_shipment_over_the_balance_is_refused_and_nothing_changes(permit, exporter):
    shipments.shipment_record(
        permit=permit, actor=exporter, shipped_on=TODAY(), quantities={1: Decimal("8")}
    )
    refused = _refused(permit, exporter, shipped_on=TODAY(), quantities={1: Decimal("3")})
    assert [p["problem"] for p in refused.problems] == ["quantity_exceeds_licence"]
    assert refused.problems[0]["licensed"] == "2.000"


def test_a_shipment_after_expiry_is_refused_and_nothing_changes(exporter):
    permit = grant_permit(exporter.firm, valid_until=TODAY() - datetime.timedelta(days=1))
    refused = _refused(permit, exporter, shipped_on=TODAY(), quantities={1: Decimal("1")})
    assert [p["problem"] for p in refused.problems] == ["licence_expired"]


@pytest.mark.parametrize("status", [PermitStatus.SUSPENDED, PermitStatus.REVOKED])
def test_a_shipment_under_a_suspended_or_revoked_permit_is_refused(permit, exporter, status):
    Permit.objects.filter(pk=permit.pk).update(status=status)
    permit.refresh_from_db()
    refused = _refused(permit, exporter, shipped_on=TODAY(), quantities={1: Decimal("1")})
    assert [p["problem"] for p in refused.problems] == ["licence_not_valid"]


def test_the_refusal_is_the_rule_13_decision(permit):
    # The same facts through the rule itself: the service adds no test of its own.
    problems = shipments.rule_13_problems(permit, TODAY(), {1: Decimal("11")})
    assert problems == [
        {"problem": "quantity_exceeds_licence", "item": 1, "shipped": "11", "licensed": "10.000"}
    ]


def test_input_errors_are_not_violations(permit, exporter):
    with pytest.raises(ValidationError) as invalid:
        shipments.shipment_record(
            permit=permit,
            actor=exporter,
            shipped_on=TODAY() + datetime.timedelta(days=1),
            quantities={1: Decimal("0")},
        )
    assert set(invalid.value.message_dict) == {"shipped_on", "lines"}
    assert not Shipment.objects.exists() and not Violation.objects.exists()


def test_another_firms_user_cannot_record_a_shipment(permit):
    outsider = ExporterFactory()
    with pytest.raises(TransitionError) as refused:
        shipments.shipment_record(
            permit=permit, actor=outsider, shipped_on=TODAY(), quantities={1: Decimal("1")}
        )
    assert refused.value.code == "forbidden_role"
    assert not Shipment.objects.exists()
