"""In Japanese, in Chromium: the exporter records a shipment on the permit page and sees the
balance go down; an over-balance shipment is refused with the reason; the submit step shows the
penalty warning and the versioned declaration. Each page passes axe-core (issue 22, parts 2, 3)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from notifications import declaration, shipments
from notifications.enforcement_models import Violation
from notifications.shipment_models import Shipment
from notifications.workflow import Status
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import ExporterFactory, ready_notification
from tests.shipments.conftest import grant_permit

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def exporter(transactional_db):
    return ExporterFactory(email="shipper@example.com", preferred_language="ja")


def test_the_exporter_records_a_shipment_and_an_over_balance_one_is_refused(
    page, live_server, exporter
):
    permit = grant_permit(exporter.firm)
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto(f"/notifications/{permit.notification.public_id}/")
    with page.expect_navigation():
        page.locator("[data-permit-link]").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#permit-balance [data-item='1'] [data-balance]").inner_text() == "10"
    assert_accessible(page)

    page.locator("#id_shipped_on").fill(timezone.localdate().isoformat())
    page.locator("#id_customs_reference").fill("1234-5678-9012")
    page.locator("#id_quantity_1").fill("4")
    with page.expect_navigation():
        page.locator("#record-shipment").click()
    assert page.locator("#permit-balance [data-item='1'] [data-balance]").inner_text() == "6"
    assert page.locator("#shipments [data-shipment]").count() == 1
    assert_accessible(page)

    page.locator("#id_shipped_on").fill(timezone.localdate().isoformat())
    page.locator("#id_quantity_1").fill("7")
    with page.expect_navigation():
        page.locator("#record-shipment").click()
    refusal = page.locator("#shipment-refused")
    assert refusal.is_visible()
    assert "7" in refusal.inner_text() and "6" in refusal.inner_text()
    assert page.locator("#permit-balance [data-item='1'] [data-balance]").inner_text() == "6"
    assert Shipment.objects.count() == 1
    assert Violation.objects.filter(kind="shipment_beyond_permit").count() == 1
    assert [line.balance for line in shipments.balances(permit)] == [Decimal(6), Decimal(4)]
    assert_accessible(page)


def test_the_submit_step_shows_the_warning_and_stores_the_declaration(page, live_server, exporter):
    draft = ready_notification(firm=exporter.firm, created_by=exporter)
    sign_in(page, live_server, exporter.email, PASSWORD)
    page.goto(f"/notifications/{draft.public_id}/edit/review/")
    current = declaration.current()
    assert page.locator("[data-declaration-warning]").inner_text() == current.warning["ja"]
    assert page.locator("[data-declaration-version]").inner_text() == current.version
    assert page.locator("label[for='id_declaration']").inner_text() == current.statement["ja"]
    assert_accessible(page)

    page.locator("#id_declaration").check()
    with page.expect_navigation():
        page.locator("#submit-notification").click()
    draft.refresh_from_db()
    assert draft.status != Status.DRAFT
    assert draft.declaration_version == current.version
    assert draft.declaration_text == current.text("ja")
