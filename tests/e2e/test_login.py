"""The exporter's first journey: sign in and land on the dashboard, in Japanese and in English."""

import re

import pytest
from django.contrib.auth.models import Group

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

EMAIL = "exporter@example.com"
PASSWORD = "demo-password-2026"
DADS_BLUE_900 = "rgb(0, 23, 193)"


@pytest.fixture
def exporter(transactional_db) -> User:
    firm = Firm.objects.create(
        name="Kanto Precision Co., Ltd.",
        name_local="関東精密株式会社",
        corporate_number="7000012050002",
    )
    user = User.objects.create_user(email=EMAIL, password=PASSWORD, firm=firm)
    user.groups.add(Group.objects.get(name=Role.EXPORTER))
    return user


def assert_portal_css_applied(page, live_server) -> None:
    """The stylesheet was served by the live server and applied (not merely linked)."""
    sheets = page.evaluate("Array.from(document.styleSheets, sheet => sheet.href)")
    assert sheets == [
        f"{live_server.url}/static/vendor/accessible-autocomplete.min.css",
        f"{live_server.url}/static/exportctl/portal.css",
    ]
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).borderTopColor"
    )
    assert border == DADS_BLUE_900


def test_exporter_signs_in_and_sees_the_dashboard_in_japanese(page, live_server, exporter):
    page.goto(live_server.url + "/")

    assert page.url == f"{live_server.url}/accounts/login/?next=/"
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.title() == "ログイン | 輸出事前届出ポータル"
    assert page.get_by_role("heading", level=1).inner_text() == "ログイン"
    assert_portal_css_applied(page, live_server)
    # htmx and portal.js were served too, and ran under the CSP.
    assert page.evaluate("typeof window.htmx") == "object"

    page.get_by_label("メールアドレス").fill(EMAIL)
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()

    assert page.url == f"{live_server.url}/notifications/"  # the exporter's home
    assert page.title() == "届出一覧 | 輸出事前届出ポータル"
    assert page.get_by_role("heading", level=1).inner_text() == "届出一覧"
    assert page.get_by_role("heading", name="まだ届出はありません").is_visible()
    nav = page.get_by_role("navigation", name="メインメニュー")
    current = nav.locator("a[aria-current=page]")
    assert current.all_inner_texts() == ["届出一覧"]
    # My notifications, New notification, Self-check, Inform notices, Voluntary disclosures,
    # API tokens, Profile
    assert nav.get_by_role("link").count() == 7
    assert "関東精密株式会社" in page.locator("#signed-in-user").inner_text()
    assert_portal_css_applied(page, live_server)
    assert [e.action for e in AuditEvent.objects.all()] == ["auth.login"]


def test_exporter_switches_to_english_and_signs_in(page, live_server, exporter):
    page.goto(live_server.url + "/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()

    assert page.url == f"{live_server.url}/accounts/login/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"

    sign_in(page, live_server, EMAIL, PASSWORD)

    assert page.url == f"{live_server.url}/notifications/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "My notifications"
    assert page.get_by_role("heading", name="No notifications yet").is_visible()
    assert_portal_css_applied(page, live_server)

    # And back to Japanese from the dashboard, staying on the same page.
    with page.expect_navigation():
        page.get_by_role("button", name="日本語").click()
    assert page.url == f"{live_server.url}/notifications/"
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", level=1).inner_text() == "届出一覧"


def test_wrong_password_focuses_the_error_summary_and_keeps_the_email(page, live_server, exporter):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("メールアドレス").fill(EMAIL)
    page.get_by_label("パスワード").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()

    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "問題があります"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_label("メールアドレス").input_value() == EMAIL
    assert page.get_by_label("パスワード").input_value() == ""

    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_username"
    assert [e.action for e in AuditEvent.objects.all()] == ["auth.login_failed"]


def test_skip_link_is_first_and_moves_focus_to_main(page, live_server, exporter):
    sign_in(page, live_server, EMAIL, PASSWORD)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="メインコンテンツへ移動")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_sign_out_returns_to_the_sign_in_page(page, live_server, exporter):
    sign_in(page, live_server, EMAIL, PASSWORD)

    with page.expect_navigation():
        page.get_by_role("button", name="ログアウト").click()

    assert re.fullmatch(rf"{re.escape(live_server.url)}/accounts/login/", page.url)
    assert page.get_by_role("status").inner_text() == "ログアウトしました。"
    page.goto(live_server.url + "/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/"


def test_htmx_requests_carry_the_csrf_token(page, live_server, exporter):
    """portal.js adds Django's CSRF token to unsafe htmx requests (htmx 4 sends none itself)."""
    sign_in(page, live_server, EMAIL, PASSWORD)
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.id = "htmx-sign-out";
            button.setAttribute("hx-post", "/accounts/logout/");
            button.textContent = "htmx";
            document.querySelector("main").append(button);
            htmx.process(button);
        }"""
    )

    with page.expect_response(lambda response: response.url.endswith("/accounts/logout/")) as info:
        page.locator("#htmx-sign-out").click()

    response = info.value
    assert response.status == 302
    assert response.request.headers["hx-request"] == "true"
    assert response.request.headers["x-csrftoken"]
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == ["auth.login", "auth.logout"]
