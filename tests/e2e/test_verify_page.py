"""A customs officer holding a printed permit checks it on the public verify page: the link in the
QR code answers at once with the permit's one number, its type, validity, holder, destination, end
user and goods (never their value); a mistyped code gets the same "no match" as an unknown
number."""

import os

import pytest
from django.core.cache import cache
from django.db import transaction

from exportctl.accounts.roles import Role
from notifications.documents import content, signing
from notifications.documents.numbers import next_number
from notifications.documents.services import document_issue
from notifications.models import Decision, DecisionKind, DocumentKind, Permit
from notifications.workflow import Status
from tests.factories import ItemFactory, PartyFactory, UserFactory, submitted_at

pytestmark = pytest.mark.e2e

SCREENSHOTS = os.environ.get("EXPORTCTL_E2E_SCREENSHOTS")


@pytest.fixture
def issued_permit(transactional_db, settings, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.generate_demo_key(key, cert)
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = key, cert
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = ""
    settings.PUBLIC_BASE_URL = "https://portal.example.go.jp"
    cache.clear()
    notification = submitted_at(
        Status.APPROVED,
        firm__name="Tokai Precision Instruments K.K.",
        firm__name_local="東海精密機器株式会社",
        destination_country="TH",
    )
    notification.items.all().delete()
    notification.parties.filter(role="end_user").update(
        name="Siam Motor Works Co., Ltd.", local_name="", country="TH"
    )
    ItemFactory(
        notification=notification,
        description="5-axis machining centre",
        quantity=2,
        unit="units",
        value_jpy=48_000_000,
    )
    PartyFactory(
        notification=notification,
        role="consignee",
        position=2,
        name="Bangkok Logistics",
        local_name="曼谷物流",
    )
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=UserFactory(roles=[Role.REVIEWER]),
        conditions="No re-export.",
        validity_months=6,
    )
    with transaction.atomic():
        Permit.objects.create(
            notification=notification,
            decision=decision,
            number=next_number(DocumentKind.PERMIT, year=2026),
            conditions="No re-export.",
            valid_from="2026-11-20",
            valid_until="2099-05-20",
        )
    return document_issue(notification=notification, kind=DocumentKind.PERMIT)


def test_the_qr_link_verifies_and_a_wrong_code_is_not_found(page, live_server, issued_permit):
    qr_target = content.verify_url(issued_permit.number, issued_permit.verification_code)
    assert qr_target.startswith("https://portal.example.go.jp/verify/?")
    path = qr_target.split("/verify/", 1)[1]
    page.goto(f"{live_server.url}/verify/{path}")

    result = page.locator("#verify-result")
    permit = issued_permit.permit
    # The permit's one number: the document number the QR code and the page both carry.
    assert issued_permit.number == permit.number == "PM-2026-000001"
    assert page.locator("#verify-number").inner_text() == permit.number
    assert page.locator("#verify-kind").get_attribute("data-kind") == "permit"
    assert page.locator("#verify-kind").inner_text() == "許可証"  # Permit
    assert page.locator("#verify-status").inner_text() == "有効"  # Valid
    assert "2099" in page.locator("#verify-validity").inner_text()
    assert "東海精密機器株式会社" in page.locator("#verify-holder").inner_text()
    assert page.locator("#verify-destination").inner_text() == "タイ (TH)"
    assert page.locator("#verify-end-user").inner_text() == "Siam Motor Works Co., Ltd."
    assert "5-axis machining centre — 2 units" in page.locator("#verify-goods").inner_text()
    assert "Bangkok Logistics" not in result.inner_text()
    assert "48,000,000" not in result.inner_text()
    assert "No re-export" not in result.inner_text()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/verify-found.png", full_page=True)

    # The officer retypes the code by hand and gets one character wrong.
    page.locator("#id_code").fill(
        "ACDE-FGHK" if issued_permit.verification_code != "ACDEFGHK" else "ACDE-FGHJ"
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#verify-result").get_attribute("role") == "alert"
    wrong_code = page.locator("#verify-result").inner_text()
    assert page.locator("#verify-number").count() == 0

    page.locator("#id_number").fill("PM-2026-999999")
    page.locator("#id_code").fill(issued_permit.verification_code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#verify-result").inner_text() == wrong_code
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/verify-not-found.png", full_page=True)
