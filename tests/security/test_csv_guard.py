"""Finding 9: the CSV and XLSX formula guard judges the first character a spreadsheet would see,
past leading whitespace (any Unicode space, line breaks, tabs) and after NFKC, so that the
full-width ＝＋－＠ a Japanese IME types are made inert too. Numbers stay numbers."""

import csv
import decimal
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse

from exportctl.audit.exports import Column, csv_response, inert, xlsx_response
from notifications.models import Decision, DecisionKind
from notifications.workflow import Status
from tests.factories import UserFactory, submitted_at

DANGEROUS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    " =1+1",
    "  =1+1",
    "\n=cmd|' /C calc'!A0",
    "\r\n=1+1",
    "\t=1+1",
    "\u3000=1+1",  # ideographic space, as a Japanese IME types it
    "\u00a0=1+1",  # no-break space
    "\u200b=1+1",  # zero-width space: invisible in front of the "="
    "\ufeff=1+1",  # a byte order mark
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    '\u3000＝HYPERLINK("http://evil")',
    "﹦1+1",  # small equals sign: NFKC folds it to "="
    "\u22121+1",  # minus sign
    "\t",
    "\rtext",
]

SAFE = [
    "",
    "plain text",
    "東京都千代田区",
    "\u3000東京",  # a leading ideographic space before ordinary text is kept as typed
    " indented",
    "a=b",
    "1-2",
    "e-mail@example.com",
    "ＡＢＣ",
    "'=already quoted",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_a_spreadsheet_would_run_is_made_inert(text):
    assert inert(text) == "'" + text


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_text_is_left_as_typed(text):
    assert inert(text) == text


ROWS = [
    SimpleNamespace(note=" =1+1", amount=-5),
    SimpleNamespace(note="\n=cmd|' /C calc'!A0", amount=decimal.Decimal("-1.50")),
    SimpleNamespace(note="＝1+1", amount=-0.25),
    SimpleNamespace(note="＋1", amount=0),
    SimpleNamespace(note="－1", amount=12),
    SimpleNamespace(note="＠SUM(A1)", amount=-7),
    SimpleNamespace(note="plain", amount=-3),
]
COLUMNS = [
    Column(header="Note", value=lambda row: row.note),
    Column(header="Amount", value=lambda row: row.amount),
]


def _read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _read_xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_written_csv_has_inert_text_and_plain_negative_numbers():
    header, *rows = _read_csv(csv_response(filename="guard", columns=COLUMNS, objects=ROWS))
    assert header == ["Note", "Amount"]
    assert [row[0] for row in rows] == [
        "' =1+1",
        "'\n=cmd|' /C calc'!A0",
        "'＝1+1",
        "'＋1",
        "'－1",
        "'＠SUM(A1)",
        "plain",
    ]
    assert [row[1] for row in rows] == ["-5", "-1.50", "-0.25", "0", "12", "-7", "-3"]


def test_the_written_xlsx_has_inert_text_cells_and_negative_number_cells():
    sheet = _read_xlsx(
        xlsx_response(filename="guard", sheet="Guard", columns=COLUMNS, objects=ROWS)
    )
    notes = [cell for (cell,) in sheet.iter_rows(min_row=2, max_col=1)]
    amounts = [cell for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2)]
    assert all(cell.data_type == "s" for cell in notes)
    assert [cell.value for cell in notes] == [
        "' =1+1",
        "'\n=cmd|' /C calc'!A0",
        "'＝1+1",
        "'＋1",
        "'－1",
        "'＠SUM(A1)",
        "plain",
    ]
    assert all(cell.data_type == "n" for cell in amounts)
    assert [cell.value for cell in amounts] == [-5, -1.5, -0.25, 0, 12, -7, -3]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_auditors_decisions_export_makes_hidden_formulas_inert(client, fmt):
    """Through the auditor's export view, as an auditor downloads it: a reviewer's reason that
    starts with a line break before "=" and conditions typed with a full-width "＝"."""
    notification = submitted_at(Status.APPROVED, destination_country="IR")
    reviewer = UserFactory(roles=["reviewer"], firm=None, email="reviewer@ministry.example")
    Decision.objects.create(
        notification=notification,
        kind=DecisionKind.APPROVE,
        actor=reviewer,
        reason='\n=HYPERLINK("http://evil.example","open")',
        conditions="\u3000＝1+1",
        validity_months=6,
    )
    client.force_login(UserFactory(roles=["auditor"], firm=None))
    response = client.get(reverse("audit:export", args=["decisions", fmt]), {"lang": "en"})
    assert response.status_code == 200
    if fmt == "csv":
        header, row = _read_csv(response)
    else:
        sheet = _read_xlsx(response)
        header, row = [[cell.value for cell in line] for line in sheet.iter_rows(max_row=2)]
    values = dict(zip(header, row, strict=True))
    assert '\'\n=HYPERLINK("http://evil.example","open")' in values.values()
    assert "'\u3000＝1+1" in values.values()
