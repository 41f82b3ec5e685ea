"""E-mails of onboarding (sign-up confirmation, "you already have an account", invitation) and
security notices (an account locked, credentials revoked).

Each is rendered in its reader's language. An invitee has no language yet, so an invitation is
written in Japanese and English, one after the other.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from exportctl.accounts.models import Invitation, SignupRequest, User
from exportctl.accounts.signed_links import (
    INVITATION_MAX_AGE,
    SIGNUP_MAX_AGE,
    make_invitation_token,
    make_signup_token,
)


def _render(template: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    return " ".join(subject.split()), body


def signup_confirmation_message(signup: SignupRequest) -> EmailMessage:
    token = make_signup_token(signup)
    context = {
        "signup": signup,
        "url": settings.PUBLIC_BASE_URL + reverse("accounts:signup_confirm", args=[token]),
        "valid_hours": int(SIGNUP_MAX_AGE.total_seconds() // 3600),
    }
    subject, body = _render("signup_confirm", context, signup.preferred_language)
    return EmailMessage(subject=subject, body=body, to=[signup.email])


def signup_existing_account_message(user: User) -> EmailMessage:
    context = {
        "user": user,
        "login_url": settings.PUBLIC_BASE_URL + reverse("accounts:login"),
        "reset_url": settings.PUBLIC_BASE_URL + reverse("accounts:password_reset"),
    }
    subject, body = _render("signup_existing", context, user.preferred_language)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def invitation_message(invitation: Invitation) -> EmailMessage:
    token = make_invitation_token(invitation)
    context = {
        "invitation": invitation,
        "firm": invitation.firm,
        "inviter": invitation.invited_by,
        "url": settings.PUBLIC_BASE_URL + reverse("accounts:invitation_accept", args=[token]),
        "valid_days": INVITATION_MAX_AGE.days,
    }
    subject_ja, body_ja = _render("invitation", context, "ja")
    subject_en, body_en = _render("invitation", context, "en")
    return EmailMessage(
        subject=f"{subject_ja} / {subject_en}",
        body=f"{body_ja.rstrip()}\n\n----------------------------------------\n\n{body_en}",
        to=[invitation.email],
    )


def credentials_revoked_message(user: User, event) -> EmailMessage:
    """Which API tokens died, by their first characters and creation date (never a secret)."""
    tokens = [
        {"token_key": token["token_key"], "created": parse_datetime(token["created"])}
        for token in event.data.get("tokens", [])
    ]
    context = {
        "user": user,
        "reason": event.data.get("reason", ""),
        "tokens": tokens,
        "occurred_at": event.occurred_at,
        "tokens_url": settings.PUBLIC_BASE_URL + reverse("tokens:list"),
        "reset_url": settings.PUBLIC_BASE_URL + reverse("accounts:password_reset"),
    }
    subject, body = _render("credentials_revoked", context, user.preferred_language)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def account_locked_message(user: User, event) -> EmailMessage:
    context = {
        "user": user,
        "scope": event.data.get("scope", ""),
        "client_ip": event.data.get("client_ip", ""),
        "minutes": max(1, round(int(event.data.get("lasts_seconds", 0)) / 60)),
        "occurred_at": event.occurred_at,
        "reset_url": settings.PUBLIC_BASE_URL + reverse("accounts:password_reset"),
    }
    subject, body = _render("account_locked", context, user.preferred_language)
    return EmailMessage(subject=subject, body=body, to=[user.email])
