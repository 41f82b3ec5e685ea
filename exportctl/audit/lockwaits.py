"""Lock waits on the audit path, sampled from PostgreSQL's ``pg_stat_activity`` and ``pg_locks``.

Writers of audit events must not wait on one another (``exportctl.audit.sealer``): this is how
that is measured under load. ``sample_lock_waits()`` takes one sample; ``LockWaitSampler`` takes
them in a background thread for the length of a run (the load benchmark) and sums them up;
``manage.py audit_lock_waits`` prints a summary for a few seconds of a live system.

A backend counts as waiting on the audit path when it waits on a heavyweight lock
(``wait_event_type = 'Lock'``) and either that lock is the chain's advisory lock or its statement
touches an audit table. Waits elsewhere are counted too (``waiting``), to put the audit figure
beside them. Other databases have no such views: the sample is None there.
"""

import threading
import time
from dataclasses import asdict, dataclass, field

from django.db import connections
from django.utils import timezone

from exportctl.audit.sealer import CHAIN_LOCK_KEY

#: The chain's bigint advisory key as pg_locks shows it.
_CLASSID = CHAIN_LOCK_KEY >> 32
_OBJID = CHAIN_LOCK_KEY & 0xFFFFFFFF

_SAMPLE_SQL = """
WITH backends AS (
    SELECT
        a.pid,
        a.state,
        a.wait_event_type = 'Lock' AS waiting,
        EXISTS (
            SELECT 1 FROM pg_locks l
            WHERE l.pid = a.pid AND l.locktype = 'advisory' AND NOT l.granted
              AND l.classid = %(classid)s::oid AND l.objid = %(objid)s::oid AND l.objsubid = 1
        ) AS waiting_on_chain_lock,
        EXISTS (
            SELECT 1 FROM pg_locks l
            WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
              AND l.classid = %(classid)s::oid AND l.objid = %(objid)s::oid AND l.objsubid = 1
        ) AS holding_chain_lock,
        a.query ILIKE '%%audit\\_audit%%' AS on_audit_table
    FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
      AND a.backend_type = 'client backend'
)
SELECT
    count(*) FILTER (WHERE waiting),
    count(*) FILTER (WHERE waiting AND (waiting_on_chain_lock OR on_audit_table)),
    count(*) FILTER (WHERE waiting_on_chain_lock),
    count(*) FILTER (WHERE holding_chain_lock),
    count(*) FILTER (WHERE state = 'idle in transaction'),
    count(*) FILTER (WHERE state = 'idle in transaction' AND holding_chain_lock)
FROM backends
"""


@dataclass(frozen=True)
class LockWaitSample:
    at: str  # ISO 8601, UTC
    #: Backends of this database waiting on any heavyweight lock.
    waiting: int
    #: Of those, the ones on the audit path: the chain's lock or a statement on an audit table.
    audit_waiting: int
    #: Backends waiting for the chain's advisory lock (the sealer and checkpoints may; writers
    #: never should).
    chain_lock_waiting: int
    chain_lock_holders: int
    idle_in_transaction: int
    #: Idle in transaction while holding the chain's lock: a sealing writer's transaction open
    #: with no statement running (the lock is held until it ends; nobody waits for it but the
    #: sealer).
    idle_holding_chain_lock: int


def sample_lock_waits(using: str = "default") -> LockWaitSample | None:
    """One sample of the database's lock waits; None on a database other than PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_SAMPLE_SQL, {"classid": _CLASSID, "objid": _OBJID})
        row = cursor.fetchone()
    return LockWaitSample(timezone.now().isoformat(), *(int(value) for value in row))


@dataclass
class LockWaitSummary:
    samples: int = 0
    #: Samples in which at least one backend waited on the audit path, and the most at once.
    samples_with_audit_waits: int = 0
    max_audit_waiting: int = 0
    max_chain_lock_waiting: int = 0
    samples_with_any_wait: int = 0
    max_waiting: int = 0
    max_idle_in_transaction: int = 0
    total_audit_waiting: int = 0

    def add(self, sample: LockWaitSample) -> None:
        self.samples += 1
        self.samples_with_audit_waits += sample.audit_waiting > 0
        self.max_audit_waiting = max(self.max_audit_waiting, sample.audit_waiting)
        self.max_chain_lock_waiting = max(self.max_chain_lock_waiting, sample.chain_lock_waiting)
        self.samples_with_any_wait += sample.waiting > 0
        self.max_waiting = max(self.max_waiting, sample.waiting)
        self.max_idle_in_transaction = max(self.max_idle_in_transaction, sample.idle_in_transaction)
        self.total_audit_waiting += sample.audit_waiting

    @property
    def share_with_audit_waits(self) -> float:
        """The share of samples in which something waited on the audit path (0 to 1)."""
        return self.samples_with_audit_waits / self.samples if self.samples else 0.0

    @property
    def mean_audit_waiting(self) -> float:
        return self.total_audit_waiting / self.samples if self.samples else 0.0

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "share_with_audit_waits": round(self.share_with_audit_waits, 4),
            "mean_audit_waiting": round(self.mean_audit_waiting, 4),
        }


@dataclass
class LockWaitSampler:
    """Samples in a thread of its own (with its own database connection) until ``stop()``::

    sampler = LockWaitSampler(interval=0.1).start()
    ...  # the load
    summary = sampler.stop()  # a LockWaitSummary
    """

    interval: float = 0.1
    using: str = "default"
    summary: LockWaitSummary = field(default_factory=LockWaitSummary)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "LockWaitSampler":
        self._thread = threading.Thread(target=self._run, name="audit-lock-waits", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                sample = sample_lock_waits(self.using)
                if sample is None:
                    return
                self.summary.add(sample)
                self._stop.wait(self.interval)
        finally:
            connections[self.using].close()

    def stop(self) -> LockWaitSummary:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.summary


def watch_lock_waits(
    *, seconds: float, interval: float = 0.1, using: str = "default"
) -> LockWaitSummary | None:
    """Sample for ``seconds`` in the calling thread; None on a database other than PostgreSQL."""
    summary = LockWaitSummary()
    deadline = time.monotonic() + seconds
    while True:
        sample = sample_lock_waits(using)
        if sample is None:
            return None
        summary.add(sample)
        if time.monotonic() + interval > deadline:
            return summary
        time.sleep(interval)
