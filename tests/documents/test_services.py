"""Issuing: once per subject, audited, linked to its permit; the task is idempotent."""

import hashlib

import pytest

from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.documents import signing
from notifications.documents.services import DocumentNotIssuable, document_issue
from notifications.documents.tasks import render_document
from notifications.models import Document, DocumentKind
from notifications.services import ScreeningResult
from notifications.workflow import Status
from tests.factories import UserFactory, submitted_at

pytestmark = pytest.mark.django_db


def test_issuing_stores_the_signed_bytes_with_their_hash_and_audits(cleared_case):
    document = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    with document.file.open("rb") as handle:
        pdf = handle.read()
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.size == len(pdf)
    assert document.template_version == "receipt-2026.4"
    assert document.file.name == f"documents/receipt/{document.public_id}.pdf"
    assert len(document.verification_code) == 8
    assert set(document.verification_code) <= set("34679ACDEFGHJKMNPQRTUVWXY")
    assert signing.validate_pdf_signature(pdf).ok is True
    event = AuditEvent.objects.get(action="document.issued")
    assert event.object_id == str(document.public_id)
    assert event.firm_id == cleared_case.firm_id
    assert event.actor_label == "system"
    assert event.data == {
        "number": document.number,
        "kind": "receipt",
        "notification": cleared_case.reference,
        "permit": None,
        "sha256": document.sha256,
        "size": document.size,
        "template_version": "receipt-2026.4",
    }


def test_the_task_twice_issues_one_document_with_the_same_hash(approved_case):
    first = render_document.delay(approved_case.pk, "permit").get()
    sha256 = Document.objects.get().sha256
    second = render_document.delay(approved_case.pk, "permit").get()
    assert first == second
    document = Document.objects.get()
    assert document.sha256 == sha256
    assert approved_case.permits.get().document == document
    assert AuditEvent.objects.filter(action="document.issued").count() == 1


def test_a_notification_not_in_the_documented_state_gets_nothing(denied_case):
    with pytest.raises(DocumentNotIssuable):
        document_issue(notification=denied_case, kind=DocumentKind.RECEIPT)
    with pytest.raises(DocumentNotIssuable):
        document_issue(notification=denied_case, kind=DocumentKind.PERMIT)
    assert render_document.delay(denied_case.pk, "receipt").get() is None
    assert Document.objects.count() == 0
    assert AuditEvent.objects.filter(action="document.issued").count() == 0


def test_clearing_queues_the_receipt_after_commit(django_capture_on_commit_callbacks):
    notification = submitted_at(Status.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_clear(
            notification=notification, result=ScreeningResult(score=5, level="low")
        )
    document = Document.objects.get(notification=notification)
    assert document.kind == DocumentKind.RECEIPT


def test_approving_queues_the_permit_and_denying_the_letter(django_capture_on_commit_callbacks):
    reviewer = UserFactory(roles=["reviewer"])
    approved = submitted_at(Status.SCREENING)
    denied = submitted_at(Status.SCREENING)
    for notification in (approved, denied):
        services.notification_refer(
            notification=notification, result=ScreeningResult(score=30, level="elevated")
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_approve(
            notification=approved, actor=reviewer, conditions="No re-export.", validity_months=6
        )
        services.notification_deny(notification=denied, actor=reviewer, reason="Listed end user.")
    permit = approved.permits.get()
    assert permit.document.kind == DocumentKind.PERMIT
    assert Document.objects.get(notification=denied).kind == DocumentKind.DENIAL_LETTER
    assert Document.objects.count() == 2
