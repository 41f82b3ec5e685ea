"""Import, publish and discard list versions: what is written, what is refused, what is audited."""

import datetime
import hashlib
import io

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from exportctl.audit.models import AuditEvent
from partners.models import ListedEntry, ListSource, ListVersion, ListVersionStatus
from partners.services import (
    ListImportError,
    ListPublicationRefused,
    ListVersionStateError,
    list_version_discard,
    list_version_import,
    list_version_publish,
)
from tests.partners.conftest import EUL_2025_01, EUL_2025_09, OFAC_DIR, good_row


@pytest.fixture(autouse=True)
def english():
    """The refusals below are read in English; their Japanese is checked on its own."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def import_eul(path, actor=None, **kwargs):
    return list_version_import(
        source_code="meti-eul", file=path, file_name=path.name, actor=actor, **kwargs
    )


def snapshot():
    """Everything a refused action must leave as it was."""
    return (
        list(
            ListVersion.objects.order_by("pk").values_list(
                "pk", "status", "published_at", "published_by", "updated_at"
            )
        ),
        ListedEntry.objects.count(),
        ListSource.objects.count(),
        AuditEvent.objects.count(),
    )


# --- import ---------------------------------------------------------------------------------------


def test_import_writes_a_draft_with_all_entries_and_an_audit_event(list_manager):
    version = import_eul(
        EUL_2025_09,
        actor=list_manager,
        label="2025-09-29 revision",
        issued_on=datetime.date(2025, 9, 29),
    )

    version.refresh_from_db()
    assert version.status == ListVersionStatus.DRAFT
    assert version.label == "2025-09-29 revision"
    assert version.issued_on == datetime.date(2025, 9, 29)
    assert version.file_name == "20250929_4.xlsx"
    assert version.file_sha256 == hashlib.sha256(EUL_2025_09.read_bytes()).hexdigest()
    assert version.entry_count == 835
    assert version.imported_by == list_manager
    assert version.published_at is None
    assert version.entries.count() == 835

    source = version.source
    assert (source.code, source.name, source.authority, source.advisory) == (
        "meti-eul",
        "METI End User List (外国ユーザーリスト)",
        "Ministry of Economy, Trade and Industry",
        False,
    )

    library = version.entries.get(number=414)
    assert (library.name, library.local_name, library.country) == (
        "Pyongyang Public Library",
        "平壌市図書館",
        "KP",
    )
    assert library.concern_codes == ["B", "C", "M", "N"]
    assert library.conventional_weapons is False
    assert len(library.row_hash) == 64
    al_qaida = version.entries.get(number=1)
    assert al_qaida.concern_codes == ["B", "C", "M", "N"]
    assert al_qaida.conventional_weapons is True
    assert al_qaida.aliases[:3] == ["Al Qaeda", "Islamic Salvation Foundation", "The Base"]

    (event,) = AuditEvent.objects.all()
    assert event.action == "list_version.import"
    assert event.actor == list_manager
    assert event.object_type == "partners.listversion"
    assert event.object_id == str(version.public_id)
    assert event.data == {
        "source": "meti-eul",
        "label": "2025-09-29 revision",
        "file_name": "20250929_4.xlsx",
        "file_sha256": version.file_sha256,
        "entry_count": 835,
        "issued_on": "2025-09-29",
        "applies_from": "2025-09-29",
    }


def test_import_label_is_the_revision_date_of_the_file_name_and_accepts_an_upload(list_manager):
    upload = io.BytesIO(EUL_2025_01.read_bytes())
    version = list_version_import(
        source_code="meti-eul", file=upload, file_name="20250131.xlsx", actor=list_manager
    )
    assert version.label == "2025-01-31"
    assert version.issued_on == datetime.date(2025, 1, 31)
    assert version.entry_count == 748
    assert version.file_sha256 == hashlib.sha256(EUL_2025_01.read_bytes()).hexdigest()


def test_import_by_the_system_has_no_user():
    version = import_eul(EUL_2025_01)
    assert version.imported_by is None
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_label) == (None, "system")


def test_malformed_file_writes_nothing_and_lists_every_problem(make_workbook, list_manager):
    import_eul(EUL_2025_01)  # something already there must stay as it is
    before = snapshot()
    path = make_workbook(
        [
            good_row("Fine Co."),
            ["=ROW()-1", "Atlantis", "Bad Country Co.", None, "核\nN", None],
            ["=ROW()-1", "イラン\nIran", "", None, "核\nN", None],
            ["=ROW()-1", "イラン\nIran", "Bad Code Co.", None, "核\nQ", None],
            [2, "イラン\nIran", "Twin Co.", None, "核\nN", None],
        ]
    )
    with pytest.raises(ListImportError) as refused:
        import_eul(path, actor=list_manager)
    assert [str(p) for p in refused.value.problems] == [
        "row 3, column B: unknown country or region 'Atlantis'",
        "row 4, column C: the name is empty",
        "row 5, column E: unknown concern code 'Q' (expected B, C, M or N)",
        "row 6, column A: number 2 is used twice (first in row 3)",
    ]
    assert snapshot() == before


def test_missing_column_writes_nothing(make_workbook, list_manager):
    path = make_workbook(
        [["=ROW()-1", "イラン\nIran", "A Co.", "・A", None]],
        header=[
            "No.",
            "Country or Region",
            "Company or Organization",
            "Also Known As",
            "Conventional Weapons",
        ],
    )
    with pytest.raises(ListImportError) as refused:
        import_eul(path, actor=list_manager)
    assert [str(p) for p in refused.value.problems] == [
        "row 1, column -: missing column '懸念区分 / Type of WMD'",
    ]
    assert snapshot() == ([], 0, 0, 0)


def test_non_xlsx_file_writes_nothing(tmp_path, list_manager):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"%PDF-1.7 not a workbook")
    with pytest.raises(ListImportError) as refused:
        import_eul(path, actor=list_manager)
    assert [str(p) for p in refused.value.problems] == [
        "row -, column -: the file is not an Excel workbook (.xlsx)",
    ]
    assert snapshot() == ([], 0, 0, 0)


def test_the_same_file_twice_is_refused(list_manager):
    first = import_eul(EUL_2025_01, actor=list_manager)
    before = snapshot()
    with pytest.raises(ListImportError) as refused:
        import_eul(EUL_2025_01, actor=list_manager)
    assert [str(p) for p in refused.value.problems] == [
        "row -, column -: this file was already imported as version '2025-01-31' (draft)",
    ]
    assert snapshot() == before
    # Once the draft is discarded the file may be imported again.
    list_version_discard(version=first, actor=list_manager)
    assert import_eul(EUL_2025_01, actor=list_manager).status == ListVersionStatus.DRAFT


def test_ofac_import(list_manager):
    version = list_version_import(
        source_code="ofac-sdn",
        file=OFAC_DIR,
        file_name="ofac-sdn-2021",
        actor=list_manager,
        label="SDN 2021",
    )
    assert version.entry_count == 8976
    assert version.entries.count() == 8976
    assert version.file_sha256 and len(version.file_sha256) == 64
    source = version.source
    assert (source.code, source.name, source.advisory) == ("ofac-sdn", "OFAC SDN list", True)
    bank = version.entries.get(number=306)
    assert (bank.name, bank.kind, bank.country) == ("BANCO NACIONAL DE CUBA", "organization", "CH")
    assert bank.aliases == ["NATIONAL BANK OF CUBA"]
    assert version.entries.filter(kind="person").count() == 4620
    assert AuditEvent.objects.get().data["entry_count"] == 8976


# --- publish ------------------------------------------------------------------------------------


def test_publish_first_version(list_manager):
    version = import_eul(EUL_2025_01, actor=list_manager)
    published = list_version_publish(version=version, actor=list_manager)

    version.refresh_from_db()
    assert version.status == ListVersionStatus.PUBLISHED
    assert version.published_by == list_manager
    assert version.published_at is not None
    assert published.superseded is None
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "list_version.publish"
    assert event.actor == list_manager
    assert event.object_id == str(version.public_id)
    assert event.data == {
        "source": "meti-eul",
        "label": "2025-01-31",
        "issued_on": "2025-01-31",
        "applies_from": "2025-01-31",
        "file_sha256": version.file_sha256,
        "entry_count": 748,
        "supersedes": None,
        "diff": {"added": 748, "removed": 0, "changed": 0, "unchanged": 0, "net": 748},
        "counts": {
            "added": 748,
            "removed": 0,
            "changed": 0,
            "concern_changed": 0,
            "cw_changed": 0,
        },
        "rollback": False,
        "rollback_reason": "",
        "proposed_by": None,
    }


def test_publish_supersedes_the_previous_version(list_manager, second_list_manager):
    old = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    new = import_eul(EUL_2025_09, actor=list_manager)
    # 2025-09-29 removes six entries of 2025-01-31: proposed by one, confirmed by another.
    list_version_publish(version=new, actor=list_manager)
    events_before = AuditEvent.objects.count()

    published = list_version_publish(version=new, actor=second_list_manager)

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == ListVersionStatus.SUPERSEDED
    assert new.status == ListVersionStatus.PUBLISHED
    assert published.superseded == old
    assert ListVersion.objects.filter(status=ListVersionStatus.PUBLISHED).get() == new
    supersede, publish = AuditEvent.objects.filter(seq__gt=events_before).order_by("seq")
    assert (supersede.action, supersede.object_id) == ("list_version.supersede", str(old.public_id))
    assert supersede.data == {
        "source": "meti-eul",
        "label": "2025-01-31",
        "superseded_by": str(new.public_id),
    }
    assert (publish.action, publish.object_id) == ("list_version.publish", str(new.public_id))
    assert publish.data["supersedes"] == str(old.public_id)
    assert publish.data["diff"] == {
        "added": 93,
        "removed": 6,
        "changed": 186,
        "unchanged": 556,
        "net": 87,
    }


def test_publish_of_one_source_leaves_the_other_alone(list_manager, small_ofac_dir):
    eul = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    ofac = list_version_import(
        source_code="ofac-sdn", file=small_ofac_dir, file_name="ofac", actor=list_manager
    )
    list_version_publish(version=ofac, actor=list_manager)
    eul.refresh_from_db()
    assert eul.status == ListVersionStatus.PUBLISHED


@pytest.mark.parametrize("status", ["published", "superseded", "discarded"])
def test_publishing_a_non_draft_is_refused_and_changes_nothing(
    list_manager, second_list_manager, status
):
    first = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    version = first
    if status == "superseded":
        newer = list_version_publish(version=import_eul(EUL_2025_09), actor=list_manager)
        list_version_publish(version=newer, actor=second_list_manager)
    if status == "discarded":
        version = import_eul(EUL_2025_09, actor=list_manager)
        list_version_discard(version=version, actor=list_manager)
    before = snapshot()
    with pytest.raises(
        ListVersionStateError,
        match=f"only a draft can be published; version '{version.label}' is {status}",
    ):
        list_version_publish(version=version, actor=list_manager)
    assert snapshot() == before


def test_publish_queues_the_rescreen_only_after_commit(
    list_manager, django_capture_on_commit_callbacks, monkeypatch
):
    from screening import tasks

    queued = []
    monkeypatch.setattr(tasks.rescreen_after_publication, "delay", queued.append)
    new = import_eul(EUL_2025_09)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        list_version_publish(version=new, actor=list_manager)
    assert queued == []  # not before the commit
    assert len(callbacks) >= 1  # the re-screen first (then the audit checkpoint)
    callbacks[0]()
    assert queued == [new.pk]


def test_publish_queues_nothing_when_it_is_refused(
    list_manager, django_capture_on_commit_callbacks
):
    version = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ListVersionStateError),
    ):
        list_version_publish(version=version, actor=list_manager)
    assert callbacks == []


def test_database_refuses_two_published_versions_of_one_source(list_manager):
    one = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    two = import_eul(EUL_2025_09)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListVersion.objects.filter(pk=two.pk).update(
            status=ListVersionStatus.PUBLISHED, published_at=timezone.now()
        )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (ListVersionStatus.PUBLISHED, ListVersionStatus.DRAFT)


# --- discard ------------------------------------------------------------------------------------


def test_discard_a_draft(list_manager):
    version = import_eul(EUL_2025_01, actor=list_manager)
    list_version_discard(version=version, actor=list_manager)
    version.refresh_from_db()
    assert version.status == ListVersionStatus.DISCARDED
    assert version.entries.count() == 748  # kept for the record
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor, event.object_id) == (
        "list_version.discard",
        list_manager,
        str(version.public_id),
    )
    assert event.data == {"source": "meti-eul", "label": "2025-01-31"}


def test_discarding_a_published_version_is_refused(list_manager):
    version = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    before = snapshot()
    with pytest.raises(
        ListVersionStateError,
        match="only a draft can be discarded; version '2025-01-31' is published",
    ):
        list_version_discard(version=version, actor=list_manager)
    assert snapshot() == before


# --- safe publication: revision dates, rollbacks and four eyes --------------------------------


def publication_events():
    return list(
        AuditEvent.objects.filter(
            action__in=["list_version.publish", "list_version.propose_publication"]
        ).values_list("action", flat=True)
    )


@pytest.fixture
def september_in_force(list_manager, second_list_manager):
    """The 2025-09-29 revision in force, and the 2025-01-31 file imported as a draft."""
    current = list_version_publish(version=import_eul(EUL_2025_09), actor=list_manager)
    older = import_eul(EUL_2025_01, actor=list_manager)
    return current, older


def test_an_undated_end_user_list_file_is_refused(list_manager, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(EUL_2025_01.read_bytes())
    with pytest.raises(ListImportError, match="problem") as refused:
        import_eul(path, actor=list_manager)
    assert "the revision date is not in the file name 'list.xlsx'" in str(refused.value.problems[0])
    assert ListVersion.objects.count() == 0
    dated = import_eul(path, actor=list_manager, issued_on=datetime.date(2025, 1, 31))
    assert (dated.label, dated.issued_on) == ("2025-01-31", datetime.date(2025, 1, 31))


def test_publishing_an_older_revision_is_refused_and_nothing_changes(september_in_force):
    current, older = september_in_force
    manager = older.imported_by
    before = snapshot()
    events = publication_events()
    with pytest.raises(ListPublicationRefused) as refused:
        list_version_publish(version=older, actor=manager)
    assert str(refused.value) == (
        "Revision 2025-01-31 is older than revision 2025-09-29 now in force. Publishing it is "
        "refused unless it is declared a rollback with a reason."
    )
    assert snapshot() == before
    assert publication_events() == events
    current.refresh_from_db()
    older.refresh_from_db()
    assert (current.status, older.status) == ("published", "draft")
    assert older.publication_proposed_at is None


def test_a_declared_rollback_needs_a_reason_and_a_second_list_manager(
    september_in_force, second_list_manager
):
    current, older = september_in_force
    manager = older.imported_by
    with pytest.raises(ListPublicationRefused):
        list_version_publish(version=older, actor=manager, rollback_reason="   ")

    proposed = list_version_publish(
        version=older, actor=manager, rollback_reason="The 2025-09-29 file was corrupt."
    )
    assert proposed.awaiting_confirmation is True
    current.refresh_from_db()
    older.refresh_from_db()
    assert (current.status, older.status) == ("published", "draft")
    assert older.publication_proposed_by == manager
    assert older.rollback_reason == "The 2025-09-29 file was corrupt."
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor) == ("list_version.propose_publication", manager)
    assert event.data["rollback"] is True
    assert event.data["counts"]["removed"] == 93
    assert event.data["rollback_reason"] == "The 2025-09-29 file was corrupt."

    # The proposer cannot confirm it; nothing changes.
    before = snapshot()
    with pytest.raises(ListPublicationRefused, match="a second list manager must confirm"):
        list_version_publish(version=older, actor=manager)
    assert snapshot() == before

    published = list_version_publish(version=older, actor=second_list_manager)
    current.refresh_from_db()
    older.refresh_from_db()
    assert (current.status, older.status) == ("superseded", "published")
    assert published.superseded == current
    assert older.published_by == second_list_manager
    event = AuditEvent.objects.filter(action="list_version.publish").order_by("-seq").first()
    assert event.actor == second_list_manager
    assert event.data["rollback"] is True
    assert event.data["rollback_reason"] == "The 2025-09-29 file was corrupt."
    assert event.data["proposed_by"] == manager.email
    assert event.data["counts"] == {
        "added": 6,
        "removed": 93,
        "changed": 186,
        "concern_changed": 3,
        "cw_changed": 170,
    }


def test_a_publication_that_removes_entries_needs_a_second_list_manager(
    list_manager, second_list_manager
):
    old = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    new = import_eul(EUL_2025_09, actor=list_manager)

    proposed = list_version_publish(version=new, actor=list_manager)
    assert proposed.awaiting_confirmation is True
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("published", "draft")
    assert publication_events() == ["list_version.publish", "list_version.propose_publication"]

    before = snapshot()
    with pytest.raises(ListPublicationRefused, match="a second list manager must confirm"):
        list_version_publish(version=new, actor=list_manager)
    assert snapshot() == before

    list_version_publish(version=new, actor=second_list_manager)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "published")


def test_only_a_list_manager_confirms_a_proposal(list_manager, second_list_manager):
    from tests.factories import UserFactory

    list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    new = import_eul(EUL_2025_09)
    list_version_publish(version=new, actor=list_manager)  # proposed: it removes entries
    auditor = UserFactory(roles=["auditor"])
    before = snapshot()
    for actor in (None, auditor):
        with pytest.raises(ListPublicationRefused, match="Only a list manager can confirm"):
            list_version_publish(version=new, actor=actor)
    assert snapshot() == before
    list_version_publish(version=new, actor=second_list_manager)
    new.refresh_from_db()
    assert new.status == "published"


def test_nobody_but_a_list_manager_proposes_a_publication_that_removes_entries(list_manager):
    """Four eyes are two named list managers: a proposal by the system (``import_list``
    without ``--by``) would let a single list manager publish alone."""
    from tests.factories import UserFactory

    list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    new = import_eul(EUL_2025_09)
    before = snapshot()
    for actor in (None, UserFactory(roles=["auditor"])):
        with pytest.raises(ListPublicationRefused, match="a list manager must propose"):
            list_version_publish(version=new, actor=actor)
    assert snapshot() == before
    new.refresh_from_db()
    assert new.publication_proposed_at is None


def test_a_proposal_made_against_another_version_in_force_is_made_afresh(
    list_manager, second_list_manager
):
    first = list_version_publish(version=import_eul(EUL_2025_01), actor=list_manager)
    new = import_eul(EUL_2025_09)
    list_version_publish(version=new, actor=list_manager)
    # Meanwhile the list in force changes (e.g. a correction of 2025-01-31 itself).
    ListVersion.objects.filter(pk=first.pk).update(status=ListVersionStatus.SUPERSEDED)
    other = ListVersion.objects.create(
        source=first.source,
        label="2025-01-31 (correction)",
        issued_on=datetime.date(2025, 1, 31),
        status=ListVersionStatus.PUBLISHED,
        published_at=timezone.now(),
        entry_count=first.entry_count,
    )
    entries = list(first.entries.all())
    for entry in entries:
        entry.pk, entry.version = None, other
    ListedEntry.objects.bulk_create(entries)
    again = list_version_publish(version=new, actor=second_list_manager)
    assert again.awaiting_confirmation is True
    new.refresh_from_db()
    assert (new.status, new.publication_proposed_by, new.publication_proposed_over) == (
        "draft",
        second_list_manager,
        other,
    )


def test_a_publication_that_removes_nothing_needs_one_list_manager(list_manager, make_workbook):
    old = list_version_publish(
        version=import_eul(make_workbook([good_row("Alpha Co.")])), actor=list_manager
    )
    new = import_eul(make_workbook([good_row("Alpha Co."), good_row("Beta Co.")]))
    published = list_version_publish(version=new, actor=list_manager)
    assert published.awaiting_confirmation is False
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "published")
    assert (old.label, new.label) == ("2025-01-01", "2025-01-02")
    assert AuditEvent.objects.filter(action="list_version.propose_publication").count() == 0


def test_a_refusal_reads_in_the_reader_s_language(list_manager):
    list_version_publish(version=import_eul(EUL_2025_09), actor=list_manager)
    older = import_eul(EUL_2025_01)
    with translation.override("ja"), pytest.raises(ListPublicationRefused) as refused:
        list_version_publish(version=older, actor=list_manager)
    assert str(refused.value) == (
        "2025-01-31 版は、現在適用中の 2025-09-29 版より古い版です。"
        "理由を付して差戻しとして申告しない限り、公表することはできません。"
    )
