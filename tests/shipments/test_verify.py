"""The public verify page shows, for a permit, the balance left on each line after shipments."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from notifications import shipments
from notifications.models import Document, DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.VERIFY_RATE = "100/m"
    cache.clear()
    yield
    cache.clear()


def _permit_document(permit) -> Document:
    data = f"%PDF-1.7 {permit.number}".encode()
    document = Document(
        notification=permit.notification,
        kind=DocumentKind.PERMIT,
        number=permit.number,
        verification_code="ACDEFGHJ",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        template_version="permit-2026.1",
        issued_at=datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC),
    )
    document.file.save("x.pdf", ContentFile(data), save=True)
    permit.document = document
    permit.save(update_fields=["document"])
    return document


def _verify(client, document) -> str:
    return client.get(
        "/verify/",
        {"number": document.number, "code": document.verification_code},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()


def test_the_verify_page_shows_each_permit_lines_balance(client, permit, exporter):
    document = _permit_document(permit)
    assert _verify(client, document).count("data-balance") == 2
    assert "Balance left on the permit: 10 units" in _verify(client, document)
    shipments.shipment_record(
        permit=permit,
        actor=exporter,
        shipped_on=timezone.localdate(),
        quantities={1: Decimal("3"), 2: Decimal("4")},
    )
    page = _verify(client, document)
    assert "Balance left on the permit: 7 units" in page
    assert "Balance left on the permit: 0 sets" in page
