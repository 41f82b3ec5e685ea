"""An auditor finds a permit by a party's name in its local script, downloads the PDF exactly as
issued, uploads it to have it verified, and exports the decisions as CSV."""

import csv
import hashlib
import io
from pathlib import Path

import pytest
from django.core.cache import cache

from exportctl.accounts.roles import Role
from notifications.documents import signing
from notifications.documents.services import document_issue
from notifications.models import Decision, DecisionKind, DocumentKind, Permit
from notifications.workflow import Status
from tests.e2e.conftest import sign_in
from tests.factories import PartyFactory, UserFactory, submitted_at

pytestmark = pytest.mark.e2e

PASSWORD = "auditor-password-2026"


@pytest.fixture
def issued_permit(transactional_db, settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.generate_demo_key(key, cert)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = key, cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    cache.clear()
    notification = submitted_at(Status.APPROVED, destination_country="TH")
    PartyFactory(
        notification=notification,
        role="consignee",
        position=2,
        name="Bangkok Logistics Trading Co., Ltd.",
        local_name="曼谷物流贸易有限公司",
        country="TH",
    )
    submitted_at(Status.CLEARED)  # another case, which the search must not return
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=UserFactory(roles=[Role.REVIEWER], email="kenji.sato@meti.example"),
        conditions="No re-export without the ministry's consent.",
        validity_months=6,
    )
    Permit.objects.create(
        notification=notification,
        decision=decision,
        number=f"EXP-2026-{notification.pk:07d}-{decision.pk:04d}",
        conditions=decision.conditions,
        valid_from="2026-11-20",
        valid_until="2027-05-20",
    )
    return document_issue(notification=notification, kind=DocumentKind.PERMIT)


def test_find_download_verify_and_export(page, live_server, issued_permit, tmp_path):
    auditor = UserFactory(roles=[Role.AUDITOR], email="auditor@boa.example")
    auditor.set_password(PASSWORD)
    auditor.save()
    sign_in(page, live_server, auditor.email, PASSWORD)
    assert page.url == f"{live_server.url}/audit/"

    # Find the case by the consignee's name in Chinese characters.
    page.locator("#id_q").fill("曼谷物流")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    rows = page.locator("#audit-results tbody tr")
    assert rows.count() == 1
    reference = issued_permit.notification.reference
    with page.expect_navigation():
        rows.first.get_by_role("link", name=reference).click()

    # The case shows the decision, the permit document and its SHA-256.
    assert page.locator("#decisions").inner_text().count("kenji.sato@meti.example") == 1
    assert issued_permit.sha256 in page.locator("#documents").inner_text()
    assert page.locator("#keep-until").is_visible()

    with page.expect_download() as download_info:
        page.locator("#documents").get_by_role("link", name=issued_permit.number).click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == issued_permit.sha256  # byte-identical

    # Upload the downloaded PDF: genuine. Then a copy with one byte changed: not genuine.
    page.goto(f"{live_server.url}/audit/verify-pdf/")
    page.locator("#id_file").set_input_files(download.path())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "verdict--ok" in page.locator("#verify-result").get_attribute("class")
    assert issued_permit.number in page.locator("#verify-result").inner_text()

    tampered = tmp_path / "tampered.pdf"
    middle = len(data) // 2
    tampered.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    page.locator("#id_file").set_input_files(str(tampered))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "verdict--bad" in page.locator("#verify-result").get_attribute("class")

    # Export the decisions as CSV.
    page.goto(f"{live_server.url}/audit/")
    with page.expect_download() as export_info:
        page.locator("#export-decisions-csv").click()
    text = Path(export_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "届出番号"  # headers in the reader's language (Japanese by default)
    assert [row[0] for row in rows[1:]] == [reference]
    assert rows[1][rows[0].index("判断者")] == "kenji.sato@meti.example"  # "Decided by"
