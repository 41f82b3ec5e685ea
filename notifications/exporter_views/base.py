"""Shared by every exporter page: who may see it (``exporter_required``), the firm's own
notification (``own_notification``: another firm's is a 404), the wizard and status page URLs, and
how a refused move is reported (``refused``).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse

from exportctl import access
from notifications.models import Notification
from notifications.selectors import access_notification_for_exporter
from notifications.workflow import EDITABLE_STATUSES


def exporter_required(view):
    """Signed in as an exporter or firm admin of a firm; anyone else is told nothing (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_firm_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def own_notification(request, public_id) -> Notification:
    return access_notification_for_exporter(user=request.user, public_id=public_id)


def edit_url(notification: Notification, step: str) -> str:
    return reverse("notifications:edit", args=[notification.public_id, step])


def detail_url(notification: Notification) -> str:
    return reverse("notifications:detail", args=[notification.public_id])


def refused(request, notification: Notification, error: Exception):
    messages.error(request, str(error))
    if notification.status in EDITABLE_STATUSES:
        return redirect(edit_url(notification, "review"))
    return redirect(detail_url(notification))
