"""Issuing a document: number it, fix what it says, render and sign it once, store it with its
SHA-256, audit.

A document is the record of a decision, so it is issued exactly once per subject — the receipt of
a cleared notification, each permit, the denial letter — and never regenerated: a second call
returns the Document already issued. The subject row is locked while the document is made, so two
workers racing on the same message cannot both issue one.

A receipt is issued in the transaction that clears its case, so it exists the moment the case is
cleared, and its content is frozen then; its PDF (a second of CPU: WeasyPrint and the signature)
is made on its first download (``document_render``). The PDF depends on the frozen content and the
issue time alone, so it is the same whenever it is made, and its SHA-256 is recorded when it is.
Every other kind is rendered when it is issued.
"""

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from exportctl.audit import trail
from exportctl.audit.models import AuditEvent
from notifications.documents import content, numbers
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


#: Kinds issued with their content frozen and rendered on first download: the receipt is the one
#: document every cleared filing gets, so issuing it must keep pace with screening.
RENDERED_ON_DOWNLOAD = frozenset({DocumentKind.RECEIPT})


class DocumentNotIssuable(Exception):
    """The notification is not (or no longer) in a state that this kind of document records."""


class FrozenContentAltered(Exception):
    """A frozen document's content no longer has the digest recorded when it was issued."""


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


def _signed_pdf(kind: str, context: dict, issued_at) -> bytes:
    """The document as signed PDF/A bytes. Signed at the moment of issue, so the file is a
    function of the context and the issue time alone: rendering the same content again gives the
    same bytes (and SHA-256)."""
    # Imported here: WeasyPrint and pyHanko take two seconds to load, and the processes that
    # issue receipts (the screening worker, the web) mostly never render one.
    from notifications.documents import render, signing

    return signing.sign_pdf(render.render_pdf(kind, context), signed_at=issued_at)


def _keep_pdf(document: Document, pdf: bytes) -> None:
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.size = len(pdf)
    document.file.save(f"{document.number}.pdf", ContentFile(pdf), save=False)


def _store(*, issue: content.Issue, context: dict, notification, firm, attach, data: dict):
    """Issue one document in the caller's transaction: rendered and signed now, or its content
    frozen for its first download (``RENDERED_ON_DOWNLOAD``); link it to its subject
    (``attach``) and audit its issue. A file is written before the row: if anything after it
    fails, the file is deleted again so no orphan is left behind a rollback."""
    kind = DocumentKind(issue.kind)
    document = Document(
        public_id=uuid.uuid4(),
        notification=notification,
        kind=kind,
        number=issue.number,
        verification_code=issue.verification_code,
        template_version=content.TEMPLATE_VERSIONS[kind],
        issued_at=issue.issued_at,
    )
    if kind in RENDERED_ON_DOWNLOAD:
        document.content = content.freeze(context)
        document.content_sha256 = content.content_digest(document.content)
        recorded = {"content_sha256": document.content_sha256, "rendered": False}
    else:
        _keep_pdf(document, _signed_pdf(kind, context, issue.issued_at))
        recorded = {"sha256": document.sha256, "size": document.size}
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
                **recorded,
                "template_version": document.template_version,
            },
        )
    except Exception:
        if document.file:
            document.file.delete(save=False)
        raise
    return document


def _issued_digest(document: Document) -> str | None:
    """The content digest the trail recorded when ``document`` was issued."""
    event = (
        AuditEvent.objects.filter(
            action="document.issued",
            object_type=Document._meta.label_lower,
            object_id=str(document.public_id),
        )
        .order_by("pk")
        .first()
    )
    return (event.data or {}).get("content_sha256") if event is not None else None


@transaction.atomic
def document_render(*, document: Document) -> Document:
    """Make the PDF of a frozen document, once (its first download; a second call, or a race
    lost to another download, returns the one made). Refused if the frozen content is not what
    the trail recorded at issue: the PDF would not say what was issued."""
    locked = (
        Document.objects.select_for_update(of=("self",))
        .select_related("notification__firm", "inform_notice__firm")
        .get(pk=document.pk)
    )
    if locked.rendered:
        return locked
    digest = content.content_digest(locked.content)
    if not (digest == locked.content_sha256 == _issued_digest(locked)):
        raise FrozenContentAltered(f"{locked.number}: the frozen content was changed after issue")
    _keep_pdf(locked, _signed_pdf(locked.kind, content.thaw(locked.content), locked.issued_at))
    try:
        locked.save(update_fields=["file", "sha256", "size", "updated_at"])
        trail.record(
            action="document.rendered",
            actor=None,
            obj=locked,
            firm=locked.firm,
            data={
                "number": locked.number,
                "kind": locked.kind,
                "content_sha256": digest,
                "sha256": locked.sha256,
                "size": locked.size,
                "template_version": locked.template_version,
            },
        )
    except Exception:
        locked.file.delete(save=False)
        raise
    logger.info("rendered %s %s on first download", locked.kind, locked.number)
    return locked


@transaction.atomic
def document_issue(*, notification: Notification, kind: str, held: bool = False) -> Document:
    """Issue the ``kind`` document of ``notification`` unless it already exists. ``held``: the
    caller holds the row's lock in this transaction and its ``notification`` is current (the
    move that clears a case issues its receipt), so it is not read again."""
    kind = DocumentKind(kind)
    locked = (
        notification
        if held
        else Notification.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=notification.pk)
    )
    permit, decision = _subject(locked, kind)
    existing = _existing(locked, kind, permit)
    if existing is not None:
        return existing

    issued_at = timezone.now()
    issue = content.Issue(
        kind=kind,
        number=_number(kind, permit, issued_at),
        verification_code=numbers.new_verification_code(),
        issued_at=issued_at,
    )
    context = content.document_context(
        issue=issue, notification=locked, permit=permit, decision=decision
    )

    def attach(document: Document) -> None:
        if permit is not None:
            permit.document = document
            permit.save(update_fields=["document", "updated_at"])

    document = _store(
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
    issue = content.Issue(
        kind=kind,
        number=locked.number,
        verification_code=numbers.new_verification_code(),
        issued_at=issued_at,
    )
    context = content.inform_notice_context(issue=issue, notice=locked)

    def attach(document: Document) -> None:
        locked.document = document
        locked.save(update_fields=["document", "updated_at"])

    document = _store(
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
