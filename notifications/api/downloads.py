"""Handing an uploaded document back to its firm (after the caller's access check).

The stored name never came from the uploader and the type was checked by content on upload, so
the response names the file by its original name only in ``Content-Disposition`` and serves it
with the checked type. Every download is audited: documents of a filing are part of the record.
"""

from django.db import transaction
from django.http import FileResponse

from exportctl.audit import trail
from notifications.models import Attachment


def attachment_response(*, attachment: Attachment, actor, request=None) -> FileResponse:
    with transaction.atomic():
        trail.record(
            action="attachment.download",
            actor=actor,
            obj=attachment,
            firm=attachment.notification.firm,
            data={
                "name": attachment.original_name,
                "sha256": attachment.sha256,
                "notification": str(attachment.notification.public_id),
            },
            request=request,
        )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
