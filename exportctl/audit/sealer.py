"""Sealing the audit chain behind its writers, in order, in batches.

Writers of audit events no longer wait for one another. As in a Certificate Transparency log, or
Trillian's sequencer, a write is accepted at once and the chain is extended after it:

1. ``trail.record`` inserts the event in the writer's own transaction with its **content hash**
   (every recorded field, ``chain.content_hash``). Its primary key, from the table's identity
   sequence, is its place in the queue; no lock is taken and nobody waits.
2. The **sealer** gives each waiting event its place in the chain (``seq``, contiguous from 1),
   the previous event's hash and its own chain hash, the same hash as before deferred sealing.
   One sealer at a time: it holds the chain's advisory lock (PostgreSQL) until its transaction
   ends. It runs every few seconds from beat (``audit.seal``), before every checkpoint and before
   every verification, and opportunistically in writers: a writer that finds the lock free
   (``pg_try_advisory_xact_lock``, which never waits) seals what is waiting and its own event at
   once, so on a quiet system every event is sealed when it is written, as before.

Why the sealer needs no grace period and no watermark. Identity values are handed out when rows
are inserted, not when they commit: writer A may take id 10, writer B id 11, and B commit first;
a rolled-back transaction leaves an id that never appears. Had ``seq`` been that id, a sealer
would have to guess when the gap below a committed event is final (a grace period, which a slow
transaction outlives) before chaining past it. Here ``seq`` is not the id: it is given by the
sealer, which reads the queue under READ COMMITTED and so sees exactly the committed events. It
seals what it sees, in id order, after the current head; an event that commits later is sealed
by a later run, after the head of that run. So:

- a rolled-back event is never seen and leaves no gap in ``seq`` (only in ids, which mean
  nothing to the chain);
- an event is never sealed twice or skipped: only the lock holder seals, it seals only rows whose
  ``seq`` is still empty (the trigger lets nothing else through), and each run starts from the
  committed head;
- causal order is kept: an event written after another committed has a higher id and is seen no
  earlier, so it is sealed after it; events of one transaction commit together and keep their
  order.

What covers an event before it is sealed: its content hash. The sealer recomputes it before
chaining an event and refuses to seal one whose fields no longer match (it stays in the queue
and verification names it): sealing it would hide the edit under a valid chain hash. Deleting a
waiting event is not detected, exactly as deleting the newest events after the latest signed
checkpoint was not before (a checkpoint seals first, so it covers every event committed before
it). Once sealed, an event is protected by the chain and the checkpoints as it always was.

On SQLite (the embedded default) writers are serialised by the database itself; the lock is
always "free", so every event is sealed when it is written.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from exportctl.audit.chain import GENESIS_HASH, content_fields_of, content_hash_of, event_hash
from exportctl.audit.models import AuditEvent

logger = logging.getLogger(__name__)

#: An arbitrary, fixed key for the chain's advisory lock: "audit" in ASCII. As a bigint key,
#: pg_locks shows it as classid 0x61 (97), objid 0x75646974 (1969514868), objsubid 1.
CHAIN_LOCK_KEY = 0x6175646974

#: Events read and sealed per statement by the sealer.
BATCH_SIZE = 1000

#: A writer that finds the lock free seals at most this many waiting events before its own; with
#: a longer queue it leaves its event waiting too, for the sealer, rather than lengthen a request.
INLINE_BACKLOG_LIMIT = 200


def lock_chain() -> None:
    """Wait for the chain's lock, held until the transaction ends (the sealer and checkpoints).

    Never taken by writers of events, which only try it (``try_lock_chain``). Always taken after
    any row lock of the caller and never together with another advisory lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        _note_lock_held()


def try_lock_chain() -> bool:
    """Take the chain's lock if it is free, without waiting; held until the transaction ends.
    True on databases without advisory locks (SQLite serialises writers itself), and without a
    query when this transaction already holds it (a service that records several events)."""
    if connection.vendor != "postgresql":
        return True
    if _lock_held():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        taken = bool(cursor.fetchone()[0])
    if taken:
        _note_lock_held()
    return taken


class _LockHeld:
    """A do-nothing commit hook that marks the transaction holding the chain's lock.

    PostgreSQL releases a transaction-level advisory lock when the transaction ends, and when the
    savepoint it was taken under is rolled back; Django drops a commit hook in exactly the same
    two cases (``transaction.on_commit``). So while the hook is still registered on the
    connection, the lock is held, and asking PostgreSQL again would only cost a round trip."""

    def __call__(self) -> None:
        pass


def _note_lock_held() -> None:
    if connection.in_atomic_block:
        marker = _LockHeld()
        transaction.on_commit(marker)
        connection.audit_chain_lock = marker


def _lock_held() -> bool:
    marker = getattr(connection, "audit_chain_lock", None)
    return marker is not None and any(hook[1] is marker for hook in connection.run_on_commit)


def seal_on_write() -> bool:
    """Whether writers seal their own event when the lock is free (``AUDIT_SEAL_ON_WRITE``, on
    by default; off, every event waits for the sealer)."""
    return settings.AUDIT_SEAL_ON_WRITE


@dataclass
class SealResult:
    sealed: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    #: Ids of waiting events whose fields no longer match their content hash: left unsealed.
    refused: list[int] = field(default_factory=list)
    #: Whether the queue was emptied (refused events aside); False when ``limit`` stopped it.
    complete: bool = True


def _head_and_waiting() -> tuple[int, str, bool]:
    """The chain's head and whether any event waits, in one query: a writer on a quiet system
    (nothing waiting) pays one query for both, as it paid one for the head before."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT head.seq, head.hash, "  # noqa: S608 - a constant
            f"EXISTS (SELECT 1 FROM {table} WHERE seq IS NULL) "
            f"FROM (SELECT 1 AS one) AS anchor LEFT JOIN ("
            f"SELECT seq, hash FROM {table} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
            f") AS head ON 1 = 1"
        )
        seq, chain_hash, waiting = cursor.fetchone()
    if seq is None:
        return 0, GENESIS_HASH, bool(waiting)
    return seq, chain_hash, bool(waiting)


def _write_seals(rows: list[tuple[int, str, str, int]]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s "  # noqa: S608 - a constant
            "WHERE id = %s AND seq IS NULL",
            rows,
        )


def seal_pending(*, limit: int | None = None) -> SealResult:
    """Seal the committed events still waiting, in id order, after the chain's head.

    The caller holds the chain's lock (``lock_chain`` or a successful ``try_lock_chain``) inside
    a transaction. ``limit``: stop (``complete`` False) rather than seal more than that many.
    """
    seq, prev_hash, waiting = _head_and_waiting()
    result = SealResult(head_seq=seq, head_hash=prev_hash)
    if not waiting:
        return result
    after_id = 0
    while True:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - result.sealed + 1)
        batch = list(
            AuditEvent.objects.filter(seq__isnull=True, id__gt=after_id).order_by("id")[:size]
        )
        if not batch:
            break
        rows = []
        for event in batch:
            after_id = event.id
            if content_hash_of(event) != event.content_hash:
                result.refused.append(event.id)
                continue
            if limit is not None and result.sealed + len(rows) >= limit:
                result.complete = False
                break
            seq += 1
            chain_hash = event_hash(seq=seq, prev_hash=prev_hash, **content_fields_of(event))
            rows.append((seq, prev_hash, chain_hash, event.id))
            prev_hash = chain_hash
        if rows:
            _write_seals(rows)
        result.sealed += len(rows)
        result.head_seq, result.head_hash = seq, prev_hash
        if not result.complete or len(batch) < size:
            break
    if result.refused:
        logger.error(
            "audit events %s no longer match their content hash: left unsealed (tampering?)",
            result.refused,
        )
    return result


def seal(*, wait: bool = True) -> SealResult:
    """Seal every committed event still waiting. Idempotent: with nothing waiting it seals none.

    Checkpoints and verification wait for the lock (``wait``), so that they cover every event
    committed before them. Beat's ``audit.seal`` does not: when a writer holds the lock, that
    writer is sealing what it sees, and what it cannot see is sealed on the next round; a worker
    slot is never held waiting behind a long transaction. Nothing is sealed then (``sealed`` 0,
    ``complete`` False).
    """
    with transaction.atomic():
        if wait:
            lock_chain()
        elif not try_lock_chain():
            return SealResult(complete=False)
        return seal_pending()


def unsealed_events():
    """The events still waiting for the sealer, in queue order."""
    return AuditEvent.objects.filter(seq__isnull=True).order_by("id")
