"""The exporter's journey in a real Chromium: file a notification from a blank form through every
step to submitted, then watch the status page reach the screening outcome.

Tasks run eagerly in the live server's thread on SQLite, so screening happens right after the
submission commits; the status page still gets there through its own polling when a real worker
is slower.
"""

import pytest

from notifications.models import Attachment, Notification
from notifications.workflow import Status
from tests.e2e.conftest import sign_in
from tests.factories import ExporterFactory
from tests.notifications.exporter.conftest import pdf_bytes
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def exporter():
    make_tiers()
    publish_eul(EUL_SAMPLE)
    return ExporterFactory(email="filer@example.com", password=PASSWORD)


def _settle(page) -> None:
    """Let inline validation requests finish before the next navigation."""
    page.wait_for_load_state("networkidle")


#: Well ahead of the ministry's review, so the filing is not flagged late.
PLANNED_DATE = "2099-06-01"


def _file_notification(page, live_server, *, destination: str, end_user: str) -> None:
    page.goto(f"{live_server.url}/notifications/")
    page.locator("#new-notification").click()
    page.locator("#id_title").fill("Machining centres")
    page.locator("#start-draft").click()

    # 1. Items
    page.locator("input[name=kind][value=goods]").check()
    page.locator("#id_description").fill("5-axis machining centre")
    page.locator("input[name=classification][value='16_1']").check()
    assert page.locator("#id_list_row").is_hidden()
    assert page.locator("#id_key_technology").is_hidden()
    page.locator("#id_hs_code").fill("84")
    page.locator("#id_quantity").fill("2")
    # Leaving the HS code field checks it inline, before anything is submitted.
    page.locator("#wrap-id_hs_code .field__error").wait_for()
    page.locator("#id_hs_code").fill("8457.10")
    page.locator("#id_unit").fill("units")
    page.locator("#id_value_jpy").fill("48000000")
    page.locator("#id_unit").click()
    page.locator("#wrap-id_hs_code .field__error").wait_for(state="detached")
    _settle(page)
    page.locator("#add-item").click()
    page.locator("#items tbody th", has_text="5-axis machining centre").wait_for()
    page.locator("#next-step").click()

    # 2. Destination and parties
    page.locator("#id_destination_country").fill(destination)
    page.locator("#id_planned_date").fill(PLANNED_DATE)
    _settle(page)
    page.locator("#save-destination").click()
    page.locator("#id_role").select_option("end_user")
    page.locator("#id_name").fill(end_user)
    page.locator("#id_country").fill(destination)
    _settle(page)
    page.locator("#add-party").click()
    page.locator("#parties tbody th", has_text=end_user).wait_for()
    page.locator("#next-step").click()

    # 3. End use
    page.locator("#id_end_use_description").fill("Machining of engine blocks in a car plant.")
    page.locator("#id_end_use_category").select_option("industrial")
    _settle(page)
    page.locator("#save-continue").click()

    # 4. The 20 clear-criteria checks
    for number in range(1, 21):
        page.locator(f"input[name=check_{number}][value=yes]").check()
    page.locator("#save-continue").click()

    # 5. Documents: a real PDF, made here
    page.locator("#id_kind").select_option("contract")
    page.locator("#id_file").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.locator("#upload").click()
    page.locator("#attachments tbody th", has_text="contract.pdf").wait_for()
    page.locator("#next-step").click()

    # 6. Review and submit
    assert page.locator("#readiness-gaps").count() == 0
    page.locator("#id_declaration").check()
    page.locator("#submit-notification").click()


def test_file_a_notification_that_clears(page, live_server, exporter):
    sign_in(page, live_server, exporter.email, PASSWORD)

    _file_notification(page, live_server, destination="US", end_user="Acme Precision Tools Inc.")

    page.locator("#status-panel[data-status=cleared]").wait_for()
    notification = Notification.objects.get(firm=exporter.firm)
    assert page.url == f"{live_server.url}/notifications/{notification.public_id}/"
    assert notification.status == Status.CLEARED
    assert notification.reference in page.locator("h1").inner_text()
    assert page.locator("#outcome.outcome--cleared").is_visible()
    assert page.locator("#timeline li").count() >= 4
    attachment = Attachment.objects.get(notification=notification)
    assert (attachment.kind, attachment.content_type) == ("contract", "application/pdf")
    # Polling stops once the outcome is final for the exporter.
    assert page.locator("#status-panel").get_attribute("hx-trigger") is None


def test_a_listed_end_user_under_a_variant_spelling_goes_under_review(page, live_server, exporter):
    sign_in(page, live_server, exporter.email, PASSWORD)

    _file_notification(
        page, live_server, destination="IR", end_user="Amirkabir Univ. of Technology"
    )

    page.locator("#status-panel[data-status=under_review]").wait_for()
    notification = Notification.objects.get(firm=exporter.firm)
    assert notification.status == Status.UNDER_REVIEW
    assert page.locator("#outcome.outcome--review").is_visible()
    # The exporter is told the outcome, never which list entry matched.
    assert "Amir Kabir University" not in page.content()
    page.goto(f"{live_server.url}/notifications/")
    assert page.locator("#notifications tbody th", has_text=notification.reference).is_visible()
