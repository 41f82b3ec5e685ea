"""Builders for the onboarding tests: firms with an admin, colleagues, invitations."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from exportctl.accounts.models import User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from tests.factories import ExporterFactory, FirmFactory

PASSWORD = "correct-horse-battery-2026"
NEW_PASSWORD = "violet-harbour-lantern-2026"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Page rate limits count in the cache; each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def make_admin(firm=None, **fields) -> User:
    return ExporterFactory(
        firm=firm or FirmFactory(), roles=(Role.FIRM_ADMIN, Role.EXPORTER), **fields
    )


@pytest.fixture
def admin(db) -> User:
    return make_admin(email="admin@kanto.example", full_name="Hanako Admin")


@pytest.fixture
def colleague(admin) -> User:
    return ExporterFactory(firm=admin.firm, email="taro@kanto.example", full_name="Taro Exporter")


@pytest.fixture
def other_admin(db) -> User:
    return make_admin(email="admin@other.example", full_name="Other Admin")


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in ``message`` that starts with ``path_prefix``."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)


def outbox_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]
