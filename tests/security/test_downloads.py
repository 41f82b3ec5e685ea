"""Issue 19, findings 5 and 6: one door for every download.

Every download of an attachment or an issued document — the exporter's page, the exporter's API,
the reviewer's page, the auditor's page — goes through ``notifications.documents.downloads``,
which checks access, writes one event of the same shape and serves the file under a safe name
whose extension is the one of the type checked by content on upload.
"""

import hashlib
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications.documents import downloads
from notifications.models import Attachment, AttachmentKind
from tests.security.world import build_world, pdf_bytes

pytestmark = pytest.mark.django_db

#: The data every attachment download records, whichever door it came through.
ATTACHMENT_EVENT_KEYS = {"door", "name", "filename", "content_type", "sha256", "notification"}
DOCUMENT_EVENT_KEYS = {"door", "number", "filename", "kind", "sha256", "notification"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_world()


def _upload(notification, user, name: str) -> tuple[Attachment, bytes]:
    """A real PDF stored under a name that claims something else (the content check on upload
    judged it a PDF)."""
    content = pdf_bytes("contract")
    attachment = Attachment(
        notification=notification,
        kind=AttachmentKind.CONTRACT,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    attachment.file.save("stored.pdf", ContentFile(content), save=False)
    attachment.save()
    return attachment, content


def _client(user, *, api: bool = False):
    if api:
        client = APIClient()
        _row, secret = api_token_create(actor=user, expires_in_days=None, via="test")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client
    client = Client()
    client.force_login(user)
    return client


def _attachment_url(door: str, notification, attachment) -> str:
    return {
        "exporter_web": f"/notifications/{notification.public_id}/attachments/"
        f"{attachment.public_id}/",
        "exporter_api": f"/api/v1/notifications/{notification.public_id}/attachments/"
        f"{attachment.public_id}/download/",
        "reviewer": f"/review/{notification.public_id}/attachments/{attachment.public_id}/",
    }[door]


def _attachment_user(door: str, world):
    return world.users["reviewer"] if door == "reviewer" else world.a.exporter


ATTACHMENT_DOORS = ["exporter_web", "exporter_api", "reviewer"]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Finding 5: the exporter's own download is on the record -------------------------------


def test_finding5_the_exporters_page_download_of_an_attachment_is_audited(world):
    attachment = world.a.case_attachment
    client = _client(world.a.exporter)

    response = client.get(_attachment_url("exporter_web", world.a.case, attachment))

    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action="attachment.download")
    assert event.actor_id == world.a.exporter.pk
    assert event.object_id == str(attachment.public_id)
    assert event.firm_id == world.a.firm.pk
    assert event.data["door"] == "exporter_web"
    assert event.data["sha256"] == attachment.sha256


@pytest.mark.parametrize("door", ATTACHMENT_DOORS)
def test_every_attachment_door_goes_through_the_one_service(door, world, monkeypatch):
    """Each door calls ``downloads.attachment_download`` and nothing else serves the file."""
    calls = []
    real = downloads.attachment_download

    def spy(**kwargs):
        calls.append(kwargs["door"])
        return real(**kwargs)

    monkeypatch.setattr(downloads, "attachment_download", spy)
    user = _attachment_user(door, world)
    client = _client(user, api=door == "exporter_api")

    response = client.get(_attachment_url(door, world.a.case, world.a.case_attachment))

    assert response.status_code == 200
    assert calls == [door]
    [event] = AuditEvent.objects.filter(action="attachment.download")
    assert set(event.data) == ATTACHMENT_EVENT_KEYS
    assert (event.actor_id, event.data["door"]) == (user.pk, door)


@pytest.mark.parametrize(
    ("door", "who"),
    [("exporter_web", "exporter"), ("exporter_api", "exporter"), ("reviewer", "reviewer")]
    + [("auditor", "auditor")],
)
def test_every_document_door_goes_through_the_one_service(door, who, world, monkeypatch):
    calls = []
    real = downloads.document_download

    def spy(**kwargs):
        calls.append(kwargs["door"])
        return real(**kwargs)

    monkeypatch.setattr(downloads, "document_download", spy)
    document, notification = world.a.permit_document, world.a.approved
    user = world.a.exporter if who == "exporter" else world.users[who]
    url = {
        "exporter_web": f"/notifications/{notification.public_id}/documents/{document.public_id}/",
        "exporter_api": f"/api/v1/notifications/{notification.public_id}/documents/"
        f"{document.public_id}/download/",
        "reviewer": f"/review/{notification.public_id}/documents/{document.public_id}/",
        "auditor": f"/audit/documents/{document.public_id}/",
    }[door]

    response = _client(user, api=door == "exporter_api").get(url)

    assert response.status_code == 200
    assert calls == [door]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{document.number}.pdf\"; filename*=UTF-8''{document.number}.pdf"
    )
    assert hashlib.sha256(_body(response)).hexdigest() == document.sha256
    [event] = AuditEvent.objects.filter(action="document.download")
    assert set(event.data) == DOCUMENT_EVENT_KEYS
    assert (event.actor_id, event.object_id, event.data["door"]) == (
        user.pk,
        str(document.public_id),
        door,
    )


# --- Finding 6: the served name's extension is the checked type's ----------------------------


@pytest.mark.parametrize("door", ATTACHMENT_DOORS)
def test_finding6_a_pdf_uploaded_as_html_downloads_as_pdf(door, world):
    attachment, content = _upload(world.a.case, world.a.exporter, "contract.html")
    client = _client(_attachment_user(door, world), api=door == "exporter_api")

    response = client.get(_attachment_url(door, world.a.case, attachment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _body(response) == content
    event = AuditEvent.objects.get(action="attachment.download")
    assert (event.data["name"], event.data["filename"]) == ("contract.html", "contract.pdf")


def test_a_japanese_name_stays_readable_and_path_and_control_characters_go(world):
    japanese, _ = _upload(world.a.case, world.a.exporter, "売買契約書.html")
    hostile, _ = _upload(world.a.case, world.a.exporter, "..\\../etc/\x07in\u202evoice\r\n.exe")
    client = _client(world.a.exporter)

    response = client.get(_attachment_url("exporter_web", world.a.case, japanese))
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"download.pdf\"; filename*=UTF-8''{quote('売買契約書.pdf')}"
    )
    response = client.get(_attachment_url("exporter_web", world.a.case, hostile))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    )


@pytest.mark.parametrize(
    ("name", "content_type", "served"),
    [
        ("contract.html", "application/pdf", "contract.pdf"),
        ("photo.PDF", "image/jpeg", "photo.jpg"),
        (
            "sheet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "sheet.xlsx",
        ),
        ("a/b/c.tar.gz", "image/png", "c.tar.png"),
        (".htaccess", "application/pdf", "htaccess.pdf"),
        ("\x00\x1f", "application/pdf", "attachment.pdf"),
        ('say "hi".pdf', "application/pdf", "say 'hi'.pdf"),
    ],
)
def test_safe_filename(name, content_type, served):
    assert downloads.safe_filename(name, content_type) == served


# --- Access stays with the door -------------------------------------------------------------


def test_another_firms_attachment_is_404_at_every_door_and_nothing_is_recorded(world):
    other = world.b.case_attachment
    before = AuditEvent.objects.count()
    assert (
        _client(world.a.exporter)
        .get(_attachment_url("exporter_web", world.b.case, other))
        .status_code
        == 404
    )
    assert (
        _client(world.a.exporter, api=True)
        .get(_attachment_url("exporter_api", world.b.case, other))
        .status_code
        == 404
    )
    # An attachment id under a notification it does not belong to: also 404.
    assert (
        _client(world.users["reviewer"])
        .get(_attachment_url("reviewer", world.a.case, other))
        .status_code
        == 404
    )
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert "attachment.download" not in actions
    assert "access.refused" not in actions
