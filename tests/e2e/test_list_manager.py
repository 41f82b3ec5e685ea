"""The list manager's journey in Chromium: upload the End User List of 2025-01 and publish it,
upload the 2025-09 revision, read the diff, propose its publication in the step below the diff
(it removes entries), have a second list manager confirm it and watch the re-screen reach
100 %. Then an older revision refused, a malformed file, and the public pages.

Assertions are language-neutral (ids, data attributes, the lists' own names and numbers): the
browser asks for Japanese, the portal's default."""

import re

import pytest
from playwright.sync_api import expect

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.workflow import Status
from partners.models import ListImportJob, ListImportJobStatus, ListVersion, ListVersionStatus
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory, submitted_at
from tests.partners.conftest import EUL_2025_01, EUL_2025_09

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def list_manager():
    return UserFactory(email="lists@meti.example.jp", roles=[Role.LIST_MANAGER])


@pytest.fixture
def second_list_manager():
    return UserFactory(email="lists2@meti.example.jp", roles=[Role.LIST_MANAGER])


def upload_eul(page, path) -> None:
    page.goto("/lists/manage/import/")
    expect(page.locator("#id_source_0")).to_be_checked()
    # lists.js shows only the chosen source's file fields.
    expect(page.locator("[data-source='ofac-sdn']")).to_be_hidden()
    page.locator("#id_eul_file").set_input_files(str(path))
    with page.expect_navigation():
        page.locator("#import-button").click()


def publication_step(page):
    """The publication step, below the diff, with its counts."""
    step = page.locator("#publication")
    expect(step).to_be_visible()
    # The step comes after the diff on the page: the button is read last.
    assert page.evaluate(
        "document.querySelector('#diff').compareDocumentPosition("
        "document.querySelector('#publish-button')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    return step


def publish(page) -> None:
    publication_step(page)
    with page.expect_navigation():
        page.locator("#publish-button").click()
    expect(page.locator("#version-status")).to_have_class(re.compile(r"tag--published"))


def test_import_diff_publish_and_rescreen_progress(
    page, live_server, list_manager, second_list_manager
):
    cases = [submitted_at(Status.CLEARED, destination_country="US") for _ in range(3)]
    sign_in(page, live_server, list_manager.email, PASSWORD)

    page.goto("/lists/manage/")
    expect(page.locator("#import-link")).to_be_visible()

    # 2025-01: the first version of the list, all added; publish it. The upload is an import
    # job run in-process here (no REDIS_URL): its page goes straight on to the draft.
    upload_eul(page, EUL_2025_01)
    job = ListImportJob.objects.get()
    assert (job.status, job.requested_by) == (ListImportJobStatus.SUCCEEDED, list_manager)
    expect(page).to_have_url(re.compile(rf"/lists/manage/{job.version.public_id}/$"))
    expect(page.locator("#version-status")).to_have_class(re.compile(r"tag--draft"))
    expect(page.locator("#version-entry-count")).to_have_text("748")
    expect(page.locator("[data-count='added']")).to_have_text("748")
    expect(page.locator("[data-publication-count='added']")).to_have_text("748")
    expect(page.locator("[data-publication-count='removed']")).to_have_text("0")
    publish(page)
    expect(page.locator(".rescreen__percent")).to_have_attribute("data-percent", "100")
    expect(page.locator("#rescreen-bar")).to_have_attribute("max", str(len(cases)))
    expect(page.locator("#rescreen-bar")).to_have_attribute("value", str(len(cases)))

    # 2025-09: the diff against 2025-01 in force.
    upload_eul(page, EUL_2025_09)
    expect(page.locator("#version-entry-count")).to_have_text("835")
    expect(page.locator("[data-count='added']")).to_have_text("93")
    expect(page.locator("[data-count='removed']")).to_have_text("6")
    expect(page.locator("[data-count='changed']")).to_have_text("186")
    expect(page.locator("[data-count='unchanged']")).to_have_text("556")
    changed = page.locator("#diff-changed")
    expect(changed).to_contain_text("Al Qa'ida/Islamic Army")
    expect(changed.locator("[data-field='conventional_weapons']").first).to_be_visible()

    page.locator(".diff-tabs__link", has_text="(93)").click()
    added = page.locator("#diff-added")
    expect(added).to_contain_text("DIAMOND CASTLE ELECTRONICS TRADING LLC")
    expect(added).to_contain_text("FUTURE TRENDS GOODS WHOLESALERS LLC")

    page.locator(".diff-tabs__link", has_text="(6)").click()
    removed = page.locator("#diff-removed")
    expect(removed).to_contain_text("Sho'a' Aviation")
    expect(removed).to_contain_text("Beijing Starneto Technology Co., Ltd.")

    page.locator(".diff-tabs__link", has_text="(186)").click()
    page.locator(".pagination__link[rel='next']").click()
    page.locator(".pagination__link[rel='next']").click()
    renamed = page.locator("#diff-changed tr", has_text="Northwestern Polytechnical University")
    expect(renamed.locator("[data-field='name'] .diff-del")).to_contain_text(
        "Northwestern Polytechnical University"
    )
    expect(renamed.locator("[data-field='name'] .diff-ins")).to_contain_text(
        "Northwestern Polytechnical University (NPU)"
    )

    # The step below the diff states what the publication does. It removes six entries, so
    # this list manager only proposes it ...
    step = publication_step(page)
    for name, count in {
        "added": "93",
        "removed": "6",
        "changed": "186",
        "concern_changed": "3",
        "cw_changed": "170",
    }.items():
        expect(step.locator(f"[data-publication-count='{name}']")).to_have_text(count)
    expect(step.locator("#publication-four-eyes")).to_be_visible()
    with page.expect_navigation():
        page.locator("#publish-button").click()
    expect(page.locator("#version-status")).to_have_class(re.compile(r"tag--draft"))
    expect(page.locator("#publication-waiting")).to_be_visible()
    expect(page.locator("#publish-button")).to_have_count(0)
    draft_url = page.url
    new = ListVersion.objects.get(label="2025-09-29")
    assert (new.status, new.publication_proposed_by) == ("draft", list_manager)

    # ... and a second list manager, who sees the same diff and counts, confirms it.
    page.context.clear_cookies()
    sign_in(page, live_server, second_list_manager.email, PASSWORD)
    page.goto(draft_url)
    expect(page.locator("[data-count='removed']")).to_have_text("6")
    expect(page.locator("#publication-proposal")).to_contain_text(list_manager.full_name)
    publish(page)
    expect(page.locator(".rescreen__percent")).to_have_attribute("data-percent", "100")
    new.refresh_from_db()
    assert (new.status, new.rescreen_total, new.rescreen_done) == ("published", 3, 3)
    assert new.published_by == second_list_manager
    assert ListVersion.objects.get(label="2025-01-31").status == ListVersionStatus.SUPERSEDED
    assert AuditEvent.objects.filter(action="list_version.publish").count() == 2

    # The panel follows a re-screen still under way and stops polling once it is done.
    ListVersion.objects.filter(pk=new.pk).update(rescreen_done=1, rescreen_finished_at=None)
    page.reload()
    expect(page.locator("#rescreen-progress")).to_have_attribute("data-polling", "true")
    expect(page.locator(".rescreen__percent")).to_have_attribute("data-percent", "33")
    ListVersion.objects.filter(pk=new.pk).update(rescreen_done=3)
    expect(page.locator(".rescreen__percent")).to_have_attribute(
        "data-percent", "100", timeout=10_000
    )
    expect(page.locator("#rescreen-progress")).not_to_have_attribute("data-polling", "true")
    expect(page.locator("#rescreen-bar")).to_have_attribute("value", "3")

    # The version list shows both, with their status.
    page.goto("/lists/manage/")
    rows = page.locator("#list-versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".tag")).to_have_class(re.compile(r"tag--published"))
    expect(rows.nth(1).locator(".tag")).to_have_class(re.compile(r"tag--superseded"))


def test_malformed_file_lists_its_problems_and_imports_nothing(
    page, live_server, list_manager, tmp_path
):
    from openpyxl import Workbook

    from tests.partners.conftest import HEADER, good_row

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "ユーザーリスト"
    sheet.append(HEADER)
    sheet.append(good_row("Fine Co."))
    sheet.append(["=ROW()-1", "Atlantis", "Bad Country Co.", None, "核\nN", None])
    path = tmp_path / "broken.xlsx"
    workbook.save(path)

    sign_in(page, live_server, list_manager.email, PASSWORD)
    page.goto("/lists/manage/import/")
    page.locator("#id_label").fill("my try")
    page.locator("#id_eul_file").set_input_files(str(path))
    with page.expect_navigation():
        page.locator("#import-button").click()

    # The upload led to its import job's page, which lists every problem of the failed job.
    job = ListImportJob.objects.get()
    expect(page).to_have_url(re.compile(rf"/lists/manage/imports/{job.public_id}/$"))
    expect(page.locator("#error-summary")).to_be_focused()
    rows = page.locator("#problems-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("td")).to_have_text(
        ["3", "B", "unknown country or region 'Atlantis'"]
    )
    expect(page.locator("#import-job-label")).to_have_text("my try")
    expect(page.locator("#import-job-state")).to_have_attribute("data-status", "failed")
    expect(page.locator("#import-again")).to_have_attribute("href", "/lists/manage/import/")
    assert ListVersion.objects.count() == 0
    assert job.status == ListImportJobStatus.FAILED


def test_a_queued_import_shows_its_progress_and_goes_on_to_the_draft(
    page, live_server, list_manager
):
    """With a real worker the job is queued first: its page polls until the worker has imported
    the file, then goes on to the draft without a reload."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from partners.services import list_import_job_run

    job = ListImportJob.objects.create(
        source_code="meti-eul",
        file_dir="list-imports/e2e",
        file_name=EUL_2025_01.name,
        file_sha256="",
        requested_by=list_manager,
    )
    default_storage.save("list-imports/e2e/list.xlsx", ContentFile(EUL_2025_01.read_bytes()))
    sign_in(page, live_server, list_manager.email, PASSWORD)
    page.goto(f"/lists/manage/imports/{job.public_id}/")
    expect(page.locator("#import-job-status")).to_have_attribute("data-polling", "true")
    expect(page.locator("#import-job-state")).to_have_attribute("data-status", "queued")

    list_import_job_run(job_id=job.pk)  # what the worker does

    job.refresh_from_db()
    expect(page).to_have_url(re.compile(rf"/lists/manage/{job.version.public_id}/$"))
    expect(page.locator("#version-entry-count")).to_have_text("748")


def test_public_pages_search_in_any_script(page, live_server, list_manager):
    from partners.services import list_version_import, list_version_publish

    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    list_version_publish(version=version, actor=list_manager)

    page.goto("/lists/")
    page.locator(".source-card__title a").first.click()
    page.locator("#id_q").fill("ロケット")
    with page.expect_navigation():
        page.locator("#entry-search button[type=submit]").click()
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("MINISTRY OF ROCKET INDUSTRY")

    page.locator("#id_q").fill("university")
    page.locator("#id_country").select_option("IR")
    with page.expect_navigation():
        page.locator("#entry-search button[type=submit]").click()
    expect(page.locator("#entries")).to_contain_text("Amir Kabir University of Technology")

    page.locator("#entries a", has_text="Amir Kabir University of Technology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amir Kabir University of Technology")
    expect(page.locator("#entry-details")).to_contain_text("Amirkabir University of Technology")
    expect(page.locator("#entry-version")).to_contain_text("2025-09-29")


def test_an_older_revision_is_refused_in_the_browser(page, live_server, list_manager):
    from partners.services import list_version_import, list_version_publish

    current = list_version_publish(
        version=list_version_import(
            source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
        ),
        actor=list_manager,
    )
    sign_in(page, live_server, list_manager.email, PASSWORD)
    upload_eul(page, EUL_2025_01)
    expect(page.locator("#publication-rollback")).to_be_visible()
    expect(page.locator("#rollback-reason")).to_be_visible()
    # Without a reason the browser asks for one; the server refuses it too.
    page.locator("#rollback-reason").evaluate("el => el.removeAttribute('required')")
    with page.expect_navigation():
        page.locator("#publish-button").click()
    expect(page.locator("#version-status")).to_have_class(re.compile(r"tag--draft"))
    expect(page.locator(".messages")).to_contain_text("2025-09-29")
    current.refresh_from_db()
    assert current.status == ListVersionStatus.PUBLISHED
    assert not AuditEvent.objects.filter(action="list_version.propose_publication").exists()
