"""Upload sniffing: what an uploaded file is, judged by its bytes, never by its name or by the
browser's claimed type. Every door that stores an uploaded file (a draft's documents, a reply's
documents, enforcement evidence) inspects it here before anything is stored.
"""

import hashlib
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_CONTENT_TYPES = (PDF, PNG, JPEG, XLSX)
#: Extensions used only for the download name; the stored name never comes from the uploader.
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", XLSX: "xlsx"}


class InspectedUpload:
    """An upload whose size, content type and digest have been checked, not yet stored."""

    def __init__(self, uploaded_file: File, content_type: str, sha256: str, size: int) -> None:
        self.uploaded_file = uploaded_file
        self.content_type = content_type
        self.sha256 = sha256
        self.size = size


def _is_xlsx(uploaded_file: File) -> bool:
    """An OOXML workbook is a zip archive holding ``xl/workbook.xml``; a .docx or a plain zip is
    not one, whatever it is called."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded_file.seek(0)
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


def _has_zip_directory(uploaded_file: File) -> bool:
    try:
        return zipfile.is_zipfile(uploaded_file)
    finally:
        uploaded_file.seek(0)


def _content_type(uploaded_file: File) -> str | None:
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in (PDF, PNG, JPEG):
        # A PDF or an image with a ZIP archive appended (a polyglot) would carry the archive
        # past a check that reads only the first bytes.
        return None if _has_zip_directory(uploaded_file) else kind.mime
    if kind.mime in (XLSX, "application/zip") and _is_xlsx(uploaded_file):
        return XLSX
    return None


def inspect_upload(uploaded_file: File) -> InspectedUpload:
    """Check by content, never by name or by the browser's claimed type."""
    limit = settings.UPLOAD_MAX_BYTES
    size = uploaded_file.size
    if not size:
        raise ValidationError({"file": [_("The file is empty.")]}, code="empty")
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
                ]
            },
            code="too_large",
        )
    content_type = _content_type(uploaded_file)
    if content_type is None:
        raise ValidationError(
            {"file": [_("Upload a PDF, PNG, JPEG or XLSX file. This file is not one of those.")]},
            code="wrong_type",
        )
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return InspectedUpload(uploaded_file, content_type, digest.hexdigest(), size)


def original_name(uploaded_file: File) -> str:
    name = (getattr(uploaded_file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:255] or "upload"
