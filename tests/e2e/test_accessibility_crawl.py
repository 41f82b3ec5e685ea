"""Accessibility proven: axe-core on every page each role reaches, in Japanese and in English.

The demo world (``manage.py seed_demo``: two firms, one user per role, the real End User Lists and
a dozen cases in every status, with hits, permits, denial letters, messages and notices, all made
by the product's own services and tasks) is built once for the module, so the crawl reaches case
pages in every state. Each role signs in through the real form (ministry staff with their second
factor) and follows every link it is shown, GET only, from its home page; signed-out visitors start
from the public pages. Every page must have no serious or critical axe-core violation under the
WCAG 2.2 A/AA rules; a failing test lists every violating page with the rule and its targets.
"""

import importlib
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from notifications.models import Notification
from notifications.workflow import Status
from screening.models import PartyHit
from tests.e2e.conftest import AXE_FAILING_IMPACTS, sign_in
from tests.e2e.crawl import Crawl

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-password-2026"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGE_LIMIT = 120
#: Pages of one kind (the same path but for its ids) visited per role: enough case pages to see
#: every status the demo world shows a role (drafts, under review with hits, approved with a
#: permit, denied with a letter, ...).
PER_KIND = 15

#: role -> (the account it signs in with, or None for signed-out visitors; where its crawl starts)
ROLES = {
    "exporter": ("exporter@example.com", ["/"]),
    "firm_admin": ("firmadmin@example.com", ["/", "/accounts/firm/"]),
    "reviewer": ("reviewer@example.com", ["/"]),
    "senior_reviewer": ("senior@example.com", ["/"]),
    "list_manager": ("listmanager@example.com", ["/"]),
    "auditor": ("auditor@example.com", ["/"]),
    "enforcement_officer": ("enforcement@example.com", ["/"]),
    "public": (
        None,
        ["/accounts/login/", "/verify/", "/lists/", "/screening/criteria/"],
    ),
}
LOCALES = {"ja": "ja-JP", "en": "en-US"}


# The world is committed once for the module and flushed when it is done, so the per-test
# flush of the other browser tests is switched off here (these tests only read: GET requests,
# plus the sign-ins' own session and audit rows).
@pytest.fixture(autouse=True)
def _e2e_database():
    """No per-test database: the module's demo world serves every test."""


@pytest.fixture(autouse=True)
def _live_server_helper(live_server):
    """pytest-django's helper, without the per-test ``transactional_db`` (and its flush) that it
    adds to every test using the live server."""
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture(autouse=True)
def _flushable_audit_table():
    """The module's world is flushed once, by ``demo_world`` itself."""
    yield


@pytest.fixture(autouse=True)
def _isolated_media():
    """The module's world keeps its issued documents in its own folder for every test."""


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker, tmp_path_factory, live_server):
    folder = tmp_path_factory.mktemp("a11y-demo-world")
    overrides = override_settings(
        DEMO_MODE=True,
        DOCUMENT_SIGNING_KEY=folder / "signing" / "key.pem",
        DOCUMENT_SIGNING_CERT=folder / "signing" / "cert.pem",
        DOCUMENT_SIGNING_KEY_PASSPHRASE="",
        MEDIA_ROOT=folder / "media",
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "media"), "base_url": "/unserved/"},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    from exportctl.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock(), overrides:
        try:
            call_command("seed_demo", stdout=io.StringIO())
            yield
        finally:
            celery_app.conf.task_always_eager = eager
            trigger = importlib.import_module("exportctl.audit.migrations.0002_append_only_trigger")
            with connection.schema_editor() as editor:
                trigger.uninstall(None, editor)
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(params=list(LOCALES), ids=list(LOCALES))
def language(request) -> str:
    return request.param


@pytest.fixture
def browser_locale(language) -> str:
    return LOCALES[language]


def _violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [v for v in results.response["violations"] if v.get("impact") in AXE_FAILING_IMPACTS]


#: The case states each role's crawl must have seen a case page of (hits under review, a permit, a
#: denial letter), so the pages behind those states were checked too.
STATES_SEEN = {
    "exporter": {Status.UNDER_REVIEW, Status.APPROVED, Status.DENIED, Status.CLEARED},
    "reviewer": {Status.UNDER_REVIEW, Status.INFO_REQUESTED},
    "auditor": {Status.APPROVED, Status.DENIED, Status.CLEARED},
}
_CASE_URL = re.compile(
    r"/(?:notifications|review|audit/cases?)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/$"
)


def _assert_cases_in_every_state_were_seen(role: str, urls: list[str]) -> None:
    public_ids = {match.group(1) for url in urls if (match := _CASE_URL.search(url))}
    seen = set(
        Notification.objects.filter(public_id__in=public_ids).values_list("status", flat=True)
    )
    missing = STATES_SEEN.get(role, set()) - seen
    assert not missing, f"{role}'s crawl saw no case page in {sorted(missing)} (saw {sorted(seen)})"
    if role == "reviewer":
        assert PartyHit.objects.filter(run__notification__public_id__in=public_ids).exists()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_role_is_accessible(
    role, language, demo_world, page, live_server, console_errors
):
    email, starts = ROLES[role]
    # The language as the header's switcher leaves it (a cookie), which outlasts the account's
    # preferred language at sign-in.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    # The live server's first page can take long on a shared, busy machine: wait once for it.
    page.goto(f"{live_server.url}/accounts/login/", timeout=90_000)
    if email is not None:
        sign_in(page, live_server, email, DEMO_PASSWORD)
        assert "/accounts/login/" not in page.url, f"{email} could not sign in"
    html_lang = "ja" if language == "ja" else "en"
    seen, report, failures = [], [], []
    for start in starts:
        pages = Crawl(page, live_server, start, PAGE_LIMIT, per_kind=PER_KIND)
        for url, shown in pages:
            if url in seen:
                continue
            seen.append(url)
            assert shown.locator("html").get_attribute("lang") == html_lang, url
            for violation in _violations(shown):
                for node in violation["nodes"]:
                    target = " ".join(str(part) for part in node.get("target", []))
                    report.append(
                        f"{url}: {violation['id']} ({violation['impact']}) {target} — "
                        f"{violation['help']}"
                    )
        failures += pages.failures
    # A link the crawl followed that answers with an error is the browser's console error of
    # that navigation, not of a page shown: 4xx links are listed, 5xx fail below.
    failed = {url for url, _status, _referrer in failures}
    console_errors[:] = [
        error
        for error in console_errors
        if not any(f"'url': '{url}'" in error for url in failed) and "/favicon.ico'" not in error
    ]
    for url, status, referrer in failures:
        print(f"{role}/{language}: {url} answered {status} (linked from {referrer})")
    # A page that fails on the server could not be checked at all.
    broken = [
        f"{url} ({status}, from {referrer})" for url, status, referrer in failures if status >= 500
    ]
    assert not broken, f"{role}'s pages failed on the server ({language}): {broken}"
    _assert_cases_in_every_state_were_seen(role, seen)
    # The crawl must have reached the role's real pages, not just its home page.
    assert len(seen) >= (4 if email is None else 5), seen
    print(f"{role}/{language}: {len(seen)} pages checked")
    assert not report, (
        f"axe-core found serious or critical violations on {role}'s pages ({language}):\n"
        + "\n".join(report)
    )


def _assert_no_violations(page, state: str) -> None:
    report = [
        f"{violation['id']} ({violation['impact']}) "
        + ", ".join(" ".join(str(p) for p in node.get("target", [])) for node in violation["nodes"])
        + f" — {violation['help']}"
        for violation in _violations(page)
    ]
    assert not report, f"axe-core on {state} ({page.url}):\n" + "\n".join(report)


def test_the_wizard_in_its_error_and_suggestion_states_is_accessible(
    language, demo_world, page, live_server
):
    """States a crawl of links never shows: a refused form with its error summary and field
    errors, and the country autocomplete with its suggestions open."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    sign_in(page, live_server, "exporter@example.com", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/notifications/new/")
    with page.expect_navigation():
        page.locator("#start-draft").click()
    assert page.locator(".error-summary, [role=alert]").count() >= 1
    _assert_no_violations(page, "the new-notification form refused")

    page.locator("#id_title").fill(f"Accessibility check ({language})")
    with page.expect_navigation():
        page.locator("#start-draft").click()
    assert "/edit/items/" in page.url
    page.locator("#add-item").click()
    page.wait_for_load_state("networkidle")
    page.locator("#item-form .field__error, #item-form [aria-invalid=true]").first.wait_for()
    _assert_no_violations(page, "an empty item refused")

    page.goto(page.url.replace("/edit/items/", "/edit/parties/"))
    country = page.locator("#id_destination_country")
    country.focus()
    page.keyboard.type("a")
    page.locator("#id_destination_country__listbox li[role=option]").first.wait_for()
    _assert_no_violations(page, "the country suggestions open")
