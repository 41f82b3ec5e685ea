"""Deferred sealing of the audit chain (exportctl/audit/sealer.py): writers append without waiting
on one another, the sealer chains their events behind them in order, and tamper evidence holds
for events sealed and still waiting."""

import threading
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import translation

from exportctl.audit import sealer, trail
from exportctl.audit.chain import GENESIS_HASH, content_hash_of, hash_of, verify_chain
from exportctl.audit.checkpoints import checkpoint_create
from exportctl.audit.integrity import verify_trail
from exportctl.audit.lockwaits import LockWaitSampler, sample_lock_waits
from exportctl.audit.models import AuditEvent, CheckpointReason
from exportctl.audit.tasks import seal_waiting_events
from exportctl.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferred(settings):
    """Every event waits for the sealer, as when another transaction holds the sealer's lock."""
    settings.AUDIT_SEAL_ON_WRITE = False


def _record(n: int) -> AuditEvent:
    return trail.record(action=f"test.event{n}", data={"n": n})


def _bypassing_the_trigger(sql: str, params: list) -> None:
    """What someone with DDL rights could do: switch the append-only trigger off, change rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_delete")
            cursor.execute(sql, params)


def _verify_failure() -> str:
    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    return str(failed.value)


# --- writing and sealing ------------------------------------------------------------------------


def test_a_waiting_event_has_its_content_hash_and_no_place_in_the_chain(deferred):
    event = _record(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert stored.content_hash == event.content_hash == content_hash_of(stored)
    assert list(sealer.unsealed_events()) == [stored]


def test_the_sealer_chains_waiting_events_in_the_order_they_were_written(deferred):
    written = [_record(n) for n in range(5)]
    result = sealer.seal()
    assert (result.sealed, result.head_seq, result.refused) == (5, 5, [])
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.pk for e in stored] == [e.pk for e in written]  # queue order is chain order
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS_HASH
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(stored, stored[1:], strict=False)
    )
    assert all(hash_of(e) == e.hash for e in stored)  # the chain hash as before deferral
    assert verify_chain(stored).ok
    assert result.head_hash == stored[-1].hash
    assert sealer.seal().sealed == 0  # nothing left: idempotent


def test_sealing_in_batches_continues_the_chain(deferred, monkeypatch):
    monkeypatch.setattr(sealer, "BATCH_SIZE", 2)
    for n in range(5):
        _record(n)
    assert sealer.seal().sealed == 5
    for n in range(5, 8):
        _record(n)
    assert sealer.seal().head_seq == 8
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == list(range(1, 9))
    assert [e.action for e in stored] == [f"test.event{n}" for n in range(8)]
    assert verify_chain(stored).ok


def test_a_writer_that_finds_the_lock_free_seals_what_waits_before_its_own(settings):
    settings.AUDIT_SEAL_ON_WRITE = False
    waiting = [_record(1), _record(2)]
    settings.AUDIT_SEAL_ON_WRITE = True
    own = _record(3)
    assert (own.seq, own.prev_hash) == (3, AuditEvent.objects.get(pk=waiting[1].pk).hash)
    assert own.hash == hash_of(AuditEvent.objects.get(pk=own.pk))
    assert [e.pk for e in AuditEvent.objects.order_by("seq")] == [*(e.pk for e in waiting), own.pk]
    assert not sealer.unsealed_events().exists()


def test_a_long_queue_is_left_to_the_sealer_rather_than_to_a_request(settings, monkeypatch):
    monkeypatch.setattr(sealer, "INLINE_BACKLOG_LIMIT", 2)
    settings.AUDIT_SEAL_ON_WRITE = False
    for n in range(3):
        _record(n)
    settings.AUDIT_SEAL_ON_WRITE = True
    own = _record(3)
    assert own.seq is None  # three waiting: more than this writer seals
    assert AuditEvent.objects.filter(seq__isnull=False).count() == 2  # the first two, in order
    assert sealer.seal().head_seq == 4
    assert verify_trail().ok


def test_the_beat_task_seals_and_is_scheduled(deferred):
    _record(1)
    _record(2)
    assert seal_waiting_events() == 2
    assert seal_waiting_events() == 0
    schedule = celery_app.conf.beat_schedule
    assert any(entry["task"] == "audit.seal" for entry in schedule.values())


def test_docker_compose_runs_beat_and_a_worker_on_the_sealers_queue():
    """The deployment's layout runs the sealer: beat schedules it and a worker consumes its queue
    (the default one unless routed elsewhere)."""
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    commands = [service.get("command") or [] for service in compose["services"].values()]
    queue = settings.CELERY_TASK_ROUTES.get("audit.seal", {}).get("queue", "celery")
    assert any("beat" in command for command in commands)
    consumed = [
        command[command.index("--queues") + 1].split(",")
        for command in commands
        if "worker" in command and "--queues" in command
    ]
    assert any(queue in queues for queues in consumed), consumed


def test_a_checkpoint_seals_first_and_covers_every_waiting_event(deferred):
    for n in range(4):
        _record(n)
    checkpoint = checkpoint_create(reason=CheckpointReason.MANUAL)
    assert (checkpoint.head_seq, checkpoint.event_count) == (4, 4)
    assert checkpoint.head_hash == AuditEvent.objects.get(seq=4).hash
    assert not sealer.unsealed_events().exists()


# --- the trigger lets only the sealer's one update through ----------------------------------


def test_the_trigger_lets_a_waiting_event_be_sealed_once_and_nothing_else(deferred):
    event = _record(1)
    refused = [
        # a content change, even together with a seal
        (
            "UPDATE audit_auditevent SET action = 'forged', seq = 1, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [GENESIS_HASH, "a" * 64, event.pk],
        ),
        # half a seal (the check constraint would refuse it too)
        ("UPDATE audit_auditevent SET seq = 1 WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
    ]
    for sql, params in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert AuditEvent.objects.get(pk=event.pk).seq is None
    assert sealer.seal().sealed == 1
    sealed = AuditEvent.objects.get(pk=event.pk)
    # Sealed once: a second seal (re-chaining it) is refused like any other update.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET seq = 7, prev_hash = %s, hash = %s WHERE id = %s",
            [GENESIS_HASH, "b" * 64, event.pk],
        )
    assert AuditEvent.objects.get(pk=event.pk).hash == sealed.hash
    assert verify_trail().ok


# --- tamper evidence --------------------------------------------------------------------------


def test_an_event_altered_while_waiting_is_not_sealed_and_is_named(deferred):
    first, second, third = (_record(n) for n in range(3))
    _bypassing_the_trigger(
        "UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', second.pk]
    )
    result = sealer.seal()
    # Sealing it would put the edit under a valid chain hash: it stays out, and is named.
    assert (result.sealed, result.refused) == (2, [second.pk])
    assert AuditEvent.objects.get(pk=second.pk).seq is None
    assert [e.pk for e in AuditEvent.objects.filter(seq__isnull=False).order_by("seq")] == [
        first.pk,
        third.pk,
    ]
    report = verify_trail()
    assert report.chain.ok
    assert [(f.kind, f.params) for f in report.findings] == [
        ("unsealed_altered", {"id": second.pk})
    ]
    assert report.unsealed == 1
    assert f"the event waiting in place {second.pk} of the queue no longer matches" in (
        _verify_failure()
    )


def test_an_event_altered_after_sealing_breaks_the_chain(deferred):
    for n in range(3):
        _record(n)
    sealer.seal()
    _bypassing_the_trigger("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["x", 2])
    assert "broken at event #2: its contents do not match" in _verify_failure()


def test_events_reordered_after_sealing_break_the_chain(deferred):
    for n in range(3):
        _record(n)
    sealer.seal()
    _bypassing_the_trigger("UPDATE audit_auditevent SET seq = seq + 10 WHERE seq = %s", [2])
    _bypassing_the_trigger("UPDATE audit_auditevent SET seq = 2 WHERE seq = %s", [3])
    _bypassing_the_trigger("UPDATE audit_auditevent SET seq = 3 WHERE seq = %s", [12])
    assert "broken at event #2" in _verify_failure()


def test_the_checkpoint_still_shows_the_newest_events_deleted(deferred):
    for n in range(5):
        _record(n)
    checkpoint_create(reason=CheckpointReason.MANUAL)  # seals, then signs #5
    _bypassing_the_trigger("DELETE FROM audit_auditevent WHERE seq >= %s", [4])
    report = verify_trail()
    assert report.chain.ok
    assert [f.kind for f in report.findings] == ["truncated"]
    assert "the trail ends at event #3, but checkpoint #1 covers events up to #5" in (
        _verify_failure()
    )


def test_verify_audit_counts_events_committed_after_its_seal(deferred, monkeypatch, capsys):
    for n in range(2):
        _record(n)
    sealed_then_more = sealer.seal_pending

    def seal_then_one_more_commits():
        result = sealed_then_more()
        _record(9)  # another writer commits right after the sealer ran
        return result

    monkeypatch.setattr(sealer, "seal_pending", seal_then_one_more_commits)
    with translation.override("en"):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain intact: 2 events verified." in out
    assert "1 events committed since the sealer ran are waiting to be chained" in out


def test_verification_seals_first(deferred):
    for n in range(3):
        _record(n)
    report = verify_trail()
    assert (report.ok, report.checked, report.last_seq, report.unsealed) == (True, 3, 3, 0)


def test_the_log_shows_a_waiting_event_first_and_marked(deferred, settings, auditor_client):
    settings.AUDIT_SEAL_ON_WRITE = True
    sealed = _record(1)
    settings.AUDIT_SEAL_ON_WRITE = False
    waiting = _record(2)
    with translation.override("en"):
        response = auditor_client.get(reverse("audit:log"), HTTP_ACCEPT_LANGUAGE="en")
    events = list(response.context["page"])
    assert [e.pk for e in events[:2]] == [waiting.pk, sealed.pk]  # newest first
    html = response.content.decode()
    assert 'title="Waiting to be sealed into the chain"' in html
    assert ">None<" not in html


def test_the_beat_task_skips_a_round_while_the_lock_is_held_elsewhere(deferred, monkeypatch):
    _record(1)
    monkeypatch.setattr(sealer, "try_lock_chain", lambda: False)
    assert seal_waiting_events() == 0
    assert sealer.unsealed_events().count() == 1
    monkeypatch.undo()
    assert seal_waiting_events() == 1


def test_lock_waits_are_not_sampled_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert sample_lock_waits() is None
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("audit_lock_waits", "--seconds", "0.1")


# --- concurrency on PostgreSQL ------------------------------------------------------------------


def _in_thread(target, *args):
    """Run ``target`` in a thread with its own connection; errors are kept for the assertion."""
    errors: list[BaseException] = []

    def run():
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - shown by the test's assertion
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.postgres  # two transactions open at once need a server (tests/conftest.py)
def test_two_writers_append_while_each_others_transaction_is_open(transactional_db):
    """Before deferred sealing the second writer waited for the first one's commit on the chain's
    lock; now neither waits. A lock timeout turns a wait into an error within seconds."""
    first_written, second_done = threading.Event(), threading.Event()
    seen_waiting: list[int] = []

    def first_writer():
        with transaction.atomic():
            _record(1)  # takes the free lock and seals its event at once
            first_written.set()
            assert second_done.wait(timeout=15), "the second writer did not finish"
            seen_waiting.append(_ungranted_locks())

    def second_writer():
        assert first_written.wait(timeout=15)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            started = time.monotonic()
            _record(2)
            assert time.monotonic() - started < 2
            seen_waiting.append(_ungranted_locks())
        second_done.set()

    first, first_errors = _in_thread(first_writer)
    second, second_errors = _in_thread(second_writer)
    second.join(timeout=30)
    first.join(timeout=30)
    assert (first_errors, second_errors) == ([], [])
    assert seen_waiting == [0, 0]
    # The first sealed its own; the second's waited for the sealer, which chains it now.
    assert list(AuditEvent.objects.order_by("id").values_list("action", "seq")) == [
        ("test.event1", 1),
        ("test.event2", None),
    ]
    assert sealer.seal().sealed == 1
    assert verify_trail().ok


def _ungranted_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_sealing_skips_nothing_when_commits_come_out_of_order_or_roll_back(
    transactional_db, settings
):
    """Writer A takes the lower id but commits last; C rolls back and leaves a gap in ids. The
    sealer chains what has committed when it runs, never a gap in ``seq``, never an event twice,
    and A once it commits, after the head."""
    settings.AUDIT_SEAL_ON_WRITE = False
    a_written, a_may_commit = threading.Event(), threading.Event()

    def writer_a():
        with transaction.atomic():
            _record(1)
            a_written.set()
            assert a_may_commit.wait(timeout=15)

    a, a_errors = _in_thread(writer_a)
    assert a_written.wait(timeout=15)
    b = _record(2)  # committed (autocommit)
    with pytest.raises(RuntimeError), transaction.atomic():
        doomed = _record(3)
        raise RuntimeError("rolled back")
    d = _record(4)
    first_run = sealer.seal()
    assert first_run.sealed == 2  # B and D; A is not committed, C never will be
    a_may_commit.set()
    a.join(timeout=30)
    assert a_errors == []
    a_event = AuditEvent.objects.get(action="test.event1")
    assert a_event.pk < b.pk < doomed.pk < d.pk
    assert a_event.seq is None
    assert sealer.seal().sealed == 1
    chain = list(AuditEvent.objects.order_by("seq"))
    assert [(e.action, e.seq) for e in chain] == [
        ("test.event2", 1),
        ("test.event4", 2),
        ("test.event1", 3),
    ]
    assert not AuditEvent.objects.filter(pk=doomed.pk).exists()
    assert verify_trail().ok


@pytest.mark.postgres
def test_many_writers_and_a_sealer_at_once_make_one_chain(transactional_db):
    writers, rounds = 6, 8
    barrier = threading.Barrier(writers + 1)
    stop = threading.Event()

    def write(worker: int):
        barrier.wait()
        for n in range(rounds):
            with transaction.atomic():
                trail.record(action="test.concurrent", data={"worker": worker, "n": n})
                trail.record(action="test.concurrent.second", data={"worker": worker, "n": n})

    def seal_repeatedly():
        barrier.wait()
        while not stop.is_set():
            sealer.seal()
            time.sleep(0.01)

    sampler = LockWaitSampler(interval=0.01).start()
    threads = [_in_thread(write, w) for w in range(writers)]
    sealing, sealing_errors = _in_thread(seal_repeatedly)
    for thread, _ in threads:
        thread.join(timeout=60)
    stop.set()
    sealing.join(timeout=60)
    summary = sampler.stop()
    assert [errors for _, errors in threads] == [[]] * writers and sealing_errors == []
    sealer.seal()
    chain = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in chain] == list(range(1, writers * rounds * 2 + 1))
    assert verify_chain(chain).ok
    # Each transaction's two events keep their order in the chain.
    position = {(e.action, e.data["worker"], e.data["n"]): e.seq for e in chain}
    assert all(
        position[("test.concurrent", w, n)] < position[("test.concurrent.second", w, n)]
        for w in range(writers)
        for n in range(rounds)
    )
    assert summary.samples > 0
    # Writers never wait for the chain's lock; only the sealer may.
    assert summary.max_chain_lock_waiting <= 1


@pytest.mark.postgres
def test_lock_waits_on_the_chains_lock_are_sampled(transactional_db, capsys):
    holding, release = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic():
            sealer.lock_chain()
            holding.set()
            assert release.wait(timeout=15)

    def waiter():
        with transaction.atomic():
            sealer.lock_chain()

    first, first_errors = _in_thread(holder)
    assert holding.wait(timeout=15)
    second, second_errors = _in_thread(waiter)
    deadline = time.monotonic() + 10
    sample = sample_lock_waits()
    while sample.chain_lock_waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        sample = sample_lock_waits()
    assert (sample.chain_lock_waiting, sample.chain_lock_holders, sample.audit_waiting) == (1, 1, 1)
    assert sample.idle_holding_chain_lock == 1  # the holder waits in Python, its transaction open
    call_command("audit_lock_waits", "--seconds", "0.2", "--interval", "0.05", "--json")
    assert '"max_chain_lock_waiting": 1' in capsys.readouterr().out
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert (first_errors, second_errors) == ([], [])
    assert sample_lock_waits().chain_lock_waiting == 0
