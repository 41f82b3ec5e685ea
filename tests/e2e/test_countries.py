"""Countries are chosen by name in a real Chromium: typing イラン in the wizard's destination offers
イラン, choosing it stores IR and the page shows イラン; a party's country the same way; and with
JavaScript off the same field is a plain select that works alone."""

import pytest

from notifications.models import Notification, Party
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, assert_accessible, sign_in
from tests.factories import ExporterFactory, NotificationFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def draft() -> Notification:
    exporter = ExporterFactory(email="countries@example.com", password=PASSWORD)
    return NotificationFactory(firm=exporter.firm, created_by=exporter, destination_country="")


def _parties_step(live_server, draft) -> str:
    return f"{live_server.url}/notifications/{draft.public_id}/edit/parties/"


def choose_country(page, field_id: str, typed: str, option: str) -> None:
    """Type into the country autocomplete and pick the offered option by its text."""
    box = page.locator(f"#{field_id}")
    box.click()
    box.press_sequentially(typed)
    listbox = page.locator(f"#{field_id}__listbox")
    listbox.get_by_role("option", name=option, exact=True).wait_for()
    return listbox


def test_the_destination_is_picked_by_typing_its_japanese_name(page, live_server, draft):
    sign_in(page, live_server, "countries@example.com", PASSWORD)
    page.goto(_parties_step(live_server, draft))

    # The select is enhanced: a text box takes its id (the label points at it), the select hides.
    box = page.locator("#id_destination_country")
    assert box.evaluate("element => element.tagName") == "INPUT"
    assert page.locator("#id_destination_country-select").is_hidden()
    assert page.locator("label[for=id_destination_country]").count() == 1
    assert_accessible(page)

    listbox = choose_country(page, "id_destination_country", "イラン", "イラン (IR)")
    # What was typed is offered, and nothing that does not contain it.
    offered = listbox.get_by_role("option").all_inner_texts()
    assert offered[0] == "イラン (IR)"
    assert all("イラン" in text for text in offered)
    assert_accessible(page)
    listbox.get_by_role("option", name="イラン (IR)", exact=True).click()
    assert page.locator("#id_destination_country-select").input_value() == "IR"

    page.locator("#id_planned_date").fill("2099-06-01")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#save-destination").click()

    draft.refresh_from_db()
    assert draft.destination_country == "IR"
    # Shown back by name, in the page's language.
    assert page.locator("#id_destination_country").input_value() == "イラン (IR)"
    assert page.locator("#id_destination_country-select").input_value() == "IR"
    assert_accessible(page)


def test_a_party_country_is_picked_by_typing_and_the_code_also_finds_it(page, live_server, draft):
    sign_in(page, live_server, "countries@example.com", PASSWORD)
    page.goto(_parties_step(live_server, draft))

    page.locator("#id_role").select_option("end_user")
    page.locator("#id_name").fill("Hamburg Werkzeug GmbH")
    # The ISO code finds the country too, before names that merely contain the letters.
    listbox = choose_country(page, "id_country", "de", "ドイツ (DE)")
    assert listbox.get_by_role("option").first.inner_text() == "ドイツ (DE)"
    listbox.get_by_role("option", name="ドイツ (DE)", exact=True).click()
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator("#add-party").click()

    party = Party.objects.get(notification=draft)
    assert (party.name, party.country) == ("Hamburg Werkzeug GmbH", "DE")
    row = page.locator("#parties tbody tr", has_text="Hamburg Werkzeug GmbH")
    assert "ドイツ" in row.inner_text()
    assert_accessible(page)


@pytest.fixture
def no_js_page(browser, live_server, console_errors):
    context = browser.new_context(
        locale="ja-JP", base_url=live_server.url, java_script_enabled=False
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def test_without_javascript_the_destination_is_a_plain_select(no_js_page, live_server, draft):
    page = no_js_page
    sign_in(page, live_server, "countries@example.com", PASSWORD)
    page.goto(_parties_step(live_server, draft))

    # (No page.evaluate here: a page without JavaScript runs none, and axe-core needs it; the
    # same page's accessibility is asserted with JavaScript in the tests above.)
    select = page.locator("select#id_destination_country")
    assert select.count() == 1
    # Options by name in Japanese, the empty prompt first.
    options = select.locator("option").all_inner_texts()
    assert options[0] == "国・地域を選んでください" or options[0] == "Select a country or region"
    assert "イラン (IR)" in options and "ドイツ (DE)" in options
    select.select_option("IR")
    page.locator("#id_planned_date").fill("2099-06-01")
    with page.expect_navigation():
        page.locator("#save-destination").click()

    draft.refresh_from_db()
    assert draft.destination_country == "IR"
    assert page.locator("select#id_destination_country").input_value() == "IR"
    assert page.locator("#id_destination_country-select").count() == 0  # nothing enhanced it
