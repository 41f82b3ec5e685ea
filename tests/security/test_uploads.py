"""Hostile uploads: each is refused with a message saying why, and nothing is kept — no file under
MEDIA_ROOT, no row, no audit event, no list version.

Exporters' documents are checked by content (an executable called .pdf, a PDF that is also a ZIP
archive, a file over ``settings.UPLOAD_MAX_BYTES``) through the filing form and the API; the list
manager's spreadsheet is checked for a zip bomb through the import page and ``import_list``."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from exportctl.accounts.roles import Role
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications.models import Attachment
from partners.models import ListedEntry, ListVersion
from tests.factories import ExporterFactory, NotificationFactory, UserFactory
from tests.security.world import pdf_bytes

WRONG_TYPE = "Upload a PDF, PNG, JPEG or XLSX file. This file is not one of those."


def exe_bytes() -> bytes:
    """A Windows executable: MZ header, PE signature, some code-like padding."""
    header = bytearray(4096)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header)


def pdf_zip_polyglot() -> bytes:
    """A valid PDF with a ZIP archive appended: PDF readers open it from the start, unzip tools
    from the central directory at the end, so it carries an archive past a PDF check."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.exe", exe_bytes())
    return pdf_bytes("polyglot") + archive.getvalue()


def big_pdf(size: int) -> bytes:
    """A real PDF of at least ``size`` bytes (padded with a PDF comment before the trailer)."""
    content = pdf_bytes("big")
    return content[:9] + b"%" + b"x" * size + b"\n" + content[9:]


HOSTILE = {
    "executable renamed .pdf": ("contract.pdf", exe_bytes),
    "PDF/ZIP polyglot": ("contract.pdf", pdf_zip_polyglot),
}


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def draft(db):
    exporter = ExporterFactory(email="exporter@example.com")
    return NotificationFactory(firm=exporter.firm, created_by=exporter)


def _state():
    return (Attachment.objects.count(), AuditEvent.objects.count())


def _form_upload(draft, name: str, content: bytes):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(draft.created_by)
    return client.post(
        f"/notifications/{draft.public_id}/edit/documents/",
        {"kind": "contract", "file": SimpleUploadedFile(name, content, "application/pdf")},
    )


@pytest.fixture
def api(draft) -> APIClient:
    """The exporter's ERP: a token of the draft's author (made before anything is counted)."""
    _, secret = api_token_create(actor=draft.created_by, expires_in_days=None, via="test")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _api_upload(client, draft, name: str, content: bytes):
    return client.post(
        f"/api/v1/notifications/{draft.public_id}/attachments/",
        {"kind": "contract", "file": SimpleUploadedFile(name, content, "application/pdf")},
        format="multipart",
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_filing_form_refuses_hostile_file(case, draft, settings):
    name, make = HOSTILE[case]
    before = _state()

    response = _form_upload(draft, name, make())

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [WRONG_TYPE]}
    assert WRONG_TYPE in response.content.decode()
    assert _state() == before
    assert _media_files(settings) == []


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_api_refuses_hostile_file(case, api, draft, settings):
    name, make = HOSTILE[case]
    before = _state()

    response = _api_upload(api, draft, name, make())

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "file", "code": "invalid", "message": WRONG_TYPE}
    ]
    assert _state() == before
    assert _media_files(settings) == []


def test_filing_form_refuses_oversized_file(draft, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    before = _state()

    response = _form_upload(draft, "drawing.pdf", big_pdf(settings.UPLOAD_MAX_BYTES + 1))

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 1 MB."]}
    assert _state() == before
    assert _media_files(settings) == []


def test_api_refuses_oversized_file(api, draft, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    before = _state()

    response = _api_upload(api, draft, "drawing.pdf", big_pdf(settings.UPLOAD_MAX_BYTES + 1))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "file", "code": "invalid", "message": "The file is larger than 1 MB."}
    ]
    assert _state() == before
    assert _media_files(settings) == []


def test_a_plain_pdf_is_still_accepted(api, draft, settings):
    """The checks above refuse by content, not everything: the same form takes a real PDF."""
    response = _api_upload(api, draft, "contract.pdf", pdf_bytes("contract"))

    assert response.status_code == 201
    assert Attachment.objects.count() == 1
    assert len(_media_files(settings)) == 1


# --- The list manager's spreadsheet ----------------------------------------------------------

#: What the zip bomb expands to: well past the importer's 200 MB limit, from about 0.5 MB.
BOMB_EXPANDED = 512 * 1024 * 1024


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """An .xlsx-shaped archive whose worksheet is 512 MB of spaces, compressed to ~0.5 MB."""
    path = tmp_path_factory.mktemp("bomb") / "eul-2026.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(BOMB_EXPANDED // len(chunk)):
                member.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


BOMB_MESSAGE = (
    f"the workbook expands to {BOMB_EXPANDED + len('<Types/>') + len('<workbook/>'):,} bytes; "
    "over 200 MB is refused (possible zip bomb)"
)


def _list_state():
    return (ListVersion.objects.count(), ListedEntry.objects.count(), AuditEvent.objects.count())


def test_list_upload_page_refuses_zip_bomb(zip_bomb, db, settings):
    manager = UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    before = _list_state()

    with open(zip_bomb, "rb") as upload:
        response = client.post(
            "/lists/manage/import/", {"source": "meti-eul", "eul_file": upload, "label": ""}
        )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "eul_file": ["The file has 1 problem, listed below. Nothing was imported."]
    }
    assert [problem.reason for problem in response.context["problems"]] == [BOMB_MESSAGE]
    assert BOMB_MESSAGE in response.content.decode()
    assert _list_state() == before
    assert _media_files(settings) == []


def test_import_list_command_refuses_zip_bomb(zip_bomb, db, settings, capsys):
    before = _list_state()

    with pytest.raises(CommandError) as refused:
        call_command("import_list", str(zip_bomb), source="meti-eul")

    assert str(refused.value) == "1 problem(s) in eul-2026.xlsx; nothing was imported."
    assert capsys.readouterr().err.strip() == f"row -, column -: {BOMB_MESSAGE}"
    assert _list_state() == before
    assert _media_files(settings) == []


def test_list_upload_page_refuses_executable(db, settings):
    manager = UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    before = _list_state()

    response = client.post(
        "/lists/manage/import/",
        {"source": "meti-eul", "eul_file": SimpleUploadedFile("eul.xlsx", exe_bytes())},
    )

    assert response.status_code == 200
    assert [problem.reason for problem in response.context["problems"]] == [
        "the file is not an Excel workbook (.xlsx)"
    ]
    assert _list_state() == before
