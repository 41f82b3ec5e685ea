"""Uploads are checked by content, not by name: refused files store nothing and audit nothing."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError

from exportctl.audit.models import AuditEvent
from notifications import drafts
from notifications.models import Attachment, MessageKind
from notifications.services import notification_request_info
from notifications.workflow import Status
from tests.factories import submitted_at
from tests.notifications.exporter.conftest import (
    docx_like_bytes,
    exe_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("contract.pdf", pdf_bytes(), "application/pdf"),
        ("scan.png", png_bytes(), "image/png"),
        ("classification.xlsx", xlsx_bytes(), XLSX),
        ("no-extension", pdf_bytes(), "application/pdf"),
    ],
)
def test_allowed_types_are_stored_with_their_digest(draft, exporter, name, content, expected):
    attachment = drafts.attachment_add(
        notification=draft, actor=exporter, kind="other", uploaded_file=upload(name, content)
    )

    assert attachment.content_type == expected
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.original_name == name
    assert attachment.file.name == f"attachments/{draft.public_id}/{attachment.public_id}"
    event = AuditEvent.objects.get(action="notification.attachment_added")
    assert event.data["sha256"] == attachment.sha256


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", exe_bytes()),
        ("sheet.xlsx", docx_like_bytes()),
        ("notes.pdf", b"just some text, not a PDF at all"),
        ("archive.xlsx", b"PK\x03\x04broken zip"),
    ],
)
def test_wrong_content_is_refused_whatever_the_name(draft, exporter, settings, name, content):
    with pytest.raises(ValidationError) as refused:
        drafts.attachment_add(
            notification=draft,
            actor=exporter,
            kind="contract",
            uploaded_file=upload(name, content),
        )

    assert refused.value.message_dict == {
        "file": ["Upload a PDF, PNG, JPEG or XLSX file. This file is not one of those."]
    }
    assert Attachment.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_file_over_the_limit_is_refused(draft, exporter, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    content = pdf_bytes() + b"\n%" + b"x" * (1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        drafts.attachment_add(
            notification=draft,
            actor=exporter,
            kind="contract",
            uploaded_file=upload("big.pdf", content),
        )

    assert refused.value.message_dict == {"file": ["The file is larger than 1 MB."]}
    assert Attachment.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert _stored_files(settings) == []


def test_an_empty_file_and_an_unknown_kind_are_refused(draft, exporter, settings):
    with pytest.raises(ValidationError):
        drafts.attachment_add(
            notification=draft, actor=exporter, kind="contract", uploaded_file=upload("e.pdf", b"")
        )
    with pytest.raises(ValidationError) as refused:
        drafts.attachment_add(
            notification=draft,
            actor=exporter,
            kind="passport",
            uploaded_file=upload("p.pdf", pdf_bytes()),
        )

    assert "kind" in refused.value.message_dict
    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


def test_upload_to_a_submitted_notification_is_refused(exporter, settings):
    from notifications.workflow import TransitionError

    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm, created_by=exporter)

    with pytest.raises(TransitionError):
        drafts.attachment_add(
            notification=notification,
            actor=exporter,
            kind="contract",
            uploaded_file=upload("c.pdf", pdf_bytes()),
        )

    assert Attachment.objects.count() == 0
    assert _stored_files(settings) == []


def _question(exporter, reviewer):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    notification_request_info(
        notification=notification,
        actor=reviewer,
        question="Who operates the site?",
        due_on=datetime.date.today() + datetime.timedelta(days=14),
    )
    return notification


def test_reply_with_documents_returns_the_case_to_review(exporter, reviewer):
    notification = _question(exporter, reviewer)

    message = drafts.reply_with_documents(
        notification=notification,
        actor=exporter,
        body="The plant operator is Siam Motor Works.",
        documents=[("end_user_pledge", upload("pledge.pdf", pdf_bytes()))],
    )

    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    assert message.kind == MessageKind.REPLY
    assert list(message.attachments.values_list("kind", "original_name")) == [
        ("end_user_pledge", "pledge.pdf")
    ]


def test_reply_with_a_refused_document_leaves_the_question_open(exporter, reviewer, settings):
    notification = _question(exporter, reviewer)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        drafts.reply_with_documents(
            notification=notification,
            actor=exporter,
            body="See attached.",
            documents=[("other", upload("evil.pdf", exe_bytes()))],
        )

    notification.refresh_from_db()
    assert notification.status == Status.INFO_REQUESTED
    assert notification.messages.filter(kind=MessageKind.REPLY).count() == 0
    assert AuditEvent.objects.count() == events
    assert _stored_files(settings) == []
