"""Onboarding and security e-mails, sent after the transaction that asked for them commits.

Tasks take ids, load the rows and send one message; a row that is no longer waiting for its
e-mail (a sign-up already confirmed, an invitation accepted or revoked) sends nothing.
"""

from celery import shared_task
from django.core.mail import get_connection
from django.db import OperationalError

from exportctl.accounts import emails
from exportctl.accounts.models import Invitation, InvitationStatus, SignupRequest, User
from exportctl.audit.models import AuditEvent

TRANSIENT_ERRORS = (OperationalError, ConnectionError, TimeoutError, OSError)
_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _send(message) -> int:
    with get_connection() as connection:
        return connection.send_messages([message]) or 0


@shared_task(name="accounts.send_signup_email", **_OPTIONS)
def send_signup_email(signup_id: int) -> int:
    signup = SignupRequest.objects.filter(pk=signup_id, completed_at__isnull=True).first()
    if signup is None:
        return 0
    return _send(emails.signup_confirmation_message(signup))


@shared_task(name="accounts.send_signup_existing_account_email", **_OPTIONS)
def send_signup_existing_account_email(user_id: int) -> int:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    return _send(emails.signup_existing_account_message(user))


@shared_task(name="accounts.send_invitation_email", **_OPTIONS)
def send_invitation_email(invitation_id: int) -> int:
    invitation = (
        Invitation.objects.select_related("firm", "invited_by")
        .filter(pk=invitation_id, status=InvitationStatus.PENDING)
        .first()
    )
    if invitation is None:
        return 0
    return _send(emails.invitation_message(invitation))


# --- Security notices: built from the audit event that recorded what happened -----------------


@shared_task(name="accounts.send_credentials_revoked_email", **_OPTIONS)
def send_credentials_revoked_email(event_id: int) -> int:
    event = AuditEvent.objects.filter(pk=event_id, action="credentials.revoked").first()
    user = _event_user(event)
    if user is None:
        return 0
    return _send(emails.credentials_revoked_message(user, event))


@shared_task(name="accounts.send_account_locked_email", **_OPTIONS)
def send_account_locked_email(event_id: int) -> int:
    event = AuditEvent.objects.filter(pk=event_id, action="auth.account_locked").first()
    user = _event_user(event)
    if user is None:
        return 0
    return _send(emails.account_locked_message(user, event))


def _event_user(event) -> User | None:
    if event is None or event.object_type != "accounts.user":
        return None
    return User.objects.filter(public_id=event.object_id).first()
