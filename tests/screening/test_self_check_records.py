"""The firm's dated self-check records (issue 14): stored with the check's audit event, listed for
the firm, downloadable as a signed PDF that names the query, the lists, the result and why."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pypdf
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.documents import signing
from partners.services import list_version_import, list_version_publish
from screening import index_cache, rules
from screening.models import SelfCheckRecord
from screening.self_check import SelfCheckError, self_check_run
from screening.self_check_record import ISSUED_ACTION, record_pdf
from tests.factories import ExporterFactory, UserFactory
from tests.partners.conftest import EUL_2025_09

pytestmark = pytest.mark.django_db

AMIRKABIR = "Amirkabir Univ. of Technology"


@pytest.fixture(scope="module")
def signing_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signing")
    key, cert = folder / "key.pem", folder / "cert.pem"
    signing.generate_demo_key(key, cert, b"test passphrase")
    return key, cert


@pytest.fixture(autouse=True)
def _signing_and_caches(settings, signing_files, tmp_path):
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = signing_files
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = "test passphrase"
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    index_cache.clear()
    yield
    cache.clear()


@pytest.fixture
def real_eul():
    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    return list_version_publish(version=version, actor=None)


@pytest.fixture
def exporter():
    return ExporterFactory(full_name="Hanako Yamada", firm__name="Tokai Precision K.K.")


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _download_url(record) -> str:
    return f"/screening/self-check/records/{record.public_id}/pdf/"


# --- The record and its audit event ------------------------------------------------------------


def test_a_check_stores_the_firms_record_with_its_audit_event(real_eul, exporter):
    result = self_check_run(actor=exporter, name=AMIRKABIR, country="IR", channel="page")

    [record] = SelfCheckRecord.objects.all()
    assert result.record == record
    assert re.fullmatch(r"SC-\d{4}-000001", record.number)
    assert (record.firm_id, record.user_id, record.query, record.country) == (
        exporter.firm_id,
        exporter.pk,
        AMIRKABIR,
        "IR",
    )
    assert (record.outcome, record.hit_count, record.channel) == ("match", 1, "page")
    assert record.ruleset_version == rules.RULESET_VERSION
    assert [(v["source_code"], v["version_label"]) for v in record.versions] == [
        ("meti-eul", "2025-09-29")
    ]
    assert record.versions[0]["issued_on"] == str(real_eul.issued_on)
    [hit] = record.result["hits"]
    assert (hit["entry"]["number"], hit["list"]["source_code"]) == (45, "meti-eul")
    assert hit["score"] == result.hits[0].score
    assert hit["explanation"]["query_normalised"]
    assert record.searched_at == result.searched_at
    assert record.sha256 == "" and not record.file  # the PDF is made on the first download
    [event] = AuditEvent.objects.filter(action="screening.self_check")
    assert event.data["record"] == record.number
    assert event.firm_id == exporter.firm_id


def test_numbers_follow_one_another(real_eul, exporter):
    self_check_run(actor=exporter, name=AMIRKABIR, channel="page")
    self_check_run(actor=exporter, name="Kanto Bakery Supplies", channel="api")
    numbers = list(SelfCheckRecord.objects.order_by("pk").values_list("number", flat=True))
    assert [n[-6:] for n in numbers] == ["000001", "000002"]


def test_a_refused_check_stores_no_record(real_eul, exporter):
    reviewer = UserFactory(roles=[Role.REVIEWER])
    with pytest.raises(PermissionDenied):
        self_check_run(actor=reviewer, name=AMIRKABIR, channel="page")
    with pytest.raises(SelfCheckError):
        self_check_run(actor=exporter, name="!!! ---", channel="page")
    with pytest.raises(ValueError):
        self_check_run(actor=exporter, name=AMIRKABIR, kind="vessel", channel="page")
    assert not SelfCheckRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.self_check").exists()


def test_a_record_is_not_kept_when_the_audit_event_fails(real_eul, exporter, monkeypatch):
    from exportctl.audit import trail

    def failing(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(trail, "record", failing)
    with pytest.raises(RuntimeError):
        self_check_run(actor=exporter, name=AMIRKABIR, channel="page")
    assert not SelfCheckRecord.objects.exists()


# --- The PDF -----------------------------------------------------------------------------------


@pytest.fixture
def matched_record(real_eul, exporter):
    return self_check_run(
        actor=exporter, name=AMIRKABIR, country="IR", kind="organization", channel="page"
    ).record


def test_the_pdf_reads_back_the_query_versions_result_and_explanation(matched_record, exporter):
    pdf = record_pdf(matched_record, actor=exporter)
    text = _text(pdf)
    record = SelfCheckRecord.objects.get()
    hit = record.result["hits"][0]
    for expected in (
        record.number,
        "Self-checkrecord",
        "自己確認記録",
        re.sub(r"\s+", "", AMIRKABIR),
        "Iran",  # the country, by name
        "Organisationorcompany",
        "meti-eul",
        "2025-09-29",  # the list version searched
        str(record.versions[0]["issued_on"]),  # its revision date
        rules.RULESET_VERSION,
        "Matchfound",
        "45",
        re.sub(r"\s+", "", hit["entry"]["name"]),
        f"{hit['score']:.2f}",
        "Explanation",
        "Listednamethatmatched",
        re.sub(r"\s+", "", hit["matched_name"]),
        re.sub(r"\s+", "", hit["explanation"]["query_normalised"]),
        "TokaiPrecisionK.K.",
        "HanakoYamada",
        exporter.email,
        "JST",
    ):
        assert expected in text, expected


def test_a_no_match_record_says_so(real_eul, exporter):
    record = self_check_run(actor=exporter, name="Kanto Bakery Supplies", channel="page").record
    text = _text(record_pdf(record, actor=exporter))
    assert "Nomatchatthealertthreshold" in text
    assert "Explanation" not in text


def test_the_pdf_is_signed_and_validates(matched_record, exporter):
    pdf = record_pdf(matched_record, actor=exporter)
    verdict = signing.validate_pdf_signature(pdf)
    assert verdict.ok is True
    assert verdict.covers_whole_file is True


def test_pdfsig_verifies_the_signature(matched_record, exporter, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(record_pdf(matched_record, actor=exporter))
    # poppler-utils is a test system package (`make test-system-deps`): missing, this fails.
    pdfsig = shutil.which("pdfsig")
    assert pdfsig, "pdfsig not found: run `make test-system-deps`"
    output = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=True).stdout
    assert "Signature #1" in output
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output

    tampered = bytearray(path.read_bytes())
    tampered[len(tampered) // 3] ^= 0x01
    path.write_bytes(bytes(tampered))
    output = subprocess.run([pdfsig, str(path)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." not in output


def test_the_pdf_is_made_once_then_served_unchanged_and_audited(matched_record, exporter):
    import hashlib

    first = record_pdf(matched_record, actor=exporter)
    record = SelfCheckRecord.objects.get()
    assert record.sha256 == hashlib.sha256(first).hexdigest()
    assert record.size == len(first) and record.issued_at is not None
    second = record_pdf(record, actor=exporter)
    assert second == first
    [issued] = AuditEvent.objects.filter(action=ISSUED_ACTION)
    assert issued.data == {"number": record.number, "sha256": record.sha256, "size": len(first)}


# --- The pages and who may see them ------------------------------------------------------------


def test_the_result_offers_the_download_and_the_pdf_downloads(real_eul, exporter):
    client = _client(exporter)
    response = client.post("/screening/self-check/", {"name": AMIRKABIR, "country": "IR"})
    record = SelfCheckRecord.objects.get()
    assert _download_url(record) in response.content.decode()
    response = client.get(_download_url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{record.number}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="screening.self_check_record.download").count() == 1


def test_the_list_shows_the_firms_records_only(real_eul, exporter):
    colleague = ExporterFactory(firm=exporter.firm)
    other = ExporterFactory()
    mine = self_check_run(actor=colleague, name=AMIRKABIR, channel="page").record
    theirs = self_check_run(actor=other, name="Kanto Bakery Supplies", channel="page").record
    with translation.override("en"):
        page = _client(exporter).get("/screening/self-check/records/").content.decode()
    assert mine.number in page and _download_url(mine) in page
    assert theirs.number not in page


def test_the_list_has_an_empty_state(exporter):
    with translation.override("en"):
        response = _client(exporter).get("/screening/self-check/records/")
    assert response.status_code == 200
    assert "No self-check records yet" in response.content.decode()


def test_the_list_is_paginated(real_eul, exporter, monkeypatch):
    from screening import views

    monkeypatch.setattr(views, "RECORDS_PAGE_SIZE", 2)
    for name in ("Alpha Trading", "Beta Trading", "Gamma Trading"):
        self_check_run(actor=exporter, name=name, channel="page")
    first = _client(exporter).get("/screening/self-check/records/").content.decode()
    second = _client(exporter).get("/screening/self-check/records/?page=2").content.decode()
    numbers = list(SelfCheckRecord.objects.values_list("number", flat=True))  # newest first
    assert all(n in first for n in numbers[:2]) and numbers[2] not in first
    assert numbers[2] in second


def test_another_firms_record_is_404_and_nothing_is_made(real_eul, exporter):
    record = self_check_run(actor=exporter, name=AMIRKABIR, channel="page").record
    before = AuditEvent.objects.count()
    for user in (ExporterFactory(), UserFactory(roles=[Role.REVIEWER])):
        assert _client(user).get(_download_url(record)).status_code == 404
    assert (
        _client(UserFactory(roles=[Role.AUDITOR])).get("/screening/self-check/records/").status_code
        == 404
    )
    record.refresh_from_db()
    assert record.sha256 == "" and not record.file
    assert AuditEvent.objects.count() == before


def test_anonymous_is_sent_to_sign_in(real_eul, exporter):
    record = self_check_run(actor=exporter, name=AMIRKABIR, channel="page").record
    for url in ("/screening/self-check/records/", _download_url(record)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    record.refresh_from_db()
    assert not record.file
