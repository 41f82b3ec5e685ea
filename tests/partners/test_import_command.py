"""``manage.py import_list``: output, publication, and refusal of a malformed file."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from exportctl.audit.models import AuditEvent
from partners.models import ListedEntry, ListVersion, ListVersionStatus
from tests.partners.conftest import EUL_2025_01, EUL_2025_09, good_row

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english():
    """The command's messages are read in English here, whatever a previous test activated."""
    with translation.override("en"):
        yield


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_list", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_first_import_and_publish():
    out, err = run(
        EUL_2025_01,
        "--source",
        "meti-eul",
        "--publish",
        "--label",
        "2025-01-31",
        "--issued-on",
        "2025-01-31",
    )
    assert out.splitlines() == [
        "Imported 748 entries from 20250131.xlsx as draft version '2025-01-31' of "
        "METI End User List (外国ユーザーリスト).",
        "No version is published yet: every entry is new.",
        "Publication: 748 added, 0 removed, 0 changed; concern codes changed 0, CW flags "
        "changed 0.",
        "Published version '2025-01-31'.",
    ]
    assert err == ""
    version = ListVersion.objects.get()
    assert version.status == ListVersionStatus.PUBLISHED
    assert version.issued_on.isoformat() == "2025-01-31"
    assert version.published_by is None
    assert [(e.action, e.actor_id, e.actor_label) for e in AuditEvent.objects.all()] == [
        ("list_version.import", None, "system"),
        ("list_version.publish", None, "system"),
    ]


@pytest.mark.django_db
def test_second_import_prints_the_diff_and_stays_a_draft():
    run(EUL_2025_01, "--source", "meti-eul", "--publish")
    out, _ = run(EUL_2025_09, "--source", "meti-eul")
    assert out.splitlines() == [
        "Imported 835 entries from 20250929_4.xlsx as draft version '2025-09-29' of "
        "METI End User List (外国ユーザーリスト).",
        "Compared with published version '2025-01-31' (748 entries): 93 added, 6 removed, "
        "186 changed, 556 unchanged; net +87.",
        "Changed fields: name 2, local_name 2, aliases 25, concern_codes 3, "
        "conventional_weapons 170.",
        "Not published: version '2025-09-29' stays a draft.",
    ]
    assert dict(ListVersion.objects.values_list("label", "status")) == {
        "2025-01-31": "published",
        "2025-09-29": "draft",
    }


@pytest.mark.django_db
def test_a_removal_is_proposed_then_confirmed_by_a_second_list_manager(
    list_manager, second_list_manager
):
    run(EUL_2025_01, "--source", "meti-eul", "--publish")
    out, _ = run(
        EUL_2025_09, "--source", "meti-eul", "--publish", "--verbosity", "2", "--by", list_manager
    )
    lines = out.splitlines()
    assert lines[-2:] == [
        "Publication: 93 added, 6 removed, 186 changed; concern codes changed 3, CW flags "
        "changed 170.",
        "Publication of version '2025-09-29' proposed: it removes 6 entries, so a second list "
        "manager must confirm it on the version's page. Version '2025-01-31' stays in force.",
    ]
    assert "  - 608 PK Link Lines Pvt Ltd." in lines
    assert "  + 647 PK Link Lines (Pvt.) Limited" in lines
    assert "  ~ 1→1 Al Qa'ida/Islamic Army: concern_codes, conventional_weapons" in lines
    assert sum(1 for line in lines if line.startswith("  + ")) == 93
    assert dict(ListVersion.objects.values_list("label", "status")) == {
        "2025-01-31": "published",
        "2025-09-29": "draft",
    }
    # The proposer confirming is refused, and nothing changes.
    with pytest.raises(CommandError, match="a second list manager must confirm it"):
        run(EUL_2025_09, "--source", "meti-eul", "--publish", "--by", list_manager)
    assert ListVersion.objects.get(label="2025-09-29").status == "draft"

    out, _ = run(EUL_2025_09, "--source", "meti-eul", "--publish", "--by", second_list_manager)
    assert out.splitlines()[-1] == (
        "Published version '2025-09-29'; version '2025-01-31' is superseded."
    )
    assert dict(ListVersion.objects.values_list("label", "status")) == {
        "2025-01-31": "superseded",
        "2025-09-29": "published",
    }
    publish = AuditEvent.objects.get(action="list_version.publish", actor=second_list_manager)
    assert publish.data["proposed_by"] == list_manager.email


@pytest.mark.django_db
def test_publishing_2025_01_31_over_2025_09_29_is_refused_and_nothing_changes(list_manager):
    """Issue 17: the older revision must not silently replace the one in force."""
    run(EUL_2025_09, "--source", "meti-eul", "--publish")
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError) as refused:
        run(EUL_2025_01, "--source", "meti-eul", "--publish")
    assert str(refused.value) == (
        "Not published: Revision 2025-01-31 is older than revision 2025-09-29 now in force. "
        "Publishing it is refused unless it is declared a rollback with a reason."
    )
    assert dict(ListVersion.objects.values_list("label", "status")) == {
        "2025-09-29": "published",
        "2025-01-31": "draft",
    }
    # Only the import of the draft was recorded: no publication, no proposal.
    assert list(
        AuditEvent.objects.filter(seq__gt=0).order_by("seq").values_list("action", flat=True)
    )[events:] == ["list_version.import"]
    # A declared rollback needs a list manager to propose it (two named people in all) ...
    rollback = ["--rollback-reason", "The 2025-09-29 file was withdrawn."]
    with pytest.raises(CommandError, match="a list manager must propose its publication"):
        run(EUL_2025_01, "--source", "meti-eul", "--publish", *rollback)
    assert ListVersion.objects.get(label="2025-01-31").publication_proposed_at is None
    # ... and is only proposed: the 2025-09-29 revision stays in force.
    out, _ = run(EUL_2025_01, "--source", "meti-eul", "--publish", *rollback, "--by", list_manager)
    assert "is a rollback and removes 93 entries" in out.splitlines()[-1]
    assert ListVersion.objects.get(status="published").label == "2025-09-29"


@pytest.mark.django_db
def test_ofac_directory(small_ofac_dir):
    out, _ = run(small_ofac_dir, "--source", "ofac-sdn", "--publish")
    assert out.splitlines() == [
        "Imported 2 entries from sdn-small as draft version 'sdn-small' of OFAC SDN list.",
        "No version is published yet: every entry is new.",
        "Publication: 2 added, 0 removed, 0 changed; concern codes changed 0, CW flags changed 0.",
        "Published version 'sdn-small'.",
    ]
    version = ListVersion.objects.get()
    assert version.source.advisory is True
    assert [(e.number, e.name, e.kind, e.country, e.aliases) for e in version.entries.all()] == [
        (10, "EXAMPLE SHIPPING CO.", "organization", "IR", ["EXSHIP"]),
        (11, "DOE, John", "person", "", []),
    ]


@pytest.mark.django_db
def test_malformed_file_prints_every_problem_and_imports_nothing(make_workbook):
    path = make_workbook(
        [
            good_row("Fine Co."),
            ["=ROW()-1", "Atlantis", "Bad Country Co.", None, "核\nN", None],
            ["=ROW()-1", "イラン\nIran", None, "・Nameless", "核\nN", None],
            [1, "イラン\nIran", "Twin Co.", None, "核\nN", None],
        ]
    )
    err = StringIO()
    with pytest.raises(CommandError, match=rf"3 problem\(s\) in {path.name}; nothing was imported"):
        call_command(
            "import_list",
            str(path),
            "--source",
            "meti-eul",
            "--publish",
            stdout=StringIO(),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "row 3, column B: unknown country or region 'Atlantis'",
        "row 4, column C: the name is empty",
        "row 5, column A: number 1 is used twice (first in row 2)",
    ]
    assert ListVersion.objects.count() == 0
    assert ListedEntry.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_bad_date_is_refused():
    with pytest.raises(CommandError, match="--issued-on must be a date as YYYY-MM-DD"):
        run(EUL_2025_01, "--source", "meti-eul", "--issued-on", "31/01/2025")
    assert ListVersion.objects.count() == 0


def test_exit_status_is_non_zero_on_problems(tmp_path):
    """The real process: problems go to stderr and the exit status is 1. The file is refused
    before any database access, so the process gets an empty database of its own."""
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_list", "--source", "meti-eul", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "row -, column -: the file is not an Excel workbook (.xlsx)",
        "CommandError: 1 problem(s) in bad.xlsx; nothing was imported.",
    ]
    assert done.stdout == ""
