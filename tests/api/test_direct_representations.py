"""The exporter API's hot responses are built directly (``notifications.api.serializers``): each
is what DRF's generic ``Serializer.to_representation`` makes of the declared fields, on varied
objects, key for key and in the same order."""

import datetime
import decimal
import json

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers

from notifications.api.serializers import (
    AgreedDeclarationSerializer,
    DocumentSerializer,
    ItemSerializer,
    NotificationStatusSerializer,
    PartySerializer,
)
from notifications.models import DocumentKind, ItemKind, PartyKind, PartyRole
from notifications.workflow import Status
from partners.models import KeyTechnology
from tests.api.conftest import ask_question, issue_document
from tests.factories import ItemFactory, NotificationFactory, PartyFactory, submitted_at

pytestmark = pytest.mark.django_db


def _same(serializer, objects) -> list[dict]:
    """The direct and the generic representations of ``objects``; asserts they are equal."""
    fast = [serializer.to_representation(obj) for obj in objects]
    generic = [dict(serializers.Serializer.to_representation(serializer, obj)) for obj in objects]
    assert fast == generic
    assert [list(row) for row in fast] == [list(row) for row in generic]
    assert json.loads(json.dumps(fast)) == fast
    return fast


def test_items_are_what_the_generic_serializer_gives():
    notification = NotificationFactory()
    technology, _ = KeyTechnology.objects.get_or_create(
        code="quantum-sensors",
        defaults={
            "name_en": "Quantum sensors",
            "name_ja": "量子センサー",
            "effective_from": datetime.date(2025, 1, 1),
        },
    )
    items = [
        ItemFactory(notification=notification, position=1),
        ItemFactory(
            notification=notification,
            position=2,
            kind=ItemKind.TECHNOLOGY,
            key_technology=technology,
            quantity=decimal.Decimal("0.125"),
            value_jpy=0,
            list_row="16",
            item_code="",
        ),
        ItemFactory(notification=notification, position=3, quantity=decimal.Decimal("1e6")),
    ]
    items[1].refresh_from_db()  # the others keep the quantities as assigned, not as stored
    rows = _same(ItemSerializer(), items)
    assert [row["key_technology"] for row in rows] == [None, "quantum-sensors", None]
    assert [row["quantity"] for row in rows] == ["2.000", "0.125", "1000000.000"]


def test_parties_are_what_the_generic_serializer_gives():
    notification = NotificationFactory()
    parties = [
        PartyFactory(notification=notification, position=1),
        PartyFactory(
            notification=notification,
            position=2,
            role=PartyRole.CONSIGNEE,
            kind=PartyKind.PERSON,
            local_name="สมชาย",
            address="",
            country="JP",
        ),
    ]
    rows = _same(PartySerializer(), parties)
    assert {row["kind"] for row in rows} == {PartyKind.ORGANIZATION, PartyKind.PERSON}


def test_documents_and_declarations_are_what_the_generic_serializer_gives(reviewer):
    request = RequestFactory().get("/", secure=True)
    cleared = submitted_at(Status.CLEARED)
    receipt = issue_document(cleared)
    unrendered = issue_document(submitted_at(Status.CLEARED), kind=DocumentKind.PERMIT)
    unrendered.size = None
    unrendered.sha256 = None
    rows = _same(DocumentSerializer(context={"request": request}), [receipt, unrendered])
    assert rows[0]["download_url"].startswith("https://")
    assert _same(DocumentSerializer(), [receipt])[0]["download_url"].startswith("/api/")
    cleared.declaration_version = "2026-1"
    cleared.declaration_language = "ja"
    cleared.declaration_text = "申告します。"
    cleared.declaration_accepted_at = timezone.now()
    draft = NotificationFactory()
    _same(AgreedDeclarationSerializer(), [cleared, draft])


def test_the_status_is_what_the_generic_serializer_gives_in_every_state(exporter, reviewer):
    request = RequestFactory().get("/", secure=True)
    request.user = exporter
    firm = exporter.firm
    draft = NotificationFactory(firm=firm, created_by=exporter)
    asked = submitted_at(Status.INFO_REQUESTED, firm=firm)
    ask_question(asked, reviewer)
    screening = submitted_at(Status.SUBMITTED, firm=firm)
    cleared = submitted_at(Status.CLEARED, firm=firm)
    cleared.decided_at = timezone.now()
    cleared.declaration_version = "2026-1"
    cleared.declaration_language = "en"
    cleared.declaration_text = "I declare."
    cleared.declaration_accepted_at = timezone.now()
    cleared.save()
    issue_document(cleared)
    objects = [draft, asked, screening, cleared]
    rows = _same(NotificationStatusSerializer(context={"request": request}), objects)
    assert [row["waiting_on"] for row in rows] == ["firm", "firm", "screening", None]
    assert rows[0]["reference"] is None and rows[1]["reference"]
    assert rows[1]["open_question"]["body"] == "Send the end-user pledge."
    assert rows[3]["declaration"]["language"] == "en"
    assert len(rows[3]["documents"]) == 1
    _same(NotificationStatusSerializer(), objects)  # no request: no actions for anyone


def test_the_notification_is_what_the_generic_serializer_gives_in_every_shape(
    api, exporter, reviewer
):
    """Drafts with lines and a partial checklist, a copy, a filing citing an inform notice, and a
    cleared filing with a document and a permit, read as the detail endpoint reads them."""
    from notifications import drafts
    from notifications.api.serializers import NotificationListSerializer, NotificationSerializer
    from notifications.api.views import _detail_queryset
    from notifications.models import Notification, Permit
    from tests.api.conftest import reviewer_decision

    request = RequestFactory().get("/", secure=True)
    request.user = exporter
    firm = exporter.firm
    draft = NotificationFactory(firm=firm, created_by=exporter, checklist={"1": {"note": "n/a"}})
    ItemFactory(notification=draft, position=1)
    PartyFactory(notification=draft, position=1)
    empty = NotificationFactory(firm=firm, created_by=exporter, planned_date=None, checklist={})
    cleared = submitted_at(Status.CLEARED, firm=firm)
    cleared.decided_at = timezone.now()
    cleared.planned_date_late = True
    cleared.save()
    issue_document(cleared)
    Permit.objects.create(
        notification=cleared,
        decision=reviewer_decision(cleared, reviewer, reason="Fine."),
        number="P-2026-000001",
        valid_from=datetime.date(2026, 12, 1),
        valid_until=datetime.date(2027, 11, 30),
    )
    copy = drafts.notification_copy(notification=cleared, actor=exporter)
    objects = list(
        _detail_queryset(
            Notification.objects.filter(pk__in=[draft.pk, empty.pk, cleared.pk, copy.pk])
        ).order_by("pk")
    )
    rows = _same(NotificationSerializer(context={"request": request}), objects)
    assert [len(row["items"]) for row in rows] == [1, 0, 1, 1]
    assert rows[0]["checklist"]["1"] == {"note": "n/a"}
    assert rows[1]["planned_date"] is None and rows[1]["readiness"]
    assert rows[2]["permits"][0]["valid_until"] == "2027-11-30" and rows[2]["documents"]
    assert rows[2]["planned_date_late"] is True
    assert rows[3]["copied_from"] == str(cleared.public_id)
    _same(NotificationListSerializer(context={"request": request}), objects)
    _same(NotificationSerializer(), objects)
