"""The exporter's pages: dashboard, the multi-step filing form, the status page, the question
thread, withdrawal, copying and downloads.

Views stay thin: parse with a form, call one service of ``drafts``/``services`` or one selector,
render. Every page about a notification starts with ``access_notification_for_exporter``, so
another firm's notification (or anything under it) is a 404.

One module per family of pages: ``base`` (who may see them, the firm's own notification, the URLs
and how a refusal is shown), ``dashboard``, ``wizard`` (starting and editing a draft, step by step),
``precheck`` (what screening would say, shown while filing), ``validation`` (inline checks),
``lines`` (items and parties: edit and delete, written once), ``documents`` (uploads and issued
documents), ``status`` (after submission: status, withdraw, copy, licence application) and
``thread`` (the ministry's questions). ``notifications.urls`` takes the views from here.
"""

from notifications.exporter_views.base import exporter_required, own_notification
from notifications.exporter_views.dashboard import dashboard
from notifications.exporter_views.documents import (
    attachment_delete,
    attachment_download,
    document_download,
)
from notifications.exporter_views.lines import item_delete, item_edit, party_delete, party_edit
from notifications.exporter_views.status import (
    copy,
    detail,
    licence_application,
    status_fragment,
    withdraw,
)
from notifications.exporter_views.thread import thread
from notifications.exporter_views.validation import validate
from notifications.exporter_views.wizard import edit, new

__all__ = [
    "attachment_delete",
    "attachment_download",
    "copy",
    "dashboard",
    "detail",
    "document_download",
    "edit",
    "exporter_required",
    "item_delete",
    "item_edit",
    "licence_application",
    "new",
    "own_notification",
    "party_delete",
    "party_edit",
    "status_fragment",
    "thread",
    "validate",
    "withdraw",
]
