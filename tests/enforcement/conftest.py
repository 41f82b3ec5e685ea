"""Builders for the enforcement tests: enforcement staff, a firm with a valid permit, a ban."""

import datetime

import pytest
from django.utils import timezone

from exportctl.accounts.roles import Role
from notifications import services
from notifications.enforcement_models import Sanction, SanctionKind
from notifications.models import Notification, Permit
from notifications.services import ScreeningResult
from notifications.workflow import Status
from tests.factories import ExporterFactory, UserFactory, submitted_at

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture(autouse=True)
def _without_second_factor(settings):
    """Ministry sessions count as verified here (the TOTP step has tests in tests/accounts)."""
    settings.EXPORTCTL_MINISTRY_2FA = False


@pytest.fixture
def officer(db):
    return UserFactory(
        email="officer@meti.example.jp", full_name="Officer Kato", roles=[Role.ENFORCEMENT_OFFICER]
    )


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@meti.example.jp", roles=[Role.REVIEWER])


@pytest.fixture
def senior(db):
    return UserFactory(email="senior@meti.example.jp", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER])


@pytest.fixture
def auditor(db):
    return UserFactory(email="auditor@meti.example.jp", roles=[Role.AUDITOR])


@pytest.fixture
def exporter(db):
    return ExporterFactory(email="exporter@firm.example.jp")


def referred(exporter, level: str = "elevated") -> Notification:
    """A case of ``exporter``'s firm on a reviewer's desk (a low/elevated risk: no countersign)."""
    notification = submitted_at(Status.SCREENING, firm=exporter.firm, created_by=exporter)
    services.notification_refer(
        notification=notification, result=ScreeningResult(score=30, level=level)
    )
    notification.refresh_from_db()
    return notification


def with_permit(exporter, reviewer) -> Permit:
    notification = referred(exporter)
    services.notification_approve(notification=notification, actor=reviewer)
    return Permit.objects.get(notification=notification)


def ban(firm, officer, *, starts: int = 0, ends: int = 30) -> Sanction:
    """A ban from today+``starts`` to today+``ends`` days, written directly (no suspension)."""
    today = timezone.localdate()
    return Sanction.objects.create(
        firm=firm,
        kind=SanctionKind.EXPORT_BAN,
        starts_on=today + datetime.timedelta(days=starts),
        ends_on=today + datetime.timedelta(days=ends),
        reason="Unlicensed export of row 2 goods.",
        imposed_by=officer,
    )
