"""One spelling of a person's sign-in name, at every door.

E-mail addresses are stored trimmed and lower-cased (a check constraint on ``User.email``). Every
door that takes an address from a visitor (the sign-in page, the API token endpoint, the admin's
login, password reset) and django-axes, which counts failed attempts per address, must see the
same form of it: otherwise ``Exporter@Example.COM`` signs in as ``exporter@example.com`` while
axes counts its failures under a name of its own, and each letter-case variant gets a fresh
budget of guesses.
"""

from django.conf import settings

#: The longest address a field accepts (RFC 5321); longer input is cut before it is counted.
MAX_EMAIL_LENGTH = 254


def normalise_email(value) -> str:
    """Trimmed and lower-cased, as addresses are stored (``User.email`` is kept lower-case by a
    database constraint, so this is the only form a stored address can match)."""
    return str(value or "").strip().lower()[:MAX_EMAIL_LENGTH]


def axes_username(request, credentials=None) -> str:
    """``AXES_USERNAME_CALLABLE``: the name django-axes counts an attempt under."""
    credentials = credentials or {}
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    raw = credentials.get(field)
    if raw is None:
        raw = credentials.get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get(field, "")
    return normalise_email(raw)
