"""A firm signs itself up, records its compliance programme and brings in a colleague.

The e-mails (sign-up confirmation, invitation) are read from Django's test outbox: the live
server runs in this process and sends through the locmem backend pytest-django configures.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from exportctl.accounts.models import Firm, Invitation, User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

VALID_NUMBER = "7000012050002"
WRONG_CHECK_DIGIT = "8000012050002"
ADMIN_PASSWORD = "violet-harbour-lantern-2026"
COLLEAGUE_PASSWORD = "amber-meadow-compass-2026"


@pytest.fixture
def browser_locale() -> str:
    return "en-US"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def link_path(prefix: str) -> str:
    """The path of the newest e-mailed link starting with ``prefix``."""
    for message in reversed(mail.outbox):
        match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", message.body)
        if match:
            return match.group(1)
    raise AssertionError(f"no {prefix} link among {len(mail.outbox)} e-mails")


def test_a_firm_signs_up_records_its_programme_and_invites_a_colleague(
    page, live_server, console_errors
):
    # 1. Sign-up, refused first for a wrong check digit, keeping what was typed.
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("link", name="Register your firm").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Register your firm"

    page.get_by_label("Corporate number (法人番号)").fill(WRONG_CHECK_DIGIT)
    page.get_by_label("Firm name (in English or romaji)").fill("Kanto Precision Co., Ltd.")
    page.get_by_label("Firm name in Japanese").fill("関東精密株式会社")
    page.get_by_label("Address", exact=True).fill("1-1 Marunouchi, Chiyoda-ku, Tokyo")
    page.get_by_label("Your full name").fill("Ichiro Founder")
    page.get_by_label("Your e-mail address").fill("founder@kanto.example")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()

    assert page.title() == "Error: Register your firm | Export pre-notification portal"
    summary = page.get_by_role("alert")
    assert "the check digit does not match" in summary.inner_text()
    assert page.get_by_label("Corporate number (法人番号)").input_value() == WRONG_CHECK_DIGIT
    assert page.get_by_label("Firm name in Japanese").input_value() == "関東精密株式会社"
    assert page.get_by_label("Your e-mail address").input_value() == "founder@kanto.example"
    assert (Firm.objects.count(), User.objects.count(), mail.outbox) == (0, 0, [])

    page.get_by_label("Corporate number (法人番号)").fill(VALID_NUMBER)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your e-mail"
    assert "founder@kanto.example" in page.locator("main").inner_text()
    assert Firm.objects.count() == 0

    # 2. The confirmation link creates the firm and signs the founder in as its admin.
    page.goto(live_server.url + link_path("/accounts/signup/confirm/"))
    assert "Kanto Precision Co., Ltd." in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Create the firm's account").click()

    assert page.url == f"{live_server.url}/accounts/firm/"
    assert page.get_by_role("heading", level=1).inner_text() == "Firm details"
    assert "Ichiro Founder" in page.locator("#signed-in-user").inner_text()
    admin = User.objects.get(email="founder@kanto.example")
    assert admin.roles == frozenset({Role.FIRM_ADMIN, Role.EXPORTER})
    assert admin.firm.corporate_number == VALID_NUMBER

    # 3. The compliance programme.
    assert page.locator("#compliance-programme-status").inner_text() == "Not filed"
    page.get_by_label("The firm has filed its compliance programme (CP) with the ministry").check()
    page.get_by_label("Date filed").fill("2026-04-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    assert page.get_by_role("status").inner_text() == "The firm's details have been saved."
    assert page.locator("#compliance-programme-status").inner_text() == "Filed on 2026-04-01"
    firm = Firm.objects.get()
    assert (firm.compliance_programme_filed, str(firm.compliance_programme_filed_on)) == (
        True,
        "2026-04-01",
    )

    # 4. Invite a colleague.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Firm administration").get_by_role(
            "link", name="Invitations"
        ).click()
    assert page.get_by_role("heading", name="No invitations yet").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_label("Colleague's e-mail address").fill("jiro@kanto.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()

    assert page.get_by_role("status").inner_text() == (
        "An invitation has been sent to jiro@kanto.example."
    )
    row = page.locator("#invitations tbody tr")
    assert row.count() == 1
    assert "jiro@kanto.example" in row.inner_text()
    assert "Pending" in row.inner_text()
    invitation_path = link_path("/accounts/invitation/")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    # 5. The colleague accepts, sets a password and signs in.
    page.goto(live_server.url + invitation_path)
    assert page.get_by_role("heading", level=1).inner_text() == "Join your firm"
    assert page.locator("#invitation-email").inner_text() == "jiro@kanto.example"
    page.get_by_label("Your full name").fill("Jiro Newcomer")
    assert page.get_by_label("Preferred language").input_value() == "en"
    page.get_by_label("Password", exact=True).fill(COLLEAGUE_PASSWORD)
    page.get_by_label("Password again").fill(COLLEAGUE_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()

    assert page.url == f"{live_server.url}/accounts/login/"
    assert "Your account is ready." in page.get_by_role("status").inner_text()

    sign_in(page, live_server, "jiro@kanto.example", COLLEAGUE_PASSWORD)
    assert page.url == f"{live_server.url}/notifications/"  # an exporter's home
    assert "Jiro Newcomer" in page.locator("#signed-in-user").inner_text()
    # The firm by its name in the page's language (Jiro reads English).
    assert "Kanto Precision Co., Ltd." in page.locator("#signed-in-user").inner_text()
    colleague = User.objects.get(email="jiro@kanto.example")
    assert (colleague.firm_id, colleague.roles) == (firm.pk, frozenset({Role.EXPORTER}))
    assert Invitation.objects.get().status == "accepted"

    # The used link no longer works: a 404 page (which the browser logs; nothing else may be).
    response = page.goto(live_server.url + invitation_path)
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
    assert len(console_errors) == 1
    assert "status of 404" in console_errors[0]
    assert invitation_path in console_errors[0]
    console_errors.clear()

    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "firm.signup_requested",
        "firm.signed_up",
        "firm.updated",
        "invitation.sent",
        "auth.logout",
        "invitation.accepted",
        "auth.login",
    ]
