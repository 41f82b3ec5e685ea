"""The filing wizard's errors, GOV.UK style: one message per field that says what to do, shown at
the field and linked from one summary by the field's id; the step's gap list never contradicts
it; a draft needs a title; a "no" or "unknown" answer needs its note; "Continue" never drops a
half-typed item or party; and a party that looks listed is flagged before submission.

Every refusal asserts that nothing was written (rows and audit events)."""

import lxml.html
import pytest
from django.urls import reverse
from django.utils import translation

from exportctl.audit.models import AuditEvent
from notifications import drafts
from notifications.models import Item, Notification, Party
from notifications.workflow import Status
from tests.factories import ItemFactory, PartyFactory
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client, exporter):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(exporter)
    return client


def _url(name, notification, *args):
    return reverse(f"notifications:{name}", args=[notification.public_id, *args])


def _page(response):
    return lxml.html.fromstring(response.content.decode())


def summary_links(response) -> dict[str, str]:
    """The one error summary's links, {field id: message}; fails on a second box, a link to
    nothing, or a link that does not name an element of the page."""
    page = _page(response)
    boxes = page.xpath("//*[@data-error-summary]")
    assert len(boxes) == 1, f"{len(boxes)} error summaries"
    links = {}
    for link in boxes[0].xpath(".//a"):
        href = link.get("href")
        assert href.startswith("#") and len(href) > 1, href
        target = page.get_element_by_id(href[1:], None)
        assert target is not None, f"{href} names no element"
        assert target.tag in ("input", "select", "textarea"), (href, target.tag)
        links[href[1:]] = link.text_content().strip()
    return links


def field_error(response, field_id: str) -> str:
    """The error shown at the field, which the field (or its radio group) names as described by."""
    page = _page(response)
    error = page.get_element_by_id(f"{field_id}_error", None)
    assert error is not None, f"no error at {field_id}"
    widget = page.get_element_by_id(field_id, None)
    if widget is None or widget.tag == "div":  # a radio group: its fieldset names the error
        widget = page.get_element_by_id(f"{field_id}_0").xpath("ancestor::fieldset[1]")[0]
    assert f"{field_id}_error" in (widget.get("aria-describedby") or "").split()
    return error.text_content().replace("Error:", "").strip()


def _counts() -> tuple:
    return (
        Notification.objects.count(),
        Item.objects.count(),
        Party.objects.count(),
        AuditEvent.objects.count(),
    )


# --- One message per field, linked by the field's id -----------------------------------------


def test_an_empty_item_names_every_field_and_links_each_to_it(client_in, draft):
    before = _counts()

    response = client_in.post(_url("edit", draft, "items"), {"action": "item"})

    assert response.status_code == 200
    assert _counts() == before
    links = summary_links(response)
    assert links == {
        "id_kind_0": "Choose what is exported: goods, technology or software.",
        "id_description": "Enter the item name.",
        "id_classification_0": "Choose the item's classification.",
        "id_quantity": "Enter the quantity.",
        "id_unit": "Enter the unit of the quantity, e.g. units or kg.",
        "id_value_jpy": "Enter the value in yen.",
    }
    assert field_error(response, "id_description") == "Enter the item name."
    assert field_error(response, "id_kind") == links["id_kind_0"]
    assert 'href="#"' not in response.content.decode()


def test_a_refused_item_keeps_what_was_typed(client_in, draft):
    response = client_in.post(
        _url("edit", draft, "items"),
        {"action": "item", "description": "Servo motor", "quantity": "two", "unit": "units"},
    )

    assert Item.objects.count() == 0
    page = _page(response)
    assert page.get_element_by_id("id_description").get("value") == "Servo motor"
    assert page.get_element_by_id("id_quantity").get("value") == "two"
    assert summary_links(response)["id_quantity"] == (
        "Enter the quantity as a number, e.g. 12 or 2.5."
    )


def test_an_empty_party_and_destination_are_linked_to_their_fields(client_in, draft):
    before = _counts()

    party = client_in.post(_url("edit", draft, "parties"), {"action": "party", "role": ""})
    destination = client_in.post(
        _url("edit", draft, "parties"),
        {"action": "destination", "destination_country": "TH", "planned_date": ""},
    )

    assert _counts() == before
    party_links = summary_links(party)
    assert party_links["id_role"] == "Choose the party's role."
    assert party_links["id_name"] == "Enter the party's name in Latin letters."
    assert field_error(party, "id_name") == "Enter the party's name in Latin letters."
    assert summary_links(destination)["id_planned_date"] == (
        "Enter the planned export or transfer date."
    )


def test_the_edit_forms_of_an_item_and_a_party_link_their_errors(client_in, draft):
    item = ItemFactory(notification=draft)
    party = PartyFactory(notification=draft)
    before = _counts()

    item_page = client_in.post(_url("item_edit", draft, item.pk), {"description": ""})
    party_page = client_in.post(_url("party_edit", draft, party.public_id), {"name": ""})

    assert _counts() == before
    assert summary_links(item_page)["id_description"] == "Enter the item name."
    assert summary_links(party_page)["id_name"] == "Enter the party's name in Latin letters."


def test_documents_and_review_link_their_errors(client_in, draft):
    documents = client_in.post(_url("edit", draft, "documents"), {"kind": ""})
    review = client_in.post(_url("edit", draft, "review"), {"declaration": ""})

    assert summary_links(documents) == {
        "id_kind": "Choose what kind of document this is.",
        "id_file": "Choose the file to upload.",
    }
    assert "id_declaration" in summary_links(review)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- One box per page: the gap list follows what is saved ---------------------------------------


def test_after_a_refused_end_use_the_gap_box_does_not_contradict_the_summary(client_in, draft):
    draft.end_use_description = ""
    draft.end_use_category = ""
    draft.save()
    before = _counts()

    refused = client_in.post(
        _url("edit", draft, "end_use"),
        {"end_use_description": "Machining of engine blocks.", "end_use_category": ""},
    )

    assert _counts() == before
    assert summary_links(refused) == {"id_end_use_category": "Choose the end-use category."}
    page = _page(refused)
    assert page.get_element_by_id("step-gaps", None) is None
    assert "Describe the end use." not in refused.content.decode()
    assert page.get_element_by_id("id_end_use_description").text.strip() == (
        "Machining of engine blocks."
    )

    saved = client_in.post(
        _url("edit", draft, "end_use"),
        {
            "end_use_description": "Machining of engine blocks.",
            "end_use_category": "industrial",
            "action": "save",
        },
        follow=True,
    )
    # Recomputed after the save: nothing is left on this step.
    again = client_in.get(_url("edit", draft, "end_use"))
    assert saved.status_code == 200
    assert _page(again).get_element_by_id("step-gaps", None) is None


def test_the_gap_box_lists_what_is_missing_when_nothing_was_refused(client_in, draft):
    draft.end_use_description = ""
    draft.save()

    page = _page(client_in.get(_url("edit", draft, "end_use")))

    assert "Describe the end use." in page.get_element_by_id("step-gaps").text_content()


# --- A draft needs a title -------------------------------------------------------------------


def test_an_empty_title_creates_no_draft(client_in):
    before = _counts()

    response = client_in.post(reverse("notifications:new"), {"title": "  "})

    assert response.status_code == 200
    assert _counts() == before
    assert summary_links(response) == {"id_title": "Enter a title for the notification."}
    assert field_error(response, "id_title") == "Enter a title for the notification."


def test_clearing_the_title_of_a_draft_is_refused(client_in, draft):
    title = draft.title
    before = _counts()

    response = client_in.post(_url("edit", draft, "items"), {"action": "title", "title": ""})

    assert summary_links(response) == {"id_title": "Enter a title for the notification."}
    draft.refresh_from_db()
    assert draft.title == title
    assert _counts() == before


def test_the_draft_service_refuses_a_draft_without_a_title(exporter):
    before = _counts()

    with translation.override("en"):
        with pytest.raises(drafts.ValidationError) as refused:
            drafts.draft_create(actor=exporter, title=" ", destination_country="TH")
        # The message is lazy: it is read in English inside the override.
        assert refused.value.message_dict == {"title": ["Enter a title for the notification."]}
    assert _counts() == before


def test_the_api_refuses_a_draft_without_a_title(exporter):
    from tests.api.conftest import token_client

    api = token_client(exporter)
    before = _counts()

    missing = api.post("/api/v1/notifications/", {"destination_country": "TH"}, format="json")
    blank = api.post("/api/v1/notifications/", {"title": ""}, format="json")

    assert (missing.status_code, blank.status_code) == (400, 400)
    assert _counts() == before


# --- A "no" or "unknown" answer needs its note ------------------------------------------------


def _checklist_post(**answers) -> dict:
    data = {f"check_{n}": "yes" for n in range(1, 21)}
    data.update(answers)
    return data


def test_check_17_unknown_without_a_note_is_refused_at_its_note(client_in, draft):
    before = (draft.checklist, AuditEvent.objects.count())

    response = client_in.post(
        _url("edit", draft, "checklist"), _checklist_post(check_17="unknown", note_17="")
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.checklist, AuditEvent.objects.count()) == before
    message = (
        "Enter a note on check 17: say why the answer is no or unknown and what you relied on."
    )
    assert summary_links(response) == {"id_note_17": message}
    assert field_error(response, "id_note_17") == message
    # What was answered stays on the page.
    assert _page(response).get_element_by_id("id_check_17_2").get("checked") is not None


def test_check_17_unknown_with_a_note_is_saved(client_in, draft):
    response = client_in.post(
        _url("edit", draft, "checklist"),
        _checklist_post(check_17="unknown", note_17="The buyer's other listings are unknown."),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.checklist["17"] == {
        "answer": "unknown",
        "note": "The buyer's other listings are unknown.",
    }


@pytest.mark.parametrize("answer", ["no", "unknown"])
def test_the_checklist_service_refuses_a_no_or_unknown_without_a_note(draft, exporter, answer):
    before = (draft.checklist, AuditEvent.objects.count())

    with pytest.raises(drafts.ValidationError) as refused:
        drafts.checklist_save(
            notification=draft, actor=exporter, answers={"17": {"answer": answer, "note": " "}}
        )

    assert list(refused.value.message_dict) == ["note_17"]
    draft.refresh_from_db()
    assert (draft.checklist, AuditEvent.objects.count()) == before


def test_the_api_cannot_bypass_the_note(exporter, draft):
    from tests.api.conftest import token_client

    api = token_client(exporter)
    before = (draft.checklist, AuditEvent.objects.count())

    response = api.patch(
        f"/api/v1/notifications/{draft.public_id}/checklist/",
        {"checklist": {"17": {"answer": "unknown"}}},
        format="json",
    )

    assert response.status_code == 400
    assert "note_17" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.checklist, AuditEvent.objects.count()) == before


# --- "Continue" never drops a half-typed item or party ----------------------------------------

ITEM = {
    "kind": "goods",
    "description": "Servo motor",
    "classification": "na",
    "quantity": "4",
    "unit": "units",
    "value_jpy": "120000",
}


def test_continue_with_a_half_typed_item_refuses_it_and_stays(client_in, draft):
    before = _counts()

    response = client_in.post(
        _url("edit", draft, "items"),
        {"action": "item", "continue": "1", "description": "Servo motor"},
    )

    assert response.status_code == 200
    assert _counts() == before
    assert "id_quantity" in summary_links(response)
    assert _page(response).get_element_by_id("id_description").get("value") == "Servo motor"


def test_continue_with_a_complete_item_saves_it_and_moves_on(client_in, draft):
    response = client_in.post(
        _url("edit", draft, "items"), {"action": "item", "continue": "1", **ITEM}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("edit", draft, "parties")
    assert list(draft.items.values_list("description", flat=True)) == ["Servo motor"]


def test_continue_with_an_empty_item_form_just_moves_on(client_in, draft):
    before = _counts()

    response = client_in.post(
        _url("edit", draft, "items"), {"action": "item", "continue": "1", "key_technology": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("edit", draft, "parties")
    assert _counts() == before


def test_continue_with_a_half_typed_party_refuses_it(client_in, draft):
    before = _counts()

    response = client_in.post(
        _url("edit", draft, "parties"),
        {"action": "party", "continue": "1", "role": "end_user", "name": "", "address": "Dubai"},
    )

    assert response.status_code == 200
    assert _counts() == before
    assert "id_name" in summary_links(response)


def test_continue_with_an_untouched_party_form_moves_on(client_in, draft):
    before = _counts()

    response = client_in.post(
        _url("edit", draft, "parties"),
        {"action": "party", "continue": "1", "role": "end_user", "kind": "organization"},
    )

    assert response["Location"] == _url("edit", draft, "end_use")
    assert _counts() == before


def test_continue_is_a_submit_button_of_the_add_form(client_in, draft):
    for step, form_id in (("items", "item-form"), ("parties", "party-form")):
        button = _page(client_in.get(_url("edit", draft, step))).get_element_by_id("next-step")
        assert (button.tag, button.get("type"), button.get("form")) == (
            "button",
            "submit",
            form_id,
        )


# --- A likely listed party is flagged before submission ---------------------------------------


@pytest.fixture
def eul():
    make_tiers()
    return publish_eul(EUL_SAMPLE)


def test_a_listed_party_is_flagged_as_it_is_saved_and_again_on_review(client_in, draft, eul):
    response = client_in.post(
        _url("edit", draft, "parties"),
        {
            "action": "party",
            "role": "end_user",
            "kind": "organization",
            "name": "Amirkabir Univ. of Technology",
            "country": "IR",
        },
        follow=True,
    )

    party = draft.parties.get()
    page = _page(response)
    warning = page.get_element_by_id(f"listed-match-{party.public_id}")
    text = warning.text_content()
    assert "Amir Kabir University of Technology" in text
    assert "End User List" in text
    assert "IR" in text
    assert warning.xpath(".//*[@data-concern-codes]")[0].text_content().startswith("B, C, M, N")
    assert warning.xpath(".//*[@data-explanation]")[0].text_content().strip()
    assert "may be Amir Kabir University of Technology" in response.content.decode()

    review = _page(client_in.get(_url("edit", draft, "review")))
    assert review.get_element_by_id(f"listed-match-{party.public_id}") is not None
    # It informs; the submit button is still offered.
    assert review.get_element_by_id("submit-notification") is not None


def test_a_harmless_party_is_not_flagged(client_in, draft, eul):
    PartyFactory(notification=draft, name="Siam Motor Works Co., Ltd.", country="TH")

    response = client_in.get(_url("edit", draft, "parties"))

    assert _page(response).xpath("//*[@data-listed-match]") == []


def test_a_flagged_party_does_not_block_submission(client_in, exporter, eul):
    from tests.factories import NotificationFactory

    notification = NotificationFactory(firm=exporter.firm, created_by=exporter)
    ItemFactory(notification=notification)
    PartyFactory(
        notification=notification, name="Amir Kabir University of Technology", country="IR"
    )
    client_in.post(_url("edit", notification, "review"), {"declaration": "on"})

    notification.refresh_from_db()
    assert notification.status != Status.DRAFT


def test_a_copied_unknown_answer_without_a_note_cannot_be_submitted(client_in, draft, exporter):
    """The service refuses the answer; a checklist that already holds one (a copy of an older
    filing) is a gap that blocks submission, web and API alike (the same ``readiness_gaps``)."""
    from notifications.readiness import readiness_gaps
    from notifications.services import NotReadyError, notification_submit

    ItemFactory(notification=draft)
    PartyFactory(notification=draft)
    checklist = {str(n): {"answer": "yes", "note": ""} for n in range(1, 21)}
    checklist["17"] = {"answer": "unknown", "note": ""}
    Notification.objects.filter(pk=draft.pk).update(checklist=checklist)
    draft.refresh_from_db()
    before = _counts()

    with translation.override("en"):
        gaps = [(gap.step, gap.field, str(gap.message)) for gap in readiness_gaps(draft)]
    assert gaps == [
        (
            "checklist",
            "checklist_notes",
            "Give the grounds in the note of clear-criteria checks 17.",
        )
    ]
    with pytest.raises(NotReadyError):
        notification_submit(notification=draft, actor=exporter, declaration_accepted=True)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert _counts() == before
