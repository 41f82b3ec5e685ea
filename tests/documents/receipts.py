"""A cleared case's receipt as its first download makes it (issued frozen, then rendered)."""

from notifications.documents.services import document_issue, document_render
from notifications.models import Document, DocumentKind


def first_download(notification) -> Document:
    """Issue the receipt of ``notification`` and render it, as the first download does."""
    return document_render(
        document=document_issue(notification=notification, kind=DocumentKind.RECEIPT)
    )
