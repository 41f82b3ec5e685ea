"""Each kind of document renders once, bilingual, with the Japanese font embedded, as PDF/A; page 1
carries what people photocopy: the number, validity, QR and verification code, the issuing
authority, and for a denial its grounds and both appeal routes."""

import base64
import io
import re

import pypdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image
from pypdf.generic import ContentStream

from notifications.documents import content, numbers, render
from notifications.documents.services import document_issue
from notifications.models import Document, DocumentCounter, DocumentKind
from tests.documents.conftest import CONDITIONS, GROUNDS
from tests.documents.receipts import first_download

pytestmark = pytest.mark.django_db


def _pdf(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # Lines break wherever the layout wraps them; compare on text with whitespace removed.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _page_texts(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def _drawn_images(stream, resources, reader) -> list[bytes]:
    """The images a content stream draws (``Do`` operators), following Form XObjects."""
    images = []
    xobjects = resources.get("/XObject", {}) if resources else {}
    for operands, operator in ContentStream(stream, reader).operations:
        if operator != b"Do" or operands[0] not in xobjects:
            continue
        xobject = xobjects[operands[0]].get_object()
        if xobject["/Subtype"] == "/Image":
            images.append(xobject.decode_as_image().convert("L").tobytes())
        elif xobject["/Subtype"] == "/Form":
            inner = xobject.get("/Resources")
            images += _drawn_images(xobject, inner.get_object() if inner else resources, reader)
    return images


def _page_images(pdf: bytes) -> list[list[bytes]]:
    """The greyscale pixels of every image each page draws (not merely lists among its
    resources, which WeasyPrint shares between pages)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        _drawn_images(page.get_contents(), page["/Resources"].get_object(), reader)
        for page in reader.pages
    ]


def _qr_pixels(url: str) -> bytes:
    data_uri = render.qr_data_uri(url)
    assert data_uri.startswith("data:image/png;base64,")
    png = base64.b64decode(data_uri.split(",", 1)[1])
    return Image.open(io.BytesIO(png)).convert("L").tobytes()


AUTHORITY = (
    "経済産業省",
    "貿易経済安全保障局",
    "安全保障貿易審査課",
    "MinistryofEconomy,TradeandIndustry",
)


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
    document = first_download(cleared_case)
    text = _text(_pdf(document))
    assert document.number == f"RC-{document.issued_at:%Y}-000001"
    assert document.number in text
    assert numbers.format_verification_code(document.verification_code) in text
    assert cleared_case.reference in text
    assert "事前届出受理票" in text and "Notificationreceipt" in text
    assert "東海精密機器株式会社" in text and "TokaiPrecisionInstrumentsK.K." in text
    assert cleared_case.firm.corporate_number in text
    assert "SiamMotorWorksCo.,Ltd." in text and "サイアム・モーター・ワークス" in text
    assert "BangkokLogisticsTradingCo.,Ltd." in text and "曼谷物流贸易有限公司" in text
    assert "5-axismachiningcentre" in text and "48,000,000" in text
    assert "タイ/Thailand(TH)" in text  # the destination by name, not only its code


def test_permit_page_one_has_number_validity_code_authority_and_qr(approved_case):
    document = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    permit = approved_case.permits.get()
    pdf = _pdf(document)
    pages = _page_texts(pdf)
    # One number: the permit's number is its document's number, printed once as such.
    assert document.number == permit.number == "PM-2026-000001"
    assert f"文書番号/Documentnumber{document.number}" in pages[0]
    raw = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    printed = set(re.findall(r"\b[A-Z]{2,3}-[0-9]{4}-[0-9]+\b", raw))
    assert printed == {document.number, approved_case.reference}, printed
    assert "2026-11-20〜2027-05-20" in pages[0]
    assert "確認コード" in pages[0] and "Verificationcode" in pages[0]
    assert numbers.format_verification_code(document.verification_code) in pages[0]
    assert "照合番号" not in "".join(pages)  # one word for the code
    for name in AUTHORITY:
        assert name in pages[0], name
    images = _page_images(pdf)
    # Page 1 draws one image, pixel for pixel the QR code of this document's verify link …
    qr = _qr_pixels(content.verify_url(document.number, document.verification_code))
    assert images[0] == [qr]
    assert not any(images[1:])  # … and no other page draws one
    text = "".join(pages)
    for condition in CONDITIONS.splitlines():
        assert _flat(condition) in text
    assert "輸出許可証" in text and "Exportpermit" in text


def test_the_verify_address_printed_and_encoded_is_the_public_base_url(approved_case, settings):
    settings.PUBLIC_BASE_URL = "https://portal.example.go.jp"
    document = document_issue(notification=approved_case, kind=DocumentKind.PERMIT)
    text = _text(_pdf(document))
    assert "https://portal.example.go.jp/verify/" in _page_texts(_pdf(document))[0]
    assert "https://portal.example.go.jp/verify/" in text
    assert "127.0.0.1" not in text


def test_without_a_public_base_url_no_document_is_issued(cleared_case, settings):
    settings.PUBLIC_BASE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="EXPORTCTL_PUBLIC_BASE_URL"):
        document_issue(notification=cleared_case, kind=DocumentKind.RECEIPT)
    assert Document.objects.count() == 0
    assert DocumentCounter.objects.filter(last__gt=0).count() == 0


def test_denial_page_one_has_the_decision_and_its_grounds(denied_case):
    document = document_issue(notification=denied_case, kind=DocumentKind.DENIAL_LETTER)
    pages = _page_texts(_pdf(document))
    assert document.number == f"DN-{document.issued_at:%Y}-000001"
    assert document.number in pages[0]
    assert "不許可通知書" in pages[0] and "Noticeofdenial" in pages[0]
    assert "許可をしないこととした" in pages[0]
    assert _flat(GROUNDS) in pages[0]
    assert numbers.format_verification_code(document.verification_code) in pages[0]
    for name in AUTHORITY:
        assert name in pages[0], name


def test_the_appeal_notice_gives_both_routes_with_their_periods(denied_case):
    document = document_issue(notification=denied_case, kind=DocumentKind.DENIAL_LETTER)
    text = _text(_pdf(document))
    notice = text[text.index("教示") :]
    # Request for review to the Minister, 3 months from the day after learning of it.
    assert "3か月以内に、経済産業大臣に対して審査請求" in notice
    assert "行政不服審査法" in notice
    # Action for revocation against the State (Minister of Justice), 6 months.
    assert "取消訴訟" in notice and "6か月以内に、国（代表者法務大臣）を被告として" in notice
    assert "行政事件訴訟法第14条" in notice
    assert "within3monthsfromthedayafter" in notice
    assert "AdministrativeComplaintReviewAct" in notice
    assert "againsttheState(representedbytheMinisterofJustice)within6months" in notice
    assert "AdministrativeCaseLitigationAct,Article14(1)" in notice


def test_the_japanese_font_is_embedded(cleared_case):
    pdf = _pdf(first_download(cleared_case))
    fonts = _embedded_fonts(pdf)
    assert fonts, "the pages use no font"
    cjk = [name for name in fonts if "Noto-Sans-CJK-JP" in name]
    assert cjk, fonts
    assert all(fonts[name] for name in fonts), fonts  # every font program is in the file


def test_pdf_a_identification_is_in_the_metadata(cleared_case):
    document = first_download(cleared_case)
    reader = pypdf.PdfReader(io.BytesIO(_pdf(document)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp), xmp
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert document.template_version == "receipt-2026.4"


def test_the_qr_code_points_to_the_verify_page_with_number_and_code(cleared_case, settings):
    url = content.verify_url("RC-2026-000001", "ACDEFGHJ")
    assert url == "https://exportctl.example.go.jp/verify/?number=RC-2026-000001&code=ACDEFGHJ"
    assert render.qr_data_uri(url).startswith("data:image/png;base64,")
