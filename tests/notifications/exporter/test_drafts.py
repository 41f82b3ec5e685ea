"""The draft services: each allowed for the firm's own exporter on a draft, and refused — with
nothing changed — for another firm, a ministry user, or a submitted notification."""

import pytest
from django.core.exceptions import ValidationError

from exportctl.audit.models import AuditEvent
from notifications import drafts
from notifications.models import Attachment, Item, Notification, Party
from notifications.workflow import Status, TransitionError
from tests.factories import ItemFactory, NotificationFactory, PartyFactory, submitted_at
from tests.notifications.exporter.conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db

ITEM = {
    "kind": "goods",
    "description": "Vacuum pump",
    "classification": "16_1",
    "hs_code": "8414.10",
    "quantity": "3",
    "unit": "units",
    "value_jpy": 1_200_000,
}
PARTY = {"role": "consignee", "name": "Bangkok Freight Co.", "country": "th"}


def _snapshot(notification):
    notification.refresh_from_db()
    return (
        notification.status,
        notification.title,
        notification.checklist,
        list(notification.items.values_list("pk", "description")),
        list(notification.parties.values_list("pk", "name")),
        notification.attachments.count(),
        AuditEvent.objects.count(),
    )


def test_draft_create_makes_a_draft_of_the_actors_firm_and_audits_it(exporter):
    notification = drafts.draft_create(actor=exporter, title=" Pumps ", destination_country="th")

    assert notification.status == Status.DRAFT
    assert notification.firm == exporter.firm
    assert notification.created_by == exporter
    assert notification.title == "Pumps"
    assert notification.destination_country == "TH"
    event = AuditEvent.objects.get(action="notification.draft_created")
    assert event.object_id == str(notification.public_id)
    assert event.actor == exporter


def test_draft_create_with_the_same_idempotency_key_returns_the_first_draft(exporter):
    first = drafts.draft_create(actor=exporter, idempotency_key="erp-42", title="A")
    second = drafts.draft_create(actor=exporter, idempotency_key="erp-42", title="B")

    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(action="notification.draft_created").count() == 1


def test_draft_create_for_another_firm_is_refused(exporter, outsider):
    with pytest.raises(TransitionError) as refused:
        drafts.draft_create(actor=outsider, firm=exporter.firm, title="x")

    assert refused.value.code == "forbidden_role"
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_draft_create_by_a_ministry_user_is_refused(reviewer):
    with pytest.raises(TransitionError):
        drafts.draft_create(actor=reviewer, title="x")

    assert Notification.objects.count() == 0


def test_draft_create_refuses_a_bad_country_code(exporter):
    with pytest.raises(ValidationError) as refused:
        drafts.draft_create(actor=exporter, destination_country="THA")

    assert "destination_country" in refused.value.message_dict
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_draft_update_changes_the_header_and_audits_the_fields(draft, exporter):
    drafts.draft_update(
        notification=draft,
        actor=exporter,
        end_use_description="Research",
        end_use_category="research",
    )

    draft.refresh_from_db()
    assert draft.end_use_description == "Research"
    assert draft.end_use_category == "research"
    event = AuditEvent.objects.get(action="notification.draft_updated")
    assert event.data == {"fields": ["end_use_category", "end_use_description"]}


def test_draft_update_by_a_colleague_is_allowed(draft, colleague):
    drafts.draft_update(notification=draft, actor=colleague, title="Colleague's title")

    draft.refresh_from_db()
    assert draft.title == "Colleague's title"


@pytest.mark.parametrize(
    "fields",
    [{"end_use_category": "weapons"}, {"reference": "EXN-1"}, {"status": "cleared"}],
)
def test_draft_update_refuses_bad_or_unknown_fields(draft, exporter, fields):
    before = _snapshot(draft)

    with pytest.raises(ValidationError):
        drafts.draft_update(notification=draft, actor=exporter, **fields)

    assert _snapshot(draft) == before


def test_draft_update_by_another_firm_is_refused(draft, outsider):
    before = _snapshot(draft)

    with pytest.raises(TransitionError) as refused:
        drafts.draft_update(notification=draft, actor=outsider, title="Hijacked")

    assert refused.value.code == "forbidden_role"
    assert _snapshot(draft) == before


def test_draft_update_of_a_submitted_notification_is_refused(exporter):
    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm, created_by=exporter)
    before = _snapshot(notification)

    with pytest.raises(TransitionError) as refused:
        drafts.draft_update(notification=notification, actor=exporter, title="Changed")

    assert refused.value.code == "wrong_state"
    assert _snapshot(notification) == before


def test_item_add_numbers_items_and_audits(draft, exporter):
    first = drafts.item_add(notification=draft, actor=exporter, **ITEM)
    second = drafts.item_add(notification=draft, actor=exporter, **{**ITEM, "description": "B"})

    assert (first.position, second.position) == (1, 2)
    assert str(first.quantity) == "3"
    assert AuditEvent.objects.filter(action="notification.item_added").count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"classification": "list", "list_row": ""}, "list_row"),
        ({"classification": "16_1", "hs_code": ""}, "hs_code"),
        ({"hs_code": "84"}, "hs_code"),
        ({"quantity": "-1"}, "quantity"),
        ({"description": "  "}, "description"),
    ],
)
def test_item_add_refuses_an_incomplete_item_with_the_field_named(draft, exporter, fields, field):
    before = _snapshot(draft)

    with pytest.raises(ValidationError) as refused:
        drafts.item_add(notification=draft, actor=exporter, **{**ITEM, **fields})

    assert field in refused.value.message_dict
    assert _snapshot(draft) == before


def test_item_add_refuses_a_key_technology_on_goods(draft, exporter):
    from partners.models import KeyTechnology

    technology = KeyTechnology.objects.create(
        code="mlcc", name_en="MLCC design", name_ja="MLCC", effective_from="2024-12-30"
    )
    before = _snapshot(draft)

    with pytest.raises(ValidationError) as refused:
        drafts.item_add(notification=draft, actor=exporter, **ITEM, key_technology=technology)

    assert "key_technology" in refused.value.message_dict
    assert _snapshot(draft) == before
    item = drafts.item_add(
        notification=draft,
        actor=exporter,
        **{**ITEM, "kind": "technology"},
        key_technology=technology,
    )
    assert item.key_technology == technology


def test_item_add_by_another_firm_is_refused(draft, outsider):
    before = _snapshot(draft)

    with pytest.raises(TransitionError):
        drafts.item_add(notification=draft, actor=outsider, **ITEM)

    assert _snapshot(draft) == before


def test_item_update_and_delete(draft, exporter):
    item = ItemFactory(notification=draft)

    drafts.item_update(item=item, actor=exporter, description="Changed", classification="16_2")
    item.refresh_from_db()
    assert item.description == "Changed"
    assert item.classification == "16_2"

    drafts.item_delete(item=item, actor=exporter)
    assert not Item.objects.filter(pk=item.pk).exists()
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "notification.item_updated",
        "notification.item_deleted",
    ]


def test_item_update_and_delete_after_submission_are_refused(exporter):
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    item = notification.items.get()
    before = _snapshot(notification)

    with pytest.raises(TransitionError):
        drafts.item_update(item=item, actor=exporter, description="Changed")
    with pytest.raises(TransitionError):
        drafts.item_delete(item=item, actor=exporter)

    assert _snapshot(notification) == before


def test_party_add_update_delete(draft, exporter):
    party = drafts.party_add(notification=draft, actor=exporter, **PARTY)
    assert party.country == "TH"
    assert party.position == 1

    drafts.party_update(party=party, actor=exporter, name="Siam Freight")
    party.refresh_from_db()
    assert party.name == "Siam Freight"

    drafts.party_delete(party=party, actor=exporter)
    assert not Party.objects.filter(pk=party.pk).exists()
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "notification.party_added",
        "notification.party_updated",
        "notification.party_deleted",
    ]


def test_a_second_end_user_is_refused(draft, exporter):
    PartyFactory(notification=draft)
    before = _snapshot(draft)

    with pytest.raises(ValidationError) as refused:
        drafts.party_add(
            notification=draft, actor=exporter, role="end_user", name="Other", country="TH"
        )

    assert "role" in refused.value.message_dict
    assert _snapshot(draft) == before


def test_party_changes_by_another_firm_are_refused(draft, outsider):
    party = PartyFactory(notification=draft)
    before = _snapshot(draft)

    for call in (
        lambda: drafts.party_add(notification=draft, actor=outsider, **PARTY),
        lambda: drafts.party_update(party=party, actor=outsider, name="X"),
        lambda: drafts.party_delete(party=party, actor=outsider),
    ):
        with pytest.raises(TransitionError):
            call()

    assert _snapshot(draft) == before


def test_checklist_save_merges_answers(draft, exporter):
    drafts.checklist_save(
        notification=draft, actor=exporter, answers={1: {"answer": "yes", "note": "Met them"}}
    )
    drafts.checklist_save(
        notification=draft, actor=exporter, answers={"2": {"answer": "no", "note": "A broker"}}
    )

    draft.refresh_from_db()
    assert draft.checklist == {
        "1": {"answer": "yes", "note": "Met them"},
        "2": {"answer": "no", "note": "A broker"},
    }
    assert AuditEvent.objects.filter(action="notification.checklist_saved").count() == 2


@pytest.mark.parametrize(
    "answers", [{21: {"answer": "yes"}}, {1: {"answer": "maybe"}}, {"x": {"answer": "yes"}}]
)
def test_checklist_save_refuses_bad_answers(draft, exporter, answers):
    before = _snapshot(draft)

    with pytest.raises(ValidationError):
        drafts.checklist_save(notification=draft, actor=exporter, answers=answers)

    assert _snapshot(draft) == before


def test_checklist_save_after_submission_is_refused(exporter):
    notification = submitted_at(Status.SUBMITTED, firm=exporter.firm, created_by=exporter)
    before = _snapshot(notification)

    with pytest.raises(TransitionError):
        drafts.checklist_save(
            notification=notification, actor=exporter, answers={1: {"answer": "no"}}
        )

    assert _snapshot(notification) == before


def test_attachment_add_and_delete(draft, exporter, settings):
    content = pdf_bytes()
    attachment = drafts.attachment_add(
        notification=draft, actor=exporter, kind="contract", uploaded_file=upload("c.pdf", content)
    )
    path = attachment.file.path

    with open(path, "rb") as handle:
        assert handle.read() == content

    drafts.attachment_delete(attachment=attachment, actor=exporter)

    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "notification.attachment_added",
        "notification.attachment_deleted",
    ]


def test_attachment_changes_by_another_firm_are_refused(draft, exporter, outsider):
    attachment = drafts.attachment_add(
        notification=draft,
        actor=exporter,
        kind="contract",
        uploaded_file=upload("c.pdf", pdf_bytes()),
    )
    before = _snapshot(draft)

    with pytest.raises(TransitionError):
        drafts.attachment_add(
            notification=draft,
            actor=outsider,
            kind="other",
            uploaded_file=upload("x.pdf", pdf_bytes()),
        )
    with pytest.raises(TransitionError):
        drafts.attachment_delete(attachment=attachment, actor=outsider)

    assert _snapshot(draft) == before


def test_notification_copy_makes_a_linked_draft_with_the_contents(exporter):
    source = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter, title="Pumps")
    PartyFactory(notification=source, role="consignee", name="Freight Co.")
    drafts.attachment_add(
        notification=NotificationFactory(firm=exporter.firm, created_by=exporter),
        actor=exporter,
        kind="other",
        uploaded_file=upload("unrelated.pdf", pdf_bytes()),
    )
    Attachment.objects.create(
        notification=source,
        kind="contract",
        file=Attachment.objects.get().file.name,
        original_name="contract.pdf",
        content_type="application/pdf",
        size=10,
        sha256="a" * 64,
        uploaded_by=exporter,
    )

    copy = drafts.notification_copy(notification=source, actor=exporter)

    assert copy.status == Status.DRAFT
    assert copy.reference is None
    assert copy.copied_from == source
    assert copy.title == "Pumps"
    assert copy.checklist == source.checklist
    assert list(copy.items.values_list("description", "hs_code")) == list(
        source.items.values_list("description", "hs_code")
    )
    assert sorted(copy.parties.values_list("role", "name")) == sorted(
        source.parties.values_list("role", "name")
    )
    assert list(copy.attachments.values_list("original_name", "sha256")) == [
        ("contract.pdf", "a" * 64)
    ]
    event = AuditEvent.objects.get(action="notification.copied")
    assert event.object_id == str(copy.public_id)
    assert event.data["copied_from"] == str(source.public_id)
    source.refresh_from_db()
    assert source.status == Status.CLEARED


def test_notification_copy_by_another_firm_is_refused(exporter, outsider):
    source = submitted_at(Status.CLEARED, firm=exporter.firm, created_by=exporter)
    before = (Notification.objects.count(), AuditEvent.objects.count())

    with pytest.raises(TransitionError):
        drafts.notification_copy(notification=source, actor=outsider)

    assert (Notification.objects.count(), AuditEvent.objects.count()) == before
