"""Each revision carries the date the ministry applies it from (``applies_from``, stored as
``ListVersion.effective_from``), separate from its publication here; screening uses the revision
in force on its day, so a revision that applies from a later date is published but not used for
screening until then (issue 22, part 4)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exportctl.audit.models import AuditEvent
from partners.models import ListVersionStatus
from partners.selectors import in_force_version
from partners.services import list_version_import, list_version_publish
from screening import index_cache
from screening.runs.store import published_eul_id
from screening.selectors import unstarted_rescreen_version_ids
from tests.partners.conftest import good_row

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def _import(path, actor, **kwargs):
    return list_version_import(
        source_code="meti-eul", file=path, file_name=path.name, actor=actor, **kwargs
    )


@pytest.fixture(autouse=True)
def _fresh_index():
    index_cache.clear()
    yield
    index_cache.clear()


@pytest.fixture
def two_revisions(make_workbook, list_manager, django_capture_on_commit_callbacks):
    """The first revision in force; the second (one entry more) published today with a date of
    application tomorrow."""
    first = _import(make_workbook([good_row("Alpha Trading Co.")]), list_manager)
    with django_capture_on_commit_callbacks(execute=True):
        list_version_publish(version=first, actor=list_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    second = _import(
        make_workbook([good_row("Alpha Trading Co."), good_row("Beta Trading Co.")]),
        list_manager,
        effective_from=tomorrow,
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        list_version_publish(version=second, actor=list_manager)
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second, callbacks


def test_applies_from_defaults_to_the_revision_date(make_workbook, list_manager):
    version = _import(make_workbook([good_row()]), list_manager)
    assert version.issued_on is not None
    assert version.effective_from == version.issued_on == version.applies_from
    event = AuditEvent.objects.get(action="list_version.import")
    assert event.data["applies_from"] == version.issued_on.isoformat()


def test_applies_from_given_at_upload_is_kept(make_workbook, list_manager):
    given = datetime.date(2025, 10, 9)
    version = _import(make_workbook([good_row()]), list_manager, effective_from=given)
    assert (version.issued_on, version.effective_from) == (datetime.date(2025, 1, 1), given)


def test_a_revision_applying_tomorrow_is_published_but_not_used_for_screening(two_revisions):
    first, second, callbacks = two_revisions
    assert (first.status, second.status) == (
        ListVersionStatus.SUPERSEDED,
        ListVersionStatus.PUBLISHED,
    )
    # Screening today still uses the first revision: the index, the run key, the self-check.
    assert in_force_version("meti-eul") == first
    assert published_eul_id() == first.pk
    assert [v.pk for v in index_cache.published_versions()] == [first.pk]
    assert index_cache.published_lists().eul.version_id == first.pk
    # No re-screen is queued at publication, and the sweep of re-screens never started leaves
    # it alone until its date.
    assert not any("rescreen" in repr(c) for c in callbacks)
    later = timezone.now() + datetime.timedelta(hours=1)
    assert second.pk not in unstarted_rescreen_version_ids(published_before=later)
    # From its date on, it is the one in force, and its re-screen is started by the sweep.
    assert in_force_version("meti-eul", on=second.effective_from) == second
    type(second).objects.filter(pk=second.pk).update(effective_from=timezone.localdate())
    assert in_force_version("meti-eul") == second
    assert published_eul_id() == second.pk
    assert second.pk in unstarted_rescreen_version_ids(published_before=later)


def test_a_revision_applying_today_is_used_at_once(
    make_workbook, list_manager, django_capture_on_commit_callbacks
):
    version = _import(
        make_workbook([good_row()]), list_manager, effective_from=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        list_version_publish(version=version, actor=list_manager)
    assert published_eul_id() == version.pk
    assert any("rescreen" in repr(c) for c in callbacks)


def test_the_public_pages_say_when_a_revision_applies(client, two_revisions):
    first, second, _ = two_revisions
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("partners:public_list", args=["meti-eul"])).content.decode()
    assert 'id="applies-from" data-future="true"' in html
    assert f"until that date, screening uses revision {first.label}" in html
    index = client.get(reverse("partners:public_index")).content.decode()
    assert "Published here but not yet applied" in index
    type(second).objects.filter(pk=second.pk).update(effective_from=datetime.date(2025, 10, 9))
    html = client.get(reverse("partners:public_list", args=["meti-eul"])).content.decode()
    assert "In force since" in html
    assert '<time datetime="2025-10-09">' in html
    assert "not yet applied" not in html


def test_import_list_takes_the_date_of_application(make_workbook):
    from django.core.management import call_command

    from partners.models import ListVersion

    path = make_workbook([good_row()])
    call_command("import_list", str(path), "--source", "meti-eul", "--applies-from", "2025-10-09")
    version = ListVersion.objects.get()
    assert (version.issued_on, version.effective_from) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 10, 9),
    )


def test_the_list_managers_page_shows_the_date_of_application(client, make_workbook, list_manager):
    version = _import(
        make_workbook([good_row()]), list_manager, effective_from=datetime.date(2025, 10, 9)
    )
    client.force_login(list_manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("partners:version", args=[version.public_id])).content.decode()
    assert '<dd id="version-applies-from">Oct. 9, 2025</dd>' in html
