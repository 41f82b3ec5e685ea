"""The case timeline reads as sentences in the reader's language, never as stored codes."""

import re

import pytest
from django.utils import translation

from exportctl.accounts.roles import Role
from exportctl.audit import trail
from exportctl.audit.models import AuditEvent
from notifications import timeline
from notifications.exporter_selectors import timeline_for_exporter
from notifications.workflow import Status
from tests.factories import ExporterFactory, UserFactory, submitted_at

pytestmark = pytest.mark.django_db

RAW_CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def case():
    exporter = ExporterFactory(full_name="Hanako Yamada")
    notification = submitted_at(Status.UNDER_REVIEW, firm=exporter.firm, created_by=exporter)
    party = notification.parties.order_by("position").first()
    party.name = "Amirkabir Univ. of Technology"
    party.save(update_fields=["name"])
    return notification, exporter, party


def _event(action, *, actor=None, obj=None, data=None) -> AuditEvent:
    return trail.record(action=action, actor=actor, obj=obj, data=data or {})


def test_one_sentence_per_event_in_english_with_names_and_labels(case):
    notification, exporter, party = case
    reviewer = UserFactory(roles=[Role.REVIEWER], full_name="Kenji Sato", email="k@meti.example")
    events = [
        _event("notification.checklist_saved", actor=exporter, obj=notification),
        _event(
            "notification.party_updated",
            actor=exporter,
            obj=notification,
            data={"party": str(party.public_id), "name": party.name, "fields": ["name"]},
        ),
        _event(
            "notification.approve",
            actor=reviewer,
            obj=notification,
            data={"from": "under_review", "to": "approved"},
        ),
        _event(
            "review.assign", actor=reviewer, obj=notification, data={"assignee": reviewer.email}
        ),
        _event("notification.start_screening", obj=notification, data={"from": "submitted"}),
        _event(
            "notification.future_move",
            actor=reviewer,
            obj=notification,
            data={"from": "under_review", "to": "approved"},
        ),
        _event("notification.unheard_of", actor=reviewer, obj=notification, data={"x": 1}),
    ]
    names = timeline.names_for_case(notification)

    with translation.override("en"):
        texts = [entry.text for entry in timeline.timeline(events, names=names)]

    assert texts == [
        "Hanako Yamada saved the checklist",
        "Hanako Yamada changed the party Amirkabir Univ. of Technology",
        "Kenji Sato approved the case",
        "Kenji Sato assigned the case to Kenji Sato",
        "The system started screening",
        "Kenji Sato changed the status from Under review to Approved",
        "Kenji Sato recorded an action on the case",
    ]
    for text in texts:
        assert not RAW_CODE.search(text) and not UUID.search(text), text


def test_the_same_events_read_in_japanese(case):
    notification, exporter, party = case
    events = [
        _event("notification.checklist_saved", actor=exporter, obj=notification),
        _event(
            "notification.party_deleted",
            actor=exporter,
            obj=notification,
            data={"party": str(party.public_id), "name": party.name},
        ),
        _event(
            "notification.future_move",
            actor=exporter,
            obj=notification,
            data={"from": "draft", "to": "submitted"},
        ),
    ]

    with translation.override("ja"):
        texts = [entry.text for entry in timeline.timeline(events)]

    assert texts == [
        "Hanako Yamada さんが確認項目を保存しました",
        "Hanako Yamada さんが取引関係者「Amirkabir Univ. of Technology」を削除しました",
        "Hanako Yamada さんが状態を「下書き」から「提出」に変更しました",
    ]
    assert not any("draft" in text or "notification." in text for text in texts)


def test_the_exporter_reads_the_ministry_not_its_officials(case):
    notification, exporter, _party = case
    reviewer = UserFactory(roles=[Role.REVIEWER], full_name="Kenji Sato")
    _event("notification.submit", actor=exporter, obj=notification, data={"reference": "EXN-1"})
    _event(
        "notification.request_info",
        actor=reviewer,
        obj=notification,
        data={"from": "under_review", "to": "info_requested", "due_on": "2026-12-24"},
    )

    with translation.override("en"):
        entries = timeline_for_exporter(notification)

    assert [entry.title for entry in entries] == [
        "Hanako Yamada submitted the notification",
        "The ministry asked a question",
    ]
    assert entries[0].details == ["Reference EXN-1"]
    assert entries[1].details == ["Reply due by Dec. 24, 2026"]
    assert all("Kenji" not in entry.title for entry in entries)


def test_a_receipts_pdf_made_on_first_download_reads_as_a_sentence(case):
    notification, _exporter, _party = case
    event = _event(
        "document.rendered", obj=notification, data={"number": "RC-2026-000001", "kind": "receipt"}
    )
    names = timeline.names_for_case(notification)
    with translation.override("en"):
        (entry,) = timeline.timeline([event], names=names)
    assert entry.text == "The system made the PDF of the document RC-2026-000001"
    with translation.override("ja"):
        (entry,) = timeline.timeline([event], names=names)
    assert "RC-2026-000001" in entry.text and "PDFを作成しました" in entry.text
    assert not RAW_CODE.search(entry.text)
