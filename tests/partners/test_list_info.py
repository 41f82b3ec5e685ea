"""The list information as firms use it (issue 22, part 4): every published and superseded
revision downloadable by anyone as CSV, XLSX and JSON with its SHA-256 and source attribution,
the public page of what changed between two revisions, and the Atom feed of publications. On
the real End User List revisions of 2025-01-31 and 2025-09-29."""

import csv
import hashlib
import io
import json
import re
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from partners import list_downloads
from partners.models import ListedEntry, ListVersionStatus
from partners.services import list_version_import, list_version_publish
from partners.views import _cached_diff
from tests.partners.conftest import EUL_2025_01, EUL_2025_09

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _fresh_caches(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    list_downloads.clear()
    _cached_diff.cache_clear()
    yield
    list_downloads.clear()
    _cached_diff.cache_clear()


def _import(path, actor):
    return list_version_import(source_code="meti-eul", file=path, file_name=path.name, actor=actor)


@pytest.fixture
def revisions(list_manager, second_list_manager):
    """2025-01-31 published, then 2025-09-29 proposed and confirmed (it removes entries)."""
    old = list_version_publish(version=_import(EUL_2025_01, list_manager), actor=list_manager)
    new = _import(EUL_2025_09, list_manager)
    list_version_publish(version=new, actor=list_manager)
    list_version_publish(version=new, actor=second_list_manager)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ListVersionStatus.SUPERSEDED, ListVersionStatus.PUBLISHED)
    return old, new


def _url(version, fmt):
    return reverse("partners:public_download", args=["meti-eul", version.label, fmt])


# --- downloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_downloads_are_byte_identical_and_their_sha256_is_on_the_page(client, revisions, fmt):
    for version in revisions:
        first = client.get(_url(version, fmt))
        list_downloads.clear()  # built afresh: the bytes do not come from the cache alone
        time.sleep(1.1)  # a timestamp to the second would differ now
        second = client.get(_url(version, fmt))
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        digest = hashlib.sha256(first.content).hexdigest()
        assert first["X-Content-SHA256"] == digest
        assert first["Content-Type"] == list_downloads.FORMATS[fmt]
        assert "attachment" in first["Content-Disposition"]
        page = client.get(reverse("partners:public_downloads", args=["meti-eul"]))
        html = page.content.decode()
        row = re.search(
            rf'<tr data-revision="{version.label}">(.*?)</tr>', html, flags=re.DOTALL
        ).group(1)
        assert f'<code class="mono" data-sha256="{fmt}">{digest}</code>' in row


def test_downloads_need_no_sign_in_and_the_current_list_has_a_download_page(client, revisions):
    response = client.get("/lists/meti-eul/download/")
    assert response.status_code == 200
    assert [r["version"].label for r in response.context["revisions"]] == [
        "2025-09-29",
        "2025-01-31",
    ]
    assert response.context["in_force"] == revisions[1]
    # The attribution the file carries is on the page too.
    assert "https://www.meti.go.jp/policy/anpo/" in response.content.decode()


def test_an_unknown_revision_or_format_is_404(client, revisions):
    assert client.get("/lists/meti-eul/2025-12-31/download.csv").status_code == 404
    assert client.get("/lists/meti-eul/2025-09-29/download.pdf").status_code == 404
    assert client.get("/lists/no-such-list/download/").status_code == 404


def test_a_draft_is_not_downloadable(client, list_manager):
    draft = _import(EUL_2025_01, list_manager)
    assert client.get(_url(draft, "json")).status_code == 404
    assert client.get("/lists/meti-eul/download/").status_code == 404
    with pytest.raises(ValueError):
        list_downloads.download(draft, "json")


def _entry_dicts(version):
    return [
        {
            "number": e.number,
            "kind": e.kind,
            "country": e.country,
            "country_label": e.country_label,
            "name": e.name,
            "local_name": e.local_name,
            "aliases": e.aliases,
            "concern_codes": sorted(e.concern_codes),
            "conventional_weapons": e.conventional_weapons,
            "details": e.details,
        }
        for e in ListedEntry.objects.filter(version=version).order_by("number")
    ]


def test_the_json_parses_back_to_the_entries_with_the_attribution(client, revisions):
    for version in revisions:
        document = json.loads(client.get(_url(version, "json")).content)
        assert document["entries"] == _entry_dicts(version)
        assert len(document["entries"]) == version.entry_count
        meta = document["metadata"]
        assert meta["revision"] == version.label
        assert meta["issued_on"] == version.issued_on.isoformat()
        assert meta["ministry_file_sha256"] == version.file_sha256
        assert "Ministry of Economy, Trade and Industry" in meta["attribution"]["publisher"]
        assert meta["attribution"]["source_url"] == "https://www.meti.go.jp/policy/anpo/"
        assert "Standard Terms of Use 2.0" in meta["attribution"]["licence"]


def test_the_csv_has_the_attribution_block_then_every_entry(client, revisions):
    old, new = revisions
    text = client.get(_url(new, "csv")).content.decode("utf-8-sig")
    block, table = text.split("\r\n\r\n", 1)
    meta = dict(csv.reader(io.StringIO(block)))
    assert meta["# revision"] == "2025-09-29"
    assert meta["# attribution_source_url"] == "https://www.meti.go.jp/policy/anpo/"
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == new.entry_count == 835
    entries = _entry_dicts(new)
    assert [int(r["No."]) for r in rows] == [e["number"] for e in entries]
    assert rows[0]["企業名、組織名 / Company or Organization"] == entries[0]["name"]


def test_the_xlsx_has_the_entries_and_a_source_sheet(client, revisions):
    new = revisions[1]
    content = client.get(_url(new, "xlsx")).content
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["entries", "source"]
    rows = list(workbook["entries"].values)
    assert len(rows) == 1 + new.entry_count
    assert [r[0] for r in rows[1:]] == [e["number"] for e in _entry_dicts(new)]
    source = dict(workbook["source"].values)
    assert source["revision"] == "2025-09-29"
    assert "Ministry of Economy" in source["attribution_publisher"]
    # No time of the download anywhere: the zip members carry a fixed timestamp.
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(content)).infolist()} == {
        (1980, 1, 1, 0, 0, 0)
    }


def test_text_that_a_spreadsheet_would_run_is_made_inert(client, list_manager, revisions):
    new = revisions[1]
    ListedEntry.objects.filter(version=new, number=1).update(
        name='=HYPERLINK("http://x")', aliases=["＋cmd"]
    )
    list_downloads.clear()
    text = client.get(_url(new, "csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'＋cmd" in text
    rows = list(load_workbook(io.BytesIO(client.get(_url(new, "xlsx")).content)).active.values)
    assert rows[1][4] == '\'=HYPERLINK("http://x")'
    # The JSON is data, not a spreadsheet: the name as published.
    entries = json.loads(client.get(_url(new, "json")).content)["entries"]
    assert entries[0]["name"] == '=HYPERLINK("http://x")'


def test_generation_time_is_measured(revisions, capsys):
    """The cost that decided the per-revision cache: printed, and bounded loosely."""
    new = revisions[1]
    timings = {}
    for fmt in list_downloads.FORMATS:
        start = time.perf_counter()
        list_downloads._BUILDERS[fmt](new)
        timings[fmt] = round((time.perf_counter() - start) * 1000)
    with capsys.disabled():
        print(f"\nlist download generation, 835 entries (ms): {timings}")
    assert all(ms < 10_000 for ms in timings.values())


# --- what changed --------------------------------------------------------------------------


def test_the_public_changes_page_shows_the_list_managers_counts(client, revisions):
    old, new = revisions
    response = client.get(reverse("partners:public_changes", args=["meti-eul"]))
    assert response.status_code == 200
    assert (response.context["old"], response.context["new"]) == (old, new)
    assert response.context["counts"] == {"changed": 186, "added": 93, "removed": 6}
    html = response.content.decode()
    assert '<span class="diff-counts__number" data-count="added">93</span>' in html
    assert '<span class="diff-counts__number" data-count="removed">6</span>' in html
    assert '<span class="diff-counts__number" data-count="changed">186</span>' in html
    # Paginated: 186 changes on four pages of 50, the fields that changed shown.
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 4
    assert 'data-field="conventional_weapons"' in html
    last = client.get(
        reverse("partners:public_changes", args=["meti-eul"]),
        {"from": "2025-01-31", "to": "2025-09-29", "section": "removed", "page": 1},
    )
    assert len(last.context["page"].object_list) == 6


def test_the_changes_page_compares_any_two_revisions_either_way(client, revisions):
    response = client.get(
        reverse("partners:public_changes", args=["meti-eul"]),
        {"from": "2025-09-29", "to": "2025-01-31"},
    )
    assert response.context["counts"] == {"changed": 186, "added": 6, "removed": 93}


# --- the feed ------------------------------------------------------------------------------


def test_the_feed_is_valid_atom_with_one_entry_per_publication(client, revisions):
    response = client.get(reverse("partners:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry, version in zip(entries, reversed(revisions), strict=True):
        assert entry.find(f"{ATOM}id").text == f"urn:uuid:{version.public_id}"
        assert version.label in entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}updated").text
        link = entry.find(f"{ATOM}link").get("href")
        assert f"/lists/meti-eul/changes/?to={version.label}" in link


def test_a_draft_is_not_in_the_feed(client, list_manager):
    _import(EUL_2025_01, list_manager)
    root = ET.fromstring(client.get(reverse("partners:feed")).content)  # noqa: S314
    assert root.findall(f"{ATOM}entry") == []
