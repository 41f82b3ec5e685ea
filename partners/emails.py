"""The e-mail sent to the subscribers when a revision of a list is published, each in the
reader's language, with the links to what changed, the downloads and the unsubscribe page."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from exportctl import access
from partners.models import ListVersion, ListVersionStatus


def subscribers():
    """Active firm users (exporters and firm admins of a firm) who subscribed."""
    return access.firm_users().filter(list_subscription__isnull=False).distinct().order_by("pk")


def publication_messages(version: ListVersion) -> list[EmailMessage]:
    if version.status != ListVersionStatus.PUBLISHED:
        return []
    code = version.source.code
    base = settings.PUBLIC_BASE_URL
    changes = (
        reverse("partners:public_changes", args=[code]) + "?" + urlencode({"to": version.label})
    )
    urls = {
        "changes_url": base + changes,
        "downloads_url": base + reverse("partners:public_downloads", args=[code]),
        "unsubscribe_url": base + reverse("partners:subscription"),
    }
    messages = []
    for user in subscribers():
        with translation.override(user.preferred_language):
            context = {"user": user, "version": version, "source": version.source, **urls}
            subject = render_to_string("partners/email/publication_subject.txt", context)
            body = render_to_string("partners/email/publication_body.txt", context)
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email])
        message.extra_headers["List-Unsubscribe"] = f"<{urls['unsubscribe_url']}>"
        messages.append(message)
    return messages
