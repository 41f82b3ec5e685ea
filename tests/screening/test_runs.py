"""The screening runs package (``screening.runs``): its public inner API and where each rule lives.

Its two clients are the single-case service (``screening.services``) and the re-screen batch
(``screening.rescreen``). The guards of a run (run key, stale-run guard, eligibility, new hits)
are ``screening.runs.store``'s alone; the workflow move a run leads to is
``screening.runs.policy.decide``'s, asked by the service and never by the store.
"""

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from notifications import services as notification_services
from notifications.models import QUEUE_STATUSES, Notification, Party
from notifications.workflow import OUTCOME_STATUSES, Move, Procedure, Status
from screening.models import Outcome, RunStatus, ScreeningRun, Trigger
from screening.rescreen import BatchResult, screening_rescreen_batch
from screening.runs import policy, store
from screening.services import screening_run_execute
from tests.factories import ExporterFactory, submitted_at
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

SCREENING = Path(__file__).resolve().parents[2] / "screening"
CLIENTS = ("services.py", "rescreen.py")


def _tree(name: str) -> ast.Module:
    return ast.parse((SCREENING / name).read_text(encoding="utf-8"))


# --- Public names only -----------------------------------------------------------------------


def _private_imports(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [
                f"{node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")
            ]
    return found


def _private_attributes_of_modules(tree: ast.Module) -> list[str]:
    """``module._name`` for every module (or package) imported by name."""
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules |= {alias.asname or alias.name for alias in node.names if alias.name.islower()}
    return [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def test_the_rescreen_batch_imports_no_private_name():
    tree = _tree("rescreen.py")
    assert _private_imports(tree) == []
    assert _private_attributes_of_modules(tree) == []


@pytest.mark.parametrize("name", ["services.py", "rescreen.py", "precheck.py"])
def test_the_runs_clients_import_no_private_name_of_the_runs_package(name):
    assert [n for n in _private_imports(_tree(name)) if n.startswith("screening.")] == []


# --- Each guard in one place -----------------------------------------------------------------


def _names(tree: ast.Module) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }


@pytest.mark.parametrize("name", CLIENTS)
def test_runs_are_keyed_and_written_only_by_the_store(name):
    """The run key (ruleset version, trigger, reference), the run and hit rows and the
    published-list check are ``screening.runs.store``'s: a client that spelled them out again
    would be a second place where a guard must be changed."""
    tree = _tree(name)
    calls = {
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
    }
    assert "RULESET_VERSION" not in _names(tree)
    assert "in_force_version" not in _names(tree)
    assert "ScreeningRun" not in calls
    assert not {c for c in calls if c.startswith("ScreeningRun.objects")}
    assert "PartyHit.objects.bulk_create" not in calls


def test_the_store_decides_no_workflow_move():
    tree = _tree("runs/store.py")
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m and m.startswith("notifications.services")}
    assert "screening.runs.policy" not in imported
    workflow_services = {n for n in dir(notification_services) if n.startswith("notification_")}
    assert workflow_services >= {"notification_clear", "notification_refer", "notification_reopen"}
    assert not _names(tree) & workflow_services


def test_the_policy_reads_and_writes_nothing():
    tree = _tree("runs/policy.py")
    assert not {n for n in _names(tree) if n in {"objects", "save", "transaction", "atomic"}}


def test_a_run_is_stored_only_inside_the_callers_transaction():
    """The move the policy decides must be kept or lost with the run: storing outside a
    transaction is refused before anything is read or written."""
    with pytest.raises(RuntimeError, match=r"inside the caller.s transaction\.atomic\(\)"):
        store.store_run(
            notification_id=1, trigger=Trigger.SUBMISSION, trigger_ref="", computed=None
        )
    with pytest.raises(RuntimeError, match=r"inside the caller.s transaction\.atomic\(\)"):
        store.store_quiet({}, list_version_id=1)


# --- The policy ------------------------------------------------------------------------------


def _computed(outcome: str) -> SimpleNamespace:
    return SimpleNamespace(assessment=SimpleNamespace(outcome=outcome, score=10, level="low"))


def _case(status: str, procedure: str = Procedure.CATCH_ALL) -> SimpleNamespace:
    return SimpleNamespace(status=status, procedure=procedure)


NEW_HIT = [object()]


def test_a_submission_cleared_by_the_rules_is_cleared():
    move = policy.decide(
        computed=_computed(Outcome.CLEARED),
        notification=_case(Status.SCREENING),
        trigger=Trigger.SUBMISSION,
        new_hits=[],
    )
    assert move == Move.CLEAR


def test_a_submission_the_rules_refer_goes_to_a_reviewer():
    move = policy.decide(
        computed=_computed(Outcome.REVIEW),
        notification=_case(Status.SCREENING),
        trigger=Trigger.SUBMISSION,
        new_hits=[],
    )
    assert move == Move.REFER


def test_a_prior_report_is_referred_even_when_the_rules_clear_it():
    move = policy.decide(
        computed=_computed(Outcome.CLEARED),
        notification=_case(Status.SCREENING, Procedure.PRIOR_REPORT),
        trigger=Trigger.SUBMISSION,
        new_hits=[],
    )
    assert move == Move.REFER


@pytest.mark.parametrize("status", sorted(OUTCOME_STATUSES))
@pytest.mark.parametrize("trigger", [Trigger.LIST_PUBLICATION, Trigger.MANUAL])
def test_a_new_hit_reopens_a_cleared_or_approved_case(status, trigger):
    move = policy.decide(
        computed=_computed(Outcome.REVIEW),
        notification=_case(status),
        trigger=trigger,
        new_hits=NEW_HIT,
    )
    assert move == Move.REOPEN


@pytest.mark.parametrize("status", sorted(OUTCOME_STATUSES))
def test_a_rescreen_without_a_new_hit_moves_nothing(status):
    move = policy.decide(
        computed=_computed(Outcome.REVIEW),
        notification=_case(status),
        trigger=Trigger.LIST_PUBLICATION,
        new_hits=[],
    )
    assert move is None


@pytest.mark.parametrize("status", sorted(QUEUE_STATUSES))
def test_a_new_hit_on_a_case_under_review_moves_nothing(status):
    move = policy.decide(
        computed=_computed(Outcome.REVIEW),
        notification=_case(status),
        trigger=Trigger.LIST_PUBLICATION,
        new_hits=NEW_HIT,
    )
    assert move is None


@pytest.mark.parametrize("status", sorted(QUEUE_STATUSES))
def test_the_queue_risk_follows_a_reviewers_rerun_only(status):
    assert policy.risk_follows(notification=_case(status), trigger=Trigger.MANUAL)
    assert not policy.risk_follows(notification=_case(status), trigger=Trigger.LIST_PUBLICATION)
    assert not policy.risk_follows(notification=_case(Status.CLEARED), trigger=Trigger.MANUAL)


# --- One guard, two clients ------------------------------------------------------------------


@pytest.fixture
def eul(db):
    make_tiers()
    return publish_eul(EUL_SAMPLE)


@pytest.fixture
def exporter(db):
    return ExporterFactory()


def _filed(exporter, status):
    notification = submitted_at(
        status, firm=exporter.firm, created_by=exporter, destination_country="US"
    )
    Party.objects.filter(notification=notification).update(
        name="Acme Precision Tools Inc.", country="US"
    )
    return notification


def test_the_stores_eligibility_guard_governs_one_case_and_the_batch(eul, exporter, monkeypatch):
    """Both clients ask the store, under the case's lock, whether the case still wants a run."""
    screening = _filed(exporter, Status.SCREENING)
    cleared = _filed(exporter, Status.CLEARED)
    monkeypatch.setattr(store, "eligible", lambda status, trigger: False)

    assert screening_run_execute(notification_id=screening.pk, trigger=Trigger.SUBMISSION) is None
    assert screening_rescreen_batch(
        notification_ids=[cleared.pk], list_version_id=eul.pk
    ) == BatchResult(done=1, failed=0)

    assert not ScreeningRun.objects.exists()
    assert Notification.objects.get(pk=cleared.pk).status == Status.CLEARED


def test_the_stores_stale_run_guard_governs_one_case_and_the_batch(eul, exporter, monkeypatch):
    """A run computed against another End User List than the one in force is never stored: both
    clients recompute, and give up when the list keeps changing."""
    screening = _filed(exporter, Status.SCREENING)
    cleared = _filed(exporter, Status.CLEARED)
    monkeypatch.setattr(store, "published_eul_id", lambda: -1)

    with pytest.raises(RuntimeError, match="kept changing"):
        screening_run_execute(notification_id=screening.pk, trigger=Trigger.SUBMISSION)
    assert screening_rescreen_batch(
        notification_ids=[cleared.pk], list_version_id=eul.pk
    ) == BatchResult(done=1, failed=1)

    # The one case's task fails (and is retried by Celery); the batch marks its case FAILED.
    assert list(ScreeningRun.objects.values_list("notification_id", "status")) == [
        (cleared.pk, RunStatus.FAILED)
    ]
    assert Notification.objects.get(pk=screening.pk).status == Status.SCREENING
    assert Notification.objects.get(pk=cleared.pk).status == Status.CLEARED
