import ast
from collections import Counter
from pathlib import Path

import pytest

from exportctl.accounts.models import Firm, User
from exportctl.audit.chain import verify_chain
from exportctl.audit.models import AuditEvent
from exportctl.benchmarks import seed as seed_module
from exportctl.benchmarks.seed import (
    FOUR_EYES_LEVELS,
    HISTORIES,
    HISTORY,
    STATUS_MIX,
    History,
    SeedError,
    seed,
    walk,
)
from notifications.models import (
    Decision,
    DecisionKind,
    DocumentCounter,
    Notification,
    Party,
    Permit,
    Review,
)
from notifications.workflow import ALLOWED_TRANSITIONS, Actor, Move, Procedure, Status
from screening.models import ScreeningRun


def test_seed_writes_the_mix_with_its_history_and_a_valid_audit_chain(db):
    summary, cast = seed(notifications=100, firms=3, rng_seed=1)

    assert summary.notifications == 100
    assert Notification.objects.count() == 100
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert statuses == {
        "draft": 8,
        "cleared": 25,
        "under_review": 6,
        "info_requested": 2,
        "awaiting_countersign": 1,
        "approved": 28,
        "denied": 10,
        "withdrawn": 20,
    }
    assert sum(share for _, share in STATUS_MIX) == 100
    # Every filed notification has its reference and one completed submission run.
    filed = Notification.objects.exclude(status="draft")
    assert filed.filter(reference__isnull=True).count() == 0
    assert ScreeningRun.objects.filter(status="completed").count() == 92
    # Each approval has a permit: the recent ones valid, the old ones expired.
    assert Counter(Permit.objects.values_list("status", flat=True)) == {"valid": 6, "expired": 22}
    # Permits are numbered as granted ones are (PM-year-serial per year) and the counters continue
    # after them, so a permit granted during the benchmark takes the next number.
    for year, last in DocumentCounter.objects.filter(kind="permit").values_list("year", "last"):
        numbers_of_year = Permit.objects.filter(number__startswith=f"PM-{year}-")
        assert numbers_of_year.count() == last
        assert numbers_of_year.filter(number=f"PM-{year}-{last:06d}").exists()
    assert sum(DocumentCounter.objects.values_list("last", flat=True)) == 28
    # Open reviews are exactly the queue's cases.
    assert Review.objects.filter(closed_at__isnull=True).count() == 9
    assert Party.objects.filter(role="end_user").count() == 100
    assert summary.parties == Party.objects.count()

    assert Firm.objects.count() == 3
    assert User.objects.filter(firm__isnull=False).count() == 9
    assert len(cast.reviewers) == 30
    assert User.objects.get(email="exporter1-1@bench.example").has_role("firm_admin")

    events = list(AuditEvent.objects.order_by("seq"))
    assert verify_chain(events).ok
    assert (
        summary.audit_events
        == AuditEvent.objects.filter(action__startswith="notification.").count()
        + AuditEvent.objects.filter(
            action__in=["screening.run_completed", "review.claim", "permit.issue", "permit.expire"]
        ).count()
    )


# --- The seed's histories are paths of ALLOWED_TRANSITIONS (issue 12) ---------------------------


def _routes(history):
    yield history.moves
    if history.four_eyes is not None:
        yield history.four_eyes


def test_every_history_the_seed_can_write_is_a_path_of_allowed_moves():
    """Read against the table itself, not through the seed's own ``walk``: from a draft, each move
    is allowed where it is made and in a catch-all filing, and the path ends in the history's
    status (so the mix's statuses are the table's)."""
    for history in HISTORIES:
        for route in _routes(history):
            status = Status.DRAFT
            for move in route:
                transition = ALLOWED_TRANSITIONS[move]
                assert status in transition.sources, (history.name, move, status)
                assert Procedure.CATCH_ALL in transition.procedures, (history.name, move)
                status = transition.target
            assert status == history.status, (history.name, route)
        # The steps the seed writes are the table's: from, to and who may make each move.
        for level in ("low", "elevated", "high"):
            for step in history.route(level):
                transition = ALLOWED_TRANSITIONS[step.move]
                assert step.source in transition.sources
                assert (step.target, step.roles) == (transition.target, transition.roles)
    assert {history.status for history in HISTORIES} <= set(Status)


def test_the_seed_refuses_a_history_that_is_not_a_path_of_allowed_moves():
    with pytest.raises(SeedError):
        History((Move.SUBMIT, Move.APPROVE), 1, (0, 1))  # approved without screening or review
    with pytest.raises(SeedError):
        walk((Move.SUBMIT, Move.START_SCREENING, Move.REFER, Move.WITHDRAW, Move.RESPOND))
    with pytest.raises(SeedError):  # a prior report is never approved
        walk((*HISTORY["approved"].moves,), procedure=Procedure.PRIOR_REPORT)
    with pytest.raises(SeedError):  # the two routes of a history must end in the same status
        History((Move.SUBMIT,), 1, (0, 1), four_eyes=(Move.SUBMIT, Move.WITHDRAW))


def test_the_audit_trail_the_seed_writes_walks_the_table(db):
    """Every notification's recorded moves, in chain order, are a path of allowed moves from a
    draft to its status, each by a user of a role the table names (the worker's by no one)."""
    seed(notifications=100, firms=3, rng_seed=3)
    roles_of = {
        user.pk: {group.name for group in user.groups.all()}
        for user in User.objects.prefetch_related("groups")
    }
    moves = {f"notification.{move.value}": move for move in Move}
    events = AuditEvent.objects.filter(action__in=moves).order_by("seq")
    paths: dict[str, list[AuditEvent]] = {}
    for event in events:
        paths.setdefault(event.object_id, []).append(event)
    countersigned = 0
    four_eyes = Counter()
    for notification in Notification.objects.all():
        status = Status.DRAFT
        for event in paths.get(str(notification.public_id), []):
            move = moves[event.action]
            transition = ALLOWED_TRANSITIONS[move]
            assert event.data["from"] == status, (notification.reference, move)
            assert status in transition.sources, (notification.reference, move, status)
            assert event.data["to"] == transition.target, (notification.reference, move)
            assert event.data["reference"] == notification.reference
            if Actor.SYSTEM in transition.roles:
                assert event.actor_id is None, (notification.reference, move)
            else:
                assert roles_of[event.actor_id] & transition.roles, (notification.reference, move)
            countersigned += move == Move.COUNTERSIGN
            status = transition.target
            last = move
        assert status == notification.status, notification.reference
        # Four eyes: a decision at high risk is proposed, then countersigned by a senior.
        if notification.risk_level in FOUR_EYES_LEVELS and status in (
            Status.APPROVED,
            Status.DENIED,
        ):
            assert last in (Move.COUNTERSIGN, Move.COUNTERSIGN_DENIAL), notification.reference
            four_eyes[last] += 1
    assert countersigned == Decision.objects.filter(kind=DecisionKind.COUNTERSIGN).count() > 0
    assert four_eyes[Move.COUNTERSIGN] > 0 and four_eyes[Move.COUNTERSIGN_DENIAL] > 0


def test_no_benchmark_module_spells_a_status_as_a_string():
    """The statuses the benchmarks write come from the workflow (``Status``, or the end of a walk
    of the table), never from a literal that could drift from it."""
    statuses = set(Status.values)
    folder = Path(seed_module.__file__).parent
    literals = [
        (path.name, node.lineno, node.value)
        for path in sorted(folder.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in statuses
    ]
    assert literals == []
