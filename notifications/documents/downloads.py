"""Handing an issued document to a reader.

Callers (the exporter's, reviewer's and auditor's views) make their own access check first and
then call ``document_response``. It streams the stored bytes exactly as issued — a document is never
re-rendered on download — and records who took a copy, because the ministry must be able to say who
downloaded which permit (every download is audited, see DESIGN.md "Audit").
"""

from django.db import transaction
from django.http import FileResponse

from exportctl.audit import trail
from notifications.models import Document


def document_response(*, document: Document, actor, request=None) -> FileResponse:
    """Audit "document.download" and return the stored PDF as an attachment named <number>.pdf."""
    with transaction.atomic():
        trail.record(
            action="document.download",
            actor=actor,
            obj=document,
            firm=document.notification.firm,
            data={
                "number": document.number,
                "kind": document.kind,
                "sha256": document.sha256,
                "notification": str(document.notification.public_id),
            },
            request=request,
        )
    handle = document.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.number}.pdf",
        content_type="application/pdf",
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
