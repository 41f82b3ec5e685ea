"""XSS in a real Chromium: script, attribute-breaking, ``javascript:`` and template-injection
payloads are put into every text a user can fill (the filing, its items and parties, checklist
notes, messages, internal notes, decision reasons and conditions, firm and profile names, a
listed entry, a self-check query), then every page that shows them is opened as the people who
see it. No payload may run (``window.__xss`` stays undefined), each is shown as text, no link
leads to ``javascript:``, and the browser reports no error (the ``page`` fixture fails on any).
"""

import datetime

import pytest

from notifications.models import Decision, DecisionKind, Item, Message, MessageKind, Party
from tests.e2e.conftest import sign_in
from tests.security.world import PASSWORD, build_world

pytestmark = pytest.mark.e2e

SCRIPT = "<script>window.__xss=1</script>"
ATTRIBUTE = '"><img src=x onerror=window.__xss=1>'
URL = "javascript:window.__xss=1"
TEMPLATE = "{{7*7}}"


def payload(field: str) -> str:
    return f"{field} {SCRIPT} {ATTRIBUTE} {URL} {TEMPLATE}"


@pytest.fixture
def browser_locale() -> str:
    return "en-GB"


@pytest.fixture
def world(settings):
    settings.EXPORTCTL_MINISTRY_2FA = False  # this test is about what pages show, not sign-in
    world = build_world()
    side = world.a
    side.firm.name = payload("firm")
    side.firm.name_local = payload("firm local")
    side.firm.address = payload("firm address")
    side.firm.save()
    side.exporter.full_name = payload("exporter")
    side.exporter.save()
    for notification in (side.draft, side.case, side.approved):
        notification.title = payload("title")
        notification.end_use_description = payload("end use")
        notification.checklist = {
            **notification.checklist,
            "1": {"answer": "no", "note": payload("checklist note")},
        }
        notification.save()
        Item.objects.filter(notification=notification).update(
            description=payload("item"), unit="<b>u</b>"
        )
        Party.objects.filter(notification=notification).update(
            name=payload("party"),
            local_name=payload("local name"),
            address=payload("address"),
        )
    Message.objects.create(
        notification=side.case,
        kind=MessageKind.QUESTION,
        author=world.users["reviewer"],
        body=payload("question"),
        due_on=datetime.date.today() + datetime.timedelta(days=14),
    )
    Message.objects.create(
        notification=side.case,
        kind=MessageKind.REPLY,
        author=side.exporter,
        body=payload("reply"),
    )
    Message.objects.create(
        notification=side.case,
        kind=MessageKind.INTERNAL_NOTE,
        author=world.users["reviewer"],
        body=payload("internal note"),
    )
    Decision.objects.create(
        notification=side.case,
        kind=DecisionKind.REQUEST_INFO,
        actor=world.users["reviewer"],
        reason=payload("decision reason"),
    )
    side.permit.conditions = payload("conditions")
    side.permit.save()
    world.entry.name = payload("listed entry")
    world.entry.save()
    return world


def _assert_inert(page, *fields: str) -> None:
    assert page.evaluate("() => window.__xss") is None, page.url
    assert page.locator('a[href^="javascript:"], [src^="javascript:"]').count() == 0
    assert page.locator("img[src=x]").count() == 0
    text = page.locator("body").inner_text()
    for field in fields:
        assert payload(field) in text, f"{field!r} not shown as text on {page.url}"


def _visit(page, path: str, *fields: str) -> None:
    page.goto(path)
    _assert_inert(page, *fields)


def test_exporter_pages(page, live_server, world):
    side = world.a
    sign_in(page, live_server, side.exporter.email, PASSWORD)
    _visit(page, "/notifications/", "title")
    _visit(page, f"/notifications/{side.case.public_id}/", "title")
    _visit(page, f"/notifications/{side.case.public_id}/messages/", "question", "reply")
    _visit(page, f"/notifications/{side.draft.public_id}/edit/items/", "item")
    _visit(page, f"/notifications/{side.draft.public_id}/edit/parties/", "party")
    _visit(page, f"/notifications/{side.draft.public_id}/edit/review/", "title", "end use")
    _visit(page, f"/notifications/{side.approved.public_id}/", "title")
    _visit(page, "/accounts/profile/")
    assert page.locator("#id_full_name").input_value() == payload("exporter")
    # The internal note never reaches the exporter, escaped or not.
    page.goto(f"/notifications/{side.case.public_id}/")
    assert "internal note" not in page.locator("body").inner_text()


def test_self_check_query_typed_in_the_form(page, live_server, world):
    sign_in(page, live_server, world.a.exporter.email, PASSWORD)
    page.goto("/screening/self-check/")
    page.locator("#id_name").fill(payload("query"))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    _assert_inert(page)
    assert page.locator("#id_name").input_value() == payload("query")


def test_firm_admin_pages(page, live_server, world):
    sign_in(page, live_server, world.a.admin.email, PASSWORD)
    _visit(page, "/accounts/firm/")
    assert page.locator("#id_name").input_value() == payload("firm")
    _visit(page, "/accounts/firm/colleagues/", "exporter")


def test_reviewer_pages(page, live_server, world):
    case = world.a.case
    sign_in(page, live_server, world.users["reviewer"].email, PASSWORD)
    _visit(page, "/review/", "firm local")
    _visit(
        page,
        f"/review/{case.public_id}/",
        "title",
        "end use",
        "party",
        "question",
        "reply",
        "internal note",
        "decision reason",
    )


def test_auditor_pages(page, live_server, world):
    case = world.a.case
    sign_in(page, live_server, world.users["auditor"].email, PASSWORD)
    page.goto("/audit/")
    page.locator("main form input[type=search], main form input[name=q]").first.fill(
        payload("search")
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    _assert_inert(page)
    _visit(page, f"/audit/cases/{case.public_id}/", "title", "party", "internal note")
    _visit(page, "/audit/log/")


def test_public_list_pages(page, live_server, world):
    _visit(page, f"/lists/{world.eul.code}/", "listed entry")
    _visit(page, f"/lists/{world.eul.code}/entries/{world.entry.number}/", "listed entry")


def test_status_e_mail_quotes_the_text_as_typed(world):
    """E-mails are plain text: the ministry's question and the title are quoted as typed, neither
    HTML-escaped into entities nor anything but text (there is no HTML part to run)."""
    from notifications.emails import status_change_messages
    from notifications.workflow import Status

    messages = status_change_messages(world.a.case, Status.INFO_REQUESTED)

    assert messages
    for message in messages:
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", [])
        assert payload("question") in message.body
        assert "&lt;" not in message.body and "&quot;" not in message.body
