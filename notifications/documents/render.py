"""HTML template → PDF/A bytes (WeasyPrint).

Each kind has a template under ``templates/documents/`` and a template version; the version is
stored on the Document, so an auditor can tell which wording a stored PDF was made from. Change the
version whenever a template's wording or layout changes. The PDF is the same for every reader, so
the templates carry both languages side by side instead of going through gettext.

The Japanese font is Noto Sans CJK JP (Debian ``fonts-noto-cjk``), found by fontconfig and embedded
(subset) by WeasyPrint, so local-script party names render wherever the PDF is opened.
"""

import datetime
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from notifications.documents.countries import country_names
from notifications.documents.numbers import format_verification_code
from notifications.models import (
    Classification,
    DocumentKind,
    InformSubject,
    ItemKind,
    PartyKind,
    PartyRole,
)

TEMPLATES = {
    DocumentKind.RECEIPT: "documents/receipt.html",
    DocumentKind.PERMIT: "documents/permit.html",
    DocumentKind.DENIAL_LETTER: "documents/denial.html",
    DocumentKind.NO_LICENCE_LETTER: "documents/no_licence.html",
    DocumentKind.INFORM_NOTICE: "documents/inform_notice.html",
}
# receipt 2026.4: an ordinary filing fits on one page (print.css, issue 14).
# 2026.2: page 1 carries the essentials (number, validity, QR and verification code; a denial's
# grounds and both appeal routes), the issuing authority, the destination's name, one number.
TEMPLATE_VERSIONS = {
    DocumentKind.RECEIPT: "receipt-2026.4",
    DocumentKind.PERMIT: "permit-2026.2",
    DocumentKind.DENIAL_LETTER: "denial-2026.2",
    DocumentKind.NO_LICENCE_LETTER: "no-licence-2026.1",
    DocumentKind.INFORM_NOTICE: "inform-notice-2026.1",
}
STYLESHEET = "documents/print.css"
PDF_VARIANT = "pdf/a-3b"

TITLES = {
    DocumentKind.RECEIPT: ("事前届出受理票", "Notification receipt"),
    DocumentKind.PERMIT: ("輸出許可証", "Export permit"),
    DocumentKind.DENIAL_LETTER: ("不許可通知書", "Notice of denial"),
    DocumentKind.NO_LICENCE_LETTER: ("許可不要通知書", "Notice: no licence required"),
    DocumentKind.INFORM_NOTICE: ("インフォーム通知書", "Inform notice"),
}
INFORM_SUBJECT_LABELS = {
    InformSubject.GOODS: ("貨物", "Goods"),
    InformSubject.TECHNOLOGY: ("技術", "Technology"),
    InformSubject.DESTINATION: ("仕向地", "Destination"),
    InformSubject.END_USER: ("需要者", "End user"),
}
# Fixed bilingual labels: the PDF must read the same whatever language the portal user chose.
CLASSIFICATION_LABELS = {
    Classification.LIST_CONTROL: ("リスト規制（1〜15項）", "Listed (rows 1–15)"),
    Classification.SPECIFIED_16_1: ("16項(1)", "Row 16(1) specified item"),
    Classification.OTHER_16_2: ("16項(2)", "Row 16(2)"),
    Classification.NOT_APPLICABLE: ("非該当", "Not applicable"),
}
ITEM_KIND_LABELS = {
    ItemKind.GOODS: ("貨物", "Goods"),
    ItemKind.TECHNOLOGY: ("技術", "Technology"),
    ItemKind.SOFTWARE: ("プログラム", "Software"),
}
ROLE_LABELS = {
    PartyRole.END_USER: ("需要者", "End user"),
    PartyRole.CONSIGNEE: ("荷受人", "Consignee"),
    PartyRole.INTERMEDIARY: ("仲介者", "Intermediary"),
    PartyRole.PURCHASER: ("購入者", "Purchaser"),
}
PARTY_KIND_LABELS = {
    PartyKind.PERSON: ("個人", "Person"),
    PartyKind.ORGANIZATION: ("団体・企業", "Organisation or company"),
}


@dataclass(frozen=True)
class Issue:
    """What is printed on a document besides the case: its identity and how to verify it."""

    kind: str
    number: str
    verification_code: str
    issued_at: datetime.datetime


def public_base_url() -> str:
    """The public site the document points to. A document is permanent: one printed with no
    address, or a relative one, could never be verified, so issuing it is refused."""
    base = (settings.PUBLIC_BASE_URL or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            "PUBLIC_BASE_URL is not set: set EXPORTCTL_PUBLIC_BASE_URL to the portal's public "
            "address before issuing documents."
        )
    return base


def verify_page_url() -> str:
    return f"{public_base_url()}/verify/"


def verify_url(number: str, code: str) -> str:
    query = urlencode({"number": number, "code": code})
    return f"{verify_page_url()}?{query}"


def qr_data_uri(url: str) -> str:
    """A PNG (8 pixels a module, sharp at the printed 30 mm): drawn as one image on page 1, which
    a reader of the PDF — and the tests — can find among the page's images."""
    return segno.make(url, error="m").png_data_uri(scale=8, border=2, dark="#000", light="#fff")


def _bilingual(labels: dict, value: str) -> tuple[str, str]:
    return labels.get(value, (value, value))


def document_context(*, issue: Issue, notification, permit=None, decision=None) -> dict:
    """Everything a document template shows, as plain values."""
    firm = notification.firm
    items = [
        {
            "position": index,
            "kind": _bilingual(ITEM_KIND_LABELS, item.kind),
            "description": item.description,
            "classification": _bilingual(CLASSIFICATION_LABELS, item.classification),
            "list_row": item.list_row,
            "hs_code": item.hs_code,
            "quantity": item.quantity.normalize(),
            "unit": item.unit,
            "value_jpy": item.value_jpy,
        }
        for index, item in enumerate(notification.items.order_by("position", "pk"), start=1)
    ]
    parties = [
        {
            "role": _bilingual(ROLE_LABELS, party.role),
            "kind": _bilingual(PARTY_KIND_LABELS, party.kind),
            "name": party.name,
            "local_name": party.local_name,
            "country": party.country,
            "address": party.address,
        }
        for party in notification.parties.order_by("position", "pk")
    ]
    url = verify_url(issue.number, issue.verification_code)
    context = {
        "kind": issue.kind,
        "title": TITLES[DocumentKind(issue.kind)],
        "number": issue.number,
        "verification_code": format_verification_code(issue.verification_code),
        "issued_on": timezone.localtime(issue.issued_at).date(),
        "issued_at": timezone.localtime(issue.issued_at),
        "verify_url": url,
        "verify_page": verify_page_url(),
        "authority": settings.ISSUING_AUTHORITY,
        "qr": qr_data_uri(url),
        "template_version": TEMPLATE_VERSIONS[DocumentKind(issue.kind)],
        "firm": {
            "name": firm.name,
            "name_local": firm.name_local,
            "corporate_number": firm.corporate_number,
            "address": firm.address,
        },
        "reference": notification.reference,
        "title_of_case": notification.title,
        "destination": notification.destination_country,
        "destination_names": country_names(notification.destination_country),
        "submitted_on": (
            timezone.localtime(notification.submitted_at).date()
            if notification.submitted_at
            else None
        ),
        "end_use": notification.end_use_description,
        "items": items,
        "total_value_jpy": sum(item["value_jpy"] for item in items),
        "parties": parties,
    }
    if permit is not None:
        context["permit"] = {
            "number": permit.number,
            "valid_from": permit.valid_from,
            "valid_until": permit.valid_until,
            "conditions": [line for line in permit.conditions.splitlines() if line.strip()],
        }
    context["procedure"] = getattr(notification, "procedure", "")
    if getattr(notification, "declaration_version", ""):
        # The declaration the person agreed to on submitting, word for word (receipt).
        context["declaration"] = {
            "version": notification.declaration_version,
            "language": notification.declaration_language or "ja",
            "paragraphs": [
                line for line in notification.declaration_text.splitlines() if line.strip()
            ],
            "accepted_at": timezone.localtime(notification.declaration_accepted_at)
            if notification.declaration_accepted_at
            else None,
        }
    if decision is not None:
        context["decision"] = {
            "decided_on": timezone.localtime(decision.created_at).date(),
            "grounds": [line for line in decision.reason.splitlines() if line.strip()],
        }
    return context


def _identity(issue: Issue) -> dict:
    url = verify_url(issue.number, issue.verification_code)
    return {
        "kind": issue.kind,
        "title": TITLES[DocumentKind(issue.kind)],
        "number": issue.number,
        "verification_code": format_verification_code(issue.verification_code),
        "issued_on": timezone.localtime(issue.issued_at).date(),
        "issued_at": timezone.localtime(issue.issued_at),
        "verify_url": url,
        "verify_page": verify_page_url(),
        "authority": settings.ISSUING_AUTHORITY,
        "qr": qr_data_uri(url),
        "template_version": TEMPLATE_VERSIONS[DocumentKind(issue.kind)],
    }


def inform_notice_context(*, issue: Issue, notice) -> dict:
    """What the inform notice letter shows: the notice itself, not a filing (it may have none)."""
    firm = notice.firm
    destination = notice.subject if notice.subject_kind == InformSubject.DESTINATION else ""
    return {
        **_identity(issue),
        "firm": {
            "name": firm.name,
            "name_local": firm.name_local,
            "corporate_number": firm.corporate_number,
            "address": firm.address,
        },
        "reference": notice.notification.reference if notice.notification_id else "",
        "subject_kind": notice.subject_kind,
        "subject_label": _bilingual(INFORM_SUBJECT_LABELS, notice.subject_kind),
        "subject": notice.subject,
        "destination_names": country_names(destination) if destination else None,
        "grounds": [line for line in notice.grounds.splitlines() if line.strip()],
    }


def render_html(kind: str, context: dict) -> str:
    # Numbers and dates are formatted one fixed way (the template labels carry both languages).
    with translation.override("en"):
        return render_to_string(TEMPLATES[DocumentKind(kind)], context)


@dataclass(frozen=True)
class Typesetter:
    """What every document of a process shares: the URL fetcher, the font configuration and the
    parsed stylesheet. Making them is a third of a receipt's set-up (fontconfig's set-up and the
    stylesheet's parse, ~50 ms) and, made anew for every PDF, they were garbage the worker's heap
    never gave back; the documents worker renders thousands of PDFs in one process."""

    fetcher: URLFetcher
    fonts: FontConfiguration
    stylesheet: CSS
    stylesheet_mtime: int


_per_thread = threading.local()


def typesetter() -> Typesetter:
    """This thread's typesetter (WeasyPrint's objects are not shared between threads), made again
    when the stylesheet file changes, so an edited stylesheet applies without a restart."""
    path = Path(get_template(STYLESHEET).origin.name)
    mtime = path.stat().st_mtime_ns
    current = getattr(_per_thread, "typesetter", None)
    if current is None or current.stylesheet_mtime != mtime:
        fetcher = URLFetcher(allowed_protocols={"data", "file"}, timeout=5)
        fonts = FontConfiguration()
        current = Typesetter(
            fetcher=fetcher,
            fonts=fonts,
            stylesheet=CSS(filename=str(path), font_config=fonts, url_fetcher=fetcher),
            stylesheet_mtime=mtime,
        )
        _per_thread.typesetter = current
    return current


def _options(setter: Typesetter, context: dict) -> dict:
    """WeasyPrint's options, the same for both steps (as ``HTML.write_pdf`` passes them)."""
    return {
        "stylesheets": [setter.stylesheet],
        "pdf_variant": PDF_VARIANT,
        "pdf_identifier": context["number"].encode(),
        "custom_metadata": False,
    }


def layout_pdf(kind: str, context: dict):
    """Lay the document out (WeasyPrint's ``Document``: pages and boxes, not yet PDF bytes)."""
    setter = typesetter()
    html = HTML(
        string=render_html(kind, context),
        base_url=str(settings.BASE_DIR / "templates" / "documents"),
        url_fetcher=setter.fetcher,
    )
    return html.render(font_config=setter.fonts, **_options(setter, context))


def write_pdf(document, context: dict) -> bytes:
    """The laid-out document as PDF/A-3b bytes (fonts subset and embedded here)."""
    return document.write_pdf(**_options(typesetter(), context))


def render_pdf(kind: str, context: dict) -> bytes:
    """Render one document as PDF/A-3b. Only local files and data: URIs may be loaded: a
    document never reaches out to the network while it is being made."""
    return write_pdf(layout_pdf(kind, context), context)
