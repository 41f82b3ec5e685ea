"""Deployment check: issued documents must point at the real, public, https site.

Every permit, receipt and denial letter prints the /verify/ address and encodes it in its QR code.
The paper outlives the deployment's configuration, so a document that names
``http://127.0.0.1:8000`` (or no site at all) can never be verified by the customs officer holding
it. ``manage.py check --deploy`` therefore fails in production until the base URL is set to https.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

E001 = "exportctl.E001"


@register(Tags.security, deploy=True)
def check_public_base_url(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    url = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname and parts.hostname not in _LOCAL_HOSTS:
        return []
    problem = "is not set" if not url else f"is {url!r}, not a public https address"
    return [
        Error(
            f"PUBLIC_BASE_URL {problem}: issued documents would print and encode a /verify/ "
            "address nobody can reach.",
            hint="Set EXPORTCTL_PUBLIC_BASE_URL to the portal's public https address, "
            "e.g. https://portal.example.go.jp.",
            id=E001,
        )
    ]


# Addresses that name the server itself, never a public site (not bound to, only compared).
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104
