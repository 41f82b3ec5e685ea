"""Every download streams the stored bytes and is audited."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils import timezone

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.documents.downloads import Door, document_download
from notifications.models import Document, DocumentKind
from notifications.workflow import Status
from tests.factories import UserFactory, submitted_at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% stored bytes of an issued receipt\n%%EOF\n"


def _stored_document() -> Document:
    notification = submitted_at(Status.CLEARED)
    document = Document(
        notification=notification,
        kind=DocumentKind.RECEIPT,
        number=f"RC-2026-{notification.pk:06d}",
        verification_code="ACDEFGHJ",
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        template_version="receipt-2026.1",
        issued_at=timezone.now(),
    )
    document.file.save("ignored.pdf", ContentFile(PDF), save=True)
    return document


def test_download_streams_the_stored_bytes_as_number_pdf_and_audits():
    document = _stored_document()
    auditor = UserFactory(roles=[Role.AUDITOR])
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    response = document_download(
        actor=auditor, door=Door.AUDITOR, document_id=document.public_id, request=request
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{document.number}.pdf\"; filename*=UTF-8''{document.number}.pdf"
    )
    assert response["Content-Length"] == str(len(PDF))
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(action="document.download")
    assert event.actor_id == auditor.pk
    assert event.object_id == str(document.public_id)
    assert event.firm_id == document.notification.firm_id
    assert event.ip_address == "198.51.100.7"
    assert event.data["number"] == document.number
    assert event.data["sha256"] == document.sha256


def test_each_download_is_a_separate_event():
    document = _stored_document()
    exporter = document.notification.created_by
    for _ in range(2):
        response = document_download(
            actor=exporter,
            door=Door.EXPORTER_WEB,
            notification_id=document.notification.public_id,
            document_id=document.public_id,
        )
        assert b"".join(response.streaming_content) == PDF
        # Not response.close(): outside a request it fires request_finished, which closes the
        # database connection under the test's transaction on PostgreSQL.
        response.file_to_stream.close()
    assert AuditEvent.objects.filter(action="document.download").count() == 2
