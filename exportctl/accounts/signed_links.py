"""Signed, expiring links for firm sign-up and colleague invitations.

A link carries a signature (``django.core.signing``, keyed by SECRET_KEY) over the row's public id
and, for an invitation, its send count. The database never holds a usable link, a tampered link
fails its signature, an old one fails ``max_age``, and a resent invitation voids its earlier links
because their send count no longer matches. Single use is the row's state (completed / accepted).
"""

import uuid
from datetime import timedelta

from django.core import signing

SIGNUP_SALT = "exportctl.accounts.signup"
INVITATION_SALT = "exportctl.accounts.invitation"
SIGNUP_MAX_AGE = timedelta(days=2)
INVITATION_MAX_AGE = timedelta(days=7)


def make_signup_token(signup) -> str:
    return signing.dumps({"s": str(signup.public_id)}, salt=SIGNUP_SALT)


def read_signup_token(token: str) -> uuid.UUID | None:
    try:
        payload = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
        return uuid.UUID(payload["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def make_invitation_token(invitation) -> str:
    return signing.dumps(
        {"i": str(invitation.public_id), "n": invitation.send_count}, salt=INVITATION_SALT
    )


def read_invitation_token(token: str) -> tuple[uuid.UUID, int] | None:
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
        return uuid.UUID(payload["i"]), int(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
