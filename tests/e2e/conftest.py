"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server serves static files itself (``django.contrib.staticfiles`` is installed), so
pages load exactly the CSS and JavaScript that production serves. Every test gets a fresh browser
context; any console error — a CSP violation, a failed asset, a JavaScript exception — fails it.

Reuse in other e2e modules::

    from tests.e2e.conftest import sign_in

    @pytest.mark.e2e
    def test_something(page, live_server):
        ...
        sign_in(page, live_server, "exporter@example.com", "demo-password-2026")
"""

import pytest

from tests.browser import CHROMIUM, LAUNCH_ARGS  # noqa: F401 - the browser's settings, re-exported

DEFAULT_TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def _e2e_database(transactional_db):
    """Browser tests share rows with the live server, so they commit for real."""


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (its Accept-Language). Override in a module to test another."""
    return "ja-JP"


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, live_server, browser_locale, console_errors):
    context = browser.new_context(locale=browser_locale, base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            console_errors.append(f"console: {message.text} ({message.location})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    yield page
    context.close()
    assert console_errors == [], "the browser reported errors:\n" + "\n".join(console_errors)


def sign_in(page, live_server, email: str, password: str) -> None:
    """Sign in through the real form; language-neutral, so it works in ja and en."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/accounts/2fa/" in page.url:
        # Ministry staff: enrol (first sign-in) or confirm with a code from the authenticator.
        page.locator("#id_code").fill(totp_code(email))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/accounts/2fa/" not in page.url, "the one-time code was refused"


def totp_code(email: str) -> str:
    """The code an authenticator app would show now for ``email``'s device; if that time step was
    already used (a second sign-in within 30 s), the next step's code, which the device's
    tolerance of one step accepts."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__email=email).order_by("-confirmed", "-pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and device.last_t >= totp.t():
        totp.drift += device.last_t - totp.t() + 1
    return f"{totp.token():0{device.digits}d}"


# axe-core's impacts that fail a page: a serious or critical barrier (WCAG 2.x A/AA rules among
# them) is a defect; "moderate" and "minor" findings are reported by axe but do not fail a test.
AXE_FAILING_IMPACTS = frozenset({"serious", "critical"})


def accessibility_violations(page, *, context=None) -> list[dict]:
    """axe-core's serious and critical violations on ``page`` as it is now.

    axe-core (bundled in the PyPI package ``axe-playwright-python``, never fetched from a CDN) is
    evaluated through the DevTools protocol, so the page's Content-Security-Policy does not have
    to allow it and the page itself stays as production serves it.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    return [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in AXE_FAILING_IMPACTS
    ]


def assert_accessible(page, *, context=None) -> None:
    """Fail if axe-core finds a serious or critical accessibility violation on ``page``.

    Call it after the page (or the state of it under test) is shown::

        from tests.e2e.conftest import assert_accessible

        page.goto("/screening/criteria/")
        assert_accessible(page)
    """
    violations = accessibility_violations(page, context=context)
    lines = []
    for violation in violations:
        targets = ", ".join(
            " ".join(str(part) for part in node.get("target", [])) for node in violation["nodes"]
        )
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} element(s): {targets[:300]}] {violation['helpUrl']}"
        )
    assert not violations, f"axe-core found accessibility violations on {page.url}:\n" + "\n".join(
        lines
    )
