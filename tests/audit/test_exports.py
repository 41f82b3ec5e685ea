"""Exports a person can use: the reader's language, local time to the second, typed XLSX cells
with a frozen header, the hit adjudications, and the audit log's details as sentences."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from exportctl.audit import trail
from exportctl.audit.models import AuditEvent
from notifications.auditor_exports import describe_event
from notifications.models import Decision, DecisionKind, Notification
from notifications.workflow import Status
from screening.models import Disposition, PartyHit
from screening.services import hit_adjudicate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: 19:08:41 in Tokyo, with microseconds the export must drop.
DECIDED_AT = datetime.datetime(2026, 12, 4, 10, 8, 41, 123456, tzinfo=datetime.UTC)


def _english(client):
    """As the sign-in leaves it for a user whose preferred language is English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _csv(client, name: str, args: list[str], **params) -> list[list[str]]:
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(client, name: str, args: list[str]):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.fixture
def decided(file_case):
    """A high-risk case approved for countersignature, decided at ``DECIDED_AT``."""
    notification = file_case(party="Sharif Univercity of Technolgy")
    reviewer = UserFactory(roles=["reviewer"], firm=None, email="reviewer@meti.example.jp")
    Notification.objects.filter(pk=notification.pk).update(risk_level="high", risk_score=72)
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE_FOR_COUNTERSIGN,
        actor=reviewer,
        reason="End use verified on site.",
        validity_months=6,
    )
    Decision.objects.filter(pk=decision.pk).update(created_at=DECIDED_AT)
    return notification


@pytest.fixture
def adjudicated(file_case):
    """The listed university's hit, confirmed by a reviewer with a reason."""
    notification = file_case(party="Sharif Univercity of Technolgy")
    assert notification.status == Status.UNDER_REVIEW
    reviewer = UserFactory(roles=["reviewer"], firm=None, email="reviewer@meti.example.jp")
    hit = PartyHit.objects.get(run__notification=notification, entry__number=9001)
    hit_adjudicate(
        hit=hit,
        actor=reviewer,
        disposition=Disposition.CONFIRMED,
        reason="Same university: address matches the listing.",
    )
    PartyHit.objects.filter(pk=hit.pk).update(adjudicated_at=DECIDED_AT)
    return notification


def test_decisions_are_in_japanese_by_default_in_local_time_to_the_second(auditor_client, decided):
    header, row = _csv(auditor_client, "audit:export", ["decisions", "csv"])
    assert header[:4] == ["届出番号", "企業", "法人番号", "仕向地"]
    assert header[5] == "判断"
    values = dict(zip(header, row, strict=True))
    # The code for a machine, then the name for a reader.
    assert row[3:5] == ["IR", "イラン"]
    assert values["判断"] == "許可（上席承認待ち）"
    assert "高" in row
    assert "approve_for_countersign" not in row and "high" not in row
    assert values["理由"] == "End use verified on site."
    assert "2026-12-04 19:08:41" in row
    assert not any("123456" in v or "+00:00" in v or "T10:08" in v for v in row)


def test_decisions_are_in_english_for_an_english_reader(auditor_client, decided):
    header, row = _csv(_english(auditor_client), "audit:export", ["decisions", "csv"])
    values = dict(zip(header, row, strict=True))
    assert header[:6] == [
        "Reference",
        "Firm",
        "Corporate number",
        "Destination",
        "Destination name",
        "Decision",
    ]
    assert (values["Destination"], values["Destination name"]) == ("IR", "Iran")
    assert values["Decision"] == "Approved, pending countersignature"
    assert values["Risk level"] == "High"
    assert values["Risk score"] == "72"
    assert values["Decided at"] == "2026-12-04 19:08:41"


def test_decisions_xlsx_has_typed_cells_a_frozen_header_and_widths(auditor_client, decided):
    sheet = _xlsx(_english(auditor_client), "audit:export", ["decisions", "xlsx"])
    header = [cell.value for cell in sheet[1]]
    row = {h: cell for h, cell in zip(header, sheet[2], strict=True)}
    assert sheet.freeze_panes == "A2"
    decided_at = row["Decided at"]
    assert decided_at.is_date
    assert decided_at.value == datetime.datetime(2026, 12, 4, 19, 8, 41)
    assert decided_at.number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["Validity (months)"].data_type == "n"
    assert row["Validity (months)"].value == 6
    assert row["Risk score"].value == 72
    assert row["Reference"].data_type == "s"
    assert row["Decision"].value == "Approved, pending countersignature"
    reason_column = openpyxl.utils.get_column_letter(header.index("Reason") + 1)
    assert sheet.column_dimensions[reason_column].width >= len("End use verified on site.")


def test_a_formula_in_user_text_stays_inert_in_xlsx(auditor_client, decided):
    Decision.objects.update(reason='=HYPERLINK("http://evil")')
    sheet = _xlsx(_english(auditor_client), "audit:export", ["decisions", "xlsx"])
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Reason") + 1)
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://evil")'


def test_the_adjudications_export_lists_a_confirmed_hit_with_its_reason(
    auditor_client, adjudicated
):
    rows = _csv(_english(auditor_client), "audit:export", ["adjudications", "csv"])
    header = rows[0]
    confirmed = [dict(zip(header, r, strict=True)) for r in rows[1:] if "9001" in r]
    assert len(confirmed) == 1
    hit = confirmed[0]
    assert hit["Reference"] == adjudicated.reference
    assert hit["Party"] == "Sharif Univercity of Technolgy"
    assert (hit["Party's country"], hit["Party's country name"]) == ("IR", "Iran")
    assert hit["Listed name"] == "Sharif University of Technology"
    assert hit["List version"] == "2025-09-29"
    assert hit["Disposition"] == "Confirmed match"
    assert hit["Reason"] == "Same university: address matches the listing."
    assert hit["Adjudicated by"] == "reviewer@meti.example.jp"
    assert hit["Adjudicated at"] == "2026-12-04 19:08:41"
    assert 0.78 <= float(hit["Score"]) <= 1
    assert AuditEvent.objects.filter(action="audit.exported", data__what="adjudications").exists()


def test_the_adjudications_export_speaks_japanese_by_default_and_has_an_xlsx(
    auditor_client, adjudicated
):
    rows = _csv(auditor_client, "audit:export", ["adjudications", "csv"])
    assert rows[0][0] == "届出番号"
    assert any("該当確定" in row for row in rows[1:])
    sheet = _xlsx(auditor_client, "audit:export", ["adjudications", "xlsx"])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == len(rows)


def test_the_adjudications_export_is_linked_from_the_search_page(auditor_client):
    html = auditor_client.get(reverse("audit:search")).content.decode()
    assert reverse("audit:export", args=["adjudications", "csv"]) in html
    assert reverse("audit:export", args=["adjudications", "xlsx"]) in html


def test_only_auditors_may_export_adjudications(client, adjudicated):
    reviewer = UserFactory(roles=["reviewer"], firm=None)
    client.force_login(reviewer)
    events = AuditEvent.objects.count()
    response = client.get(reverse("audit:export", args=["adjudications", "csv"]))
    assert response.status_code == 404
    assert AuditEvent.objects.count() == events


def test_the_log_details_are_sentences_not_a_dict(auditor_client, adjudicated):
    page = auditor_client.get(reverse("audit:log")).content.decode()
    rows = _csv(_english(auditor_client), "audit:log-export", ["csv"])
    header = rows[0]
    details = [dict(zip(header, r, strict=True))["Details"] for r in rows[1:]]
    for text in details:
        assert "{" not in text and "'" not in text, text
    refer = "Status: Screening → Under review; Reference: " + adjudicated.reference
    assert any(d.startswith(refer + "; Score: 95; Risk level: High") for d in details), details
    assert any(d.startswith("Disposition: Pending → Confirmed match; Case: ") for d in details), (
        details
    )
    assert "&#x27;" not in page and "{&" not in page
    assert "審査中" in page  # the page, in Japanese by default, labels the states too


def test_the_log_export_is_local_time_without_microseconds(auditor_client, auditor):
    event = trail.record(action="document.download", actor=auditor, data={"number": "PM-1"})
    rows = _csv(_english(auditor_client), "audit:log-export", ["csv"])
    when = dict(zip(rows[0], rows[1], strict=True))["When"]
    stored = AuditEvent.objects.get(pk=event.pk).occurred_at
    local = stored.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert when == local.strftime("%Y-%m-%d %H:%M:%S")


def test_describe_event_labels_known_keys_and_choices():
    with translation.override("en"):
        assert (
            describe_event("permit.suspend", {"from": "valid", "to": "suspended", "reason": "x"})
            == "Permit status: Valid → Suspended; Reason: x"
        )
        assert (
            describe_event(
                "notification.risk_update",
                {"from": {"score": 10, "level": "low"}, "to": {"score": 72, "level": "high"}},
            )
            == "Risk: Score 10, Risk level Low → Score 72, Risk level High"
        )
        assert (
            describe_event("notification.risk_update", {"to": {"level": "high", "score": 72}})
            == "Risk: — → Score 72, Risk level High"
        )
        assert (
            describe_event("audit.chain_verified", {"ok": True, "broken_seq": None})
            == "Intact: Yes; Broken at event: —"
        )
        assert describe_event("x.y", {"some_key": ["a", "b"]}) == "some key: a, b"
    with translation.override("ja"):
        assert describe_event(
            "notification.approve", {"from": "under_review", "to": "approved"}
        ) == ("状況: 審査中 → 許可")
