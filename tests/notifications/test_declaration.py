"""The declaration on submitting (issue 22, part 2): the penalty warning and the exact text, with
its version, are shown, stored with the attestation, printed on the receipt, shown to the reviewer
and returned by the API."""

import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils import translation

from exportctl.accounts.roles import Role
from notifications import declaration, services
from notifications.forms import DeclarationForm
from notifications.models import Notification
from notifications.workflow import Status
from tests.api.conftest import token_client
from tests.documents.receipts import first_download
from tests.factories import ExporterFactory, UserFactory, ready_notification

pytestmark = pytest.mark.django_db


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_version_keeps_its_text_in_both_languages():
    assert declaration.DECLARATION_VERSION in declaration.DECLARATIONS
    for code, version in declaration.DECLARATIONS.items():
        assert version.version == code
        for language in declaration.LANGUAGES:
            assert version.warning[language] and version.statement[language]
    # The warning names the Act and its penalties in the official wording.
    current = declaration.current()
    assert "外国為替及び外国貿易法" in current.warning["ja"]
    assert "10億円以下" in current.warning["ja"]
    assert "Foreign Exchange and Foreign Trade Act" in current.warning["en"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_stored_text_is_the_text_shown_on_the_submit_step(client, language):
    exporter = ExporterFactory(preferred_language=language)
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    client.force_login(exporter)
    step = reverse("notifications:edit", args=[draft.public_id, "review"])

    page = client.get(step, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        form = DeclarationForm()
        shown_warning, shown_statement = form.warning, str(form.fields["declaration"].label)
    assert shown_warning in page and shown_statement in page
    assert f'<span class="mono" data-declaration-version>{declaration.DECLARATION_VERSION}' in page

    response = client.post(step, {"declaration": "on"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.declaration_version == declaration.DECLARATION_VERSION
    assert draft.declaration_language == language
    assert draft.declaration_text == f"{shown_warning}\n\n{shown_statement}"
    assert draft.declaration_accepted_at == draft.submitted_at


def test_api_submit_stores_and_returns_the_declaration(django_capture_on_commit_callbacks):
    exporter = ExporterFactory()
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    api = token_client(exporter, "ja")

    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            f"/api/v1/notifications/{draft.public_id}/submit/",
            {"declaration_accepted": True, "declaration_version": declaration.DECLARATION_VERSION},
            format="json",
        )

    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    expected = declaration.current().text("ja")
    assert draft.declaration_text == expected
    body = response.json()["declaration"]
    assert body["version"] == declaration.DECLARATION_VERSION
    assert body["language"] == "ja"
    assert body["text"] == expected


def test_api_submit_with_an_outdated_declaration_version_is_refused_and_changes_nothing():
    exporter = ExporterFactory()
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    api = token_client(exporter, "en")

    response = api.post(
        f"/api/v1/notifications/{draft.public_id}/submit/",
        {"declaration_accepted": True, "declaration_version": "2020-01-01.1"},
        format="json",
    )

    assert response.status_code == 400
    draft.refresh_from_db()
    assert (draft.status, draft.declaration_version, draft.declaration_text) == (
        Status.DRAFT,
        "",
        "",
    )


def _submitted_and_cleared(language: str) -> Notification:
    exporter = ExporterFactory()
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    with translation.override(language):
        services.notification_submit(notification=draft, actor=exporter, declaration_accepted=True)
    draft.refresh_from_db()
    Notification.objects.filter(pk=draft.pk).update(status=Status.CLEARED)
    draft.refresh_from_db()
    return draft


def test_the_receipt_prints_the_version_and_the_text_agreed_to(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notification = _submitted_and_cleared("ja")
    document = first_download(notification)
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert declaration.DECLARATION_VERSION in text
    assert _squash(declaration.current().statement["ja"]) in text


def test_the_reviewer_sees_the_declaration_on_the_case_page(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = _submitted_and_cleared("en")
    Notification.objects.filter(pk=notification.pk).update(status=Status.UNDER_REVIEW)
    reviewer = UserFactory(roles=[Role.REVIEWER])
    client.force_login(reviewer)
    page = client.get(
        reverse("review:case", args=[notification.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    block = page.split('id="case-declaration"', 1)[1].split("</dd>", 1)[0]
    assert declaration.DECLARATION_VERSION in block
    assert declaration.current().statement["en"] in block
