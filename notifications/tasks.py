"""Background work for notifications. Tasks take ids, load the rows and call one service."""

from celery import shared_task
from django.core.mail import get_connection
from django.db import OperationalError, router

from exportctl import compiled
from notifications import emails
from notifications.documents.tasks import render_document  # noqa: F401 - registers the task
from notifications.models import InformNotice, Notification
from notifications.services.permits import permit_expire_due

TRANSIENT_ERRORS = (OperationalError, ConnectionError, TimeoutError, OSError)


def _notification(notification_id: int) -> Notification:
    """The filing a status e-mail is about, by a query compiled once per process
    (``exportctl.compiled``; the e-mail names no firm, so the firm is not read)."""
    alias = router.db_for_read(Notification)
    statement = compiled.statement(
        "notifications.mail_notification",
        lambda: Notification.objects.filter(pk=0).order_by(),
        probe=[0],
        using=alias,
    )
    for notification in statement.objects([notification_id], using=alias):
        return notification
    raise Notification.DoesNotExist(f"no notification {notification_id}")


@shared_task(
    name="notifications.send_status_email",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_status_email(notification_id: int, status: str) -> int:
    notification = _notification(notification_id)
    messages = emails.status_change_messages(notification, status)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


@shared_task(
    name="notifications.send_inform_notice_email",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_inform_notice_email(notice_id: int) -> int:
    notice = InformNotice.objects.select_related("firm").get(pk=notice_id)
    messages = emails.inform_notice_messages(notice)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


@shared_task(
    name="notifications.expire_permits",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    soft_time_limit=300,
    time_limit=360,
)
def expire_permits() -> int:
    return permit_expire_due()


@shared_task(
    name="notifications.ban_suspend_permits",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    soft_time_limit=300,
    time_limit=360,
)
def ban_suspend_permits() -> int:
    from notifications.enforcement import ban_suspend_permits_due

    return ban_suspend_permits_due()
