"""Issue 19, finding 8: resources have limits, with clear errors.

The End User List sheet's dimensions are checked before any cell is read; a notification has caps
on items, parties and documents (settings with stated defaults) that the draft services enforce
for the browser and the API alike; and submitting does not grow in queries with its items.
"""

import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications import drafts, services
from notifications.models import Attachment, Item, Notification, Party
from notifications.workflow import Status
from partners.importers import meti_eul
from partners.importers.meti_eul import parse_workbook
from tests.factories import ExporterFactory, ItemFactory, PartyFactory, ready_notification
from tests.partners.conftest import HEADER, good_row
from tests.security.test_malformed_input import BASE, ITEM

PARTY = {"role": "consignee", "name": "Bangkok Freight", "address": "Bangkok", "country": "TH"}


@pytest.fixture
def exporter(db):
    return ExporterFactory(email="erp@example.com")


@pytest.fixture
def api(exporter) -> APIClient:
    _, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def draft(exporter):
    return ready_notification(firm=exporter.firm, created_by=exporter)


def pdf(name: str = "contract.pdf") -> SimpleUploadedFile:
    from tests.api.conftest import pdf_bytes

    return SimpleUploadedFile(name, pdf_bytes(name), content_type="application/pdf")


# --- Stated defaults ----------------------------------------------------------------------------


def test_the_caps_are_settings_with_stated_defaults():
    assert django_settings.NOTIFICATION_MAX_ITEMS == 200
    assert django_settings.NOTIFICATION_MAX_PARTIES == 50
    assert django_settings.NOTIFICATION_MAX_ATTACHMENTS == 50
    assert django_settings.API_JSON_MAX_BYTES == 1024 * 1024
    assert django_settings.API_JSON_MAX_DEPTH == 32
    assert meti_eul.MAX_COLUMNS == 64


# --- Items, parties, documents per notification -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_an_item_over_the_cap_is_refused_naming_the_cap(draft, exporter, settings):
    settings.NOTIFICATION_MAX_ITEMS = 3
    drafts.item_add(notification=draft, actor=exporter, **ITEM)
    drafts.item_add(notification=draft, actor=exporter, **ITEM)  # the draft already had one
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        drafts.item_add(notification=draft, actor=exporter, **ITEM)
    assert refused.value.message_dict == {"items": ["A notification may list at most 3 items."]}
    assert draft.items.count() == 3
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_a_party_over_the_cap_is_refused_naming_the_cap(draft, exporter, settings):
    settings.NOTIFICATION_MAX_PARTIES = 2
    drafts.party_add(notification=draft, actor=exporter, **PARTY)
    with pytest.raises(ValidationError) as refused:
        drafts.party_add(notification=draft, actor=exporter, **PARTY)
    assert refused.value.message_dict == {"parties": ["A notification may name at most 2 parties."]}
    assert draft.parties.count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_a_document_over_the_cap_is_refused_naming_the_cap(draft, exporter, settings):
    settings.NOTIFICATION_MAX_ATTACHMENTS = 1
    drafts.attachment_add(notification=draft, actor=exporter, kind="other", uploaded_file=pdf())
    with pytest.raises(ValidationError) as refused:
        drafts.attachment_add(
            notification=draft, actor=exporter, kind="other", uploaded_file=pdf("second.pdf")
        )
    assert refused.value.message_dict == {"file": ["A notification may hold at most 1 documents."]}
    assert Attachment.objects.filter(notification=draft).count() == 1


@pytest.mark.django_db
def test_the_browser_shows_the_item_cap_and_stores_nothing(client, draft, exporter, settings):
    settings.NOTIFICATION_MAX_ITEMS = 1  # the draft already holds one
    client.force_login(exporter)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("notifications:edit", args=[draft.public_id, "items"]),
        {"action": "item", **ITEM, "description": "Lathe"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "A notification may list at most 1 items." in response.content.decode()
    assert draft.items.count() == 1
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_api_refuses_a_create_over_the_caps_before_storing_anything(api, settings):
    settings.NOTIFICATION_MAX_ITEMS = 2
    settings.NOTIFICATION_MAX_PARTIES = 1
    response = api.post(
        BASE,
        {"title": "Too big", "items": [ITEM] * 3, "parties": [PARTY, PARTY]},
        format="json",
    )
    assert response.status_code == 400, response.content
    errors = {error["field"]: error for error in response.json()["errors"]}
    assert errors["items"]["message"] == "A notification may list at most 2 items."
    assert errors["items"]["code"] == "too_many"
    assert errors["parties"]["message"] == "A notification may name at most 1 parties."
    assert not Notification.objects.exists()
    assert not Item.objects.exists()
    assert not Party.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_an_item_over_the_cap(api, draft, settings):
    settings.NOTIFICATION_MAX_ITEMS = 1  # the draft already holds one
    response = api.post(f"{BASE}{draft.public_id}/items/", ITEM, format="json")
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert error == {
        "field": "items",
        "code": "too_many",
        "message": "A notification may list at most 1 items.",
    }
    assert draft.items.count() == 1


# --- Submitting many items ----------------------------------------------------------------------


def _submit_queries(count: int, capture_on_commit) -> int:
    notification = ready_notification()
    ItemFactory.create_batch(count - 1, notification=notification)
    PartyFactory.create_batch(
        count // 10, notification=notification, role="consignee", name="Freight"
    )
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        services.notification_submit(
            notification=notification, actor=notification.created_by, declaration_accepted=True
        )
    notification.refresh_from_db()
    assert notification.status != Status.DRAFT
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_submit_and_screening_take_as_many_queries_for_many_items_as_for_one(
    django_capture_on_commit_callbacks,
):
    """Submitting (and, in-process, screening) must not run a query per item or per party: a
    notification at the cap must submit without growing with its size."""
    # The test's one transaction takes the audit chain's lock (PostgreSQL) at the first
    # submission and holds it after: both measured submissions come after that one.
    _submit_queries(1, django_capture_on_commit_callbacks)
    few = _submit_queries(1, django_capture_on_commit_callbacks)
    many = _submit_queries(60, django_capture_on_commit_callbacks)
    assert many == few


# --- The End User List workbook -----------------------------------------------------------------


def _workbook(path: Path, *, far_cell: str | None = None, drop_dimension: bool = False) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "ユーザーリスト"
    sheet.append(HEADER)
    sheet.append(good_row())
    if far_cell:
        sheet[far_cell] = "x"
    workbook.save(path)
    if drop_dimension:
        rewritten = path.with_suffix(".nodim.xlsx")
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename.startswith("xl/worksheets/"):
                    start = data.index(b"<dimension")
                    data = data[:start] + data[data.index(b"/>", start) + 2 :]
                target.writestr(info, data)
        return rewritten
    return path


def test_a_sheet_wider_than_the_bound_is_refused_before_any_cell_is_read(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "wide.xlsx", far_cell="XFD2")
    read = []
    original = meti_eul._find_header
    monkeypatch.setattr(meti_eul, "_find_header", lambda rows: read.append(rows) or original(rows))
    result = parse_workbook(path)
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (
            None,
            "XFD",
            "sheet 'ユーザーリスト' extends to column XFD (16,384 columns); "
            "more than 64 columns is refused",
        )
    ]
    assert result.entries == []
    assert read == []  # refused on the declared dimension alone


def test_a_sheet_without_a_dimension_is_read_no_wider_than_the_bound(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "nodim.xlsx", far_cell="XFD2", drop_dimension=True)
    widths = []
    original = meti_eul._find_header

    def spy(rows):
        widths.extend(len(row) for row in rows)
        return original(rows)

    monkeypatch.setattr(meti_eul, "_find_header", spy)
    result = parse_workbook(path)
    assert result.problems == []
    assert len(result.entries) == 1
    assert max(widths) <= meti_eul.MAX_COLUMNS


def test_a_worksheet_packed_with_cells_is_refused_by_its_expanded_size(tmp_path, monkeypatch):
    """Every cell in the sheet's XML is parsed, even outside the columns read, so the sheet's
    expanded size is bounded too (a 346 KB workbook once held enough cells for 130 s of CPU)."""
    path = _workbook(tmp_path / "packed.xlsx")
    monkeypatch.setattr(meti_eul, "MAX_SHEET_XML_BYTES", 1024 * 1024)
    packed = tmp_path / "packed-big.xlsx"
    row = "".join(f'<c r="G{n}"><v>1</v></c>' for n in range(3, 60_000))
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", f'<row r="3">{row}</row></sheetData>'.encode())
            out.writestr(info.filename, data)
    assert packed.stat().st_size < 400 * 1024
    result = parse_workbook(packed)
    (problem,) = result.problems
    assert problem.reason.startswith("the worksheet xl/worksheets/sheet1.xml expands to ")
    assert problem.reason.endswith("bytes; over 1 MB is refused")
    assert result.entries == []
