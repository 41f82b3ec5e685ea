"""The list information pages in Chromium, in Japanese (the portal's default): the downloads of
every revision with their SHA-256, a download whose bytes hash to what the page shows, and the
page of what changed between the two shipped METI revisions; each passes axe-core.

Assertions are language-neutral (ids, data attributes, numbers)."""

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from exportctl.accounts.roles import Role
from partners.services import list_version_import, list_version_publish
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import ExporterFactory, UserFactory
from tests.partners.conftest import EUL_2025_01, EUL_2025_09

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def revisions():
    first = UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER])
    second = UserFactory(email="lists2@meti.example.jp", roles=[Role.LIST_MANAGER])

    def imported(path):
        return list_version_import(
            source_code="meti-eul", file=path, file_name=path.name, actor=first
        )

    old = list_version_publish(version=imported(EUL_2025_01), actor=first)
    new = imported(EUL_2025_09)
    list_version_publish(version=new, actor=first)
    list_version_publish(version=new, actor=second)
    return old, new


def test_downloads_page_and_a_download_matching_its_sha256(page, live_server, revisions):
    page.goto("/lists/meti-eul/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    with page.expect_navigation():
        page.locator("#downloads-link").click()
    rows = page.locator("#downloads tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-revision", "2025-09-29")
    assert_accessible(page)
    shown = page.locator("tr[data-revision='2025-09-29'] [data-sha256='json']").inner_text()
    with page.expect_download() as info:
        page.locator("tr[data-revision='2025-09-29'] a[data-format='json']").click()
    content = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == shown.strip()


def test_changes_page_between_the_two_shipped_revisions(page, live_server, revisions):
    page.goto("/lists/meti-eul/")
    with page.expect_navigation():
        page.locator("#changes-link").click()
    expect(page.locator("[data-count='added']")).to_have_text("93")
    expect(page.locator("[data-count='removed']")).to_have_text("6")
    expect(page.locator("[data-count='changed']")).to_have_text("186")
    expect(page.locator("#diff-changed tbody tr")).to_have_count(50)
    assert_accessible(page)
    # The removed entries, then the comparison the other way round.
    with page.expect_navigation():
        page.locator(".diff-tabs__link").nth(2).click()
    expect(page.locator("#diff-removed tbody tr")).to_have_count(6)
    page.locator("#id_from").select_option("2025-09-29")
    page.locator("#id_to").select_option("2025-01-31")
    with page.expect_navigation():
        page.locator("#changes-form button[type=submit]").click()
    expect(page.locator("[data-count='added']")).to_have_text("6")
    expect(page.locator("[data-count='removed']")).to_have_text("93")
    assert_accessible(page)


def test_a_firm_user_subscribes(page, live_server, revisions):
    exporter = ExporterFactory(email="trade@firm.example.jp")
    exporter.set_password(PASSWORD)
    exporter.save()
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto("/lists/")
    with page.expect_navigation():
        page.locator("#subscription-link").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#subscribe-button").click()
    expect(page.locator("#unsubscribe-button")).to_be_visible()
    assert exporter.list_subscription is not None
