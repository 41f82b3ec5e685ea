"""The filing wizard in a real Chromium: on every step a refused save shows one error summary whose
links move the focus to the field; "Continue" does not drop a half-typed item; leaving a step with
unsaved input asks first; and a party that looks like an End User List entry is flagged as soon as
it is saved, again on the review page, and can still be submitted.

The browser is Japanese (the portal's default); fields are found by their ids, which do not depend
on the language."""

import pytest

from notifications.models import Notification
from notifications.workflow import Status
from partners.services import list_version_import, list_version_publish
from screening import index_cache
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import ExporterFactory, ItemFactory, NotificationFactory, PartyFactory
from tests.partners.conftest import EUL_2025_09
from tests.screening.test_services import make_tiers

pytestmark = pytest.mark.e2e

EMAIL = "wizard@example.com"
PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def exporter():
    return ExporterFactory(email=EMAIL, password=PASSWORD)


@pytest.fixture
def draft(exporter) -> Notification:
    notification = NotificationFactory(firm=exporter.firm, created_by=exporter)
    ItemFactory(notification=notification)
    PartyFactory(notification=notification)
    return notification


def _step(draft, step: str) -> str:
    return f"/notifications/{draft.public_id}/edit/{step}/"


def _settle(page) -> None:
    """Let inline validation requests finish before the next navigation."""
    page.wait_for_load_state("networkidle")


def follow_summary_link(page, field_id: str) -> None:
    """The page has one error summary; its link to ``field_id`` puts the focus on that field."""
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert summary.count() == 1
    assert page.locator("[data-error-summary] a[href='#']").count() == 0
    page.locator(f"[data-error-summary] a[href='#{field_id}']").click()
    assert page.evaluate("document.activeElement.id") == field_id
    # The message is also at the field, which names it as its description.
    assert page.locator(f"#{field_id.removesuffix('_0')}_error").is_visible()


def test_every_wizard_step_links_its_errors_to_the_fields(page, live_server, draft):
    sign_in(page, live_server, EMAIL, PASSWORD)

    # The start page: a draft needs a title.
    page.goto("/notifications/new/")
    page.locator("#start-draft").click()
    follow_summary_link(page, "id_title")
    assert_accessible(page)
    assert Notification.objects.count() == 1

    # 1. Items: an empty item names each field; a radio group links to its first button.
    page.goto(_step(draft, "items"))
    page.locator("#add-item").click()
    follow_summary_link(page, "id_description")
    follow_summary_link(page, "id_kind_0")
    assert page.locator("[data-error-summary] li").count() == 6
    assert page.locator("#step-gaps").count() == 0
    assert_accessible(page)

    # 2. Destination and parties: the date, then a party without a name.
    page.goto(_step(draft, "parties"))
    page.locator("#id_planned_date").fill("")
    _settle(page)
    page.locator("#save-destination").click()
    follow_summary_link(page, "id_planned_date")
    assert_accessible(page)
    page.locator("#id_address").fill("Bangkok")
    _settle(page)
    page.locator("#add-party").click()
    follow_summary_link(page, "id_name")
    assert page.locator("#id_address").input_value() == "Bangkok"
    assert_accessible(page)

    # 3. End use: the category is kept, the description is asked for; no contradicting gap box.
    page.goto(_step(draft, "end_use"))
    page.locator("#id_end_use_description").fill("")
    _settle(page)
    page.locator("#save-continue").click()
    follow_summary_link(page, "id_end_use_description")
    assert page.locator("#step-gaps").count() == 0
    assert_accessible(page)

    # 4. Checklist: "unknown" on check 17 without a note.
    page.goto(_step(draft, "checklist"))
    page.locator("input[name=check_17][value=unknown]").check()
    page.locator("#id_note_17").fill("")
    page.locator("#save-continue").click()
    follow_summary_link(page, "id_note_17")
    assert page.locator("input[name=check_17][value=unknown]").is_checked()
    assert_accessible(page)

    # 5. Documents: neither kind nor file.
    page.goto(_step(draft, "documents"))
    page.locator("#upload").click()
    follow_summary_link(page, "id_kind")
    follow_summary_link(page, "id_file")
    assert_accessible(page)

    # 6. Review: the declaration.
    page.goto(_step(draft, "review"))
    page.locator("#submit-notification").click()
    follow_summary_link(page, "id_declaration")
    assert_accessible(page)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.checklist["17"]["answer"] == "yes"
    assert (draft.items.count(), draft.parties.count(), draft.attachments.count()) == (1, 1, 0)


def test_continue_refuses_a_half_typed_item_and_leaving_asks_first(page, live_server, draft):
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.goto(_step(draft, "items"))

    page.locator("#id_description").fill("Servo motor")
    _settle(page)
    page.locator("#next-step").click()
    # Not dropped: refused with its errors, what was typed still there.
    follow_summary_link(page, "id_quantity")
    assert page.url.endswith(_step(draft, "items"))
    assert page.locator("#id_description").input_value() == "Servo motor"
    assert draft.items.count() == 1

    # Typing and then leaving by a link asks first; staying keeps what was typed.
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.locator("#id_unit").fill("units")
    page.locator(".filing-progress a").nth(1).click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith(_step(draft, "items"))
    assert page.locator("#id_unit").input_value() == "units"

    # Completing the item and pressing Continue saves it and moves on, without asking.
    page.locator("input[name=kind][value=goods]").check()
    page.locator("input[name=classification][value=na]").check()
    page.locator("#id_quantity").fill("4")
    page.locator("#id_value_jpy").fill("120000")
    _settle(page)
    with page.expect_navigation():
        page.locator("#next-step").click()
    assert page.url.endswith(_step(draft, "parties"))
    assert list(draft.items.order_by("position").values_list("description", flat=True)) == [
        "5-axis machining centre",
        "Servo motor",
    ]
    assert asked == ["beforeunload"]


@pytest.fixture
def real_eul():
    """The real End User List of 2025-09-29, imported and published as the list manager would."""
    index_cache.clear()
    make_tiers()
    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    return list_version_publish(version=version, actor=None)


def test_a_likely_listed_party_is_flagged_before_submission(page, live_server, exporter, real_eul):
    draft = NotificationFactory(firm=exporter.firm, created_by=exporter, destination_country="IR")
    ItemFactory(notification=draft)
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.goto(_step(draft, "parties"))

    # A variant spelling of a listed university, added as the end user (country preset: IR).
    page.locator("#id_role").select_option("end_user")
    page.locator("#id_name").fill("Amirkabir Univ. of Technology")
    _settle(page)
    page.locator("#add-party").click()
    page.locator("#parties tbody th", has_text="Amirkabir Univ. of Technology").wait_for()

    party = draft.parties.get()
    warning = page.locator(f"#listed-match-{party.public_id}")
    assert warning.is_visible()
    assert (
        warning.locator("[data-listed-name]")
        .first.inner_text()
        .startswith("Amir Kabir University of Technology")
    )
    assert warning.locator("[data-concern-codes]").first.inner_text().startswith("B, C, M, N")
    assert "IR" in warning.inner_text()
    assert warning.locator("[data-explanation]").first.inner_text().strip()
    assert page.locator(".message--warning").is_visible()
    assert_accessible(page)

    page.goto(_step(draft, "review"))
    again = page.locator(f"#listed-match-{party.public_id}")
    assert again.is_visible()
    assert "Amir Kabir University of Technology" in again.inner_text()
    assert_accessible(page)

    # It informs; it does not block.
    page.locator("#id_declaration").check()
    with page.expect_navigation():
        page.locator("#submit-notification").click()
    draft.refresh_from_db()
    assert draft.status != Status.DRAFT
