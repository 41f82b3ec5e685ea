"""A draft's documents and the issued documents: download and remove."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import drafts
from notifications import exporter_selectors as selectors
from notifications.documents import downloads
from notifications.exporter_views.base import edit_url, exporter_required, own_notification, refused
from notifications.models import Notification
from notifications.workflow import TransitionError

# --- Attachments and issued documents ---------------------------------------------------------


def _attachment(notification: Notification, attachment_id):
    attachment = selectors.attachment_for_exporter(
        notification=notification, public_id=attachment_id
    )
    if attachment is None:
        raise Http404
    return attachment


@exporter_required
def attachment_download(request, public_id, attachment_id):
    return downloads.attachment_download(
        actor=request.user,
        door=downloads.Door.EXPORTER_WEB,
        notification_id=public_id,
        attachment_id=attachment_id,
        request=request,
    )


@exporter_required
@require_POST
def attachment_delete(request, public_id, attachment_id):
    notification = own_notification(request, public_id)
    attachment = _attachment(notification, attachment_id)
    try:
        drafts.attachment_delete(attachment=attachment, actor=request.user)
    except TransitionError as error:
        return refused(request, notification, error)
    messages.success(request, _("Document removed."))
    return redirect(edit_url(notification, "documents"))


@exporter_required
def document_download(request, public_id, document_id):
    return downloads.document_download(
        actor=request.user,
        door=downloads.Door.EXPORTER_WEB,
        notification_id=public_id,
        document_id=document_id,
        request=request,
    )
