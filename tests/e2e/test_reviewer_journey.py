"""The reviewer's journey in a real Chromium: a case that screening flagged (its end user is on the
End User List) is claimed, its hit confirmed, its approval confirmed from a summary and sent for
countersignature; the approver is offered no countersignature of their own and is told why; a second
senior reviewer countersigns and exactly one permit is issued, whose PDF downloads from the case
page.

Tasks run eagerly in the live server's thread, so screening happens when the submission commits
and the permit PDF is rendered when the countersignature commits.
"""

import pytest
from pypdf import PdfReader

from exportctl.accounts.roles import Role
from notifications.models import Permit, PermitStatus
from notifications.workflow import Status
from screening.models import Disposition, PartyHit
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


def senior_reviewer(email: str, name: str):
    return UserFactory(
        email=email,
        full_name=name,
        password=PASSWORD,
        preferred_language="en",
        roles=[Role.REVIEWER, Role.SENIOR_REVIEWER],
    )


def messages(page) -> list[str]:
    return page.locator(".messages .message").all_inner_texts()


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


def test_claim_adjudicate_approve_refused_countersign_then_countersigned(
    page, live_server, flagged
):
    approver = senior_reviewer("tanaka@meti.example.jp", "Tanaka Hiroshi")
    senior_reviewer("suzuki@meti.example.jp", "Suzuki Akiko")
    case_url = f"{live_server.url}/review/{flagged.public_id}/"

    sign_in(page, live_server, approver.email, PASSWORD)
    page.goto(f"{live_server.url}/review/")
    row = page.locator(f"#review-queue tr[data-reference='{flagged.reference}']")
    assert "1 to adjudicate" in row.inner_text()
    # Filtering swaps the results in place (htmx) and keeps the filters in the address.
    page.get_by_label("Risk", exact=True).select_option("low")
    page.get_by_role("heading", name="No case matches").wait_for()
    assert (
        page.url
        == f"{live_server.url}/review/?status=&risk=low&destination=&hits=&assigned=&sort=risk"
    )
    page.get_by_label("Risk", exact=True).select_option("high")
    row.wait_for()
    with page.expect_navigation():
        row.get_by_role("link", name=flagged.reference).click()
    assert page.url == case_url
    assert page.locator("#case-status").inner_text() == "Under review"

    # Claim.
    with page.expect_navigation():
        page.get_by_role("button", name="Claim this case").click()
    assert messages(page) == ["You have claimed this case."]
    assert page.locator("#case-assignee").inner_text() == "Tanaka Hiroshi (you)"

    # The hit: the party as filed beside the listed entry; confirm it with a reason.
    hit = PartyHit.objects.get(run__notification=flagged)
    card = page.locator(f"#hit-{hit.public_id}")
    assert "Amirkabir Univ. of Technology" in card.inner_text()
    assert "Amir Kabir University of Technology" in card.inner_text()
    card.get_by_label("Confirmed match").check()
    card.get_by_label("Reason").fill("Variant spelling of the listed university (EUL No. 45).")
    with page.expect_navigation():
        card.get_by_role("button", name="Record the finding").click()
    assert messages(page) == ["Your finding on the hit has been recorded."]
    assert (
        page.locator(f"#hit-{hit.public_id} [data-disposition]").get_attribute("data-disposition")
        == Disposition.CONFIRMED
    )

    # Approve: high risk and a confirmed hit, so it waits for a second pair of eyes.
    form = page.locator("#approve-form")
    form.get_by_label("Conditions").fill("Prior consent before any re-export.")
    assert form.get_by_label("Validity (months)").input_value() == "6"
    with page.expect_navigation():
        form.get_by_role("button", name="Approve").click()
    # Nothing is decided before the reviewer confirms the summary.
    assert page.get_by_role("heading", name="Confirm the approval").is_visible()
    assert "Prior consent before any re-export." in page.locator("#confirm-conditions").inner_text()
    assert "1 confirmed, 0 not adjudicated" in page.locator("#confirm-summary").inner_text()
    flagged.refresh_from_db()
    assert flagged.status == Status.UNDER_REVIEW
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and send for countersignature").click()
    assert messages(page) == [
        "Approved, pending countersignature: a senior reviewer other than you must countersign "
        "before the permit is issued."
    ]
    assert page.locator("#case-status").inner_text() == "Awaiting countersignature"

    # The approver is offered no countersignature of their own, and is told why.
    assert page.get_by_role("button", name="Countersign and issue the permit").count() == 0
    assert page.get_by_role("button", name="Return").count() == 0
    assert page.locator("#own-proposal").inner_text() == (
        "You proposed this decision yourself; another senior reviewer must countersign it."
    )
    assert page.locator("#case-status").inner_text() == "Awaiting countersignature"
    flagged.refresh_from_db()
    assert flagged.status == Status.AWAITING_COUNTERSIGN
    assert Permit.objects.filter(notification=flagged).count() == 0

    # A second senior reviewer countersigns.
    sign_out(page)
    sign_in(page, live_server, "suzuki@meti.example.jp", PASSWORD)
    page.goto(case_url)
    assert (
        "Approved by Tanaka Hiroshi for 6 months" in page.locator("#pending-approval").inner_text()
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Countersign and issue the permit").click()
    assert messages(page) == ["Countersigned. The permit has been issued."]
    assert page.locator("#case-status").inner_text() == "Approved"

    flagged.refresh_from_db()
    assert flagged.status == Status.APPROVED
    permit = Permit.objects.get(notification=flagged)
    assert (permit.status, permit.conditions) == (
        PermitStatus.VALID,
        "Prior consent before any re-export.",
    )
    timeline = page.locator("#timeline .timeline__event").evaluate_all(
        "events => events.map(e => e.dataset.action)"
    )
    assert timeline == [
        "notification.submit",
        "notification.start_screening",
        "screening.run_completed",
        "notification.refer",
        "review.claim",
        "screening.hit_adjudicate",
        "notification.approve_for_countersign",
        "permit.issue",
        "notification.countersign",
        "document.issued",
    ]

    # The permit PDF, rendered once when the countersignature committed, downloads as issued.
    page.reload()
    link = page.locator(f"#permit-pdf-{permit.public_id}")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{permit.document.number}.pdf"
    text = "".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert permit.number in text
    assert Permit.objects.filter(notification=flagged).count() == 1
