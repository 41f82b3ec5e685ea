"""The list pages through the test client: the list manager's import → diff → publish →
progress flow on the real End User List files, the refusals, and the public pages."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.workflow import Status
from partners.models import ListedEntry, ListImportJob, ListVersion, ListVersionStatus
from partners.services import list_version_discard, list_version_import, list_version_publish
from screening.models import ScreeningRun, Trigger
from tests.factories import ExporterFactory, UserFactory, submitted_at
from tests.partners.conftest import EUL_2025_01, EUL_2025_09, OFAC_DIR, good_row
from tests.partners.test_services import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Assertions read the English text; the portal's default language is Japanese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def manager(client):
    user = UserFactory(roles=[Role.LIST_MANAGER])
    client.force_login(user)
    return user


@pytest.fixture
def post_import(client, django_capture_on_commit_callbacks):
    """Post the upload form. Without REDIS_URL the import job runs in-process once the request's
    transaction commits, as on the embedded default; the response leads to the job's page."""

    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("partners:import"), data)

    return post


def job_page(client, response):
    """The page the upload led to: the import job's (``partners:import_job``)."""
    job = ListImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:import_job", args=[job.public_id])
    return job, client.get(response["Location"])


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def import_eul(path, actor):
    return list_version_import(source_code="meti-eul", file=path, file_name=path.name, actor=actor)


def published_pair(actor):
    """2025-01 in force, 2025-09 as a draft: the real revision the diff page shows."""
    old = list_version_publish(version=import_eul(EUL_2025_01, actor), actor=actor)
    return old, import_eul(EUL_2025_09, actor)


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["partners:manage", "partners:import"])
def test_anonymous_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SENIOR_REVIEWER, Role.AUDITOR])
@pytest.mark.parametrize("name", ["partners:manage", "partners:import"])
def test_other_ministry_roles_are_refused_the_pages(client, role, name):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse(name)).status_code == 403


def test_an_exporter_cannot_import(client, tmp_path):
    client.force_login(ExporterFactory())
    before = snapshot()
    response = client.post(
        reverse("partners:import"), {"source": "meti-eul", "eul_file": upload(EUL_2025_01)}
    )
    assert response.status_code == 403
    after = snapshot()
    assert after[:3] == before[:3]
    # The refused attempt is on the record (issue 19), and nothing else is.
    new_events = AuditEvent.objects.order_by("seq").values_list("action", flat=True)[before[3] :]
    assert list(new_events) == ["access.refused"]


@pytest.mark.parametrize("action", ["publish", "discard"])
def test_a_reviewer_cannot_publish_or_discard_and_nothing_changes(client, action):
    draft = import_eul(EUL_2025_01, None)
    client.force_login(UserFactory(roles=[Role.REVIEWER]))
    before = snapshot()
    response = client.post(reverse(f"partners:{action}", args=[draft.public_id]))
    # A list version belongs to no firm: the role refusal is a 403, on the record (issue 19).
    assert response.status_code == 403
    after = snapshot()
    assert after[:3] == before[:3]
    new_events = AuditEvent.objects.order_by("seq").values_list("action", flat=True)[before[3] :]
    assert list(new_events) == ["access.refused"]
    assert ListVersion.objects.get(pk=draft.pk).status == ListVersionStatus.DRAFT


@pytest.mark.parametrize("name", ["partners:version", "partners:progress"])
def test_version_pages_are_403_without_the_role(client, name):
    draft = import_eul(EUL_2025_01, None)
    client.force_login(UserFactory(roles=[Role.AUDITOR]))
    assert client.get(reverse(name, args=[draft.public_id])).status_code == 403


def test_an_unknown_version_is_404(client, manager):
    url = reverse("partners:version", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_publish_and_discard_refuse_get(client, manager):
    draft = import_eul(EUL_2025_01, manager)
    for action in ("publish", "discard"):
        response = client.get(reverse(f"partners:{action}", args=[draft.public_id]))
        assert response.status_code == 405
    assert ListVersion.objects.get(pk=draft.pk).status == ListVersionStatus.DRAFT


# --- version list ----------------------------------------------------------------------------


def test_version_list_empty_state(client, manager):
    response = client.get(reverse("partners:manage"))
    assert response.status_code == 200
    assert "No list has been imported yet" in text(response)


def test_version_list_shows_status_who_when_and_counts(client, manager):
    old, new = published_pair(manager)
    response = client.get(reverse("partners:manage"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert [(v.label, v.status, v.entry_count) for v in rows] == [
        ("2025-09-29", ListVersionStatus.DRAFT, 835),
        ("2025-01-31", ListVersionStatus.PUBLISHED, 748),
    ]
    page = text(response)
    assert "2025-09-29" in page
    assert "Draft" in page
    assert "Published" in page
    assert manager.full_name in page


def test_a_version_imported_from_the_command_line_shows_the_system(client, manager):
    draft = import_eul(EUL_2025_01, None)
    for url in (reverse("partners:manage"), reverse("partners:version", args=[draft.public_id])):
        response = client.get(url)
        assert response.status_code == 200
        assert "System" in text(response)


def test_the_version_list_links_to_the_import_and_public_pages(client, manager):
    old, _ = published_pair(manager)
    html = client.get(reverse("partners:manage")).content.decode()
    assert reverse("partners:import") in html
    assert reverse("partners:public_list", args=["meti-eul"]) in html
    assert reverse("partners:version", args=[old.public_id]) in html


# --- import ----------------------------------------------------------------------------------


def test_import_page_shows_the_form(client, manager):
    response = client.get(reverse("partners:import"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_upload_of_the_real_list_makes_a_draft(client, manager, post_import):
    response = post_import(
        {"source": "meti-eul", "eul_file": upload(EUL_2025_01), "issued_on": "2025-01-31"},
    )
    job, page = job_page(client, response)
    version = ListVersion.objects.get()
    assert (job.status, job.version, job.requested_by) == ("succeeded", version, manager)
    # The finished job's page goes on to the draft's comparison with the version in force.
    assert page.status_code == 302
    assert page["Location"] == reverse("partners:version", args=[version.public_id])
    assert (version.status, version.label, version.entry_count) == ("draft", "2025-01-31", 748)
    assert version.issued_on.isoformat() == "2025-01-31"
    assert version.imported_by == manager
    assert version.file_sha256 == job.file_sha256
    assert ListedEntry.objects.filter(version=version).count() == 748
    event = AuditEvent.objects.get(action="list_version.import")
    assert event.actor_id == manager.pk


def test_upload_with_a_label_of_ones_own(client, manager, post_import):
    post_import({"source": "meti-eul", "eul_file": upload(EUL_2025_09), "label": "2025-09-29"})
    assert ListVersion.objects.get().label == "2025-09-29"


def test_malformed_spreadsheet_lists_every_problem_and_creates_nothing(
    client, manager, make_workbook, post_import
):
    path = make_workbook(
        [
            good_row("Fine Co."),
            ["=ROW()-1", "Atlantis", "Bad Country Co.", None, "核\nN", None],
            ["=ROW()-1", "イラン\nIran", "", None, "核\nN", None],
            ["=ROW()-1", "イラン\nIran", "Bad Code Co.", None, "核\nQ", None],
        ]
    )
    before = snapshot()
    response = post_import(
        {"source": "meti-eul", "eul_file": upload(path), "label": "my try", "issued_on": ""},
    )
    job, page = job_page(client, response)
    assert page.status_code == 200
    # Nothing was imported: no version, no entry, no source; only the job's request and failure.
    assert snapshot()[:3] == before[:3]
    assert ListVersion.objects.count() == 0
    new_events = AuditEvent.objects.order_by("seq").values_list("action", flat=True)[before[3] :]
    assert list(new_events) == ["list_import_job.request", "list_import_job.fail"]
    assert job.status == "failed"
    problems = [(p["row"], p["column"], p["reason"]) for p in page.context["job"].problems]
    assert problems == [
        (3, "B", "unknown country or region 'Atlantis'"),
        (4, "C", "the name is empty"),
        (5, "E", "unknown concern code 'Q' (expected B, C, M or N)"),
    ]
    text_of_page = text(page)
    assert "3 problems in the file" in text_of_page
    assert "3 B unknown country or region 'Atlantis'" in text_of_page
    assert "5 E unknown concern code 'Q' (expected B, C, M or N)" in text_of_page
    # The error sits in the summary; what was typed is shown with the job.
    assert "The file has 3 problems, listed below. Nothing was imported." in text_of_page
    html = page.content.decode()
    assert 'id="error-summary"' in html
    assert '<dd id="import-job-label">my try</dd>' in html
    assert 'data-polling="true"' not in html  # a finished job is not polled


def test_a_file_that_is_not_xlsx_is_refused_at_upload_and_never_stored(
    client, manager, tmp_path, settings
):
    """The container checks read no cell, so they run in the request: a file that is no workbook
    gets its problem at once, and no job, file or audit event is made for it."""
    bogus = tmp_path / "list.xlsx"
    bogus.write_bytes(b"not a zip at all")
    before = snapshot()
    response = client.post(
        reverse("partners:import"),
        {"source": "meti-eul", "eul_file": upload(bogus)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "eul_file": ["The file has 1 problem, listed below. Nothing was imported."]
    }
    assert [(p.row, p.reason) for p in response.context["problems"]] == [
        (None, "the file is not an Excel workbook (.xlsx)")
    ]
    assert 'id="problems-table"' in response.content.decode()
    assert snapshot() == before
    assert not ListImportJob.objects.exists()


@pytest.mark.parametrize(
    ("files", "field", "error"),
    [
        ({}, "eul_file", "Choose the file to upload."),
        (
            {"eul_file": SimpleUploadedFile("list.csv", b"a,b")},
            "eul_file",
            "The file must be a .xlsx file; “list.csv” is not.",
        ),
        (
            {"eul_file": SimpleUploadedFile("list.xlsx", b"")},
            "eul_file",
            "The submitted file is empty.",
        ),
    ],
)
def test_missing_or_wrong_file_is_an_error_at_the_field(client, manager, files, field, error):
    before = snapshot()
    response = client.post(reverse("partners:import"), {"source": "meti-eul", **files})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert snapshot() == before


def test_ofac_needs_its_three_files(client, manager):
    before = snapshot()
    response = client.post(
        reverse("partners:import"),
        {"source": "ofac-sdn", "sdn_file": upload(OFAC_DIR / "sdn.csv")},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"alt_file", "add_file"}
    assert snapshot() == before


def test_ofac_upload_makes_an_advisory_draft(client, manager, small_ofac_dir, post_import):
    response = post_import(
        {
            "source": "ofac-sdn",
            "sdn_file": upload(small_ofac_dir / "sdn.csv"),
            "alt_file": upload(small_ofac_dir / "alt.csv"),
            "add_file": upload(small_ofac_dir / "add.csv"),
            "label": "SDN 2021",
        },
    )
    job, page = job_page(client, response)
    version = ListVersion.objects.get()
    assert page["Location"] == reverse("partners:version", args=[version.public_id])
    assert (job.status, job.source_code, job.file_name) == ("succeeded", "ofac-sdn", "sdn.csv")
    assert (version.source.code, version.source.advisory) == ("ofac-sdn", True)
    assert (version.label, version.entry_count, version.status) == ("SDN 2021", 2, "draft")
    assert list(version.entries.values_list("number", "name", "country")) == [
        (10, "EXAMPLE SHIPPING CO.", "IR"),
        (11, "DOE, John", ""),
    ]


def test_the_same_file_twice_is_reported_and_nothing_is_written(client, manager, post_import):
    import_eul(EUL_2025_01, manager)
    before = snapshot()
    response = post_import({"source": "meti-eul", "eul_file": upload(EUL_2025_01)})
    job, page = job_page(client, response)
    assert page.status_code == 200
    assert snapshot()[:3] == before[:3]
    assert job.status == "failed"
    [problem] = page.context["job"].problems
    assert problem["reason"] == "this file was already imported as version '2025-01-31' (draft)"


# --- diff ------------------------------------------------------------------------------------


def test_draft_page_shows_the_diff_against_the_published_version(client, manager):
    old, new = published_pair(manager)
    response = client.get(reverse("partners:version", args=[new.public_id]))
    assert response.status_code == 200
    assert response.context["baseline"] == old
    assert response.context["counts"] == {"changed": 186, "added": 93, "removed": 6}
    assert response.context["diff"].unchanged_count == 556
    html = response.content.decode()
    assert '<span class="diff-counts__number" data-count="added">93</span>' in html
    assert '<span class="diff-counts__number" data-count="removed">6</span>' in html
    assert '<span class="diff-counts__number" data-count="changed">186</span>' in html
    # Changed entries come first, with the fields that changed, old → new.
    assert response.context["section"] == "changed"
    page = text(response)
    assert "Page 1 of 4 (186 items)" in page
    assert "Conventional weapons (CW) 170" in page
    assert "Al Qa&#x27;ida/Islamic Army" in html


def test_changed_fields_show_old_and_new_values(client, manager):
    _, new = published_pair(manager)
    url = reverse("partners:version", args=[new.public_id])
    rows = []
    for number in (1, 2, 3, 4):
        rows += client.get(url, {"section": "changed", "page": number}).context["page"].object_list
    by_name = {row["new"].name: row for row in rows}
    renamed = by_name["Northwestern Polytechnical University (NPU)"]
    assert [f["name"] for f in renamed["fields"]] == ["name", "conventional_weapons"]
    assert (renamed["fields"][0]["old"], renamed["fields"][0]["new"]) == (
        "Northwestern Polytechnical University",
        "Northwestern Polytechnical University (NPU)",
    )
    assert (renamed["fields"][1]["old"], renamed["fields"][1]["new"]) == ("—", "CW")
    green_pine = by_name["Green Pine Associated Corporation"]
    [aliases] = [f for f in green_pine["fields"] if f["name"] == "aliases"]
    assert aliases["added"] == ["Natural Resources Development and Investment Corporation"]
    assert aliases["removed"] == []


def test_added_and_removed_sections(client, manager):
    _, new = published_pair(manager)
    url = reverse("partners:version", args=[new.public_id])
    added = client.get(url, {"section": "added"})
    assert added.context["page"].paginator.count == 93
    assert added.context["page"].object_list[0].name == "DIAMOND CASTLE ELECTRONICS TRADING LLC"
    assert "DIAMOND CASTLE ELECTRONICS TRADING LLC" in text(added)
    removed = client.get(url, {"section": "removed"})
    assert [e.name for e in removed.context["page"].object_list] == [
        "Sho'a' Aviation",
        "Special Industries Group (SIG)",
        "Directorate of Purchase and Stores, DAE",
        "Academy of Military Medical Sciences, Institute of Microbiology and Epidemiology",
        "Beijing Starneto Technology Co., Ltd.",
        removed.context["page"].object_list[5].name,
    ]


def test_first_version_of_a_list_is_all_added(client, manager):
    draft = import_eul(EUL_2025_01, manager)
    response = client.get(reverse("partners:version", args=[draft.public_id]))
    assert response.context["baseline"] is None
    assert response.context["counts"] == {"changed": 0, "added": 748, "removed": 0}
    assert response.context["section"] == "added"


def test_published_version_is_compared_with_the_one_it_replaced(client, manager):
    old, new = published_pair(manager)
    list_version_publish(version=new, actor=manager)  # removes entries: proposed
    list_version_publish(version=new, actor=UserFactory(roles=[Role.LIST_MANAGER]))
    response = client.get(reverse("partners:version", args=[new.public_id]))
    assert response.context["baseline"] == old
    assert response.context["counts"] == {"changed": 186, "added": 93, "removed": 6}
    assert 'id="publish-button"' not in response.content.decode()


# --- publish, discard, progress --------------------------------------------------------------


def test_publish_through_the_page_supersedes_and_rescreens(
    client, manager, django_capture_on_commit_callbacks
):
    old, new = published_pair(manager)
    cleared = submitted_at(Status.CLEARED, destination_country="US")
    review = submitted_at(Status.UNDER_REVIEW, destination_country="US")
    submitted_at(Status.DRAFT)  # not re-screened
    # 2025-09-29 removes six entries of 2025-01-31: this list manager proposes it...
    response = client.post(reverse("partners:publish", args=[new.public_id]))
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.status, new.publication_proposed_by) == ("draft", manager)
    assert "A second list manager must confirm it" in text(client.get(response["Location"]))
    # ... and a second list manager confirms it.
    second = UserFactory(roles=[Role.LIST_MANAGER])
    client.force_login(second)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partners:publish", args=[new.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:version", args=[new.public_id])
    new.refresh_from_db()
    old.refresh_from_db()
    assert (old.status, new.status, new.published_by) == ("superseded", "published", second)
    assert AuditEvent.objects.filter(action="list_version.publish").count() == 2
    # Tasks run in-process here, so the re-screen is finished by the time the page loads.
    assert (new.rescreen_total, new.rescreen_done, new.rescreen_failed) == (2, 2, 0)
    assert new.rescreen_finished_at is not None
    rescreened = ScreeningRun.objects.filter(trigger=Trigger.LIST_PUBLICATION)
    assert set(rescreened.values_list("notification_id", "trigger_ref")) == {
        (cleared.pk, str(new.pk)),
        (review.pk, str(new.pk)),
    }
    page = client.get(response["Location"])
    assert "Version “2025-09-29” is published." in text(page)
    html = page.content.decode()
    assert '<progress class="rescreen__bar" id="rescreen-bar" max="2" value="2"' in html
    assert 'data-percent="100"' in html
    assert "hx-trigger" not in html


def test_publishing_a_published_version_is_refused_and_changes_nothing(client, manager):
    old, _ = published_pair(manager)
    before = snapshot()
    response = client.post(reverse("partners:publish", args=[old.public_id]), follow=True)
    assert response.status_code == 200
    assert "Only a draft can be published" in text(response)
    assert snapshot() == before


def test_discard_a_draft(client, manager):
    _, new = published_pair(manager)
    response = client.post(reverse("partners:discard", args=[new.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:manage")
    assert ListVersion.objects.get(pk=new.pk).status == ListVersionStatus.DISCARDED
    event = AuditEvent.objects.get(action="list_version.discard")
    assert event.actor_id == manager.pk


def test_discarding_a_published_version_is_refused_and_changes_nothing(client, manager):
    old, _ = published_pair(manager)
    before = snapshot()
    response = client.post(reverse("partners:discard", args=[old.public_id]), follow=True)
    assert "Only a draft can be discarded" in text(response)
    assert snapshot() == before


def _htmx(client, url):
    return client.get(url, headers={"HX-Request": "true"})


def test_progress_fragment_polls_while_running_and_stops_when_done(client, manager):
    old, _ = published_pair(manager)
    url = reverse("partners:progress", args=[old.public_id])
    ListVersion.objects.filter(pk=old.pk).update(
        rescreen_total=8, rescreen_done=2, rescreen_finished_at=None
    )
    running = _htmx(client, url)
    html = running.content.decode()
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="{url}"' in html
    assert '<progress class="rescreen__bar" id="rescreen-bar" max="8" value="2"' in html
    assert "25 %" in html
    assert "2 of 8 cases re-screened" in text(running)
    ListVersion.objects.filter(pk=old.pk).update(rescreen_done=8)
    done = _htmx(client, url)
    assert "hx-trigger" not in done.content.decode()
    assert "100 %" in done.content.decode()


def test_progress_waits_for_the_fan_out_to_count(client, manager):
    old, _ = published_pair(manager)
    ListVersion.objects.filter(pk=old.pk).update(rescreen_total=None, rescreen_done=0)
    html = _htmx(client, reverse("partners:progress", args=[old.public_id])).content.decode()
    assert "Waiting for the worker" in html
    assert 'hx-trigger="every 1s"' in html


def test_progress_without_htmx_goes_to_the_version_page(client, manager):
    old, _ = published_pair(manager)
    response = client.get(reverse("partners:progress", args=[old.public_id]))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("partners:version", args=[old.public_id]) + "#rescreen-progress"
    )


def test_a_draft_has_no_progress_panel(client, manager):
    _, new = published_pair(manager)
    html = client.get(reverse("partners:version", args=[new.public_id])).content.decode()
    assert 'id="rescreen-progress"' not in html


# --- public pages ----------------------------------------------------------------------------


@pytest.fixture
def published(db):
    return list_version_publish(version=import_eul(EUL_2025_09, None), actor=None)


def test_public_index_without_sign_in(client, published):
    response = client.get(reverse("partners:public_index"))
    assert response.status_code == 200
    page = text(response)
    # The list by its name in the reader's language, not the publisher's bilingual title.
    assert "METI End User List" in page
    assert "外国ユーザーリスト" not in page
    assert "2025-09-29" in page
    assert "835" in page


def test_public_index_empty_state(client, db):
    import_eul(EUL_2025_01, None)  # a draft is not public
    response = client.get(reverse("partners:public_index"))
    assert "No list has been published yet" in text(response)


def test_public_list_paginates_all_entries(client, published):
    response = client.get(reverse("partners:public_list", args=["meti-eul"]))
    assert response.status_code == 200
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.num_pages) == (835, 17)
    assert [e.number for e in page.object_list][:3] == [1, 2, 3]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("ロケット", "MINISTRY OF ROCKET INDUSTRY"),  # katakana, in an alias
        ("ﾛｹｯﾄ産業省", "MINISTRY OF ROCKET INDUSTRY"),  # half-width katakana
        ("保健食品科学院", "Academy of Health and Food Science"),  # kanji local name
        ("セソン技術貿易", "セソン技術貿易"),
        ("amirkabir university", "Amir Kabir University of Technology"),  # alias, any case
        ("ＮＯＲＩＮＣＯ", "China North Industries Group Corporation Limited"),  # full-width
    ],
)
def test_public_search_by_name_alias_or_local_script(client, published, query, name):
    response = client.get(reverse("partners:public_list", args=["meti-eul"]), {"q": query})
    names = [e.name for e in response.context["page"].object_list]
    assert name in names


def test_public_search_with_country_filter(client, published):
    url = reverse("partners:public_list", args=["meti-eul"])
    everywhere = client.get(url, {"q": "university"}).context["page"].paginator.count
    iran = client.get(url, {"q": "university", "country": "IR"}).context["page"]
    assert 0 < iran.paginator.count < everywhere
    assert {e.country for e in iran.object_list} == {"IR"}
    only_country = client.get(url, {"country": "KP"}).context["page"]
    assert only_country.paginator.count == 154


def test_public_search_without_match_shows_the_empty_state(client, published):
    response = client.get(
        reverse("partners:public_list", args=["meti-eul"]), {"q": "zzzz no such name"}
    )
    assert response.context["page"].paginator.count == 0
    assert "No entry matches" in text(response)


def test_an_unknown_country_filter_is_ignored(client, published):
    response = client.get(reverse("partners:public_list", args=["meti-eul"]), {"country": "XX"})
    assert response.context["country"] == ""
    assert response.context["page"].paginator.count == 835


def test_public_entry_page(client, published):
    entry = published.entries.get(name="MINISTRY OF ROCKET INDUSTRY")
    response = client.get(reverse("partners:public_entry", args=["meti-eul", entry.number]))
    assert response.status_code == 200
    page = text(response)
    assert "ロケット産業省" in page
    assert entry.country_label in page
    for alias in entry.aliases:
        assert alias in page
    for code in entry.concern_codes:
        assert code in page
    assert "2025-09-29" in page


def test_public_pages_of_an_unpublished_source_are_404(client, db):
    import_eul(EUL_2025_01, None)
    assert client.get(reverse("partners:public_list", args=["meti-eul"])).status_code == 404
    assert client.get(reverse("partners:public_list", args=["no-such"])).status_code == 404
    assert client.get(reverse("partners:public_entry", args=["meti-eul", 1])).status_code == 404


def test_public_entry_of_a_number_not_in_force_is_404(client, published):
    url = reverse("partners:public_entry", args=["meti-eul", 9999])
    assert client.get(url).status_code == 404


# --- safe publication: the confirmation step below the diff, rollbacks, four eyes --------------


def test_the_publication_step_follows_the_diff_and_states_the_counts(client, manager):
    _old, new = published_pair(manager)
    html = client.get(reverse("partners:version", args=[new.public_id])).content.decode()
    assert (
        html.index('id="diff"') < html.index('id="publication"') < html.index('id="publish-button"')
    )
    assert 'id="publish-button"' not in html[: html.index('id="diff"')]
    step = html[html.index('id="publication"') :]
    counts = dict(re.findall(r'data-publication-count="(\w+)">(\d+)<', step))
    assert counts == {
        "added": "93",
        "removed": "6",
        "changed": "186",
        "concern_changed": "3",
        "cw_changed": "170",
    }
    page = text(client.get(reverse("partners:version", args=[new.public_id])))
    assert "it takes two list managers" in page
    assert "Propose the publication" in page


def test_the_proposer_sees_no_confirm_button_and_a_second_manager_does(client, manager):
    _old, new = published_pair(manager)
    client.post(reverse("partners:publish", args=[new.public_id]))
    html = client.get(reverse("partners:version", args=[new.public_id])).content.decode()
    assert 'id="publish-button"' not in html
    assert 'id="publication-waiting"' in html
    client.force_login(UserFactory(roles=[Role.LIST_MANAGER]))
    page = text(client.get(reverse("partners:version", args=[new.public_id])))
    assert "Confirm the publication" in page
    assert f"Proposed by {manager.full_name}" in page


def test_the_proposer_confirming_through_the_page_is_refused(client, manager):
    old, new = published_pair(manager)
    client.post(reverse("partners:publish", args=[new.public_id]))
    before = snapshot()
    response = client.post(reverse("partners:publish", args=[new.public_id]), follow=True)
    assert "a second list manager must confirm it" in text(response)
    assert snapshot() == before
    old.refresh_from_db()
    assert old.status == "published"


def older_over_newer(actor):
    """2025-09-29 in force, 2025-01-31 as a draft: the rollback of issue 17."""
    current = list_version_publish(version=import_eul(EUL_2025_09, actor), actor=actor)
    return current, import_eul(EUL_2025_01, actor)


def test_an_older_revision_is_refused_through_the_page(client, manager):
    current, older = older_over_newer(manager)
    page = text(client.get(reverse("partners:version", args=[older.public_id])))
    assert "Revision 2025-01-31 is older than revision 2025-09-29 now in force" in page
    before = snapshot()
    response = client.post(reverse("partners:publish", args=[older.public_id]), follow=True)
    assert "Publishing it is refused unless it is declared a rollback with a reason" in text(
        response
    )
    assert snapshot() == before
    current.refresh_from_db()
    assert current.status == "published"


def test_a_rollback_through_the_page_takes_a_reason_and_a_second_manager(client, manager):
    current, older = older_over_newer(manager)
    html = client.get(reverse("partners:version", args=[older.public_id])).content.decode()
    assert 'name="rollback_reason"' in html
    client.post(
        reverse("partners:publish", args=[older.public_id]),
        {"rollback_reason": "The 2025-09-29 file was withdrawn."},
    )
    older.refresh_from_db()
    assert (older.status, older.rollback_reason) == ("draft", "The 2025-09-29 file was withdrawn.")
    second = UserFactory(roles=[Role.LIST_MANAGER])
    client.force_login(second)
    page = text(client.get(reverse("partners:version", args=[older.public_id])))
    assert "Reason for the rollback: “The 2025-09-29 file was withdrawn.”" in page or (
        "The 2025-09-29 file was withdrawn." in page
    )
    client.post(reverse("partners:publish", args=[older.public_id]))
    current.refresh_from_db()
    older.refresh_from_db()
    assert (current.status, older.status, older.published_by) == (
        "superseded",
        "published",
        second,
    )


def test_labels_are_the_same_from_the_command_and_the_browser(
    client, manager, post_import, tmp_path
):
    from io import StringIO

    from django.core.management import call_command

    post_import({"source": "meti-eul", "eul_file": upload(EUL_2025_09), "issued_on": ""})
    browser = ListVersion.objects.get()
    list_version_discard(version=browser, actor=manager)
    call_command("import_list", str(EUL_2025_09), "--source", "meti-eul", stdout=StringIO())
    command = ListVersion.objects.exclude(pk=browser.pk).get()
    assert (browser.label, browser.issued_on) == (command.label, command.issued_on)
    assert command.label == "2025-09-29"
