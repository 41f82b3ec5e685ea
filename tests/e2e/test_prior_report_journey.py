"""The key-technology prior report in a real Chromium, in Japanese: the exporter files the report
(technology and transaction, recipient, review and submit), a reviewer asks a question, the
exporter answers, the reviewer closes the report without concern, and the exporter downloads the
dated "you may proceed" letter. No permit is issued at any point.

Tasks run eagerly in the live server's thread, so screening happens when the submission commits and
the letter is rendered when the close commits.
"""

import datetime

import pytest
from django.utils import timezone
from pypdf import PdfReader

from exportctl.accounts.roles import Role
from notifications.models import Document, Notification, Permit
from notifications.workflow import Procedure, Status
from partners.services import reference_data_load
from tests.e2e.conftest import sign_in
from tests.factories import ExporterFactory, UserFactory
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def people(eager_tasks):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    reference_data_load()
    exporter = ExporterFactory(
        email="tech@example.co.jp", password=PASSWORD, preferred_language="ja"
    )
    reviewer = UserFactory(
        email="sato@meti.example.jp",
        full_name="佐藤 一郎",
        password=PASSWORD,
        preferred_language="ja",
        roles=[Role.REVIEWER],
    )
    return exporter, reviewer


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def test_prior_report_dialogue_closed_without_concern_in_japanese(page, live_server, people):
    exporter, reviewer = people
    planned = timezone.localdate() + datetime.timedelta(days=60)

    # The exporter files the report.
    sign_in(page, live_server, exporter.email, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "ja"
    page.goto(f"{live_server.url}/notifications/new/")
    page.locator("input[name=procedure][value=prior_report]").check()
    page.locator("#id_title").fill("MLCC製造技術の子会社への供与")
    with page.expect_navigation():
        page.locator("#start-draft").click()
    report = Notification.objects.get(firm=exporter.firm)
    assert report.procedure == Procedure.PRIOR_REPORT
    assert page.url.endswith(f"/notifications/{report.public_id}/edit/technology/")
    # The published list, in Japanese.
    assert "積層セラミックコンデンサ" in page.locator("#id_technology").inner_text()

    page.locator("input[name=transaction_type][value=guidance]").check()
    page.locator("#id_technology").select_option(label="積層セラミックコンデンサの設計・製造技術")
    page.locator("#id_technology_description").fill("MLCC焼成工程の技術資料と現地での技術指導")
    page.locator("input[name=recipient_relation][value=subsidiary]").check()
    page.locator("#id_planned_date").fill(planned.isoformat())
    page.locator("#id_protection_access_control").check()
    page.locator("#id_protection_contract_clauses").check()
    with page.expect_navigation():
        page.locator("#save-continue").click()
    assert page.url.endswith("/edit/parties/")

    page.locator("#id_destination_country").fill("TH")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#save-destination").click()
    page.locator("#id_role").select_option("end_user")
    page.locator("#id_name").fill("Siam Ceramic Components Co., Ltd.")
    page.locator("#id_country").fill("TH")
    page.wait_for_load_state("networkidle")
    page.locator("#add-party").click()
    page.locator("#parties tbody th", has_text="Siam Ceramic Components").wait_for()

    page.goto(f"{live_server.url}/notifications/{report.public_id}/edit/review/")
    assert page.locator("#readiness-gaps").count() == 0
    assert page.locator("#prior-report-details").is_visible()
    assert page.locator("#deadline-unconfirmed").is_visible()
    page.locator("#id_declaration").check()
    with page.expect_navigation():
        page.locator("#submit-notification").click()
    # Screening never clears a prior report: it waits for the ministry.
    page.locator("#status-panel[data-status=under_review]").wait_for()
    sign_out(page)

    # The reviewer asks a question.
    case_url = f"{live_server.url}/review/{report.public_id}/"
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(case_url)
    assert page.locator("#case-procedure").is_visible()
    assert page.locator("#prior-report-details").is_visible()
    assert page.locator("#approve-form").count() == 0
    assert page.locator("#deny-form").count() == 0
    form = page.locator("#request-info-form")
    form.locator("textarea[name=question]").fill(
        "技術指導の対象となる工程を具体的に教えてください。"
    )
    form.locator("input[name=due_on]").fill(
        (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    report.refresh_from_db()
    assert report.status == Status.INFO_REQUESTED
    sign_out(page)

    # The exporter answers, on the record.
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto(f"{live_server.url}/notifications/{report.public_id}/messages/")
    page.locator("#reply-form textarea[name=body]").fill("焼成と外部電極形成の工程のみです。")
    with page.expect_navigation():
        page.locator("#send-reply").click()
    report.refresh_from_db()
    assert report.status == Status.UNDER_REVIEW
    sign_out(page)

    # The reviewer closes the report without concern.
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(case_url)
    close = page.locator("#conclude-no-licence-form")
    close.locator("textarea[name=grounds]").fill("保護措置により懸念は解消された。")
    with page.expect_navigation():
        close.locator("#conclude-no-licence").click()
    report.refresh_from_db()
    assert report.status == Status.NO_LICENCE_REQUIRED
    assert not Permit.objects.exists()
    sign_out(page)

    # The exporter downloads the dated letter: the firm may proceed.
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto(f"{live_server.url}/notifications/{report.public_id}/")
    page.locator("#status-panel[data-status=no_licence_required]").wait_for()
    letter = Document.objects.get(notification=report)
    assert letter.kind == "no_licence_letter"
    link = page.locator("#issued-documents a", has_text=letter.number)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    text = "".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert letter.number in text
    assert "may proceed" in text
