"""Builders for the exporter journey's tests: files of each type, made for real."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exportctl.accounts.roles import Role
from tests.factories import ExporterFactory, FirmFactory, NotificationFactory, UserFactory


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def xlsx_bytes() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet().write(0, 0, "Item")
    workbook.close()
    return buffer.getvalue()


def docx_like_bytes() -> bytes:
    """An OOXML word-processing package: a zip, but not a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def exe_bytes() -> bytes:
    """The start of a Windows executable (MZ header with a PE signature)."""
    header = bytearray(512)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header)


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def exporter():
    return ExporterFactory(email="exporter@example.com")


@pytest.fixture
def colleague(exporter):
    return ExporterFactory(firm=exporter.firm, email="colleague@example.com")


@pytest.fixture
def outsider():
    """An exporter of another firm."""
    return ExporterFactory(firm=FirmFactory(), email="outsider@example.com")


@pytest.fixture
def reviewer():
    return UserFactory(email="reviewer@ministry.example", roles=[Role.REVIEWER])


@pytest.fixture
def draft(exporter):
    return NotificationFactory(firm=exporter.firm, created_by=exporter, checklist={})
