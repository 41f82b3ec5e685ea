"""Inform notices in a real Chromium, in Japanese: a reviewer issues one on the ministry's own
initiative; the firm's exporter finds it, cites it in a filing dated yesterday, is warned on the
review step, and submits; the filing goes to review (never cleared) and the reviewer sees it
flagged late and covered by the notice."""

import datetime

import pytest
from django.utils import timezone

from exportctl.accounts.roles import Role
from notifications.documents import signing
from notifications.models import InformNotice, Notification, Party
from notifications.workflow import Status
from tests.e2e.conftest import sign_in
from tests.factories import ExporterFactory, UserFactory, ready_notification
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def browser_locale() -> str:
    return "ja-JP"


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def test_a_notice_issued_by_the_ministry_holds_the_firms_late_filing_for_review(
    page, live_server, eager_tasks, settings, tmp_path
):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.generate_demo_key(key, cert)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = key, cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.PUBLIC_BASE_URL = live_server.url
    make_tiers()
    publish_eul(EUL_SAMPLE)
    reviewer = UserFactory(
        email="sato@meti.example.jp", password=PASSWORD, preferred_language="ja",
        roles=[Role.REVIEWER],
    )  # fmt: skip
    exporter = ExporterFactory(
        email="export@tokai.example", password=PASSWORD, preferred_language="ja"
    )
    draft = ready_notification(
        firm=exporter.firm,
        created_by=exporter,
        destination_country="US",
        planned_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    Party.objects.filter(notification=draft).update(name="Acme Precision Tools Inc.", country="US")

    # The reviewer issues the notice on the ministry's own initiative.
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/review/inform-notices/")
    with page.expect_navigation():
        page.locator("#issue-inform-notice").click()
    # Fields by id: the page is in Japanese, whatever the wording of the merged translation.
    page.locator("#id_firm").select_option(str(exporter.firm.pk))
    page.locator("input[name=subject_kind][value=end_user]").check()
    page.locator("#id_subject").fill("Acme Precision Tools")
    page.locator("#id_grounds").fill("ミサイル開発への転用のおそれがある。")
    with page.expect_navigation():
        page.locator("#issue").click()
    notice = InformNotice.objects.get()
    assert notice.number in page.locator("#inform-notice").inner_text()
    assert notice.notification is None
    sign_out(page)

    # The exporter finds it and cites it in the filing.
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto(f"{live_server.url}/notifications/inform-notices/")
    assert notice.number in page.locator("#inform-notices").inner_text()
    page.goto(f"{live_server.url}/notifications/{draft.public_id}/edit/end_use/")
    page.locator("#id_inform_notice_received").check()
    page.locator("#id_inform_notice").select_option(str(notice.public_id))
    with page.expect_navigation():
        page.locator("#end-use-form button[type=submit]").first.click()
    draft.refresh_from_db()
    assert draft.inform_notice == notice

    page.goto(f"{live_server.url}/notifications/{draft.public_id}/edit/review/")
    assert draft.planned_date.isoformat() in page.locator("#late-warning").inner_text()
    assert notice.number in page.locator("#inform-notice-warning").inner_text()
    page.locator("input[name=declaration]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    draft.refresh_from_db()
    assert draft.status == Status.UNDER_REVIEW
    assert draft.planned_date_late is True
    sign_out(page)

    # The reviewer sees the filing flagged late and held by the notice.
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/review/?late=on")
    rows = page.locator("#review-queue tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-reference") == draft.reference
    page.goto(f"{live_server.url}/review/{draft.public_id}/")
    assert page.locator("#late-flag").is_visible()
    assert notice.number in page.locator("#covering-notices").locator("xpath=..").inner_text()
    assert Notification.objects.get(pk=draft.pk).status == Status.UNDER_REVIEW
