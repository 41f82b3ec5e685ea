"""E-mail to the exporting firm when its notification changes status, in each reader's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from exportctl.accounts.models import User
from exportctl.accounts.roles import Role
from notifications.models import Message, MessageKind, Notification
from notifications.workflow import Status

#: The exporter hears about every status it did not set itself, plus its own submission.
EXPORTER_NOTIFIED_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.CLEARED,
        Status.UNDER_REVIEW,
        Status.INFO_REQUESTED,
        Status.APPROVED,
        Status.DENIED,
        Status.WITHDRAWN,
    }
)


def firm_recipients(notification: Notification):
    return (
        User.objects.filter(
            firm_id=notification.firm_id,
            is_active=True,
            groups__name__in=[Role.EXPORTER, Role.FIRM_ADMIN],
        )
        .distinct()
        .order_by("pk")
    )


def _question(notification: Notification, status: str) -> Message | None:
    """The ministry's question, when the e-mail is about one: it is quoted with its due date so
    the firm can act on the e-mail alone."""
    if status != Status.INFO_REQUESTED:
        return None
    return (
        notification.messages.filter(kind=MessageKind.QUESTION)
        .order_by("-created_at", "-pk")
        .first()
    )


def status_change_messages(notification: Notification, status: str) -> list[EmailMessage]:
    if status not in EXPORTER_NOTIFIED_STATUSES:
        return []
    messages = []
    question = _question(notification, status)
    path = (
        reverse("notifications:messages", args=[notification.public_id])
        if question is not None
        else reverse("notifications:detail", args=[notification.public_id])
    )
    for user in firm_recipients(notification):
        with translation.override(user.preferred_language):
            context = {
                "user": user,
                "notification": notification,
                "status": status,
                "status_label": Status(status).label,
                "question": question,
                "url": settings.SITE_URL + path,
            }
            subject = render_to_string("notifications/email/status_subject.txt", context)
            body = render_to_string("notifications/email/status_body.txt", context)
        messages.append(EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email]))
    return messages
