"""HTML template → PDF/A bytes (WeasyPrint); what the document says is ``content``'s.

Each kind has a template under ``templates/documents/`` and a template version
(``content.TEMPLATE_VERSIONS``); the version is stored on the Document, so an auditor can tell which wording a stored PDF was made from. Change the
version whenever a template's wording or layout changes. The PDF is the same for every reader, so
the templates carry both languages side by side instead of going through gettext.

The Japanese font is Noto Sans CJK JP (Debian ``fonts-noto-cjk``), found by fontconfig and embedded
(subset) by WeasyPrint, so local-script party names render wherever the PDF is opened.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from notifications.models import DocumentKind

TEMPLATES = {
    DocumentKind.RECEIPT: "documents/receipt.html",
    DocumentKind.PERMIT: "documents/permit.html",
    DocumentKind.DENIAL_LETTER: "documents/denial.html",
    DocumentKind.NO_LICENCE_LETTER: "documents/no_licence.html",
    DocumentKind.INFORM_NOTICE: "documents/inform_notice.html",
}
STYLESHEET = "documents/print.css"
PDF_VARIANT = "pdf/a-3b"


def qr_data_uri(url: str) -> str:
    """A PNG (8 pixels a module, sharp at the printed 30 mm): drawn as one image on page 1, which
    a reader of the PDF — and the tests — can find among the page's images."""
    return segno.make(url, error="m").png_data_uri(scale=8, border=2, dark="#000", light="#fff")


def render_html(kind: str, context: dict) -> str:
    """The document's HTML, with the QR code of its verification address drawn in."""
    # Numbers and dates are formatted one fixed way (the template labels carry both languages).
    with translation.override("en"):
        return render_to_string(
            TEMPLATES[DocumentKind(kind)], {**context, "qr": qr_data_uri(context["verify_url"])}
        )


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
