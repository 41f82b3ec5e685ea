"""The API docs page in a real Chromium: every request stays on our origin, nothing violates the
Content Security Policy (the e2e ``page`` fixture fails on any console error), and a signed-in
exporter can try an endpoint from the page."""

import pytest
from django.contrib.auth.models import Group

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

EMAIL = "erp-docs@example.com"
PASSWORD = "docs-password-2026"


@pytest.fixture
def exporter(transactional_db) -> User:
    firm = Firm.objects.create(name="Docs Precision Co., Ltd.", corporate_number="4000012090001")
    user = User.objects.create_user(
        email=EMAIL, password=PASSWORD, firm=firm, preferred_language="en"
    )  # the pages are read in English; sign-in switches to the user's language
    user.groups.add(Group.objects.get(name=Role.EXPORTER))
    return user


def test_the_docs_page_uses_only_our_origin_and_can_call_the_api(page, live_server, exporter):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, EMAIL, PASSWORD)
    requested.clear()

    page.goto(f"{live_server.url}/api/v1/docs/")
    operation = page.locator("#operations-exporter-notifications_list")
    operation.wait_for()

    operation.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status_cell = page.locator(".live-responses-table tbody .response-col_status").first
    status_cell.wait_for()
    status = status_cell.inner_text()

    assert status.strip() == "200"
    assert requested, "the page made no requests at all"
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert outside == [], outside
    assert any(url.endswith("/api/v1/schema/") for url in requested)
    assert any("swagger-ui-bundle.js" in url for url in requested)


@pytest.fixture
def browser_locale() -> str:
    """This module reads the English page."""
    return "en-GB"


def test_an_exporter_creates_uses_and_revokes_a_token(page, live_server, exporter):
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.goto(f"{live_server.url}/accounts/tokens/")
    assert page.get_by_role("heading", name="No API tokens yet").is_visible()

    page.get_by_label("Expires").select_option("30")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-value").input_value()
    key = page.locator("#tokens tbody th").inner_text().rstrip("…")

    assert secret.startswith(key)
    api = page.request
    allowed = api.get(
        f"{live_server.url}/api/v1/notifications/",
        headers={"Authorization": f"Token {secret}"},
    )
    assert allowed.status == 200

    page.goto(f"{live_server.url}/accounts/tokens/")  # the secret is shown once only
    assert page.locator("#new-token-value").count() == 0

    page.get_by_role("button", name=f"Revoke token {key}").click()
    assert page.get_by_role("status").filter(has_text=key).is_visible()
    assert page.locator("#tokens").count() == 0
    refused = api.get(
        f"{live_server.url}/api/v1/notifications/",
        headers={"Authorization": f"Token {secret}"},
    )
    assert refused.status == 401
