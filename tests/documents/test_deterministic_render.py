"""A document's bytes are a function of its content and its issue time (issue 23).

Rendering the same receipt content and signing it at the same time gives the same file, in
another process too: WeasyPrint's file identifier is the document number, its font subset tags
are derived from the font description, and the signature's time, the metadata's modification
date and the signed revision's file identifier are pinned to the issue time. This is what lets
a receipt's PDF be made again later and still match the SHA-256 recorded for it.
"""

import datetime
import hashlib
import os
import pickle
import subprocess
import sys
from io import BytesIO

import pytest
from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader

from notifications.documents import content, render, signing
from notifications.models import DocumentKind
from tests.documents.receipts import first_download

pytestmark = pytest.mark.django_db

ISSUED_AT = datetime.datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=datetime.UTC)

RENDER_IN_ANOTHER_PROCESS = """
import pickle, sys
import django
django.setup()
from notifications.documents import render, signing
kind, context, signed_at = pickle.load(open(sys.argv[1], "rb"))
pdf = signing.sign_pdf(render.render_pdf(kind, context), signed_at=signed_at)
sys.stdout.buffer.write(pdf)
"""


def _receipt_context(notification, issued_at=ISSUED_AT) -> dict:
    issue = content.Issue(
        kind=DocumentKind.RECEIPT,
        number="RC-2026-000042",
        verification_code="ABCD2345EFGH",
        issued_at=issued_at,
    )
    return content.document_context(issue=issue, notification=notification)


def _render_in_subprocess(snapshot, signing_files) -> bytes:
    key, cert = signing_files
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exportctl.settings_for_tests",
        "EXPORTCTL_DOCUMENT_SIGNING_KEY": str(key),
        "EXPORTCTL_DOCUMENT_SIGNING_CERT": str(cert),
        "EXPORTCTL_DOCUMENT_SIGNING_KEY_PASSPHRASE": "test passphrase",
    }
    result = subprocess.run(
        [sys.executable, "-c", RENDER_IN_ANOTHER_PROCESS, str(snapshot)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=180,
        check=True,
    )
    return result.stdout


def test_the_same_receipt_rendered_in_two_processes_is_byte_identical(
    cleared_case, signing_files, tmp_path
):
    context = _receipt_context(cleared_case)
    snapshot = tmp_path / "receipt.pickle"
    snapshot.write_bytes(pickle.dumps((DocumentKind.RECEIPT.value, context, ISSUED_AT)))

    first = _render_in_subprocess(snapshot, signing_files)
    second = _render_in_subprocess(snapshot, signing_files)

    assert first.startswith(b"%PDF-")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert first == second
    # ...and the same bytes as this process makes: nothing depends on the process either.
    here = signing.sign_pdf(render.render_pdf(DocumentKind.RECEIPT, context), signed_at=ISSUED_AT)
    assert here == first
    verdict = signing.validate_pdf_signature(first)
    assert verdict.ok, verdict
    assert verdict.signed_at == ISSUED_AT.replace(microsecond=0)


def test_an_issued_receipt_renders_again_to_its_recorded_sha256(cleared_case):
    document = first_download(cleared_case)
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        stored = handle.read()
    issue = content.Issue(
        kind=document.kind,
        number=document.number,
        verification_code=document.verification_code,
        issued_at=document.issued_at,
    )
    context = content.document_context(issue=issue, notification=cleared_case)

    again = signing.sign_pdf(
        render.render_pdf(document.kind, context), signed_at=document.issued_at
    )

    assert hashlib.sha256(again).hexdigest() == document.sha256
    assert again == stored
    assert signing.validate_pdf_signature(again).signed_at == document.issued_at.replace(
        microsecond=0
    )


def test_signing_pins_the_time_metadata_and_file_identifier(cleared_case):
    pdf = render.render_pdf(DocumentKind.RECEIPT, _receipt_context(cleared_case))
    later = ISSUED_AT + datetime.timedelta(seconds=1)

    first = signing.sign_pdf(pdf, signed_at=ISSUED_AT)
    second = signing.sign_pdf(pdf, signed_at=ISSUED_AT)

    assert first == second
    # Another signing time is another file; and without a pinned time pyHanko's clock and
    # random file identifier make every signature different.
    assert signing.sign_pdf(pdf, signed_at=later) != first
    assert signing.sign_pdf(pdf) != signing.sign_pdf(pdf)

    reader = PdfFileReader(BytesIO(first))
    expected_id = hashlib.sha256(pdf + ISSUED_AT.isoformat().encode()).digest()[:16]
    assert reader.trailer["/ID"][1] == expected_id
    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert 'xmp:ModifyDate="2026-12-05T01:02:03+00:00"' in xmp  # signing time, not the clock


def test_a_naive_signing_time_is_refused(cleared_case):
    pdf = render.render_pdf(DocumentKind.RECEIPT, _receipt_context(cleared_case))
    with pytest.raises(ValueError):
        signing.sign_pdf(pdf, signed_at=ISSUED_AT.replace(tzinfo=None))
