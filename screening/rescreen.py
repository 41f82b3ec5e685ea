"""Re-screening after a list publication, a batch of cases at a time.

A publication re-screens every open, cleared and permitted case (``selectors.rescreen_candidate_ids``):
at 100,000 parties one task, one transaction and one audit append per case cost far more than the
matching itself. So ``screening.tasks.rescreen_after_publication`` queues one task per chunk of case
ids, and each chunk is screened here with the same public steps as one case (``screening.runs``:
``compute.assess``, the guards of ``store``, and ``services.screening_run_store`` for a case whose
run leads to a workflow move):

1. load what the rules need for every case of the chunk in a fixed number of queries (cases,
   parties, items, reference data, the published lists' cached indexes) and assess each case;
2. store, in one transaction that locks the chunk's cases in pk order, a run (and its hits) for
   every case whose result brings no new hit, with one audit event for the whole chunk that lists
   each case and its outcome;
3. hand every case with a new hit (or a FAILED run to complete in place) to the per-case path,
   which reopens a cleared or approved case, suspends its permit and audits each step.

Idempotent like a single run: a run is keyed by (notification, list version, ruleset version,
trigger, trigger_ref), checked under the cases' locks before anything is written and backed by the
database's unique constraint, so a redelivered chunk writes nothing new. An error in one case
(bad data, a bug) marks that case's run FAILED and the rest of the chunk goes on; a transient
database error propagates so that Celery retries the whole chunk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from notifications.models import Item, Notification, Party
from screening.index_cache import PublishedLists, published_lists
from screening.runs.compute import Computed, Matches, assess, reference_facts
from screening.runs.store import (
    MAX_ATTEMPTS,
    RESCREEN_TRIGGER,
    ListsChanged,
    completed_ids,
    eligible,
    published_eul_id,
    record_failure,
    store_quiet,
)
from screening.services import screening_run_store

logger = logging.getLogger(__name__)

TRIGGER = RESCREEN_TRIGGER
#: Errors worth retrying the whole batch for: it is idempotent, so a retry redoes only what is
#: not stored yet. Anything else is about one case and must not lose the others.
_RETRY_BATCH = (OperationalError, InterfaceError)


class MatchMemo:
    """The worker process's match results by party name, country and kind, for the published lists
    they were computed against.

    The same consignee or end user appears on many filings (a firm ships to its customers again
    and again), and a publication re-screens all of them against the same lists: a name seen
    before costs no search. The results are kept only while the published lists are the very
    same cached indexes (``index_cache`` hands out one object per version and worker), and the
    memo is emptied when they change or when it grows past ``limit`` names."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._versions: tuple = ()
        self._matches: Matches = {}
        self._lock = threading.Lock()

    def for_lists(self, lists: PublishedLists) -> Matches:
        with self._lock:
            same = len(lists.all) == len(self._versions) and all(
                a is b for a, b in zip(lists.all, self._versions, strict=True)
            )
            if not same or len(self._matches) > self.limit:
                self._versions, self._matches = lists.all, {}
            return self._matches


_memo = MatchMemo()


@dataclass(frozen=True)
class BatchResult:
    """How many cases of the batch are finished for good (stored, skipped or failed)."""

    done: int
    failed: int


def screening_rescreen_batch(
    *, notification_ids: Iterable[int], list_version_id: int
) -> BatchResult:
    """Re-screen the cases ``notification_ids`` after ``list_version_id`` was published.

    Same outcome per case as ``services.screening_rescreen``: a run for cases under review,
    waiting on someone, cleared or approved; a new hit reopens a cleared or approved case (and
    suspends its permit); cases in no re-screened status are skipped. Only the audit trail
    differs for cases without a new hit: one event for the batch instead of one per case."""
    ids = sorted(set(notification_ids))
    trigger_ref = str(list_version_id)
    failed: set[int] = set()
    pending = ids
    for _attempt in range(MAX_ATTEMPTS):
        eul_version_id = published_eul_id()
        try:
            computed = _assess_all(pending, eul_version_id, trigger_ref, failed)
            if not computed:
                return BatchResult(done=len(ids), failed=len(failed))
            loud = _store_quiet(computed, list_version_id=list_version_id)
            for notification_id in loud:
                _store_one(notification_id, computed[notification_id], trigger_ref, failed)
        except ListsChanged:
            # A newer version was published meanwhile: what is not stored yet is recomputed.
            pending = [pk for pk in ids if pk not in failed]
            continue
        return BatchResult(done=len(ids), failed=len(failed))
    error = RuntimeError(
        f"the published End User List kept changing while {len(pending)} cases were re-screened"
    )
    for notification_id in pending:
        if notification_id not in failed:
            _fail(notification_id, published_eul_id(), trigger_ref, error, failed)
    return BatchResult(done=len(ids), failed=len(failed))


def _assess_all(
    ids: list[int], eul_version_id: int | None, trigger_ref: str, failed: set[int]
) -> dict[int, Computed]:
    """Every case of ``ids`` still wanting a run, assessed; a case that cannot be is marked
    FAILED (and added to ``failed``). Eight queries whatever the number of cases."""
    done = completed_ids(ids, eul_version_id, trigger_ref)
    wanted = [
        n
        for n in Notification.objects.filter(pk__in=ids).exclude(pk__in=done).order_by("pk")
        if eligible(n.status, TRIGGER) and n.pk not in failed
    ]
    if not wanted:
        return {}
    keys = [n.pk for n in wanted]
    parties = _grouped(
        Party.objects.filter(notification_id__in=keys).order_by("notification_id", "position", "pk")
    )
    items = _grouped(
        Item.objects.filter(notification_id__in=keys)
        .select_related("key_technology")
        .order_by("notification_id", "position", "pk")
    )
    reference = reference_facts(timezone.localdate())
    lists = published_lists()
    memo = _memo.for_lists(lists)
    computed = {}
    for notification in wanted:
        try:
            computed[notification.pk] = assess(
                notification,
                parties=parties.get(notification.pk, []),
                items=items.get(notification.pk, []),
                reference=reference,
                lists=lists,
                memo=memo,
            )
        except _RETRY_BATCH:
            raise
        except Exception as exc:
            _fail(notification.pk, eul_version_id, trigger_ref, exc, failed)
    return computed


def _grouped(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.notification_id, []).append(row)
    return grouped


def _store_quiet(computed: dict[int, Computed], *, list_version_id: int) -> list[int]:
    """Store, in bulk, the run of every case whose result brings no new hit; return the cases
    left to the per-case path (a new hit, or a FAILED run to complete in place)."""
    try:
        with transaction.atomic():
            return store_quiet(computed, list_version_id=list_version_id)
    except (ListsChanged, *_RETRY_BATCH):
        raise
    except Exception:
        # One bad row spoils a bulk insert without saying whose it is: every case then goes
        # through the per-case path, which fails only the case at fault.
        logger.exception("bulk store of a re-screen batch failed; storing case by case")
        return sorted(computed)


def _store_one(
    notification_id: int, computed: Computed, trigger_ref: str, failed: set[int]
) -> None:
    try:
        screening_run_store(
            notification_id=notification_id,
            trigger=TRIGGER,
            trigger_ref=trigger_ref,
            computed=computed,
        )
    except (ListsChanged, *_RETRY_BATCH):
        raise
    except Exception as exc:
        _fail(notification_id, computed.eul_version_id, trigger_ref, exc, failed)


def _fail(
    notification_id: int,
    eul_version_id: int | None,
    trigger_ref: str,
    exc: BaseException,
    failed: set[int],
) -> None:
    logger.error("re-screen of notification %s failed: %r", notification_id, exc)
    record_failure(
        notification_id=notification_id,
        eul_version_id=eul_version_id,
        trigger=TRIGGER,
        trigger_ref=trigger_ref,
        exc=exc,
    )
    failed.add(notification_id)
