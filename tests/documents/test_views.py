"""The public verify page: only number, status, validity and holder; no enumeration; limited."""

import datetime
import hashlib
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications.models import Document, DocumentKind, PermitStatus
from notifications.workflow import Status
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

URL = "/verify/"


@pytest.fixture
def client(client):
    """Pages in English, so assertions read the English wording (ja is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.VERIFY_RATE = "100/m"
    cache.clear()
    yield
    cache.clear()


def _document(notification, kind, number, code="ACDEFGHJ") -> Document:
    data = f"%PDF-1.7 {number}".encode()
    document = Document(
        notification=notification,
        kind=kind,
        number=number,
        verification_code=code,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        template_version=f"{kind}-2026.1",
        issued_at=datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC),
    )
    document.file.save("x.pdf", ContentFile(data), save=True)
    return document


def _result_section(response) -> str:
    match = re.search(
        r'<section[^>]*id="verify-result".*?</section>', response.content.decode(), re.S
    )
    return match.group(0) if match else ""


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _dd(section: str, element_id: str) -> str:
    """The text of the element with this id (its nested markup stripped)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', section, re.S)
    assert match, element_id
    return _text(match.group(2))


def test_the_url_is_named_and_public(client):
    assert reverse("verify:verify") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert _result_section(response) == ""
    assert 'name="number"' in response.content.decode()


def test_a_valid_permit_shows_what_a_customs_officer_checks_and_nothing_private(
    client, approved_case
):
    permit = approved_case.permits.get()
    permit.valid_until = timezone.localdate() + datetime.timedelta(days=30)
    permit.save()
    document = _document(approved_case, DocumentKind.PERMIT, permit.number)
    permit.document = document
    permit.save()
    ItemFactory(
        notification=approved_case,
        position=2,
        description="Spindle motor",
        classification="list",
        list_row="2(12)",
        hs_code="8501.53",
        quantity=Decimal("1.500"),
        unit="sets",
        value_jpy=7_654_321,
    )
    events_before = AuditEvent.objects.count()

    number = permit.number.lower()
    response = client.get(URL, {"number": number, "code": "acde-fghj"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    section = _result_section(response)
    text = _text(section)
    assert re.findall(r"<dt>(.*?)</dt>", section) == [
        "Document number",
        "Document type",
        "Status",
        "Validity",
        "Holder",
        "Destination",
        "End user",
        "Goods",
    ]
    assert _dd(section, "verify-number") == permit.number  # the one number of the permit
    assert _dd(section, "verify-kind") == "Permit"
    assert _dd(section, "verify-status") == "Valid"
    assert f"{permit.valid_from:%Y}" in _dd(section, "verify-validity")
    assert "東海精密機器株式会社" in text and "Tokai Precision Instruments K.K." in text
    assert _dd(section, "verify-destination") == "Thailand (TH)"
    assert (
        _dd(section, "verify-end-user") == "Siam Motor Works Co., Ltd. サイアム・モーター・ワークス"
    )
    goods = _dd(section, "verify-goods")
    assert "5-axis machining centre — 2 units" in goods
    assert "Row 16(1) specified item · HS 8457.10" in goods
    assert "Spindle motor — 1.5 sets" in goods and "row 2(12) · HS 8501.53" in goods
    page = response.content.decode()
    for private in (
        approved_case.reference,
        approved_case.firm.corporate_number,
        approved_case.firm.address,
        "Bangkok Logistics",  # a consignee, not the end user
        "曼谷物流",
        "48,000,000",  # values are commercial information
        "48000000",
        "7,654,321",
        "7654321",
        "No re-export",  # conditions
        approved_case.title,
        approved_case.decisions.get().actor.email,  # who decided
        approved_case.end_use_description,
    ):
        assert private not in page, private
    # A public read changes nothing and writes no audit event.
    assert AuditEvent.objects.count() == events_before


def test_the_destination_is_named_in_the_readers_language(client, approved_case):
    permit = approved_case.permits.get()
    permit.document = _document(approved_case, DocumentKind.PERMIT, permit.number)
    permit.save()
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    response = client.get(URL, {"number": permit.number, "code": "ACDEFGHJ"})
    section = _result_section(response)
    assert _dd(section, "verify-destination") == "タイ (TH)"
    assert _dd(section, "verify-kind") == "許可証"  # Permit


def test_a_denial_letter_names_its_type_but_not_its_grounds(client, denied_case):
    _document(denied_case, DocumentKind.DENIAL_LETTER, "DN-2026-000045")
    response = client.get(URL, {"number": "DN-2026-000045", "code": "ACDEFGHJ"})
    section = _result_section(response)
    assert _dd(section, "verify-kind") == "Denial letter"
    assert _dd(section, "verify-status") == "Decision in force"
    assert "listed on the End User List" not in response.content.decode()


@pytest.mark.parametrize(
    ("permit_status", "valid_until_offset", "label"),
    [
        (PermitStatus.SUSPENDED, 30, "Suspended"),
        (PermitStatus.REVOKED, 30, "Revoked"),
        (PermitStatus.VALID, -1, "Expired"),
    ],
)
def test_a_permit_no_longer_in_force_says_so(
    client, approved_case, permit_status, valid_until_offset, label
):
    permit = approved_case.permits.get()
    permit.status = permit_status
    permit.valid_from = timezone.localdate() - datetime.timedelta(days=200)
    permit.valid_until = timezone.localdate() + datetime.timedelta(days=valid_until_offset)
    permit.document = _document(approved_case, DocumentKind.PERMIT, "PM-2026-000043")
    permit.save()
    response = client.get(URL, {"number": "PM-2026-000043", "code": "ACDEFGHJ"})
    assert re.search(r'id="verify-status">([^<]*)<', _result_section(response)).group(1) == label


def test_a_receipt_is_valid_while_the_case_stays_cleared(client, cleared_case):
    _document(cleared_case, DocumentKind.RECEIPT, "RC-2026-000044")
    response = client.get(URL, {"number": "RC-2026-000044", "code": "ACDEFGHJ"})
    assert "Valid" in _text(_result_section(response))
    assert "Issued on" in _text(_result_section(response))
    cleared_case.status = Status.UNDER_REVIEW
    cleared_case.save()
    response = client.get(URL, {"number": "RC-2026-000044", "code": "ACDEFGHJ"})
    assert "No longer valid" in _text(_result_section(response))


def test_a_denial_letter_is_in_force(client, denied_case):
    _document(denied_case, DocumentKind.DENIAL_LETTER, "DN-2026-000045")
    response = client.get(URL, {"number": "DN-2026-000045", "code": "ACDEFGHJ"})
    assert "Decision in force" in _text(_result_section(response))


def test_wrong_code_and_unknown_number_get_the_same_answer(client, cleared_case):
    _document(cleared_case, DocumentKind.RECEIPT, "RC-2026-000046")
    wrong_code = client.get(URL, {"number": "RC-2026-000046", "code": "ACDEFGHK"})
    unknown = client.get(URL, {"number": "RC-2026-999999", "code": "ACDEFGHJ"})
    assert wrong_code.status_code == unknown.status_code == 200
    assert _result_section(wrong_code) == _result_section(unknown)
    assert "No document matches" in _result_section(unknown)
    assert cleared_case.firm.name not in wrong_code.content.decode()


def test_a_malformed_number_is_a_field_error(client):
    response = client.get(URL, {"number": "hello", "code": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in page
    assert "Enter the number as printed, e.g. PM-2026-000123." in page
    assert 'id="id_number_error"' in page and 'id="id_code_error"' in page
    assert 'value="hello"' in page  # what the user typed is kept
    assert _result_section(response) == ""


def test_lookups_beyond_the_rate_limit_get_429(client, settings, cleared_case):
    settings.VERIFY_RATE = "2/m"
    _document(cleared_case, DocumentKind.RECEIPT, "RC-2026-000047")
    query = {"number": "RC-2026-000047", "code": "ACDEFGHJ"}
    assert client.get(URL).status_code == 200  # the empty form is not a lookup
    assert client.get(URL, query).status_code == 200
    assert client.get(URL, {"number": "RC-2026-000047", "code": "WRONG"}).status_code == 200
    limited = client.get(URL, query)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Too many requests" in limited.content.decode()
    assert "verify-result" not in limited.content.decode()
    # Another address has its own allowance.
    assert client.get(URL, query, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_page_is_japanese_by_default(client, cleared_case):
    _document(cleared_case, DocumentKind.RECEIPT, "RC-2026-000048")
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    response = client.get(URL, {"number": "RC-2026-000048", "code": "ACDEFGHJ"})
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()


def test_only_get_is_allowed(client):
    assert client.post(URL, {"number": "RC-2026-000047", "code": "ACDEFGHJ"}).status_code == 405
