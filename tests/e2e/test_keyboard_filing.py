"""A notification filed by keyboard alone, in a real Chromium.

The exporter signs in and goes through every step of the wizard with nothing but the keys a
keyboard user presses: Tab and Shift+Tab to move, typing, the arrow keys inside radio groups and
selects, Space to tick, Enter to press a button. No click, no ``fill``, no ``check``: the test only
*reads* the page (which element has focus, its value) to decide the next key. Country fields are
reached as a keyboard user meets them: an accessible autocomplete (type the name, Enter) or, without
it, a plain select (type the name). At every stop the focused element must show a visible focus
indicator (an outline or box-shadow under ``:focus-visible``), and the notification ends submitted
in the database.
"""

import pytest

from notifications.models import Notification
from notifications.workflow import Status
from tests.e2e.conftest import sign_in
from tests.factories import ExporterFactory
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.e2e

PASSWORD = "keyboard-only-filer-2026"
MAX_TABS = 200


@pytest.fixture
def browser_locale() -> str:
    # The date field's segments follow the browser's locale: en-US types month, day, year.
    return "en-US"


@pytest.fixture
def exporter():
    make_tiers()
    publish_eul(EUL_SAMPLE)
    return ExporterFactory(email="keyboard@example.com", password=PASSWORD)


_FOCUS_STYLE_JS = """
() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {
        visible: el.matches(':focus-visible') && (outline || shadow),
        tag: el.tagName, id: el.id, name: el.name || '',
        outline: style.outlineStyle + ' ' + style.outlineWidth, shadow: style.boxShadow,
    };
}
"""


class Keyboard:
    """Moves through a page the way a keyboard user does, checking the focus indicator at each
    stop it aims for."""

    def __init__(self, page):
        self.page = page
        self.unseen_focus: list[dict] = []
        self.stops = 0

    def focused_matches(self, selector: str) -> bool:
        return self.page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        )

    def tab_to(self, selector: str) -> None:
        """Tab forward (wrapping round the page) until ``selector`` has focus, and keeps it once
        the page is idle (leaving a field may re-render it from an inline check)."""
        self.page.locator(selector).first.wait_for(state="visible")
        for _ in range(MAX_TABS):
            if self.focused_matches(selector):
                # Shift+Tab leaves and Tab comes back: the field is in the tab order both ways.
                self.page.keyboard.press("Shift+Tab")
                self.page.keyboard.press("Tab")
                self.settle()
                if self.focused_matches(selector):
                    break
            self.page.keyboard.press("Tab")
        else:
            raise AssertionError(f"Tab never reached {selector} on {self.page.url}")
        self.stops += 1
        style = self.page.evaluate(_FOCUS_STYLE_JS)
        if not style or not style["visible"]:
            self.unseen_focus.append(style or {"selector": selector})

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def type_date(self, selector: str, year: str, month: str, day: str) -> None:
        """A date field in the en-US browser: segments month / day / year, Tab and Shift+Tab
        move between them. The year goes in first and the month last, so the date is complete
        (and its inline check re-renders the field) only once every key is typed."""
        self.tab_to(selector)  # the month segment
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(year)
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.type(day)  # two digits: the focus moves on to the year
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.press("Shift+Tab")
        self.page.keyboard.type(month)
        self.settle()
        assert self.page.locator(selector).input_value() == f"{year}-{month}-{day}"

    def value(self) -> str:
        return self.page.evaluate("() => document.activeElement.value")

    def choose_radio(self, name: str, value: str) -> None:
        """Tab into the radio group, then arrow to ``value`` (arrows check as they move)."""
        self.tab_to(f"input[type=radio][name='{name}']")
        for _ in range(20):
            if self.value() == value:
                break
            self.page.keyboard.press("ArrowDown")
        assert self.value() == value, f"no radio {name}={value}"
        if not self.page.evaluate("() => document.activeElement.checked"):
            self.page.keyboard.press("Space")
        assert self.page.locator(f"input[name='{name}'][value='{value}']").is_checked()

    def choose_option(self, selector: str, value: str) -> None:
        """A native select: arrow through its options until ``value`` is selected."""
        self.tab_to(selector)
        self.page.keyboard.press("Home")
        for _ in range(300):
            if self.value() == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{selector} has no option {value}")

    def choose_country(self, field_id: str, code: str) -> None:
        """Type the country's name as the page shows it (in the user's language): into the
        autocomplete (then Enter on the first suggestion), or, where it is a plain select, as a
        select's type-ahead."""
        selector = f"#{field_id}"
        name = (
            self.page.locator(f"select[name] option[value='{code}']")
            .first.text_content()
            .replace(f"({code})", "")
            .strip()
        )
        self.tab_to(selector)
        tag = self.page.evaluate("() => document.activeElement.tagName")
        if tag == "SELECT":
            self.page.keyboard.type(name)
        else:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
            self.page.keyboard.type(name)
            if self.page.locator(f"#{field_id}__listbox").count():
                suggestion = f"#{field_id}__listbox li[role=option]:not([aria-disabled=true])"
                self.page.locator(suggestion).first.wait_for()
                self.page.keyboard.press("Enter")
        chosen = self.page.evaluate(
            """([id, code]) => {
                const select = document.getElementById(id + '-select')
                    || document.querySelector('select#' + id);
                return select ? select.value : document.getElementById(id).value;
            }""",
            [field_id, code],
        )
        assert chosen == code, f"{field_id}: typing {name!r} chose {chosen!r}"

    def tick(self, selector: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Space")
        assert self.page.locator(selector).is_checked()

    def press(self, selector: str, *, navigates: bool = True, timeout: float = 30_000) -> None:
        self.tab_to(selector)
        if navigates:
            with self.page.expect_navigation(timeout=timeout):
                self.page.keyboard.press("Enter")
        else:
            self.page.keyboard.press("Enter")

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")


def test_file_a_notification_by_keyboard_alone(page, live_server, exporter):
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    # The live server's first page (its translation catalogues, static finders) can take long
    # on a shared, busy machine; wait for it once, beyond the usual timeout.
    page.goto(f"{live_server.url}/accounts/login/", timeout=90_000)
    sign_in(page, live_server, exporter.email, PASSWORD)
    keys = Keyboard(page)

    page.goto(f"{live_server.url}/notifications/")
    keys.press("#new-notification")
    keys.type_into("#id_title", "Machining centres by keyboard")
    keys.press("#start-draft")
    notification = Notification.objects.get(firm=exporter.firm)
    assert notification.status == Status.DRAFT

    # 1. Items
    keys.choose_radio("kind", "goods")
    keys.type_into("#id_description", "5-axis machining centre")
    keys.choose_radio("classification", "16_1")
    keys.type_into("#id_hs_code", "8457.10")
    keys.type_into("#id_quantity", "2")
    keys.type_into("#id_unit", "units")
    keys.type_into("#id_value_jpy", "48000000")
    keys.settle()
    keys.press("#add-item", navigates=False)
    page.locator("#items tbody th", has_text="5-axis machining centre").wait_for()
    keys.settle()
    keys.press("#next-step")

    # 2. Destination and parties
    keys.choose_country("id_destination_country", "DE")
    keys.type_date("#id_planned_date", "2099", "06", "01")
    keys.settle()
    keys.press("#save-destination", navigates=False)
    keys.settle()
    page.wait_for_function("() => document.querySelector('#id_role') !== null")
    keys.choose_option("#id_role", "end_user")
    keys.type_into("#id_name", "Acme Precision Tools GmbH")
    keys.choose_country("id_country", "DE")
    keys.settle()
    keys.press("#add-party", navigates=False)
    page.locator("#parties tbody th", has_text="Acme Precision Tools GmbH").wait_for()
    keys.settle()
    keys.press("#next-step")

    # 3. End use
    keys.type_into("#id_end_use_description", "Machining of engine blocks in a car plant.")
    keys.choose_option("#id_end_use_category", "industrial")
    keys.settle()
    keys.press("#save-continue")

    # 4. The 20 clear-criteria checks
    for number in range(1, 21):
        keys.choose_radio(f"check_{number}", "yes")
    keys.press("#save-continue")

    # 5. Documents: none are required; go on.
    assert "/documents/" in page.url
    keys.press("#next-step")

    # 6. Review and submit
    assert page.locator("#readiness-gaps").count() == 0
    keys.tick("#id_declaration")
    # Submitting screens the filing in the live server's thread: allow it time on a busy machine.
    keys.press("#submit-notification", timeout=60_000)

    notification.refresh_from_db()
    assert notification.status != Status.DRAFT
    assert notification.submitted_at is not None
    assert notification.destination_country == "DE"
    assert notification.items.count() == 1
    assert notification.parties.filter(role="end_user", country="DE").count() == 1
    assert len(notification.checklist) == 20
    # Every field and button aimed at showed a visible focus indicator.
    assert keys.stops > 40
    assert keys.unseen_focus == [], keys.unseen_focus
    assert dialogs == [], f"unexpected dialogs: {dialogs}"
