"""A permit with two item lines, granted to an exporter's firm."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from exportctl.accounts.roles import Role
from notifications.models import Decision, DecisionKind, Permit
from notifications.workflow import Status
from tests.factories import ExporterFactory, ItemFactory, UserFactory, submitted_at


def grant_permit(
    firm, *, valid_until: datetime.date | None = None, number="PM-2026-900001"
) -> Permit:
    """An approved filing of ``firm`` with items 1 (10 units) and 2 (4 units) and its permit."""
    notification = submitted_at(Status.APPROVED, firm=firm)
    notification.items.all().delete()
    ItemFactory(notification=notification, position=1, quantity=Decimal("10"), unit="units")
    ItemFactory(
        notification=notification,
        position=2,
        quantity=Decimal("4"),
        unit="sets",
        description="Spindle kit",
    )
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=UserFactory(roles=[Role.REVIEWER]),
        validity_months=6,
    )
    today = timezone.localdate()
    return Permit.objects.create(
        notification=notification,
        decision=decision,
        number=number,
        valid_from=today - datetime.timedelta(days=60),
        valid_until=valid_until or today + datetime.timedelta(days=120),
    )


@pytest.fixture
def exporter(db):
    return ExporterFactory()


@pytest.fixture
def permit(exporter):
    return grant_permit(exporter.firm)
