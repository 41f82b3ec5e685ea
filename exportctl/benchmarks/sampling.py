"""Samplers that run beside a load phase, each in a thread of the benchmark's process.

``RssSampler`` reads the resident memory of every process the benchmark started, and of their
children (gunicorn's workers, Celery's pool processes), from ``/proc`` once a second: start,
peak and end per process role.

``CpuMeter`` reads the CPU time every process role used during a phase (utime and stime from
``/proc``, with the descendants', living or reaped), PostgreSQL's and Redis's server processes,
and the whole machine's (``/proc/stat``): where the CPU of a submission goes.

``WaitSampler`` asks PostgreSQL five times a second which backends of the benchmark's database
wait on a lock, and on which kind (the audit chain's advisory lock, a row, a transaction), and
how many sit "idle in transaction": the kinds of wait beside the audit path's own figure, which
comes from ``exportctl.audit.lockwaits.LockWaitSampler`` (the audit trail's definition of a wait
on its path).
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
from collections import Counter, defaultdict
from pathlib import Path

PAGE = 1024


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (``/proc/<pid>/task/*/children``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int, *, reaped: bool = False) -> int:
    """utime + stime of ``pid`` (and, with ``reaped``, of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    # Fields 14-17 of proc(5), counted after the ")" that ends the command name (field 2).
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return utime + stime + (cutime + cstime if reaped else 0)


def _rusage_ticks(who: int) -> int:
    usage = resource.getrusage(who)
    return round((usage.ru_utime + usage.ru_stime) * TICKS)


def _named(comm: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == comm:
                    pids.append(int(entry.name))
    return pids


def _machine_ticks() -> int:
    """CPU ticks spent by anything on the machine (every state but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return user + nice + system + irq + softirq + steal


class CpuMeter:
    """CPU seconds per role between ``start`` and ``stop``: each process the benchmark started
    with its descendants (gunicorn's workers, Celery's pool; a recycled child's time counts
    through its parent's reaped-children figures), ``postgres`` and ``redis-server``, the load
    generator (this process's reaped children) and this process, and ``machine``: everything,
    so that ``other`` shows what else ran on the machine meanwhile."""

    def __init__(self, children) -> None:
        self.children = children
        self._start: dict[str, int] = {}

    def _snapshot(self) -> dict[str, int]:
        ticks = {}
        for child in self.children:
            if child.alive():
                pid = child.process.pid
                ticks[child.name] = _cpu_ticks(pid, reaped=True) + sum(
                    _cpu_ticks(p) for p in _descendants(pid)
                )
        ticks["postgres"] = sum(_cpu_ticks(p) for p in _named("postgres"))
        ticks["redis-server"] = sum(_cpu_ticks(p) for p in _named("redis-server"))
        # The load generator runs as this process's child and is reaped when its level ends.
        ticks["load generator"] = _rusage_ticks(resource.RUSAGE_CHILDREN)
        ticks["benchmark process"] = _rusage_ticks(resource.RUSAGE_SELF)
        ticks["machine"] = _machine_ticks()
        return ticks

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict[str, float]:
        """CPU seconds per role since ``start`` (a PostgreSQL backend that exited in between
        is not counted: the figure for ``postgres`` is a floor), and ``other``: what the
        machine spent outside all of them (anything else running on it)."""
        end = self._snapshot()
        seconds = {
            name: max(0, end[name] - self._start.get(name, 0)) / TICKS
            for name in end
            if name in self._start
        }
        if "machine" in seconds:
            counted = sum(v for k, v in seconds.items() if k != "machine")
            seconds["other"] = max(0.0, seconds["machine"] - counted)
        return seconds


class RssSampler(threading.Thread):
    """RSS per role: "<name>" (the process the benchmark started) and "<name> child" (the
    largest of its children at each sample), in MiB."""

    def __init__(self, children, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.children = children
        self.interval = interval
        self.series: dict[str, list[float]] = defaultdict(list)
        self._stop_event = threading.Event()

    def sample(self) -> None:
        for child in list(self.children):
            if not child.alive():
                continue
            pid = child.process.pid  # ``nice`` execs: the pid is Python's
            own = _rss_kib(pid)
            if own is not None:
                self.series[child.name].append(own / PAGE)
            sizes = [s for s in (_rss_kib(p) for p in _descendants(pid)) if s is not None]
            if sizes:
                self.series[f"{child.name} child"].append(max(sizes) / PAGE)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> dict[str, dict[str, float]]:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=5)
        self.sample()
        return {
            name: {"start": values[0], "peak": max(values), "end": values[-1]}
            for name, values in sorted(self.series.items())
            if values
        }


WAITS_SQL = """
SELECT a.wait_event_type, a.wait_event, a.state, l.locktype
FROM pg_stat_activity a
LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
"""


class WaitSampler(threading.Thread):
    """Lock waits of the benchmark's database, sampled; ``advisory`` is the audit chain's lock
    (the only advisory lock the application takes)."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples = 0
        self.samples_with_advisory_wait = 0
        self.max_advisory_waiters = 0
        self.waits: Counter[str] = Counter()
        self.idle_in_transaction: list[int] = []
        self._stop_event = threading.Event()
        self.error = ""

    def run(self) -> None:
        from django.db import connection

        try:
            while not self._stop_event.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(WAITS_SQL)
                    rows = cursor.fetchall()
                self.samples += 1
                advisory = 0
                for wait_type, wait_event, _state, locktype in rows:
                    if wait_type == "Lock":
                        self.waits[f"{wait_event}:{locktype or '?'}"] += 1
                        if locktype == "advisory" or wait_event == "advisory":
                            advisory += 1
                if advisory:
                    self.samples_with_advisory_wait += 1
                self.max_advisory_waiters = max(self.max_advisory_waiters, advisory)
                self.idle_in_transaction.append(
                    sum(1 for row in rows if row[2] == "idle in transaction")
                )
                self._stop_event.wait(self.interval)
        except Exception as exc:  # noqa: BLE001 - reported, the phase goes on
            self.error = str(exc)
        finally:
            connection.close()

    def stop(self) -> dict:
        self._stop_event.set()
        self.join(timeout=5)
        lock_waits = sum(self.waits.values())
        return {
            "samples": self.samples,
            "share_with_advisory_wait": (
                self.samples_with_advisory_wait / self.samples if self.samples else None
            ),
            "max_audit_lock_waiters": self.max_advisory_waiters,
            "lock_waits_per_sample": lock_waits / self.samples if self.samples else None,
            "waits_by_kind": dict(self.waits.most_common()),
            "idle_in_transaction_max": max(self.idle_in_transaction, default=0),
            "idle_in_transaction_mean": (
                sum(self.idle_in_transaction) / len(self.idle_in_transaction)
                if self.idle_in_transaction
                else None
            ),
            "error": self.error,
        }
