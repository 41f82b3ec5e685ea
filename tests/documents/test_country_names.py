"""The documents name every country in Japanese and English, with its code: the destination and
each party's country, read back from the issued PDF."""

import io
import re

import pypdf
import pytest

from notifications.documents.services import document_issue
from notifications.models import DocumentKind
from tests.documents.receipts import first_download

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_receipt_names_the_destination_and_each_partys_country(cleared_case):
    cleared_case.destination_country = "AE"
    cleared_case.save(update_fields=["destination_country"])
    consignee = cleared_case.parties.get(role="consignee")
    consignee.country = "DE"
    consignee.save(update_fields=["country"])

    text = _text(first_download(cleared_case))

    assert "アラブ首長国連邦/UnitedArabEmirates(AE)" in text  # the destination
    assert "ドイツGermany(DE)" in text  # the consignee's country, in both languages
    assert "タイThailand(TH)" in text  # the end user's


def test_the_permit_names_the_destination(approved_case):
    text = _text(document_issue(notification=approved_case, kind=DocumentKind.PERMIT))
    assert "タイ/Thailand(TH)" in text
