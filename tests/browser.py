"""The browser and the live server, one of each per test session, for every module that drives
Chromium: the e2e suite and the language crawl of ``tests/test_translations.py``. A plugin of the
root conftest, so that both get the same instances (a second Playwright in one session would start
a second event loop in the thread, which Playwright refuses)."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in this thread; Django would otherwise refuse
# ORM calls made by the test body (creating users, reading rows) from "an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("EXPORTCTL_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with an off-site MEDIA_URL.

    ``MEDIA_URL`` is None on purpose (uploaded and issued files are served only through access
    checks), but Django's ``LiveServerThread`` wraps the site in ``_MediaFilesHandler``, which
    ``urlparse``s MEDIA_URL when the thread starts and then fails on every request when it is
    None. An off-site URL makes that handler pass every request through, so the live server
    serves no media at all, as in production. Static files are still served.
    """
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="https://media.invalid/"):
        server = LiveServer(addr)  # the handler reads MEDIA_URL before start() returns
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it: "
            "run `apt-get install chromium` (or set EXPORTCTL_CHROMIUM to its path).",
            pytrace=False,
        )
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )
    yield browser
    browser.close()
