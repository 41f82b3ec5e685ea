"""An ordinary filing's receipt (one item, two or three parties, the declaration) fits on one
A4 page, its verification block with the content rather than alone on a second page (issue 14)."""

import io

import pypdf
import pytest
from django.utils import timezone

from notifications import declaration
from tests.documents.receipts import first_download
from tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


def _pages(document) -> list[str]:
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages]


def _declare(notification, language: str) -> None:
    current = declaration.current()
    notification.declaration_version = declaration.DECLARATION_VERSION
    notification.declaration_language = language
    notification.declaration_text = current.text(language)
    notification.declaration_accepted_at = timezone.now()
    notification.save()


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("parties", [2, 3])
def test_an_ordinary_receipt_is_one_page(cleared_case, language, parties):
    if parties == 3:
        PartyFactory(
            notification=cleared_case,
            role="intermediary",
            position=3,
            name="Singapore Machine Tools Pte. Ltd.",
            local_name="新加坡机床私人有限公司",
            country="SG",
        )
    _declare(cleared_case, language)
    assert cleared_case.items.count() == 1
    assert cleared_case.parties.count() == parties

    document = first_download(cleared_case)
    pages = _pages(document)

    assert len(pages) == 1, pages[1:]  # page 2's text, if any, says what spilled over
    text = pages[0]
    # The content and the verification block, together on the one page.
    assert "Declaration by the notifier" in text
    assert "Siam Motor Works" in text
    assert "Check this document at" in text
    assert document.template_version == "receipt-2026.4"
