"""Storing computed screening runs: the one place that holds the guards of a run.

- **The run key.** A run is keyed by (notification, End User List version, ruleset version,
  trigger, trigger_ref), which the database also enforces: a completed run under the key is
  returned and nothing is written; a FAILED one is completed in place (``run_key``,
  ``runs_keyed``).
- **The stale-run guard.** A run computed against an End User List that is no longer the one in
  force is not stored: ``ListsChanged`` is raised under the case's lock and the caller computes
  again (at most ``MAX_ATTEMPTS`` times).
- **Eligibility.** Each trigger screens cases in its own statuses only (``eligible``): a case
  withdrawn while its run was computed records nothing.
- **New hits.** A hit is new when no earlier run of the case found that listing for that party
  (``earlier_hits``, ``unseen``), compared by source and content hash.
- **Completion, hit rows, failure.** ``complete``, ``hit_rows``, ``record_failure``.

Two writers use these guards: ``store_run`` (one case, inside the caller's transaction, so the
workflow move that ``screening.runs.policy`` decides is made in the same transaction as the run)
and ``store_quiet`` (a re-screen batch's runs that bring nothing new, written in bulk with one
audit event). Neither decides a workflow move.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from exportctl.audit import trail
from notifications.models import Notification
from notifications.workflow import OPEN_STATUSES, OUTCOME_STATUSES, Status
from partners.models import ListVersion
from screening import rules
from screening.index_cache import EUL_SOURCE_CODE
from screening.models import PartyHit, RunStatus, ScreeningRun, Trigger
from screening.party_search import party_search_keys_store
from screening.runs.compute import Computed, FoundHit

logger = logging.getLogger(__name__)

#: A re-screen records a run for these; it reopens only the outcome statuses.
RESCREEN_STATUSES = (OPEN_STATUSES | OUTCOME_STATUSES) - {Status.SUBMITTED, Status.SCREENING}
#: How often a run is recomputed when a list version is published while it is being computed.
MAX_ATTEMPTS = 3
MAX_ERROR_CHARS = 4000


class ListsChanged(Exception):
    """The published End User List changed between computing and storing a run."""


# --- The guards ------------------------------------------------------------------------------


def published_eul_id() -> int | None:
    """The End User List revision in force today (``partners.selectors.in_force_version_id``): a
    revision published with a later date of application is not used before that date."""
    from partners.selectors import in_force_version_id

    return in_force_version_id(EUL_SOURCE_CODE)


def _refuse_if_stale(eul_version_id: int | None) -> None:
    """Called under the cases' locks, so no publication slips in before the run is stored."""
    if published_eul_id() != eul_version_id:
        raise ListsChanged


def _key(eul_version_id: int | None, trigger: str, trigger_ref: str) -> dict:
    return {
        "list_version_id": eul_version_id,
        "ruleset_version": rules.RULESET_VERSION,
        "trigger": trigger,
        "trigger_ref": trigger_ref,
    }


def run_key(
    notification_id: int, eul_version_id: int | None, trigger: str, trigger_ref: str
) -> QuerySet[ScreeningRun]:
    """The runs (none or one) of one case under the run key."""
    return ScreeningRun.objects.filter(
        notification_id=notification_id, **_key(eul_version_id, trigger, trigger_ref)
    )


def runs_keyed(
    notification_ids: list[int], eul_version_id: int | None, trigger: str, trigger_ref: str
) -> QuerySet[ScreeningRun]:
    """The runs of many cases under the same run key (a re-screen batch)."""
    return ScreeningRun.objects.filter(
        notification_id__in=notification_ids, **_key(eul_version_id, trigger, trigger_ref)
    )


def eligible(status: str, trigger: str) -> bool:
    """Whether a case in ``status`` is screened by ``trigger``."""
    if trigger == Trigger.SUBMISSION:
        return status == Status.SCREENING
    return status in RESCREEN_STATUSES


def earlier_hits(notification_ids: list[int]) -> dict[int, set[tuple[int, str, str]]]:
    """Per case, every (party, source, entry content hash) an earlier run has found; one query
    for any number of cases.

    Entries are compared by source and content hash, not pk: each list version has its own rows,
    and the End User List renumbers entries between revisions.
    """
    seen: dict[int, set[tuple[int, str, str]]] = {pk: set() for pk in notification_ids}
    for notification_id, party_id, source, row_hash in PartyHit.objects.filter(
        run__notification_id__in=notification_ids
    ).values_list(
        "run__notification_id", "party_id", "entry__version__source__code", "entry__row_hash"
    ):
        seen[notification_id].add((party_id, source, row_hash))
    return seen


def unseen(computed: Computed, seen: set[tuple[int, str, str]]) -> list[FoundHit]:
    """The hits of ``computed`` on a listing that ``seen`` (``earlier_hits``) does not hold."""
    return [
        h
        for h in computed.hits
        if (h.party.pk, h.lists.source_code, h.lists.entries[h.entry_id].row_hash) not in seen
    ]


# --- The rows --------------------------------------------------------------------------------


def _new_run(
    notification_id: int, eul_version_id: int | None, trigger: str, trigger_ref: str
) -> ScreeningRun:
    return ScreeningRun(
        notification_id=notification_id, **_key(eul_version_id, trigger, trigger_ref)
    )


def complete(run: ScreeningRun, computed: Computed) -> ScreeningRun:
    """Fill a new run, or a FAILED one being completed in place, with the computed result."""
    assessment = computed.assessment
    run.status = RunStatus.COMPLETED
    run.score = assessment.score
    run.level = assessment.level
    run.outcome = assessment.outcome
    run.factors = assessment.factors
    run.error = ""
    run.finished_at = timezone.now()
    return run


def hit_rows(run: ScreeningRun, computed: Computed) -> list[PartyHit]:
    return [
        PartyHit(
            run=run,
            party=h.party,
            entry_id=int(h.entry_id),
            score=min(1.0, h.score),
            matched_name=h.matched_name[:500],
            explanation=h.explanation,
        )
        for h in computed.hits
    ]


def run_summary(computed: Computed) -> dict:
    """What the audit trail keeps of a completed run's result."""
    assessment = computed.assessment
    return {
        "score": assessment.score,
        "level": assessment.level,
        "outcome": assessment.outcome,
        "rules": assessment.rule_ids,
        "hits": len(computed.hits),
    }


def _lists_named(computed: Computed) -> list[str]:
    return [f"{v.source_code}:{v.version_label}" for v in computed.lists.all]


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "a screening run is stored inside the caller's transaction.atomic(), so that the "
            "workflow move it leads to is kept or lost with it"
        )


def _lock(notification_id: int) -> Notification:
    return (
        Notification.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=notification_id)
    )


# --- One case --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRun:
    """What ``store_run`` did: the run, the case as locked, and the hits no earlier run found.

    ``written`` is false when the run was already completed under its key (a redelivered
    message): nothing was written, and nothing more must be."""

    run: ScreeningRun
    notification: Notification
    new_hits: list[FoundHit]
    written: bool


def store_run(
    *, notification_id: int, trigger: str, trigger_ref: str, computed: Computed
) -> StoredRun | None:
    """Store one case's computed run under its guards; ``None`` when the case no longer wants
    it. Call inside ``transaction.atomic()``: the case stays locked for the caller's move."""
    _require_transaction()
    locked = _lock(notification_id)
    _refuse_if_stale(computed.eul_version_id)
    run = run_key(notification_id, computed.eul_version_id, trigger, trigger_ref).first()
    if run is not None and run.status == RunStatus.COMPLETED:
        return StoredRun(run=run, notification=locked, new_hits=[], written=False)
    if not eligible(locked.status, trigger):
        return None
    new_hits = (
        unseen(computed, earlier_hits([locked.pk])[locked.pk])
        if trigger != Trigger.SUBMISSION
        else []
    )
    if run is None:
        run = _new_run(notification_id, computed.eul_version_id, trigger, trigger_ref)
        run.notification = locked
    complete(run, computed).save()
    PartyHit.objects.bulk_create(hit_rows(run, computed))
    if trigger == Trigger.SUBMISSION:
        # The parties are final once submitted: key them for the auditor's name search in
        # the transaction that stores the first run, so both are kept or neither is.
        party_search_keys_store(notification_id=notification_id)
    trail.record(
        action="screening.run_completed",
        obj=run,
        firm=locked.firm,
        data={
            "notification": locked.reference,
            "trigger": trigger,
            "trigger_ref": trigger_ref,
            "ruleset_version": rules.RULESET_VERSION,
            "lists": _lists_named(computed),
            **run_summary(computed),
            "new_hits": len(new_hits),
        },
    )
    return StoredRun(run=run, notification=locked, new_hits=new_hits, written=True)


def record_failure(
    *,
    notification_id: int,
    eul_version_id: int | None,
    trigger: str,
    trigger_ref: str,
    exc: BaseException,
) -> None:
    """Make the failure visible on a run row (completed in place by a later retry)."""
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    try:
        with transaction.atomic():
            locked = _lock(notification_id)
            run = run_key(notification_id, eul_version_id, trigger, trigger_ref).first()
            if run is not None and run.status == RunStatus.COMPLETED:
                return
            if run is None:
                run = _new_run(notification_id, eul_version_id, trigger, trigger_ref)
                run.notification = locked
            run.status = RunStatus.FAILED
            run.error = error
            run.finished_at = timezone.now()
            run.save()
            trail.record(
                action="screening.run_failed",
                obj=run,
                firm=locked.firm,
                data={
                    "notification": locked.reference,
                    "trigger": trigger,
                    "trigger_ref": trigger_ref,
                    "error": error,
                },
            )
    except Exception:  # the database may be what failed; the original error is re-raised anyway
        logger.exception(
            "could not record the failed screening of notification %s", notification_id
        )


# --- A re-screen batch -----------------------------------------------------------------------

RESCREEN_TRIGGER = Trigger.LIST_PUBLICATION


def completed_ids(
    notification_ids: list[int], eul_version_id: int | None, trigger_ref: str
) -> QuerySet[ScreeningRun, int]:
    """The cases of a re-screen batch whose run is already completed (a lazy subquery)."""
    return (
        runs_keyed(notification_ids, eul_version_id, RESCREEN_TRIGGER, trigger_ref)
        .filter(status=RunStatus.COMPLETED)
        .values_list("notification_id", flat=True)
    )


def store_quiet(computed: dict[int, Computed], *, list_version_id: int) -> list[int]:
    """Store, in bulk and under the same guards as ``store_run``, the run of every case of a
    re-screen batch whose result brings no new hit, with one audit event for them all; return
    the cases left to the one-case path (a new hit, or a FAILED run to complete in place).

    Call inside ``transaction.atomic()``: the chunk's cases are locked in pk order until it ends.
    Every ``computed`` result was computed against the same published lists."""
    _require_transaction()
    ids = sorted(computed)
    trigger, trigger_ref = RESCREEN_TRIGGER, str(list_version_id)
    locked = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .only("pk", "status", "reference")
    )
    any_result = next(iter(computed.values()))
    eul_version_id = any_result.eul_version_id
    _refuse_if_stale(eul_version_id)
    existing = {
        run.notification_id: run.status
        for run in runs_keyed(ids, eul_version_id, trigger, trigger_ref).only(
            "notification_id", "status"
        )
    }
    seen = earlier_hits([pk for pk in ids if computed[pk].hits])
    quiet: list[Notification] = []
    loud: list[int] = []
    for notification in locked:
        status = existing.get(notification.pk)
        if status == RunStatus.COMPLETED or not eligible(notification.status, trigger):
            continue  # stored by an earlier delivery, or no longer re-screened
        result = computed[notification.pk]
        if status is not None or unseen(result, seen.get(notification.pk, set())):
            loud.append(notification.pk)
        else:
            quiet.append(notification)
    runs = [
        complete(_new_run(n.pk, eul_version_id, trigger, trigger_ref), computed[n.pk])
        for n in quiet
    ]
    if not runs:
        return loud
    ScreeningRun.objects.bulk_create(runs)
    PartyHit.objects.bulk_create(
        [row for run in runs for row in hit_rows(run, computed[run.notification_id])]
    )
    version = ListVersion.objects.only("pk", "public_id", "label").get(pk=list_version_id)
    trail.record(
        action="screening.rescreen_batch_completed",
        obj=version,
        data={
            "trigger": trigger,
            "trigger_ref": trigger_ref,
            "ruleset_version": rules.RULESET_VERSION,
            "lists": _lists_named(any_result),
            "runs": [
                {
                    "notification": n.reference,
                    "run": str(run.public_id),
                    **run_summary(computed[n.pk]),
                }
                for n, run in zip(quiet, runs, strict=True)
            ],
        },
    )
    return loud
