"""The exporter's notification endpoints: allowed, refused with nothing changed, and private."""

import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from exportctl.audit.models import AuditEvent
from notifications.api import filing, idempotency
from notifications.models import (
    Attachment,
    Item,
    Message,
    MessageKind,
    Notification,
    Party,
)
from notifications.workflow import Status
from tests.api.conftest import (
    ask_question,
    audit_count,
    confirmed_hit,
    internal_note,
    issue_document,
    pdf_bytes,
    pdf_upload,
    reviewer_decision,
    token_client,
)
from tests.factories import (
    NotificationFactory,
    ready_notification,
    submitted_at,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications/"


def url(notification, suffix: str = "") -> str:
    return f"{BASE}{notification.public_id}/{suffix}"


NEW_DRAFT = {
    "title": "Machining centres for Siam Motor Works",
    "destination_country": "th",
    "end_use_description": "Machining of engine blocks.",
    "end_use_category": "industrial",
    "planned_date": "2099-04-01",
    "items": [
        {
            "kind": "goods",
            "description": "5-axis machining centre",
            "classification": "16_1",
            "hs_code": "8457.10",
            "quantity": "2",
            "unit": "units",
            "value_jpy": 48000000,
        }
    ],
    "parties": [
        {
            "role": "end_user",
            "name": "Siam Motor Works Co., Ltd.",
            "address": "99 Bangna-Trad Road, Bangkok",
            "country": "TH",
        }
    ],
    "checklist": {str(n): {"answer": "no", "note": "Not confirmed yet."} for n in range(1, 21)},
}


def snapshot(notification: Notification) -> dict:
    notification.refresh_from_db()
    return {
        "status": notification.status,
        "title": notification.title,
        "updated_at": notification.updated_at,
        "items": list(notification.items.values_list("pk", "description", "value_jpy")),
        "parties": list(notification.parties.values_list("pk", "name")),
        "attachments": notification.attachments.count(),
        "messages": notification.messages.count(),
        "checklist": notification.checklist,
        "audit": audit_count(),
    }


# --- Create, and the Idempotency-Key ----------------------------------------------------------


def test_create_a_draft_with_items_parties_and_checklist(api, exporter):
    response = api.post(BASE, NEW_DRAFT, format="json")

    assert response.status_code == 201
    body = response.json()
    notification = Notification.objects.get(public_id=body["id"])
    assert notification.firm_id == exporter.firm_id
    assert notification.status == Status.DRAFT
    assert notification.destination_country == "TH"
    assert body["status"] == "draft"
    assert body["reference"] is None
    assert [i["description"] for i in body["items"]] == ["5-axis machining centre"]
    assert body["items"][0]["position"] == 1
    assert body["items"][0]["quantity"] == "2.000"
    assert [p["name"] for p in body["parties"]] == ["Siam Motor Works Co., Ltd."]
    assert body["checklist"]["20"] == {"answer": "no", "note": "Not confirmed yet."}
    assert body["readiness"] == []
    actions = list(
        AuditEvent.objects.filter(object_id=str(notification.public_id))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "notification.draft_created",
        "notification.item_added",
        "notification.party_added",
        "notification.checklist_saved",
        "notification.api_created",
    ]


def test_a_retry_with_the_same_idempotency_key_files_once(api):
    first = api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="erp-po-4711")
    events = audit_count()
    retry = api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="erp-po-4711")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert Notification.objects.count() == 1
    assert Item.objects.count() == 1
    assert audit_count() == events


def test_the_same_key_with_another_body_is_refused_and_files_nothing(api):
    api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="erp-po-4711")
    events = audit_count()
    other = {**NEW_DRAFT, "title": "Something else entirely"}

    response = api.post(BASE, other, format="json", HTTP_IDEMPOTENCY_KEY="erp-po-4711")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "Idempotency-Key",
            "code": "idempotency_key_reused",
            "message": response.json()["errors"][0]["message"],
        }
    ]
    assert Notification.objects.count() == 1
    assert audit_count() == events


def test_idempotency_keys_are_per_firm(api, other_exporter):
    api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="po-1")
    response = token_client(other_exporter).post(
        BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="po-1"
    )

    assert response.status_code == 201
    assert Notification.objects.count() == 2


def test_a_malformed_idempotency_key_is_refused(api):
    response = api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="x" * 65)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"
    assert Notification.objects.count() == 0


def test_a_create_with_a_bad_item_names_the_field_and_files_nothing(api):
    events = audit_count()
    bad = {
        **NEW_DRAFT,
        "items": [
            NEW_DRAFT["items"][0],
            {**NEW_DRAFT["items"][0], "value_jpy": "lots", "kind": "spaceship"},
        ],
    }

    response = api.post(BASE, bad, format="json")

    assert response.status_code == 400
    body = response.json()
    assert sorted((e["field"], e["code"]) for e in body["errors"]) == [
        ("items[1].kind", "invalid_choice"),
        ("items[1].value_jpy", "invalid"),
    ]
    assert body["detail"] == "The request has 2 problems."
    assert Notification.objects.count() == 0
    assert audit_count() == events


def test_a_rule_refused_by_the_service_names_the_nested_field_and_files_nothing(api):
    """A row 16(1) item without an HS code passes the serializer; the draft service refuses it."""
    bad = {**NEW_DRAFT, "items": [{**NEW_DRAFT["items"][0], "hs_code": ""}]}

    response = api.post(BASE, bad, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["items[0].hs_code"]
    assert Notification.objects.count() == 0
    assert Item.objects.count() == 0


# --- List, filters and cursor pagination -------------------------------------------------------


def test_list_shows_only_the_firms_notifications_newest_first(api, exporter, other_exporter):
    older = NotificationFactory(firm=exporter.firm, title="older")
    newer = NotificationFactory(firm=exporter.firm, title="newer")
    NotificationFactory(firm=other_exporter.firm, title="rival's")

    response = api.get(BASE)

    assert response.status_code == 200
    assert [n["id"] for n in response.json()["results"]] == [
        str(newer.public_id),
        str(older.public_id),
    ]
    assert response.json()["previous"] is None
    assert response.json()["next"] is None


def test_cursor_pagination_walks_every_notification_once(api, exporter):
    made = [NotificationFactory(firm=exporter.firm) for _ in range(5)]

    seen = []
    page = api.get(BASE, {"page_size": 2}).json()
    pages = 1
    seen += [n["id"] for n in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        pages += 1
        seen += [n["id"] for n in page["results"]]

    assert pages == 3
    assert seen == [str(n.public_id) for n in reversed(made)]
    assert "cursor=" in api.get(BASE, {"page_size": 2}).json()["next"]


def test_list_filters_by_status_destination_dates_and_search(api, exporter):
    draft = NotificationFactory(firm=exporter.firm, title="Lathes", destination_country="TH")
    early = submitted_at(Status.CLEARED, firm=exporter.firm, destination_country="US")
    late = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, destination_country="TH")
    Notification.objects.filter(pk=early.pk).update(
        submitted_at=datetime.datetime(2026, 10, 1, 1, 0, tzinfo=datetime.UTC)
    )
    Notification.objects.filter(pk=late.pk).update(
        submitted_at=datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC)
    )
    Party.objects.filter(notification=late).update(name="Bangkok Precision Ltd.")

    def ids(params):
        response = api.get(BASE, params)
        assert response.status_code == 200, response.json()
        return {n["id"] for n in response.json()["results"]}

    assert ids({"status": "draft"}) == {str(draft.public_id)}
    assert ids({"status": ["cleared", "under_review"]}) == {
        str(early.public_id),
        str(late.public_id),
    }
    assert ids({"destination": "th"}) == {str(draft.public_id), str(late.public_id)}
    assert ids({"submitted_from": "2026-11-01"}) == {str(late.public_id)}
    assert ids({"submitted_to": "2026-10-31"}) == {str(early.public_id)}
    assert ids({"search": "bangkok precision"}) == {str(late.public_id)}
    assert ids({"search": "lathes"}) == {str(draft.public_id)}
    assert ids({"search": early.reference}) == {str(early.public_id)}


def test_a_bad_filter_value_is_a_structured_error(api):
    response = api.get(BASE, {"status": "shipped", "submitted_from": "yesterday"})

    assert response.status_code == 400
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("status", "invalid_choice"),
        ("submitted_from", "invalid"),
    ]


# --- Read one, status ------------------------------------------------------------------------


def test_retrieve_a_draft_lists_what_it_still_lacks(api, exporter):
    draft = NotificationFactory(firm=exporter.firm, checklist={}, end_use_category="")

    response = api.get(url(draft))

    assert response.status_code == 200
    assert [(g["step"], g["field"]) for g in response.json()["readiness"]] == [
        ("items", "items"),
        ("parties", "end_user"),
        ("end_use", "end_use_category"),
        ("checklist", "checklist"),
    ]


def test_status_of_a_case_waiting_on_the_firm_shows_the_open_question(api, exporter, reviewer):
    notification = submitted_at(Status.INFO_REQUESTED, firm=exporter.firm)
    question = ask_question(notification, reviewer, body="Send the end-user pledge.")

    response = api.get(url(notification, "status/"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "info_requested"
    assert body["reference"] == notification.reference
    assert body["waiting_on"] == "firm"
    assert body["actions"] == ["respond", "withdraw", "copy"]
    assert body["open_question"] == {
        "id": str(question.public_id),
        "body": "Send the end-user pledge.",
        "due_on": question.due_on.isoformat(),
    }


@pytest.mark.parametrize(
    ("status", "waiting_on", "actions"),
    [
        (Status.DRAFT, "firm", ["edit", "submit", "copy"]),
        (Status.SCREENING, "screening", ["withdraw", "copy"]),
        (Status.UNDER_REVIEW, "ministry", ["withdraw", "copy"]),
        (Status.APPROVED, None, ["copy"]),
    ],
)
def test_status_says_who_is_next_and_what_the_firm_may_do(
    api, exporter, status, waiting_on, actions
):
    notification = submitted_at(status, firm=exporter.firm)

    body = api.get(url(notification, "status/")).json()

    assert (body["waiting_on"], body["actions"], body["open_question"]) == (
        waiting_on,
        actions,
        None,
    )


# --- Edit a draft ----------------------------------------------------------------------------


def test_patch_changes_the_header_of_a_draft(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    response = api.patch(url(draft), {"title": "Updated title", "destination_country": "vn"})

    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.title, draft.destination_country) == ("Updated title", "VN")
    assert response.json()["title"] == "Updated title"
    assert AuditEvent.objects.filter(action="notification.draft_updated").count() == 1


def test_patch_of_a_submitted_notification_is_refused_unchanged(api, exporter):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm)
    before = snapshot(notification)

    response = api.patch(url(notification), {"title": "Sneaky change"})

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "wrong_state"
    assert response.json()["errors"][0]["field"] is None
    assert snapshot(notification) == before


def test_patch_with_an_invalid_value_names_the_field(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)
    before = snapshot(draft)

    response = api.patch(url(draft), {"end_use_category": "piracy", "destination_country": "x1"})

    assert response.status_code == 400
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "destination_country",
        "end_use_category",
    ]
    assert snapshot(draft) == before


def test_items_add_update_delete(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    added = api.post(url(draft, "items/"), NEW_DRAFT["items"][0], format="json")
    assert added.status_code == 201
    position = added.json()["position"]
    listed = api.get(url(draft, "items/"))
    assert [i["position"] for i in listed.json()] == [position]

    changed = api.patch(url(draft, f"items/{position}/"), {"value_jpy": 1000}, format="json")
    assert changed.status_code == 200
    assert changed.json()["value_jpy"] == 1000
    assert api.get(url(draft, f"items/{position}/")).json()["value_jpy"] == 1000

    deleted = api.delete(url(draft, f"items/{position}/"))
    assert deleted.status_code == 204
    assert draft.items.count() == 0
    assert [
        a
        for a in AuditEvent.objects.order_by("seq").values_list("action", flat=True)
        if a.startswith("notification.item")
    ] == ["notification.item_added", "notification.item_updated", "notification.item_deleted"]


def test_an_item_of_a_submitted_notification_cannot_be_changed(api, exporter):
    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm)
    item = notification.items.get()
    before = snapshot(notification)

    patched = api.patch(url(notification, f"items/{item.position}/"), {"value_jpy": 1})
    deleted = api.delete(url(notification, f"items/{item.position}/"))
    added = api.post(url(notification, "items/"), NEW_DRAFT["items"][0], format="json")

    assert [patched.status_code, deleted.status_code, added.status_code] == [409, 409, 409]
    assert snapshot(notification) == before


def test_parties_add_update_delete_and_the_one_end_user_rule(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    end_user = api.post(url(draft, "parties/"), NEW_DRAFT["parties"][0], format="json")
    assert end_user.status_code == 201
    second = api.post(url(draft, "parties/"), NEW_DRAFT["parties"][0], format="json")
    assert second.status_code == 400
    assert [e["field"] for e in second.json()["errors"]] == ["role"]
    consignee = api.post(
        url(draft, "parties/"),
        {**NEW_DRAFT["parties"][0], "role": "consignee", "name": "Laem Chabang Freight"},
        format="json",
    )
    assert consignee.status_code == 201

    party_id = consignee.json()["id"]
    changed = api.patch(url(draft, f"parties/{party_id}/"), {"country": "sg"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["country"] == "SG"
    assert api.delete(url(draft, f"parties/{party_id}/")).status_code == 204
    assert [p["role"] for p in api.get(url(draft, "parties/")).json()] == ["end_user"]


def test_a_party_is_an_organisation_unless_the_request_says_it_is_a_person(api, exporter):
    created = api.post(
        BASE,
        {
            **NEW_DRAFT,
            "parties": [
                NEW_DRAFT["parties"][0],
                {
                    "role": "consignee",
                    "kind": "person",
                    "name": "Somchai Jaidee",
                    "country": "TH",
                },
            ],
        },
        format="json",
    )

    assert created.status_code == 201
    assert [(p["name"], p["kind"]) for p in created.json()["parties"]] == [
        ("Siam Motor Works Co., Ltd.", "organization"),
        ("Somchai Jaidee", "person"),
    ]
    draft = Notification.objects.get(public_id=created.json()["id"])
    assert sorted(draft.parties.values_list("name", "kind")) == [
        ("Siam Motor Works Co., Ltd.", "organization"),
        ("Somchai Jaidee", "person"),
    ]
    person = draft.parties.get(kind="person")
    read = api.get(url(draft, f"parties/{person.public_id}/"))
    assert read.json()["kind"] == "person"

    # A PATCH that does not name the kind keeps it; one that does changes it.
    kept = api.patch(url(draft, f"parties/{person.public_id}/"), {"country": "sg"}, format="json")
    assert kept.json()["kind"] == "person"
    changed = api.patch(
        url(draft, f"parties/{person.public_id}/"), {"kind": "organization"}, format="json"
    )
    assert changed.status_code == 200
    person.refresh_from_db()
    assert person.kind == "organization"

    before = snapshot(draft)
    refused = api.post(
        url(draft, "parties/"),
        {**NEW_DRAFT["parties"][0], "role": "purchaser", "kind": "vessel"},
        format="json",
    )
    assert refused.status_code == 400
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("kind", "invalid_choice")
    ]
    assert snapshot(draft) == before


def test_the_schema_documents_the_party_kind_and_its_default(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    kind = schema["components"]["schemas"]["PartyRequest"]["properties"]["kind"]
    assert kind["default"] == "organization"
    assert "kind" not in schema["components"]["schemas"]["PartyRequest"].get("required", [])
    enum = schema["components"]["schemas"]["PartyKindEnum"]["enum"]
    assert enum == ["person", "organization"]


def test_checklist_answers_are_saved_and_unknown_checks_refused(api, exporter):
    draft = NotificationFactory(firm=exporter.firm, checklist={})

    saved = api.patch(
        url(draft, "checklist/"),
        {"checklist": {"3": {"answer": "unknown", "note": "asking the buyer"}}},
        format="json",
    )
    assert saved.status_code == 200
    assert saved.json()["checklist"] == {"3": {"answer": "unknown", "note": "asking the buyer"}}

    before = snapshot(draft)
    refused = api.patch(
        url(draft, "checklist/"),
        {"checklist": {"21": {"answer": "yes"}, "4": {"answer": "maybe"}}},
        format="json",
    )
    assert refused.status_code == 400
    assert sorted((e["field"], e["code"]) for e in refused.json()["errors"]) == [
        ("checklist.21", "unknown_check"),
        ("checklist.4.answer", "invalid_choice"),
    ]
    assert snapshot(draft) == before


# --- Documents of a draft ----------------------------------------------------------------------


def test_upload_list_download_and_delete_an_attachment(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    uploaded = api.post(
        url(draft, "attachments/"),
        {"kind": "contract", "file": pdf_upload("PO 4711.pdf")},
        format="multipart",
    )
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert (body["kind"], body["name"], body["content_type"]) == (
        "contract",
        "PO 4711.pdf",
        "application/pdf",
    )
    assert [a["id"] for a in api.get(url(draft, "attachments/")).json()] == [body["id"]]
    assert [a["id"] for a in api.get(url(draft)).json()["attachments"]] == [body["id"]]

    download = api.get(body["download_url"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="PO 4711.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == pdf_bytes("contract")
    assert AuditEvent.objects.filter(action="attachment.download").count() == 1

    assert api.delete(url(draft, f"attachments/{body['id']}/")).status_code == 204
    assert Attachment.objects.count() == 0


def test_an_executable_named_pdf_is_refused_and_nothing_stored(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)
    before = snapshot(draft)
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")

    response = api.post(
        url(draft, "attachments/"), {"kind": "contract", "file": fake}, format="multipart"
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert snapshot(draft) == before


def test_an_upload_without_a_file_names_the_field(api, exporter):
    draft = NotificationFactory(firm=exporter.firm)

    response = api.post(url(draft, "attachments/"), {"kind": "contract"}, format="multipart")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("file", "required")]


# --- Submit, withdraw, copy -------------------------------------------------------------------


def test_submit_a_ready_draft(api, exporter, django_capture_on_commit_callbacks):
    draft = ready_notification(firm=exporter.firm)

    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(url(draft, "submit/"), {"declaration_accepted": True})

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert response.json()["status"] == "submitted"
    assert response.json()["reference"] == draft.reference
    assert AuditEvent.objects.filter(action="notification.submit").count() == 1


def test_submit_of_an_incomplete_draft_lists_every_gap_and_changes_nothing(api, exporter):
    draft = NotificationFactory(firm=exporter.firm, end_use_description="", checklist={})
    before = snapshot(draft)

    response = api.post(url(draft, "submit/"), {"declaration_accepted": True})

    assert response.status_code == 409
    body = response.json()
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("items", "not_ready"),
        ("end_user", "not_ready"),
        ("end_use_description", "not_ready"),
        ("checklist", "not_ready"),
    ]
    assert body["detail"] == "The notification is not ready to submit."
    assert snapshot(draft) == before


def test_submit_without_the_declaration_is_refused(api, exporter):
    draft = ready_notification(firm=exporter.firm)
    before = snapshot(draft)

    missing = api.post(url(draft, "submit/"), {})
    declined = api.post(url(draft, "submit/"), {"declaration_accepted": False})

    assert missing.status_code == 400
    assert [(e["field"], e["code"]) for e in missing.json()["errors"]] == [
        ("declaration_accepted", "required")
    ]
    assert declined.status_code == 400
    assert [(e["field"], e["code"]) for e in declined.json()["errors"]] == [
        ("declaration_accepted", "declaration_required")
    ]
    assert snapshot(draft) == before


def test_submit_twice_is_a_conflict(api, exporter):
    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm)
    before = snapshot(notification)

    response = api.post(url(notification, "submit/"), {"declaration_accepted": True})

    assert response.status_code == 409
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(None, "wrong_state")]
    assert snapshot(notification) == before


def test_withdraw_an_open_case(api, exporter):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm)

    response = api.post(url(notification, "withdraw/"), {"reason": "Order cancelled"})

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.status == Status.WITHDRAWN
    assert response.json()["actions"] == ["copy"]
    event = AuditEvent.objects.get(action="notification.withdraw")
    assert event.data["reason"] == "Order cancelled"


def test_withdraw_of_a_decided_case_is_refused_unchanged(api, exporter):
    notification = submitted_at(Status.APPROVED, firm=exporter.firm)
    before = snapshot(notification)

    response = api.post(url(notification, "withdraw/"), {})

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "wrong_state"
    assert snapshot(notification) == before


def test_copy_starts_a_new_draft(api, exporter):
    notification = submitted_at(Status.DENIED, firm=exporter.firm)

    response = api.post(url(notification, "copy/"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["copied_from"] == str(notification.public_id)
    assert body["reference"] is None
    assert [i["description"] for i in body["items"]] == ["5-axis machining centre"]
    assert Notification.objects.count() == 2


# --- Issued documents and messages ------------------------------------------------------------


def test_issued_documents_are_listed_and_downloaded_with_an_audit_event(api, exporter):
    notification = submitted_at(Status.CLEARED, firm=exporter.firm)
    document = issue_document(notification)

    listed = api.get(url(notification, "documents/"))
    assert listed.status_code == 200
    assert [(d["id"], d["number"], d["kind"]) for d in listed.json()] == [
        (str(document.public_id), document.number, "receipt")
    ]

    response = api.get(listed.json()[0]["download_url"], HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{document.number}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == document.file.open("rb").read()
    event = AuditEvent.objects.get(action="document.download")
    assert (event.actor_id, event.data["number"]) == (exporter.pk, document.number)


def test_messages_list_questions_and_replies_but_never_internal_notes(api, exporter, reviewer):
    notification = submitted_at(Status.INFO_REQUESTED, firm=exporter.firm)
    internal_note(notification, reviewer, "Internal: the buyer looks like a front company.")
    question = ask_question(notification, reviewer)

    response = api.get(url(notification, "messages/"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(question.public_id),
            "kind": "question",
            "sender": "ministry",
            "body": "Send the end-user pledge.",
            "due_on": question.due_on.isoformat(),
            "created_at": response.json()[0]["created_at"],
            "attachments": [],
        }
    ]


def test_answer_the_ministrys_question_with_a_document(api, exporter, reviewer):
    notification = submitted_at(Status.INFO_REQUESTED, firm=exporter.firm)
    ask_question(notification, reviewer)

    response = api.post(
        url(notification, "messages/"),
        {
            "body": "The pledge is attached.",
            "files": [pdf_upload("pledge.pdf")],
            "kind": "end_user_pledge",
        },
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["sender"], body["body"]) == (
        "reply",
        "firm",
        "The pledge is attached.",
    )
    assert [(a["name"], a["kind"]) for a in body["attachments"]] == [
        ("pledge.pdf", "end_user_pledge")
    ]
    notification.refresh_from_db()
    assert notification.status == Status.UNDER_REVIEW
    reply = Message.objects.get(kind=MessageKind.REPLY)
    assert reply.attachments.get().original_name == "pledge.pdf"


def test_a_reply_when_no_question_is_open_is_refused_unchanged(api, exporter):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm)
    before = snapshot(notification)

    response = api.post(url(notification, "messages/"), {"body": "Hello?"}, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "wrong_state"
    assert snapshot(notification) == before


def test_a_reply_with_a_refused_file_leaves_the_question_open(api, exporter, reviewer):
    notification = submitted_at(Status.INFO_REQUESTED, firm=exporter.firm)
    ask_question(notification, reviewer)
    before = snapshot(notification)
    fake = SimpleUploadedFile("pledge.pdf", b"not a pdf at all", "application/pdf")

    response = api.post(
        url(notification, "messages/"), {"body": "Attached.", "files": [fake]}, format="multipart"
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert snapshot(notification) == before


# --- What the exporter must never see ----------------------------------------------------------

SECRET_NOTE = "Internal: front company for AIO, deny."
SECRET_DECISION = "Reviewer reasoning: the pledge is forged."
SECRET_HIT_REASON = "Same address as listed entry 45."


def test_no_payload_carries_internal_notes_decisions_reviewers_or_hit_details(
    api, exporter, reviewer
):
    notification = submitted_at(Status.INFO_REQUESTED, firm=exporter.firm)
    Party.objects.filter(notification=notification).update(
        name="Amirkabir Univ. of Technology", country="IR"
    )
    internal_note(notification, reviewer, SECRET_NOTE)
    reviewer_decision(notification, reviewer, SECRET_DECISION)
    confirmed_hit(notification, reviewer, reason=SECRET_HIT_REASON)
    ask_question(notification, reviewer)
    notification.risk_score = 91
    notification.risk_level = "high"
    notification.save()

    payloads = [
        api.get(BASE).content,
        api.get(url(notification)).content,
        api.get(url(notification, "status/")).content,
        api.get(url(notification, "messages/")).content,
        api.get(url(notification, "parties/")).content,
        api.get(url(notification, "documents/")).content,
    ]

    text = b"\n".join(payloads).decode()
    for secret in (
        SECRET_NOTE,
        SECRET_DECISION,
        SECRET_HIT_REASON,
        reviewer.email,
        reviewer.full_name,
        "Amir Kabir University of Technology",  # the listed entry's name
        "internal_note",
        "disposition",
        "matched_name",
        "risk_score",
        '"score"',
        "explanation",
    ):
        assert secret not in text, secret
    detail = json.loads(payloads[1])
    assert set(detail) == {
        "id",
        "reference",
        "title",
        "status",
        "status_label",
        "destination_country",
        "submitted_at",
        "decided_at",
        "created_at",
        "updated_at",
        "url",
        "end_use_description",
        "end_use_category",
        "inform_notice_received",
        "inform_notice_reference",
        "inform_notice",
        "planned_date",
        "planned_date_late",
        "checklist",
        "copied_from",
        "items",
        "parties",
        "attachments",
        "documents",
        "permits",
        "readiness",
        "procedure",
        "prior_report",
    }
    assert set(detail["parties"][0]) == {
        "id",
        "position",
        "role",
        "kind",
        "name",
        "local_name",
        "address",
        "country",
    }


# --- Who may use the API at all ----------------------------------------------------------------


def _other_firms_case(other_exporter, reviewer):
    notification = submitted_at(Status.INFO_REQUESTED, firm=other_exporter.firm)
    ask_question(notification, reviewer)
    document = issue_document(notification)
    Attachment.objects.create(
        notification=notification,
        kind="contract",
        file=SimpleUploadedFile("c.pdf", pdf_bytes()),
        original_name="c.pdf",
        content_type="application/pdf",
        size=len(pdf_bytes()),
        sha256="0" * 64,
        uploaded_by=other_exporter,
    )
    return notification, document


ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("get", "status/"),
    ("post", "submit/"),
    ("post", "withdraw/"),
    ("post", "copy/"),
    ("patch", "checklist/"),
    ("get", "items/"),
    ("post", "items/"),
    ("get", "items/1/"),
    ("patch", "items/1/"),
    ("delete", "items/1/"),
    ("get", "parties/"),
    ("post", "parties/"),
    ("get", "parties/{party}/"),
    ("patch", "parties/{party}/"),
    ("delete", "parties/{party}/"),
    ("get", "attachments/"),
    ("post", "attachments/"),
    ("get", "attachments/{attachment}/"),
    ("delete", "attachments/{attachment}/"),
    ("get", "attachments/{attachment}/download/"),
    ("get", "documents/"),
    ("get", "documents/{document}/download/"),
    ("get", "messages/"),
    ("post", "messages/"),
]

BODIES = {
    "patch": {"title": "x"},
    "post": {"declaration_accepted": True, "body": "x", "reason": "x"},
}


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
def test_another_firms_notification_is_404_on_every_endpoint(
    api, other_exporter, reviewer, method, suffix
):
    notification, document = _other_firms_case(other_exporter, reviewer)
    path = url(notification, suffix).format(
        party=notification.parties.get().public_id,
        attachment=notification.attachments.get().public_id,
        document=document.public_id,
    )
    before = snapshot(notification)
    notifications = Notification.objects.count()

    response = getattr(api, method)(path, BODIES.get(method), format="json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",
        "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
    }
    assert snapshot(notification) == before
    assert Notification.objects.count() == notifications


def test_an_unknown_notification_id_is_404(api):
    response = api.get(f"{BASE}{uuid.uuid4()}/")

    assert response.status_code == 404


def test_another_firms_attachment_under_our_own_notification_is_404(
    api, exporter, other_exporter, reviewer
):
    ours = NotificationFactory(firm=exporter.firm)
    theirs, document = _other_firms_case(other_exporter, reviewer)
    attachment = theirs.attachments.get()

    assert api.get(url(ours, f"attachments/{attachment.public_id}/download/")).status_code == 404
    assert api.get(url(ours, f"documents/{document.public_id}/download/")).status_code == 404
    party = theirs.parties.get()
    assert api.delete(url(ours, f"parties/{party.public_id}/")).status_code == 404
    assert Party.objects.filter(pk=party.pk).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", BASE), ("post", BASE)] + [(m, "{n}" + s) for m, s in ENDPOINTS],
)
def test_ministry_users_are_refused_everywhere(reviewer, exporter, method, path):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm)
    path = path.format(
        n=url(notification),
        party=notification.parties.get().public_id,
        attachment=uuid.uuid4(),
        document=uuid.uuid4(),
    )
    before = snapshot(notification)

    response = getattr(token_client(reviewer), method)(path, BODIES.get(method), format="json")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert snapshot(notification)["status"] == before["status"]
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", ""), *ENDPOINTS[:6]])
def test_anonymous_requests_are_401(exporter, method, suffix):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm)
    path = BASE if not suffix and method == "post" else url(notification, suffix)
    events = audit_count()

    response = getattr(APIClient(HTTP_ACCEPT_LANGUAGE="en"), method)(
        path, BODIES.get(method), format="json"
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert audit_count() == events
    assert Notification.objects.count() == 1


def test_a_revoked_or_wrong_token_is_401(exporter):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)

    response = client.get(BASE)

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_the_browser_session_works_too(client, exporter):
    client.force_login(exporter)
    NotificationFactory(firm=exporter.firm)

    response = client.get(BASE)

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_deactivated_exporters_token_stops_working(exporter):
    api = token_client(exporter)
    exporter.is_active = False
    exporter.save()

    assert api.get(BASE).status_code == 401


def test_a_create_racing_a_committed_twin_writes_nothing(api, exporter):
    """Another request with the same key committed between the view's look-up and the service:
    the service sees the twin's draft and backs out, so the key still files once."""
    first = api.post(BASE, NEW_DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="po-race")
    events = audit_count()

    with pytest.raises(filing.IdempotentReplay) as raised:
        filing.draft_create_with_parts(
            actor=exporter,
            header={"title": NEW_DRAFT["title"]},
            items=[],
            parties=[],
            checklist=None,
            idempotency_key="po-race",
            request_fingerprint=idempotency.fingerprint(NEW_DRAFT),
        )

    assert str(raised.value.notification.public_id) == first.json()["id"]
    assert Notification.objects.count() == 1
    assert audit_count() == events


def test_the_list_costs_the_same_queries_for_one_or_many(api, exporter):
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(BASE).status_code == 200
        return len(queries)

    NotificationFactory(firm=exporter.firm)
    one = queries_for_a_page()
    for _ in range(10):
        ready_notification(firm=exporter.firm)

    assert queries_for_a_page() == one
