"""Issuing a document: render once, sign, store with its SHA-256, audit.

A document is the record of a decision, so it is issued exactly once per subject — the receipt of
a cleared notification, each permit, the denial letter — and never regenerated: a second call
returns the Document already issued. The subject row is locked while the document is made, so two
workers racing on the same message cannot both issue one.
"""

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from exportctl.audit import trail
from notifications.documents import numbers, render, signing
from notifications.models import (
    Decision,
    DecisionKind,
    Document,
    DocumentKind,
    InformNotice,
    Notification,
    Permit,
)
from notifications.workflow import Status

logger = logging.getLogger(__name__)


class DocumentNotIssuable(Exception):
    """The notification is not (or no longer) in a state that this kind of document records."""


def _existing(locked: Notification, kind: str, permit: Permit | None) -> Document | None:
    if permit is not None:
        return permit.document
    return Document.objects.filter(notification=locked, kind=kind).order_by("pk").first()


def _subject(locked: Notification, kind: str) -> tuple[Permit | None, Decision | None]:
    """The row the document is about: nothing more for a receipt, the permit, the denial."""
    if kind == DocumentKind.RECEIPT:
        if locked.status != Status.CLEARED:
            raise DocumentNotIssuable(f"{locked.reference} is {locked.status}, not cleared")
        return None, None
    if kind == DocumentKind.PERMIT:
        permit = (
            Permit.objects.select_for_update()
            .filter(notification=locked)
            .order_by("-created_at", "-pk")
            .first()
        )
        if permit is None:
            raise DocumentNotIssuable(f"{locked.reference} has no permit")
        return permit, permit.decision
    if kind == DocumentKind.DENIAL_LETTER:
        decision = (
            Decision.objects.filter(notification=locked, kind=DecisionKind.DENY)
            .order_by("-created_at", "-pk")
            .first()
        )
        if locked.status != Status.DENIED or decision is None:
            raise DocumentNotIssuable(f"{locked.reference} is {locked.status}, not denied")
        return None, decision
    if kind == DocumentKind.NO_LICENCE_LETTER:
        decision = (
            Decision.objects.filter(notification=locked, kind=DecisionKind.NO_LICENCE_REQUIRED)
            .order_by("-created_at", "-pk")
            .first()
        )
        if locked.status != Status.NO_LICENCE_REQUIRED or decision is None:
            raise DocumentNotIssuable(
                f"{locked.reference} is {locked.status}, not no_licence_required"
            )
        return None, decision
    raise ValueError(f"unknown document kind {kind!r}")


def _number(kind: str, permit: Permit | None, issued_at) -> str:
    """A permit's document carries the number the permit was granted under (one identifier for
    the permit everywhere); every other document takes the next number of its kind."""
    if permit is not None:
        return permit.number
    return numbers.next_number(kind, year=timezone.localdate(issued_at))


def _store_signed(
    *, issue: render.Issue, context: dict, notification, firm, attach, data: dict
) -> Document:
    """Render and sign one document, store it, link it to its subject (``attach``) and audit
    its issue, in the caller's transaction. The file is written before the row: if anything
    after it fails, the file is deleted again so no orphan is left behind a rollback."""
    kind = issue.kind
    # Signed at the moment of issue: the file is then a function of the context and the issue
    # time alone, so rendering the same content again gives the same bytes (and SHA-256).
    pdf = signing.sign_pdf(render.render_pdf(kind, context), signed_at=issue.issued_at)
    digest = hashlib.sha256(pdf).hexdigest()
    document = Document(
        public_id=uuid.uuid4(),
        notification=notification,
        kind=kind,
        number=issue.number,
        verification_code=issue.verification_code,
        sha256=digest,
        size=len(pdf),
        template_version=render.TEMPLATE_VERSIONS[kind],
        issued_at=issue.issued_at,
    )
    document.file.save(f"{issue.number}.pdf", ContentFile(pdf), save=False)
    try:
        document.save()
        attach(document)
        trail.record(
            action="document.issued",
            actor=None,
            obj=document,
            firm=firm,
            data={
                "number": document.number,
                "kind": kind.value,
                **data,
                "sha256": digest,
                "size": document.size,
                "template_version": document.template_version,
            },
        )
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_issue(*, notification: Notification, kind: str) -> Document:
    """Issue the ``kind`` document of ``notification`` unless it already exists."""
    kind = DocumentKind(kind)
    locked = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=notification.pk)
    )
    permit, decision = _subject(locked, kind)
    existing = _existing(locked, kind, permit)
    if existing is not None:
        return existing

    issued_at = timezone.now()
    issue = render.Issue(
        kind=kind,
        number=_number(kind, permit, issued_at),
        verification_code=numbers.new_verification_code(),
        issued_at=issued_at,
    )
    context = render.document_context(
        issue=issue, notification=locked, permit=permit, decision=decision
    )

    def attach(document: Document) -> None:
        if permit is not None:
            permit.document = document
            permit.save(update_fields=["document", "updated_at"])

    document = _store_signed(
        issue=issue,
        context=context,
        notification=locked,
        firm=locked.firm,
        attach=attach,
        data={
            "notification": locked.reference,
            "permit": permit.number if permit is not None else None,
        },
    )
    logger.info("issued %s %s for %s", kind.value, document.number, locked.reference)
    return document


@transaction.atomic
def inform_notice_document_issue(*, notice: InformNotice) -> Document:
    """Issue the signed letter of an inform notice unless it already exists. The letter carries
    the notice's own number (one identifier for the notice everywhere, like a permit's)."""
    locked = (
        InformNotice.objects.select_for_update(of=("self",))
        .select_related("firm", "notification", "document")
        .get(pk=notice.pk)
    )
    if locked.document_id is not None:
        return locked.document
    kind = DocumentKind.INFORM_NOTICE
    issued_at = timezone.now()
    issue = render.Issue(
        kind=kind,
        number=locked.number,
        verification_code=numbers.new_verification_code(),
        issued_at=issued_at,
    )
    context = render.inform_notice_context(issue=issue, notice=locked)

    def attach(document: Document) -> None:
        locked.document = document
        locked.save(update_fields=["document", "updated_at"])

    document = _store_signed(
        issue=issue,
        context=context,
        notification=locked.notification,
        firm=locked.firm,
        attach=attach,
        data={
            "notification": locked.notification.reference if locked.notification else None,
            "inform_notice": locked.number,
        },
    )
    logger.info("issued inform notice letter %s", document.number)
    return document
