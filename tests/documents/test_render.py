"""Each kind of document renders once, bilingual, with the Japanese font embedded, as PDF/A."""

import io
import re

import pypdf
import pytest

from notifications.documents import numbers
from notifications.documents.services import document_issue
from notifications.models import Document, DocumentKind
from tests.documents.conftest import CONDITIONS, GROUNDS

pytestmark = pytest.mark.django_db


def _pdf(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # Lines break wherever the layout wraps them; compare on text with whitespace removed.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _flat(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _embedded_fonts(pdf: bytes) -> dict[str, str]:
    """BaseFont → the key of its embedded font program, for every font the pages use."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Type"] == "/Font"
            descriptor_owner = font["/DescendantFonts"][0].get_object()
            descriptor = descriptor_owner["/FontDescriptor"].get_object()
            program = next(
                (key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor),
                "",
            )
            fonts[str(font["/BaseFont"])] = program
    return fonts


def test_receipt_carries_number_code_exporter_and_parties_in_both_scripts(cleared_case):
    document = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    text = _text(_pdf(document))
    assert document.number == f"RC-{document.issued_at:%Y}-{cleared_case.pk:06d}"
    assert document.number in text
    assert numbers.format_verification_code(document.verification_code) in text
    assert cleared_case.reference in text
    assert "事前届出受理票" in text and "Notificationreceipt" in text
    assert "東海精密機器株式会社" in text and "TokaiPrecisionInstrumentsK.K." in text
    assert cleared_case.firm.corporate_number in text
    assert "SiamMotorWorksCo.,Ltd." in text and "サイアム・モーター・ワークス" in text
    assert "BangkokLogisticsTradingCo.,Ltd." in text and "曼谷物流贸易有限公司" in text
    assert "5-axismachiningcentre" in text and "48,000,000" in text


def test_permit_carries_validity_and_every_condition(approved_case):
    document = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    permit = approved_case.permits.get()
    text = _text(_pdf(document))
    assert document.number == f"PM-{document.issued_at:%Y}-{permit.pk:06d}"
    assert document.number in text and permit.number in text
    assert "2026-11-20〜2027-05-20" in text
    for condition in CONDITIONS.splitlines():
        assert _flat(condition) in text
    assert "輸出許可証" in text and "Exportpermit" in text


def test_denial_letter_carries_the_grounds(denied_case):
    document = document_issue(notification=denied_case, kind=DocumentKind.DENIAL_LETTER)
    decision = denied_case.decisions.get()
    text = _text(_pdf(document))
    assert document.number == f"DN-{document.issued_at:%Y}-{decision.pk:06d}"
    assert _flat(GROUNDS) in text
    assert "不許可通知書" in text and "Noticeofdenial" in text
    assert numbers.format_verification_code(document.verification_code) in text


def test_the_japanese_font_is_embedded(cleared_case):
    pdf = _pdf(document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT))
    fonts = _embedded_fonts(pdf)
    assert fonts, "the pages use no font"
    cjk = [name for name in fonts if "Noto-Sans-CJK-JP" in name]
    assert cjk, fonts
    assert all(fonts[name] for name in fonts), fonts  # every font program is in the file


def test_pdf_a_identification_is_in_the_metadata(cleared_case):
    document = document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    reader = pypdf.PdfReader(io.BytesIO(_pdf(document)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp), xmp
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert document.template_version == "receipt-2026.1"


def test_the_qr_code_points_to_the_verify_page_with_number_and_code(cleared_case, settings):
    from notifications.documents import render

    url = render.verify_url("RC-2026-000001", "ACDEFGHJ")
    assert url == "https://exportctl.example.go.jp/verify/?number=RC-2026-000001&code=ACDEFGHJ"
    assert render.qr_data_uri(url).startswith("data:image/svg+xml")
