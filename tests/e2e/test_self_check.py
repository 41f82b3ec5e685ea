"""The exporter checks a business partner's name before filing: a listed university under a
variant spelling is found and explained; a harmless name gets a clear "no match" result."""

import hashlib
import io
import os
import re

import pypdf
import pytest
from django.contrib.auth.models import Group

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.documents import signing
from partners.services import list_version_import, list_version_publish, reference_data_load
from screening import index_cache, rules
from screening.models import SelfCheckRecord
from tests.e2e.conftest import assert_accessible, sign_in
from tests.partners.conftest import EUL_2025_09

pytestmark = pytest.mark.e2e

EMAIL = "exporter@example.com"
PASSWORD = "demo-password-2026"
SCREENSHOTS = os.environ.get("EXPORTCTL_E2E_SCREENSHOTS")


@pytest.fixture
def exporter(transactional_db) -> User:
    firm = Firm.objects.create(
        name="Kanto Precision Co., Ltd.",
        name_local="関東精密株式会社",
        corporate_number="7000012050002",
    )
    user = User.objects.create_user(email=EMAIL, password=PASSWORD, firm=firm)
    user.groups.add(Group.objects.get(name=Role.EXPORTER))
    return user


@pytest.fixture
def real_eul(transactional_db):
    """The real End User List of 2025-09-29, imported and published as the list manager would."""
    index_cache.clear()
    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    return list_version_publish(version=version, actor=None)


def check(page, name: str, country: str = "") -> None:
    """Check a name; ``country`` is typed into the country autocomplete as its code and the
    suggestion that names it ("Iran (IR)") is picked, as a user would."""
    page.get_by_label("Name to check").fill(name)
    if country:
        box = page.get_by_label("Country (optional)")
        box.press_sequentially(country)
        page.locator("[role=listbox] [role=option]", has_text=f"({country})").first.click()
    page.get_by_role("button", name="Check the name").click()
    page.wait_for_selector("#self-check-result")


def test_exporter_finds_a_listed_university_and_then_a_clean_name(
    page, live_server, exporter, real_eul
):
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.goto("/screening/self-check/")
    # Signing in applies the user's language (Japanese); the journey is asserted in English.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Check a name against the lists"
    assert "This check is advisory." in page.locator(".self-check__notice").inner_text()

    check(page, "Amirkabir Univ. of Technology", "IR")
    result = page.locator("#self-check-result")
    assert result.get_attribute("data-outcome") == "match"
    hit = result.locator(".self-check__hit")
    assert hit.count() == 1
    assert hit.get_attribute("data-entry-number") == "45"
    assert (
        hit.locator(".self-check__hit-title")
        .inner_text()
        .startswith("Amir Kabir University of Technology")
    )
    assert hit.locator("[data-matched-name]").inner_text() == (
        "Amirkabir University of Technology (an alias)"
    )
    entry = hit.locator(".self-check__entry").first.inner_text()
    assert "B, C, M, N" in entry
    assert "version 2025-09-29" in entry
    pairs = hit.locator(".self-check__pairs tbody tr")
    assert [pairs.nth(i).locator("td").nth(0).inner_text() for i in range(pairs.count())] == [
        "amirkabir",
        "university",
        "technology",
    ]
    # The form keeps what was typed.
    assert page.get_by_label("Name to check").input_value() == "Amirkabir Univ. of Technology"
    assert (
        page.get_by_label("Country (optional)").input_value() == "Iran (IR)"
    )  # the autocomplete shows the kept choice by name
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/self_check_hit.png", full_page=True)

    check(page, "Kanto Bakery Supplies Co., Ltd.", "JP")
    result = page.locator("#self-check-result")
    assert result.get_attribute("data-outcome") == "no_match"
    assert result.locator(".self-check__hit").count() == 0
    assert "No match at the alert threshold" in result.inner_text()
    assert "version 2025-09-29" in result.inner_text()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/self_check_no_match.png", full_page=True)

    events = AuditEvent.objects.filter(action="screening.self_check").order_by("seq")
    assert [(e.data["query"], e.data["country"], e.data["hits"]) for e in events] == [
        ("Amirkabir Univ. of Technology", "IR", 1),
        ("Kanto Bakery Supplies Co., Ltd.", "JP", 0),
    ]


@pytest.fixture
def signing_key(settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.generate_demo_key(key, cert)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = key, cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_exporter_downloads_the_signed_record_of_a_check(
    page, live_server, exporter, real_eul, signing_key, tmp_path
):
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.goto("/screening/self-check/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()

    # The name alone (the country field's suggestions are another step's business).
    page.get_by_label("Name to check").fill("Amirkabir Univ. of Technology")
    page.get_by_role("button", name="Check the name").click()
    page.wait_for_selector("#self-check-result")
    record = SelfCheckRecord.objects.get()
    button = page.get_by_role("link", name=f"Download the signed record {record.number} (PDF)")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"{record.number}.pdf"
    path = tmp_path / "record.pdf"
    download.save_as(path)
    pdf = path.read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", "", text)
    for expected in (record.number, "AmirkabirUniv.ofTechnology", "2025-09-29", "Matchfound"):
        assert expected in text, expected
    assert signing.validate_pdf_signature(pdf).ok
    record.refresh_from_db()
    assert record.sha256 == hashlib.sha256(pdf).hexdigest()

    # The firm's list of records names it and offers the same download.
    page.get_by_role("link", name="My self-check records").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "My self-check records"
    row = page.locator(f'tr[data-record="{record.number}"]')
    assert "Amirkabir Univ. of Technology" in row.inner_text()
    assert_accessible(page)
    with page.expect_download() as again:
        row.get_by_role("link").click()
    assert again.value.path().read_bytes() == pdf  # the stored record, unchanged


def test_criteria_page_is_public(page, live_server):
    reference_data_load()
    page.goto("/screening/criteria/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Screening criteria"
    assert page.locator("[data-rule]").count() == len(rules.RULES)
    assert page.locator("[data-ruleset-version]").inner_text() == rules.RULESET_VERSION
    # Countries by name, sorted by name, each with its code.
    assert (
        page.locator("[data-tier='group_a'] td")
        .first.inner_text()
        .startswith("Argentina (AR), Australia (AU), Austria (AT), Belgium (BE),")
    )
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/criteria.png", full_page=True)
