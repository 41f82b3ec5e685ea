"""E-mail to the people of the exporting firm concerned when its notification changes status, in
each reader's language."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import router
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from exportctl import access, compiled
from notifications.models import InformNotice, Message, MessageKind, Notification
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
        Status.NO_LICENCE_REQUIRED,
    }
)


#: Changes that are no move of the workflow but that the firm must hear about; each is sent
#: through the same task as a status change, under its own key.
EVENT_LABELS = {
    "inform_notice": _("Inform notice issued"),
    "permit_suspended": _("Permit suspended"),
    "permit_revoked": _("Permit revoked"),
    "permit_reinstated": _("Permit reinstated"),
}


def status_recipients(notification: Notification):
    """Who hears about a change of one filing: the person who filed it, and the firm's users who
    asked for all of their firm's mail (``User.email_all_firm_notifications``). Only active
    exporters and admins of the filing's own firm qualify, so a filer who left the firm or lost
    the role hears nothing more, and no other firm's user ever does."""
    return (
        access.firm_users()
        .filter(firm_id=notification.firm_id)
        .filter(Q(pk=notification.created_by_id) | Q(email_all_firm_notifications=True))
        .distinct()
        .order_by("pk")
    )


#: Stand-ins for the filing's firm and filer in ``status_recipients``' compiled SQL
#: (``recipients_of``): no row has a negative key, and each stands for one parameter only.
_PROBES = {"firm_id": -1, "created_by_id": -2}


def recipients_of(notification: Notification) -> list:
    """``status_recipients(notification)``'s users, its SQL compiled once per process
    (``exportctl.compiled``): every status e-mail asks it, and the ORM compiled the join through
    the roles afresh each time, at twice the CPU of running it."""
    model = access.firm_users().model
    alias = router.db_for_read(model)
    statement = compiled.statement(
        "notifications.status_recipients",
        lambda: status_recipients(Notification(**_PROBES)),
        using=alias,
    )
    values = {probe: getattr(notification, name) for name, probe in _PROBES.items()}
    if sorted(p for p in statement.params if p in values) != sorted(values):
        raise ImproperlyConfigured(f"status_recipients compiled to {statement.params!r}")
    params = [values.get(p, p) if type(p) is int else p for p in statement.params]
    return statement.objects(params, using=alias)


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


def _label(status: str) -> str:
    return str(EVENT_LABELS[status]) if status in EVENT_LABELS else Status(status).label


def _event_context(notification: Notification, status: str) -> dict:
    if status == "inform_notice":
        notice = (
            notification.messages.filter(kind=MessageKind.INFORM_NOTICE)
            .order_by("-created_at", "-pk")
            .first()
        )
        return {"notice": notice, "inform_notice": notification.inform_notice}
    if status.startswith("permit_"):
        return {"permit": notification.permits.order_by("-updated_at", "-pk").first()}
    return {}


def is_mailed(event: str) -> bool:
    """Whether the firm hears of this status or event at all (a move through ``screening``, the
    system's own step, is not worth an e-mail)."""
    return event in EXPORTER_NOTIFIED_STATUSES or event in EVENT_LABELS


def status_change_messages(notification: Notification, status: str) -> list[EmailMessage]:
    if not is_mailed(status):
        return []
    messages = []
    question = _question(notification, status)
    extra = _event_context(notification, status)
    path = (
        reverse("notifications:messages", args=[notification.public_id])
        if question is not None
        else reverse("notifications:detail", args=[notification.public_id])
    )
    for user in recipients_of(notification):
        with translation.override(user.preferred_language):
            context = {
                "user": user,
                "notification": notification,
                "status": status,
                "status_label": _label(status),
                "question": question,
                **extra,
                "url": settings.PUBLIC_BASE_URL + path,
            }
            subject = render_to_string("notifications/email/status_subject.txt", context)
            body = render_to_string("notifications/email/status_body.txt", context)
        messages.append(EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email]))
    return messages


def inform_notice_messages(notice: InformNotice) -> list[EmailMessage]:
    """The e-mail of an inform notice issued on the ministry's own initiative (one from a case
    reaches the firm with the case's own "inform notice" e-mail): to every exporter and admin of
    the firm, each in their language, with the number, the subject and the grounds."""
    messages = []
    path = reverse("notifications:inform_notice", args=[notice.public_id])
    recipients = access.firm_users().filter(firm_id=notice.firm_id).distinct().order_by("pk")
    for user in recipients:
        with translation.override(user.preferred_language):
            context = {
                "user": user,
                "notice": notice,
                "subject_label": notice.get_subject_kind_display(),
                "url": settings.PUBLIC_BASE_URL + path,
            }
            subject = render_to_string("notifications/email/inform_notice_subject.txt", context)
            body = render_to_string("notifications/email/inform_notice_body.txt", context)
        messages.append(EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email]))
    return messages
