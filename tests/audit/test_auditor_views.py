"""The auditor's pages: read everything, change nothing, export in constant memory."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.http import StreamingHttpResponse
from django.urls import reverse

from exportctl.audit import trail
from exportctl.audit.models import AuditEvent
from notifications.auditor_selectors import keep_until
from notifications.models import Classification, Decision, DecisionKind, Document, Permit
from notifications.workflow import Status
from tests.audit.test_trail import _raw_update_bypassing_trigger
from tests.factories import (
    ExporterFactory,
    ItemFactory,
    PartyFactory,
    UserFactory,
    submitted_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(roles=["auditor"], firm=None)


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


def _approved_case(*, local_name="アミルカビール工科大学", number="PM-2026-000001"):
    notification = submitted_at(Status.APPROVED, destination_country="IR")
    PartyFactory(
        notification=notification,
        role="consignee",
        name="Amirkabir University of Technology",
        local_name=local_name,
        country="IR",
    )
    reviewer = UserFactory(roles=["reviewer"], firm=None, email="reviewer@ministry.example")
    decision = Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=reviewer,
        conditions="No re-export without consent.",
        validity_months=6,
    )
    document = Document(
        notification=notification,
        kind="permit",
        number=number,
        verification_code="ABCD2345",
        size=len(b"%PDF-1.7 permit bytes"),
        sha256="0" * 63 + "1",
        template_version="permit-1",
        issued_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
    )
    document.file.save(f"{number}.pdf", ContentFile(b"%PDF-1.7 permit bytes"), save=False)
    document.save()
    Permit.objects.create(
        notification=notification,
        decision=decision,
        number=number,
        conditions=decision.conditions,
        valid_from=datetime.date(2026, 11, 3),
        valid_until=datetime.date(2027, 5, 3),
        document=document,
    )
    notification.decided_at = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=datetime.UTC)
    notification.save()
    return notification


URLS = [
    ("audit:search", []),
    ("audit:log", []),
    ("audit:verify-pdf", []),
    ("audit:export", ["decisions", "csv"]),
    ("audit:log-export", ["csv"]),
]


@pytest.mark.parametrize(("name", "args"), URLS)
@pytest.mark.parametrize("roles", [["exporter"], ["reviewer"], ["list_manager"]])
def test_only_auditors_may_open_the_audit_pages(client, name, args, roles):
    user = UserFactory(roles=roles, firm=None) if roles != ["exporter"] else ExporterFactory()
    client.force_login(user)
    events = AuditEvent.objects.count()
    assert client.get(reverse(name, args=args)).status_code == 404
    assert AuditEvent.objects.count() == events


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("audit:search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_firm_user_holding_the_auditor_role_is_not_an_auditor(client):
    user = ExporterFactory()
    user.groups.add(*UserFactory(roles=["auditor"]).groups.all())
    notification = _approved_case()
    client.force_login(user)
    assert client.get(reverse("audit:case", args=[notification.public_id])).status_code == 404


def test_search_finds_a_case_by_a_partys_local_script_name(auditor_client):
    wanted = _approved_case()
    other = submitted_at(Status.CLEARED)
    response = auditor_client.get(reverse("audit:search"), {"q": "カビール"})
    page = response.context["page"]
    assert [n.pk for n in page] == [wanted.pk]
    assert other.reference not in response.content.decode()


def test_search_by_permit_number_decision_and_reviewer(auditor_client):
    wanted = _approved_case(number="PM-2026-000777")
    submitted_at(Status.UNDER_REVIEW)
    for params in (
        {"q": "PM-2026-000777"},
        {"decision": "approve"},
        {"reviewer": "reviewer@ministry.example"},
        {"status": "approved", "destination": "IR"},
    ):
        page = auditor_client.get(reverse("audit:search"), params).context["page"]
        assert [n.pk for n in page] == [wanted.pk], params


def test_search_refuses_an_inverted_date_range_and_keeps_the_input(auditor_client):
    response = auditor_client.get(
        reverse("audit:search"), {"date_from": "2026-12-01", "date_to": "2026-11-01"}
    )
    assert "date_to" in response.context["form"].errors
    assert 'value="2026-12-01"' in response.content.decode()


def test_drafts_are_not_part_of_the_record(auditor_client):
    draft = submitted_at(Status.DRAFT)
    assert auditor_client.get(reverse("audit:case", args=[draft.public_id])).status_code == 404


def test_case_view_shows_the_decision_permit_document_hash_and_retention(auditor_client):
    notification = _approved_case()
    ItemFactory(notification=notification, classification=Classification.LIST_CONTROL, list_row="2")
    response = auditor_client.get(reverse("audit:case", args=[notification.public_id]))
    html = response.content.decode()
    assert "PM-2026-000001" in html
    assert "0" * 63 + "1" in html
    assert "reviewer@ministry.example" in html
    assert "No re-export without consent." in html
    assert response.context["keep_until"] == datetime.date(2033, 11, 3)


def test_retention_is_five_years_when_every_item_is_in_rows_5_to_16():
    notification = _approved_case()
    assert keep_until(notification) == datetime.date(2031, 11, 3)  # the 16(1) item of the factory
    ItemFactory(
        notification=notification, classification=Classification.LIST_CONTROL, list_row="3-2"
    )
    assert keep_until(notification) == datetime.date(2033, 11, 3)


def test_an_open_case_has_no_keep_until_date_yet():
    assert keep_until(submitted_at(Status.UNDER_REVIEW)) is None


def test_download_returns_the_stored_bytes_and_is_audited(auditor_client, auditor):
    notification = _approved_case()
    document = notification.documents.get()
    response = auditor_client.get(reverse("audit:document", args=[document.public_id]))
    assert b"".join(response.streaming_content) == b"%PDF-1.7 permit bytes"
    event = AuditEvent.objects.get(action="document.download")
    assert (event.actor, event.data["number"]) == (auditor, "PM-2026-000001")


def test_decisions_csv_is_streamed_with_one_row_per_decision(auditor_client):
    _approved_case()
    response = auditor_client.get(reverse("audit:export", args=["decisions", "csv"]))
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["届出番号", "企業", "法人番号", "仕向地"]
    assert rows[0][5] == "判断"
    assert len(rows) == 2
    assert rows[1][3:5] == ["IR", "イラン"]  # the code, then the name a reader looks for
    assert rows[1][5] == "許可"
    assert rows[1][6] == "reviewer@ministry.example"
    assert AuditEvent.objects.filter(action="audit.exported").count() == 1


def test_permits_xlsx_opens_in_a_spreadsheet(auditor_client):
    _approved_case()
    response = auditor_client.get(reverse("audit:export", args=["permits", "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][0] == "PM-2026-000001"
    assert rows[1][4:6] == ("IR", "イラン")
    assert rows[1][6] == "有効"
    assert rows[1][8] == datetime.datetime(2026, 11, 3)


def test_a_formula_in_user_text_is_exported_inert(auditor_client):
    notification = _approved_case()
    notification.decisions.update(conditions='=HYPERLINK("http://evil")')
    text = b"".join(
        auditor_client.get(reverse("audit:export", args=["decisions", "csv"])).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_audit_log_filters_by_action_and_actor(auditor_client, auditor):
    user = ExporterFactory(email="someone@firm.example")
    trail.record(action="notification.submitted", actor=user)
    trail.record(action="document.download", actor=auditor)
    page = auditor_client.get(
        reverse("audit:log"), {"action": "notification.", "actor": "someone@"}
    ).context["page"]
    assert [e.action for e in page] == ["notification.submitted"]


def test_verify_the_chain_reports_intact_then_the_first_broken_link(auditor_client):
    user = ExporterFactory()
    for n in range(3):
        trail.record(action=f"test.{n}", actor=user)
    response = auditor_client.post(reverse("audit:verify-chain"))
    assert response.context["report"].ok
    assert response.context["report"].checked == 3

    _raw_update_bypassing_trigger(
        "UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.forged", 2]
    )
    report = auditor_client.post(reverse("audit:verify-chain")).context["report"]
    assert (report.ok, report.broken_seq) == (False, 2)
    assert "#2" in auditor_client.post(reverse("audit:verify-chain")).content.decode()


def test_audit_log_export_keeps_the_filter(auditor_client, auditor):
    trail.record(action="notification.submitted", actor=auditor)
    trail.record(action="document.download", actor=auditor)
    response = auditor_client.get(
        reverse("audit:log-export", args=["csv"]), {"action": "document."}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[3] for row in rows[1:]] == ["document.download"]


@pytest.mark.parametrize(
    ("name", "args"),
    [("audit:search", []), ("audit:log", []), ("audit:export", ["decisions", "csv"])],
)
def test_auditor_pages_refuse_writes(auditor_client, name, args):
    assert auditor_client.post(reverse(name, args=args)).status_code == 405


def test_verify_pdf_refuses_a_file_that_is_not_a_pdf(auditor_client):
    upload = io.BytesIO(b"MZ\x90\x00 not a pdf")
    upload.name = "permit.pdf"
    response = auditor_client.post(reverse("audit:verify-pdf"), {"file": upload})
    assert "file" in response.context["form"].errors
    assert response.context["result"] is None
    assert not AuditEvent.objects.filter(action="document.verified").exists()


# --- verifying a real issued PDF (the documents tests' signing key and cases) ----------------

from tests.documents.conftest import _signing_key, approved_case, signing_files  # noqa: E402, F401


def _upload(data: bytes):
    upload = io.BytesIO(data)
    upload.name = "permit.pdf"
    return upload


def test_verify_pdf_confirms_an_issued_permit_and_rejects_a_tampered_copy(
    auditor_client,
    approved_case,  # noqa: F811
):
    from notifications.documents.services import document_issue

    document = document_issue(notification=approved_case, kind="permit")
    data = document.file.open("rb").read()

    result = auditor_client.post(reverse("audit:verify-pdf"), {"file": _upload(data)}).context[
        "result"
    ]
    assert result.genuine is True
    assert result.document == document
    assert result.signature.ok

    tampered = data.replace(document.number.encode(), b"X" * len(document.number), 1)
    if tampered == data:  # the number may be compressed; flip a byte inside the signed range
        middle = len(data) // 2
        tampered = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
    response = auditor_client.post(reverse("audit:verify-pdf"), {"file": _upload(tampered)})
    result = response.context["result"]
    assert result.genuine is False
    assert result.document is None
    assert not result.signature.ok
    assert 'id="verify-result"' in response.content.decode()
    verdicts = list(
        AuditEvent.objects.filter(action="document.verified").values_list(
            "data__signature_ok", flat=True
        )
    )
    assert verdicts == [True, False]


def test_case_view_says_a_receipt_not_yet_downloaded_has_no_pdf_yet(auditor_client):
    from notifications.documents.services import document_issue
    from notifications.models import DocumentKind

    notification = submitted_at(Status.CLEARED)
    receipt = document_issue(notification=notification, kind=DocumentKind.RECEIPT)

    response = auditor_client.get(
        reverse("audit:case", args=[notification.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert receipt.number in html
    assert "PDF made on first download" in html
    assert "None" not in html
