"""The exporter's pages through the test client: the filing steps, the status page, the thread,
withdraw and copy — and a 404 for every page about another firm's notification."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from notifications.models import Attachment, Document, MessageKind, Notification
from notifications.services import notification_request_info
from notifications.workflow import Status
from tests.factories import ItemFactory, NotificationFactory, PartyFactory, submitted_at
from tests.notifications.exporter.conftest import exe_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, exporter):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(exporter)
    return client


def _url(name, notification, *args):
    return reverse(f"notifications:{name}", args=[notification.public_id, *args])


def _document(notification) -> Document:
    content = pdf_bytes()
    document = Document(
        notification=notification,
        kind="receipt",
        number=f"RCP-2026-{notification.pk:06d}",
        verification_code="ABCD2345",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        template_version="test",
        issued_at=timezone.now(),
    )
    document.file.save("receipt.pdf", ContentFile(content), save=False)
    document.save()
    return document


def test_new_creates_a_draft_and_goes_to_the_items_step(client_in, exporter):
    response = client_in.post(reverse("notifications:new"), {"title": "Pumps"})

    notification = Notification.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("edit", notification, "items")
    assert notification.title == "Pumps"
    assert notification.firm == exporter.firm


def test_every_step_renders_for_a_draft(client_in, draft):
    ItemFactory(notification=draft)
    PartyFactory(notification=draft)
    for step in ("items", "parties", "end_use", "checklist", "documents", "review"):
        response = client_in.get(_url("edit", draft, step))
        assert response.status_code == 200, step
        assert b'aria-current="step"' in response.content


def test_an_unknown_step_is_404(client_in, draft):
    assert client_in.get(_url("edit", draft, "payment")).status_code == 404


def test_the_whole_form_through_the_steps_to_submission(client_in, draft, exporter):
    draft.destination_country = ""
    draft.planned_date = None
    draft.end_use_description = ""
    draft.end_use_category = ""
    draft.save()
    posts = [
        (
            "items",
            {
                "action": "item",
                "kind": "goods",
                "description": "Machining centre",
                "classification": "16_1",
                "hs_code": "8457.10",
                "quantity": "1",
                "unit": "units",
                "value_jpy": "30000000",
            },
        ),
        (
            "parties",
            {"action": "destination", "destination_country": "th", "planned_date": "2099-06-01"},
        ),
        (
            "parties",
            {"action": "party", "role": "end_user", "name": "Siam Motor Works", "country": "TH"},
        ),
        (
            "end_use",
            {
                "action": "continue",
                "end_use_description": "Engine blocks",
                "end_use_category": "industrial",
            },
        ),
        (
            "checklist",
            {"action": "continue", **{f"check_{n}": "yes" for n in range(1, 21)}},
        ),
    ]
    for step, data in posts:
        response = client_in.post(_url("edit", draft, step), data)
        assert response.status_code == 302, (step, response.content[:2000])
    response = client_in.post(
        _url("edit", draft, "documents"), {"kind": "contract", "file": upload("c.pdf", pdf_bytes())}
    )
    assert response.status_code == 302

    response = client_in.post(_url("edit", draft, "review"), {"declaration": "on"})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _url("detail", draft)
    assert draft.status != Status.DRAFT
    assert draft.reference


def test_review_lists_each_gap_linking_to_its_step(client_in, draft):
    response = client_in.get(_url("edit", draft, "review"))

    content = response.content.decode()
    assert f'<a href="{_url("edit", draft, "items")}">Add at least one item.</a>' in content
    assert f'<a href="{_url("edit", draft, "parties")}">Name the end user.</a>' in content
    checks = ", ".join(str(n) for n in range(1, 21))
    assert (
        f'<a href="{_url("edit", draft, "checklist")}">Answer clear-criteria checks {checks}.</a>'
        in content
    )


def test_submit_without_the_declaration_is_refused(client_in, exporter):
    from tests.factories import ready_notification

    notification = ready_notification(firm=exporter.firm, created_by=exporter)

    response = client_in.post(_url("edit", notification, "review"), {})

    notification.refresh_from_db()
    assert response.status_code == 200
    assert notification.status == Status.DRAFT
    assert AuditEvent.objects.filter(action="notification.submit").count() == 0


def test_an_item_with_errors_keeps_what_was_typed(client_in, draft):
    response = client_in.post(
        _url("edit", draft, "items"),
        {
            "action": "item",
            "kind": "goods",
            "description": "Lathe",
            "classification": "list",
            "quantity": "1",
            "unit": "units",
            "value_jpy": "5",
        },
    )

    assert response.status_code == 200
    assert b"A listed item needs its row" in response.content
    assert b'value="Lathe"' in response.content
    assert draft.items.count() == 0


def test_inline_validation_returns_the_field_with_its_error(client_in, draft):
    response = client_in.post(
        _url("validate", draft, "items"),
        {"_form": "item", "_field": "hs_code", "classification": "16_1", "hs_code": "12"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_hs_code"' in content
    assert "Use an HS code such as 8456.11." in content
    assert draft.items.count() == 0


def test_inline_validation_of_a_valid_field_shows_no_error(client_in, draft):
    response = client_in.post(
        _url("validate", draft, "parties"),
        {"_form": "destination", "_field": "destination_country", "destination_country": "th"},
    )

    assert response.status_code == 200
    assert b"field__error" not in response.content


def test_address_book_reuses_a_party_of_an_earlier_notification(client_in, draft, exporter):
    earlier = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    source = PartyFactory(
        notification=earlier,
        role="consignee",
        name="Freight Co.",
        address="1 Port Rd",
        country="TH",
    )

    page = client_in.get(_url("edit", draft, "parties"))
    assert b"Freight Co." in page.content

    response = client_in.post(
        _url("edit", draft, "parties"),
        {"action": "reuse", "party": str(source.public_id), "role": "intermediary"},
    )

    assert response.status_code == 302
    party = draft.parties.get()
    assert (party.role, party.name, party.address, party.country) == (
        "intermediary",
        "Freight Co.",
        "1 Port Rd",
        "TH",
    )


def test_address_book_does_not_reuse_another_firms_party(client_in, draft, outsider):
    foreign = PartyFactory(notification=NotificationFactory(firm=outsider.firm), name="Secret")

    response = client_in.post(
        _url("edit", draft, "parties"),
        {"action": "reuse", "party": str(foreign.public_id), "role": "consignee"},
    )

    assert response.status_code == 404
    assert draft.parties.count() == 0


def test_upload_refusal_is_shown_next_to_the_file(client_in, draft):
    response = client_in.post(
        _url("edit", draft, "documents"), {"kind": "contract", "file": upload("a.pdf", exe_bytes())}
    )

    assert response.status_code == 200
    assert b"This file is not one of those." in response.content
    assert Attachment.objects.count() == 0


def test_editing_a_submitted_notification_redirects_to_its_status_page(client_in, exporter):
    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm, created_by=exporter)

    response = client_in.post(
        _url("edit", notification, "items"), {"action": "title", "title": "x"}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("detail", notification)
    notification.refresh_from_db()
    assert notification.title != "x"


def test_status_page_polls_while_screening_and_stops_when_final(client_in, exporter):
    notification = submitted_at(Status.SCREENING, firm=exporter.firm, created_by=exporter)

    screening = client_in.get(_url("status_fragment", notification))
    assert b'hx-trigger="every 2s"' in screening.content

    notification.status = Status.WITHDRAWN
    notification.save()
    final = client_in.get(_url("status_fragment", notification))
    assert b"hx-trigger" not in final.content
    assert b"Withdrawn" in final.content


def test_cleared_status_page_offers_the_receipt(client_in, exporter):
    notification = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    document = _document(notification)

    response = client_in.get(_url("detail", notification))

    assert response.status_code == 200
    assert b"Cleared: you may proceed" in response.content
    assert _url("document", notification, document.public_id).encode() in response.content


def test_document_download_streams_the_pdf_and_audits_it(client_in, exporter):
    notification = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    document = _document(notification)

    response = client_in.get(_url("document", notification, document.public_id))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()[:0] + document.file.open().read()
    event = AuditEvent.objects.get(action="document.download")
    assert event.data["number"] == document.number


def test_timeline_hides_internal_steps_and_reviewer_identities(client_in, exporter, reviewer):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    notification_request_info(
        notification=notification,
        actor=reviewer,
        question="Who operates the site?",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    notification.messages.create(
        kind=MessageKind.INTERNAL_NOTE, author=reviewer, body="Looks like a front company"
    )

    detail = client_in.get(_url("detail", notification)).content.decode()
    thread = client_in.get(_url("messages", notification)).content.decode()

    assert "The ministry asked a question" in detail
    assert reviewer.email not in detail
    assert reviewer.full_name not in detail
    assert "Who operates the site?" in thread
    assert "front company" not in thread
    assert reviewer.email not in thread


def test_reply_returns_the_case_to_review(client_in, exporter, reviewer):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    notification_request_info(
        notification=notification,
        actor=reviewer,
        question="Who operates the site?",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )

    response = client_in.post(
        _url("messages", notification),
        {"body": "Siam Motor Works", "kind": "other", "documents": [upload("x.pdf", pdf_bytes())]},
    )

    notification.refresh_from_db()
    assert response.status_code == 302
    assert notification.status == Status.UNDER_REVIEW
    reply = notification.messages.get(kind=MessageKind.REPLY)
    assert reply.attachments.count() == 1


def test_info_requested_email_quotes_the_question_and_due_date(exporter, reviewer):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    due = timezone.localdate() + datetime.timedelta(days=10)
    mail.outbox.clear()
    from django.db import transaction

    with transaction.atomic():
        notification_request_info(
            notification=notification, actor=reviewer, question="Who operates the site?", due_on=due
        )
    from notifications.emails import status_change_messages

    messages = status_change_messages(notification, Status.INFO_REQUESTED)

    assert [m.to for m in messages] == [[exporter.email]]
    assert "Who operates the site?" in messages[0].body
    assert due.isoformat() in messages[0].body
    assert _url("messages", notification) in messages[0].body


def test_withdraw_an_open_notification(client_in, exporter):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)

    assert client_in.get(_url("withdraw", notification)).status_code == 200
    response = client_in.post(_url("withdraw", notification), {"reason": "Order cancelled"})

    notification.refresh_from_db()
    assert response.status_code == 302
    assert notification.status == Status.WITHDRAWN


def test_withdraw_a_final_notification_is_refused(client_in, exporter):
    notification = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    events = AuditEvent.objects.count()

    response = client_in.post(_url("withdraw", notification), {"reason": "x"})

    notification.refresh_from_db()
    assert response.status_code == 302
    assert notification.status == Status.CLEARED
    assert AuditEvent.objects.count() == events


def test_copy_makes_a_new_draft(client_in, exporter):
    notification = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)

    response = client_in.post(_url("copy", notification))

    copy = Notification.objects.get(copied_from=notification)
    assert response.status_code == 302
    assert response["Location"] == _url("edit", copy, "items")
    assert copy.status == Status.DRAFT


def test_dashboard_filters_and_search(client_in, exporter):
    draft = NotificationFactory(firm=exporter.firm, created_by=exporter, title="Draft pumps")
    cleared = submitted_at(
        Status.CLEARED,
        firm=exporter.firm,
        created_by=exporter,
        title="Lathes",
        destination_country="VN",
    )
    PartyFactory(notification=cleared, role="consignee", name="Hanoi Tools JSC", country="VN")
    NotificationFactory(title="Another firm's pumps")

    everything = client_in.get(reverse("notifications:dashboard"))
    by_status = client_in.get(reverse("notifications:dashboard"), {"status": "cleared"})
    by_party = client_in.get(reverse("notifications:dashboard"), {"q": "hanoi"})
    by_reference = client_in.get(reverse("notifications:dashboard"), {"q": cleared.reference})
    by_destination = client_in.get(reverse("notifications:dashboard"), {"destination": "vn"})

    assert [n.pk for n in everything.context["page"]] == [draft.pk, cleared.pk]
    assert [n.pk for n in by_status.context["page"]] == [cleared.pk]
    assert [n.pk for n in by_party.context["page"]] == [cleared.pk]
    assert [n.pk for n in by_reference.context["page"]] == [cleared.pk]
    assert [n.pk for n in by_destination.context["page"]] == [cleared.pk]


def test_dashboard_date_filter(client_in, exporter):
    cleared = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    day = timezone.localdate(cleared.submitted_at)

    inside = client_in.get(
        reverse("notifications:dashboard"),
        {"date_from": day.isoformat(), "date_to": day.isoformat()},
    )
    after = client_in.get(
        reverse("notifications:dashboard"),
        {"date_from": (day + datetime.timedelta(days=1)).isoformat()},
    )

    assert [n.pk for n in inside.context["page"]] == [cleared.pk]
    assert list(after.context["page"]) == []
    assert b"No notifications match" in after.content


def test_dashboard_is_404_for_a_ministry_user(client, reviewer):
    client.force_login(reviewer)

    assert client.get(reverse("notifications:dashboard")).status_code == 404
    assert client.get(reverse("notifications:new")).status_code == 404


# --- Another firm's notification: 404 everywhere, nothing changed ------------------------------


def _foreign(outsider):
    notification = submitted_at(Status.UNDER_REVIEW, firm=outsider.firm, created_by=outsider)
    attachment = Attachment.objects.create(
        notification=notification,
        kind="contract",
        file=ContentFile(pdf_bytes(), name="x.pdf"),
        original_name="x.pdf",
        content_type="application/pdf",
        size=len(pdf_bytes()),
        sha256="b" * 64,
        uploaded_by=outsider,
    )
    return notification, attachment, _document(notification)


def test_every_exporter_page_is_404_for_another_firms_notification(client_in, outsider):
    notification, attachment, document = _foreign(outsider)
    draft = NotificationFactory(firm=outsider.firm, created_by=outsider)
    item = ItemFactory(notification=draft)
    party = PartyFactory(notification=draft)
    before = (
        Notification.objects.count(),
        Attachment.objects.count(),
        AuditEvent.objects.count(),
        notification.status,
    )
    gets = [
        _url("detail", notification),
        _url("status_fragment", notification),
        _url("messages", notification),
        _url("withdraw", notification),
        _url("attachment", notification, attachment.public_id),
        _url("document", notification, document.public_id),
        *[_url("edit", draft, step) for step in ("items", "parties", "end_use", "review")],
        _url("item_edit", draft, item.pk),
        _url("party_edit", draft, party.public_id),
    ]
    posts = [
        _url("withdraw", notification),
        _url("copy", notification),
        _url("messages", notification),
        _url("attachment_delete", notification, attachment.public_id),
        _url("edit", draft, "items"),
        _url("validate", draft, "items"),
        _url("item_delete", draft, item.pk),
        _url("party_delete", draft, party.public_id),
    ]

    for url in gets:
        assert client_in.get(url).status_code == 404, url
    for url in posts:
        assert client_in.post(url, {"reason": "x", "body": "x"}).status_code == 404, url

    notification.refresh_from_db()
    assert (
        Notification.objects.count(),
        Attachment.objects.count(),
        AuditEvent.objects.count(),
        notification.status,
    ) == before


def test_another_notifications_attachment_or_document_is_404_under_my_own(
    client_in, exporter, outsider
):
    _, attachment, document = _foreign(outsider)
    mine = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)

    assert client_in.get(_url("attachment", mine, attachment.public_id)).status_code == 404
    assert client_in.get(_url("document", mine, document.public_id)).status_code == 404
    assert AuditEvent.objects.filter(action="document.download").count() == 0


# --- A party's kind (person or organisation) ---------------------------------------------------


def test_the_party_form_offers_the_kind_with_organisation_preselected(client_in, draft):
    page = client_in.get(_url("edit", draft, "parties")).content.decode()

    assert 'name="kind" value="person"' in page
    assert 'name="kind" value="organization"' in page
    checked = [line for line in page.splitlines() if 'name="kind"' in line and "checked" in line]
    assert len(checked) == 1 and 'value="organization"' in checked[0]


def test_a_person_party_is_kept_as_a_person_through_add_edit_and_the_address_book(
    client_in, draft, exporter
):
    response = client_in.post(
        _url("edit", draft, "parties"),
        {
            "action": "party",
            "role": "end_user",
            "kind": "person",
            "name": "Somchai Jaidee",
            "country": "TH",
        },
    )
    assert response.status_code == 302
    party = draft.parties.get()
    assert party.kind == "person"
    added = AuditEvent.objects.filter(action="notification.party_added").get()
    assert added.data["kind"] == "person"

    edit = client_in.get(_url("party_edit", draft, party.public_id)).content.decode()
    checked = [line for line in edit.splitlines() if 'name="kind"' in line and "checked" in line]
    assert len(checked) == 1 and 'value="person"' in checked[0]

    client_in.post(
        _url("party_edit", draft, party.public_id),
        {"role": "end_user", "kind": "organization", "name": "Somchai Trading", "country": "TH"},
    )
    party.refresh_from_db()
    assert (party.kind, party.name) == ("organization", "Somchai Trading")

    # Reused from the address book, a party brings its kind with it.
    earlier = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    source = PartyFactory(notification=earlier, role="consignee", name="Anan Wong", kind="person")
    client_in.post(
        _url("edit", draft, "parties"),
        {"action": "reuse", "party": str(source.public_id), "role": "consignee"},
    )
    assert draft.parties.get(name="Anan Wong").kind == "person"


def test_a_party_posted_without_a_kind_is_an_organisation_and_an_unknown_kind_is_refused(
    client_in, draft
):
    client_in.post(
        _url("edit", draft, "parties"),
        {"action": "party", "role": "end_user", "name": "Siam Motor Works", "country": "TH"},
    )
    assert draft.parties.get().kind == "organization"

    refused = client_in.post(
        _url("edit", draft, "parties"),
        {
            "action": "party",
            "role": "consignee",
            "kind": "vessel",
            "name": "Freight Co.",
            "country": "TH",
        },
    )
    assert refused.status_code == 200
    assert "kind" in refused.context["form"].errors
    assert draft.parties.count() == 1


def test_the_review_step_and_the_status_page_show_the_kind(client_in, draft):
    PartyFactory(notification=draft, name="Somchai Jaidee", kind="person")

    review = client_in.get(_url("edit", draft, "review")).content.decode()
    assert "Somchai Jaidee · Person" in review
