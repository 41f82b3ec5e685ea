"""What the workflow does with a newly stored screening run: clear, refer, reopen, or nothing.

Pure functions of the run's result and the case as locked: ``screening.services`` asks them
after ``screening.runs.store`` has written the run, and makes the move in the same transaction.
Storing never decides a move; the move itself (and its own guards, such as the inform rule that
refuses to clear an informed filing) is ``notifications.services``'.
"""

from __future__ import annotations

from notifications.models import QUEUE_STATUSES, Notification
from notifications.services.lifecycle import ScreeningResult
from notifications.workflow import OUTCOME_STATUSES, Move, moves_of
from screening.models import Outcome, Trigger
from screening.runs.compute import Computed, FoundHit


def decide(
    *, computed: Computed, notification: Notification, trigger: str, new_hits: list[FoundHit]
) -> Move | None:
    """The workflow move a stored run leads to (``Move.CLEAR``, ``REFER`` or ``REOPEN``), or
    ``None`` when the case stays where it is.

    - A submission's run clears the case when the rules cleared it and its procedure has a clear
      move; otherwise a reviewer sees it. A prior report has no clear move (the table's
      procedures): whatever its score, only the ministry's dialogue may close it.
    - Any later run reopens a cleared or approved case when it found a listing that no earlier
      run had found for that party (``new_hits``).
    """
    if trigger == Trigger.SUBMISSION:
        cleared = computed.assessment.outcome == Outcome.CLEARED
        if cleared and Move.CLEAR in moves_of(notification.procedure):
            return Move.CLEAR
        return Move.REFER
    if new_hits and notification.status in OUTCOME_STATUSES:
        return Move.REOPEN
    return None


def risk_follows(*, notification: Notification, trigger: str) -> bool:
    """A reviewer asked for the run (a manual re-run of a case under review): the case's risk in
    the queue follows the newest run. Asked only when ``decide`` makes no move."""
    return trigger == Trigger.MANUAL and notification.status in QUEUE_STATUSES


def result_of(computed: Computed) -> ScreeningResult:
    """What the workflow records of a run on the case (its score and level)."""
    return ScreeningResult(score=computed.assessment.score, level=computed.assessment.level)


def reopen_reason(new_hits: list[FoundHit]) -> str:
    """The reason a reopened case gives: each new hit, with the list version and entry."""
    parts = [
        f"{h.party.name} ~ {h.lists.source_code} {h.lists.version_label} "
        f"No. {h.lists.entries[h.entry_id].number} ({h.matched_name}, {h.score:.2f})"
        for h in new_hits
    ]
    return "A new list version matches a party: " + "; ".join(parts)
