"""Builders for the API tests: signed-in clients, documents, questions, hits and notes."""

import datetime
import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter
from rest_framework.test import APIClient

from exportctl.accounts.roles import Role
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications.models import (
    Decision,
    DecisionKind,
    Document,
    DocumentKind,
    Message,
    MessageKind,
    Notification,
)
from tests.factories import ExporterFactory, FirmFactory, UserFactory

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture(autouse=True)
def _no_throttling_between_tests():
    """DRF throttles count in the cache; one test's requests must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def firm(db):
    return FirmFactory()


@pytest.fixture
def exporter(firm):
    return ExporterFactory(firm=firm, email="erp@example.com")


@pytest.fixture
def other_exporter(db):
    return ExporterFactory(email="rival@example.com")


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@ministry.example", roles=[Role.REVIEWER])


def token_client(user, language: str = "en") -> APIClient:
    """A client authenticated the way an ERP is: a personal token in the Authorization header.
    Messages are asserted in English; the portal's default language is Japanese."""
    _, secret = api_token_create(actor=user, expires_in_days=None, via="test")
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def api(exporter) -> APIClient:
    return token_client(exporter)


def pdf_bytes(text: str = "contract") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "contract.pdf", text: str = "contract") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def issue_document(notification: Notification, kind=DocumentKind.RECEIPT) -> Document:
    """An issued PDF as the document service stores it (its rendering is not under test here)."""
    content = pdf_bytes(f"{kind} {notification.pk}")
    document = Document(
        notification=notification,
        kind=kind,
        number=f"RC-2026-{notification.pk:06d}",
        verification_code="K7QX-4MZP",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        template_version="test-1",
        issued_at=timezone.now(),
    )
    document.file.save("document.pdf", ContentFile(content), save=False)
    document.save()
    return document


def ask_question(notification: Notification, reviewer, body="Send the end-user pledge.") -> Message:
    return Message.objects.create(
        notification=notification,
        kind=MessageKind.QUESTION,
        author=reviewer,
        body=body,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )


def internal_note(notification: Notification, reviewer, body: str) -> Message:
    return Message.objects.create(
        notification=notification, kind=MessageKind.INTERNAL_NOTE, author=reviewer, body=body
    )


def reviewer_decision(notification: Notification, reviewer, reason: str) -> Decision:
    return Decision.objects.create(
        notification=notification, kind=DecisionKind.REQUEST_INFO, actor=reviewer, reason=reason
    )


def audit_count() -> int:
    return AuditEvent.objects.count()


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def confirmed_hit(notification: Notification, reviewer, *, reason: str):
    """A run with a confirmed list hit on the end user, adjudicated by ``reviewer``."""
    from notifications.models import RiskLevel
    from partners.models import ListedEntry, ListSource, ListVersion, ListVersionStatus
    from screening.models import (
        Disposition,
        Outcome,
        PartyHit,
        RunStatus,
        ScreeningRun,
        Trigger,
    )

    source, _ = ListSource.objects.get_or_create(
        code="meti-eul", defaults={"name": "End User List", "authority": "METI"}
    )
    version = ListVersion.objects.create(
        source=source,
        label="2025-09-29",
        status=ListVersionStatus.PUBLISHED,
        published_at=timezone.now(),
        entry_count=1,
    )
    entry = ListedEntry.objects.create(
        version=version,
        number=45,
        country="IR",
        name="Amir Kabir University of Technology",
        aliases=["Amirkabir University of Technology"],
        concern_codes=["B", "C", "M", "N"],
        row_hash="0" * 64,
    )
    run = ScreeningRun.objects.create(
        notification=notification,
        list_version=version,
        ruleset_version="2025.10",
        trigger=Trigger.SUBMISSION,
        status=RunStatus.COMPLETED,
        score=91,
        level=RiskLevel.HIGH,
        outcome=Outcome.REVIEW,
        factors=[{"rule": "eul_hit", "weight": 60, "evidence": {"entry": 45}}],
        finished_at=timezone.now(),
    )
    # As ``hit_adjudicate`` records it: the filing knows it has a confirmed hit (four eyes).
    Notification.objects.filter(pk=notification.pk).update(has_confirmed_hit=True)
    return PartyHit.objects.create(
        run=run,
        party=notification.parties.get(),
        entry=entry,
        score=0.93,
        matched_name="Amirkabir University of Technology",
        explanation={"tokens": [["amirkabir", "amir kabir", "joined"]]},
        disposition=Disposition.CONFIRMED,
        disposition_reason=reason,
        adjudicated_by=reviewer,
        adjudicated_at=timezone.now(),
    )
