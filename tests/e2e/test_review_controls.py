"""Review controls in a real Chromium: an approval over a hit nobody adjudicated is refused on the
page, which names the hit; a high-risk denial is confirmed from a summary, waits for a senior
reviewer's countersignature, and is denied only when a second person countersigns it."""

import pytest

from exportctl.accounts.roles import Role
from notifications.models import Decision, DecisionKind, Document, Permit
from notifications.workflow import Status
from screening.models import PartyHit
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory
from tests.review.conftest import file_and_submit
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def browser_locale() -> str:
    return "en-GB"


@pytest.fixture
def flagged(eager_tasks):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    notification = file_and_submit(party="Amirkabir Univ. of Technology", country="IR")
    notification.refresh_from_db()
    assert (notification.status, notification.risk_level) == (Status.UNDER_REVIEW, "high")
    return notification


def ministry(email: str, name: str, *, senior: bool = False):
    roles = [Role.REVIEWER, Role.SENIOR_REVIEWER] if senior else [Role.REVIEWER]
    return UserFactory(
        email=email, full_name=name, password=PASSWORD, preferred_language="en", roles=roles
    )


def messages(page) -> list[str]:
    return page.locator(".messages .message").all_inner_texts()


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def test_an_approval_over_an_unadjudicated_hit_is_refused_and_names_the_hit(
    page, live_server, flagged, console_errors
):
    reviewer = ministry("sato@meti.example.jp", "Sato Ken")
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/review/{flagged.public_id}/")
    # The evidence comes first and says what is unsettled.
    assert "1 of 1 hit not adjudicated" in page.locator("#evidence-summary").inner_text()
    assert "has not been adjudicated" in page.locator("#outstanding").inner_text()

    form = page.locator("#approve-form")
    form.get_by_label("Conditions").fill("No re-export.")
    with page.expect_navigation():
        form.get_by_role("button", name="Approve").click()

    errors = page.locator("#approve-form").inner_text()
    assert "The case cannot be approved yet. Settle these first:" in errors
    assert "Amirkabir Univ. of Technology (End user)" in errors
    assert "No. 45" in errors
    assert page.locator("#approve-form").get_by_label("Conditions").input_value() == "No re-export."
    assert page.locator("#case-status").inner_text() == "Under review"
    flagged.refresh_from_db()
    assert flagged.status == Status.UNDER_REVIEW
    assert Decision.objects.filter(notification=flagged).count() == 0
    assert PartyHit.objects.get(run__notification=flagged).disposition == "pending"
    # The refusal is answered 400 (the form with its errors), which Chromium logs; nothing else.
    assert len(console_errors) == 1
    assert "status of 400" in console_errors[0] and "/approve/" in console_errors[0]
    console_errors.clear()


def test_a_high_risk_denial_waits_for_a_senior_reviewers_countersignature(
    page, live_server, flagged
):
    reviewer = ministry("sato@meti.example.jp", "Sato Ken")
    senior = ministry("suzuki@meti.example.jp", "Suzuki Akiko", senior=True)
    case_url = f"{live_server.url}/review/{flagged.public_id}/"
    sign_in(page, live_server, reviewer.email, PASSWORD)
    page.goto(case_url)

    form = page.locator("#deny-form")
    form.get_by_label("Grounds for the denial").fill("The end user is listed (EUL No. 45).")
    with page.expect_navigation():
        form.get_by_role("button", name="Deny").click()
    assert page.get_by_role("heading", name="Confirm the denial").is_visible()
    assert "The end user is listed" in page.locator("#confirm-grounds").inner_text()
    assert "Needed" in page.locator("#confirm-countersign").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and send for countersignature").click()
    assert messages(page) == [
        "Denied, pending countersignature: a senior reviewer other than you must countersign "
        "before the denial letter is issued."
    ]
    assert page.locator("#case-status").inner_text() == "Awaiting countersignature"
    assert (
        page.get_by_role("button", name="Countersign the denial and issue the letter").count() == 0
    )
    flagged.refresh_from_db()
    assert flagged.status == Status.AWAITING_COUNTERSIGN
    assert Document.objects.filter(notification=flagged, kind="denial_letter").count() == 0

    sign_out(page)
    sign_in(page, live_server, senior.email, PASSWORD)
    page.goto(case_url)
    assert "Denied by Sato Ken" in page.locator("#pending-approval").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Countersign the denial and issue the letter").click()
    assert messages(page) == [
        "Countersigned. The notification is denied and the denial letter is issued."
    ]
    assert page.locator("#case-status").inner_text() == "Denied"
    flagged.refresh_from_db()
    assert flagged.status == Status.DENIED
    final = Decision.objects.filter(notification=flagged).order_by("-pk").first()
    assert (final.kind, final.actor) == (DecisionKind.DENY, senior)
    assert Document.objects.filter(notification=flagged, kind="denial_letter").count() == 1
    assert Permit.objects.filter(notification=flagged).count() == 0
