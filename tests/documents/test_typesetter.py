"""A documents worker renders thousands of PDFs in one process: the stylesheet is parsed and the
font configuration made once per process (and thread), not once per PDF (issue 23), and what it
renders with them is what a fresh set-up renders."""

import io
import os
import re
import threading

import pypdf
import pytest
from django.template.loader import get_template
from django.utils import timezone

from notifications.documents import content, numbers, render
from notifications.models import DocumentKind

pytestmark = pytest.mark.django_db


def _receipt_context(notification, number="R-2026-000001"):
    issue = content.Issue(
        kind=DocumentKind.RECEIPT,
        number=number,
        verification_code=numbers.new_verification_code(),
        issued_at=timezone.now(),
    )
    return content.document_context(issue=issue, notification=notification)


def _pages(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def _fonts(pdf: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_the_stylesheet_and_fonts_are_made_once_per_thread():
    render._per_thread.__dict__.clear()

    first = render.typesetter()
    again = render.typesetter()

    assert again is first
    assert again.stylesheet is first.stylesheet
    assert again.fonts is first.fonts
    other_thread = []
    thread = threading.Thread(target=lambda: other_thread.append(render.typesetter()))
    thread.start()
    thread.join()
    assert other_thread[0] is not first


def test_an_edited_stylesheet_is_parsed_again():
    render._per_thread.__dict__.clear()
    first = render.typesetter()
    path = get_template(render.STYLESHEET).origin.name
    stat = os.stat(path)
    try:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert render.typesetter() is not first
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_reused_typesetter_renders_what_a_fresh_one_renders(cleared_case):
    context = _receipt_context(cleared_case)
    render._per_thread.__dict__.clear()
    fresh = render.render_pdf(DocumentKind.RECEIPT, context)
    setter = render.typesetter()

    reused = render.render_pdf(DocumentKind.RECEIPT, context)

    assert render.typesetter() is setter
    assert _pages(reused) == _pages(fresh)
    assert "Noto-Sans-CJK-JP" in _fonts(reused)
    assert _fonts(reused) == _fonts(fresh)
    assert cleared_case.reference in _pages(reused)[0]


def test_the_documents_worker_replaces_its_child_by_task_count_and_memory():
    """WeasyPrint's heap is not given back to the system: docker-compose and the bench's copy of
    its layout replace the documents worker's child after a number of PDFs or a size."""
    from pathlib import Path

    import yaml
    from django.conf import settings

    from exportctl.benchmarks.processes import DOCUMENTS_WORKER_RECYCLING

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    command = compose["services"]["documents-worker"]["command"]
    flags = dict(zip(command[::1], command[1::1], strict=False))
    assert int(flags["--max-tasks-per-child"]) <= 500
    assert int(flags["--max-memory-per-child"]) <= 400 * 1024  # KiB
    in_compose = [
        "--max-tasks-per-child",
        flags["--max-tasks-per-child"],
        "--max-memory-per-child",
        flags["--max-memory-per-child"],
    ]
    assert in_compose == DOCUMENTS_WORKER_RECYCLING


def test_the_web_workers_are_replaced_after_a_number_of_requests():
    """A receipt's first download renders its PDF in the web process: docker-compose and the
    bench's copy of its layout recycle gunicorn's workers by request count, each a fork of the
    master that loaded the app (``--preload``)."""
    from pathlib import Path

    import yaml
    from django.conf import settings

    from exportctl.benchmarks.processes import GUNICORN_RECYCLING

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    flags = dict(zip(command, command[1:], strict=False))
    assert 0 < int(flags["--max-requests"]) <= 5000
    assert 0 < int(flags["--max-requests-jitter"]) < int(flags["--max-requests"])
    assert "--preload" in command  # a recycled worker is a fork of the loaded app
    in_compose = [
        "--preload",
        "--max-requests",
        flags["--max-requests"],
        "--max-requests-jitter",
        flags["--max-requests-jitter"],
    ]
    assert in_compose == GUNICORN_RECYCLING
