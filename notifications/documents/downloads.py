"""The one door for downloads: every copy of an uploaded attachment or an issued document, by any
role, in the browser or over the API, is handed out here.

Views only name the door they are (``Door``) and the ids from the URL. This module

1. checks access with the door's own ``access_*`` helper (another firm's object, a draft seen by
   the ministry, a non-auditor at the auditor's door: 404, never 403);
2. records one audit event of the same shape whichever door was used (``attachment.download`` or
   ``document.download``, with the door, the served name and the digest), because the ministry
   must be able to say who took a copy of what (DESIGN.md "Audit");
3. streams the stored bytes as an attachment under a safe name whose extension is the one of the
   type checked by content on upload — a PDF uploaded as ``contract.html`` is served as
   ``contract.pdf`` — with ``X-Content-Type-Options: nosniff``.
"""

import re
import unicodedata
from enum import StrEnum
from urllib.parse import quote

from django.db import transaction
from django.http import FileResponse, Http404

from exportctl.audit import trail
from notifications import auditor_selectors, inform_notice_selectors
from notifications import selectors as notification_selectors
from notifications.documents.services import document_render
from notifications.models import Attachment, Document


class Door(StrEnum):
    """Where a download was asked for; recorded on the event."""

    EXPORTER_WEB = "exporter_web"
    EXPORTER_API = "exporter_api"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"


#: The extension of each type an upload may have (the content check allows only these).
EXTENSION_FOR_TYPE = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MAX_STEM_LENGTH = 100
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()-]+")


def safe_filename(name: str, content_type: str, *, fallback: str = "attachment") -> str:
    """``name`` without folders, control or format characters (bidi overrides) and its own
    extension, plus the extension of ``content_type``. Japanese stays Japanese."""
    extension = EXTENSION_FOR_TYPE.get(content_type, "bin")
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = stem.replace('"', "'").strip(" .")[:MAX_STEM_LENGTH].strip(" .")
    return f"{stem or fallback}.{extension}"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the exact name as RFC 5987
    ``filename*`` (UTF-8, percent-encoded), which every current browser prefers."""
    stem, _, extension = filename.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = _ASCII_UNSAFE.sub("_", ascii_stem).strip("._") or "download"
    return f"attachment; filename=\"{ascii_stem}.{extension}\"; filename*=UTF-8''{quote(filename)}"


def _notification(*, actor, door: Door, public_id):
    if door in (Door.EXPORTER_WEB, Door.EXPORTER_API):
        return notification_selectors.access_notification_for_exporter(
            user=actor, public_id=public_id
        )
    if door is Door.REVIEWER:
        return notification_selectors.access_notification_for_reviewer(
            user=actor, public_id=public_id
        )
    if door is Door.AUDITOR:
        return auditor_selectors.access_notification_for_auditor(user=actor, public_id=public_id)
    raise Http404


def _get(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _serve(*, file, content_type: str, size: int, filename: str) -> FileResponse:
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_download(
    *, actor, door: Door, notification_id, attachment_id, request=None
) -> FileResponse:
    """An attachment of a notification the actor may read at ``door``: audited, then served."""
    notification = _notification(actor=actor, door=door, public_id=notification_id)
    attachment = _get(
        Attachment.objects.select_related("notification__firm").filter(notification=notification),
        public_id=attachment_id,
    )
    filename = safe_filename(attachment.original_name, attachment.content_type)
    with transaction.atomic():
        trail.record(
            action="attachment.download",
            actor=actor,
            obj=attachment,
            firm=notification.firm,
            data={
                "door": str(door),
                "name": attachment.original_name,
                "filename": filename,
                "content_type": attachment.content_type,
                "sha256": attachment.sha256,
                "notification": str(notification.public_id),
            },
            request=request,
        )
    return _serve(
        file=attachment.file,
        content_type=attachment.content_type,
        size=attachment.size,
        filename=filename,
    )


def document_download(
    *, actor, door: Door, document_id, notification_id=None, request=None
) -> FileResponse:
    """An issued PDF, byte for byte as issued (never re-rendered; a frozen receipt is rendered
    on its first download): audited, then served as ``<number>.pdf``. The auditor's door names
    the document alone; the others name its case."""
    documents = Document.objects.select_related("notification__firm", "inform_notice__firm")
    if door is Door.AUDITOR:
        document = auditor_selectors.access_document_for_auditor(user=actor, public_id=document_id)
        document = _get(documents, pk=document.pk)
    else:
        notification = _notification(actor=actor, door=door, public_id=notification_id)
        document = _get(documents.filter(notification=notification), public_id=document_id)
    return _serve_document(actor=actor, door=door, document=document, request=request)


def _serve_document(*, actor, door: Door, document: Document, request=None) -> FileResponse:
    if not document.rendered:
        # A receipt's first download makes its PDF from the content frozen at issue.
        document = document_render(document=document)
    filename = safe_filename(document.number, "application/pdf", fallback="document")
    notification = document.notification
    with transaction.atomic():
        trail.record(
            action="document.download",
            actor=actor,
            obj=document,
            firm=document.firm,
            data={
                "door": str(door),
                "number": document.number,
                "filename": filename,
                "kind": document.kind,
                "sha256": document.sha256,
                "notification": str(notification.public_id) if notification else None,
            },
            request=request,
        )
    return _serve(
        file=document.file, content_type="application/pdf", size=document.size, filename=filename
    )


def inform_notice_download(*, actor, door: Door, notice_id, request=None) -> FileResponse:
    """The letter of an inform notice the actor may read (its firm's, or any for the ministry):
    audited like every document download, 404 for another firm's or one not yet issued."""
    notice = inform_notice_selectors.access_notice_for(user=actor, public_id=notice_id)
    if notice.document_id is None:
        raise Http404
    document = _get(
        Document.objects.select_related("notification__firm", "inform_notice__firm"),
        pk=notice.document_id,
    )
    return _serve_document(actor=actor, door=door, document=document, request=request)
