"""Issuing: once per subject, audited, linked to its permit; the task is idempotent."""

import hashlib

import pytest

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications import services
from notifications.documents import content, signing
from notifications.documents.downloads import Door, document_download
from notifications.documents.services import (
    DocumentNotIssuable,
    FrozenContentAltered,
    document_issue,
    document_render,
)
from notifications.documents.tasks import render_document
from notifications.models import Document, DocumentCounter, DocumentKind
from notifications.services import ScreeningResult
from notifications.workflow import Status, TransitionError
from tests.documents.receipts import first_download
from tests.factories import UserFactory, submitted_at

pytestmark = pytest.mark.django_db


def test_a_receipt_is_issued_with_its_content_frozen_and_no_pdf_yet(cleared_case):
    document = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)

    document.refresh_from_db()
    assert document.rendered is False
    assert not document.file and document.sha256 is None and document.size is None
    assert document.template_version == "receipt-2026.4"
    assert len(document.verification_code) == 8
    assert set(document.verification_code) <= set("34679ACDEFGHJKMNPQRTUVWXY")
    frozen = content.thaw(document.content)
    assert frozen["number"] == document.number
    assert frozen["reference"] == cleared_case.reference
    assert [party["name"] for party in frozen["parties"]] == [
        "Siam Motor Works Co., Ltd.",
        "Bangkok Logistics Trading Co., Ltd.",
    ]
    assert frozen["issued_at"] == document.issued_at
    assert document.content_sha256 == content.content_digest(document.content)
    event = AuditEvent.objects.get(action="document.issued")
    assert event.object_id == str(document.public_id)
    assert event.firm_id == cleared_case.firm_id
    assert event.actor_label == "system"
    assert event.data == {
        "number": document.number,
        "kind": "receipt",
        "notification": cleared_case.reference,
        "permit": None,
        "content_sha256": document.content_sha256,
        "rendered": False,
        "template_version": "receipt-2026.4",
    }


def test_the_first_render_stores_the_signed_bytes_with_their_hash_and_audits(cleared_case):
    issued = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)

    document = document_render(document=issued)

    with document.file.open("rb") as handle:
        pdf = handle.read()
    assert document.rendered is True
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.size == len(pdf)
    assert document.file.name == f"documents/receipt/{document.public_id}.pdf"
    verdict = signing.validate_pdf_signature(pdf)
    assert verdict.ok is True
    # Signed at issue, not at the first download.
    assert verdict.signed_at == document.issued_at.replace(microsecond=0)
    event = AuditEvent.objects.get(action="document.rendered")
    assert event.object_id == str(document.public_id)
    assert event.firm_id == cleared_case.firm_id
    assert event.data == {
        "number": document.number,
        "kind": "receipt",
        "content_sha256": issued.content_sha256,
        "sha256": document.sha256,
        "size": document.size,
        "template_version": "receipt-2026.4",
    }


def test_a_second_render_keeps_the_first_pdf(cleared_case):
    first = first_download(cleared_case)
    with first.file.open("rb") as handle:
        stored = handle.read()

    again = document_render(document=Document.objects.get(pk=first.pk))

    assert (again.sha256, again.file.name) == (first.sha256, first.file.name)
    with again.file.open("rb") as handle:
        assert handle.read() == stored
    assert AuditEvent.objects.filter(action="document.rendered").count() == 1


@pytest.mark.parametrize("where", ["content", "row digest"])
def test_frozen_content_changed_after_issue_is_never_rendered(cleared_case, where):
    document = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    altered = {**document.content, "reference": "EXN-2026-9999999"}
    changes = {"content": altered}
    if where == "row digest":
        # Both the content and the digest on the row: the trail's digest still tells.
        changes["content_sha256"] = content.content_digest(altered)
    Document.objects.filter(pk=document.pk).update(**changes)

    with pytest.raises(FrozenContentAltered):
        document_render(document=document)

    document.refresh_from_db()
    assert not document.rendered and not document.file
    assert not AuditEvent.objects.filter(action="document.rendered").exists()


def test_clearing_a_case_issues_its_receipt_in_the_same_transaction(
    django_capture_on_commit_callbacks,
):
    notification = submitted_at(Status.SCREENING)
    # Nothing queued after commit runs: the receipt is there when the clearance commits.
    with django_capture_on_commit_callbacks(execute=False):
        cleared = services.notification_clear(
            notification=notification, result=ScreeningResult(score=5, level="low")
        )

    receipt = Document.objects.get(notification=cleared, kind=DocumentKind.RECEIPT)
    assert receipt.rendered is False
    assert content.thaw(receipt.content)["reference"] == cleared.reference
    assert AuditEvent.objects.filter(action="document.issued").count() == 1


def test_a_clearance_refused_issues_no_receipt():
    """The receipt is part of the clearance: a move the table refuses leaves no receipt and
    takes no number."""
    notification = submitted_at(Status.UNDER_REVIEW)
    with pytest.raises(TransitionError):
        services.notification_clear(
            notification=notification, result=ScreeningResult(score=5, level="low")
        )
    assert not Document.objects.exists()
    assert DocumentCounter.objects.filter(last__gt=0).count() == 0


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


def test_the_first_download_renders_the_receipt_then_serves_and_audits_it(cleared_case):
    issued = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    exporter = UserFactory(firm=cleared_case.firm, roles=[Role.EXPORTER])

    response = document_download(
        actor=exporter,
        door=Door.EXPORTER_WEB,
        notification_id=cleared_case.public_id,
        document_id=issued.public_id,
    )

    served = b"".join(response.streaming_content)
    document = Document.objects.get(pk=issued.pk)
    assert document.rendered
    assert hashlib.sha256(served).hexdigest() == document.sha256
    assert response["Content-Length"] == str(document.size)
    assert signing.validate_pdf_signature(served).ok
    actions = list(
        AuditEvent.objects.filter(object_id=str(document.public_id))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["document.issued", "document.rendered", "document.download"]
    download = AuditEvent.objects.get(action="document.download")
    assert download.data["sha256"] == document.sha256
    assert download.actor_id == exporter.pk
