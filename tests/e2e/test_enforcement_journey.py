"""Voluntary disclosure in a real Chromium, in Japanese: an exporter files one with a supporting
document; an enforcement officer finds it on the ministry's list, marked as disclosed by the firm,
and confirms it. Every page on the way passes axe-core (no serious or critical violation)."""

import pytest

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.enforcement_models import Violation, ViolationStatus
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import ExporterFactory, UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def browser_locale() -> str:
    return "ja-JP"


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def test_an_exporters_disclosure_reaches_the_enforcement_officer(page, live_server, tmp_path):
    exporter = ExporterFactory(
        email="export@tokai.example", password=PASSWORD, preferred_language="ja"
    )
    officer = UserFactory(
        email="kato@meti.example.jp", password=PASSWORD, preferred_language="ja",
        roles=[Role.ENFORCEMENT_OFFICER],
    )  # fmt: skip
    evidence = tmp_path / "報告書.pdf"
    evidence.write_bytes(PDF)

    # The exporter files the disclosure from the menu.
    sign_in(page, live_server, exporter.email, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "ja"
    with page.expect_navigation():
        page.locator("nav.site-nav a[href='/disclosures/']").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#new-disclosure").click()
    assert_accessible(page)
    page.locator("#id_kind").select_option("late_or_missing_report")
    page.locator("#id_description").fill("事前報告を出荷後に提出しました。社内手続を改めました。")
    page.locator("#id_evidence").set_input_files(str(evidence))
    with page.expect_navigation():
        page.locator("#send-disclosure").click()
    violation = Violation.objects.get()
    assert (violation.disclosed, violation.firm) == (True, exporter.firm)
    assert page.url == f"{live_server.url}/disclosures/{violation.public_id}/"
    assert "報告書.pdf" in page.locator("#evidence").inner_text()
    assert_accessible(page)
    sign_out(page)

    # The enforcement officer finds it on the ministry's list and confirms it.
    sign_in(page, live_server, officer.email, PASSWORD)
    with page.expect_navigation():
        page.locator("nav.site-nav a[href='/enforcement/']").click()
    assert_accessible(page)
    row = page.locator("#violations tbody tr")
    assert row.count() == 1
    assert exporter.firm.name in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    assert page.url == f"{live_server.url}/enforcement/violations/{violation.public_id}/"
    assert "報告書.pdf" in page.locator("#evidence").inner_text()
    assert_accessible(page)
    page.locator("#id_note").fill("社内調査報告書で事実を確認。")
    with page.expect_navigation():
        page.locator("#confirm").click()
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.CONFIRMED
    assert_accessible(page)
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions.index("violation.disclose") < actions.index("violation.confirm")
    assert "violation.evidence_added" in actions
