"""Signed checkpoints of the audit trail: made when there is something new, kept in the database
and in the outside store, published without sign-in, and what ``verify_audit`` finds with them."""

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from exportctl.audit import checkpoints, trail
from exportctl.audit.chain import hash_of
from exportctl.audit.checkpoints import checkpoint_create, make_checkpoint, store_path
from exportctl.audit.integrity import verify_trail
from exportctl.audit.models import (
    AppendOnlyError,
    AuditCheckpoint,
    AuditEvent,
    CheckpointReason,
)
from exportctl.audit.tasks import make_scheduled_checkpoint
from tests.documents.conftest import signing_files  # noqa: F401 - the session's document key
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db


def _events(count: int, *, start: int = 0) -> list[AuditEvent]:
    user = ExporterFactory()
    return [
        trail.record(action=f"test.event{start + n}", actor=user, data={"n": start + n})
        for n in range(count)
    ]


def _checkpoint() -> AuditCheckpoint:
    checkpoint = checkpoint_create(reason=CheckpointReason.MANUAL)
    assert checkpoint is not None
    return checkpoint


def _store_lines() -> list[dict]:
    return [json.loads(line) for line in store_path().read_text().splitlines()]


def _rewrite_store(lines: list[dict]) -> None:
    """What someone with write access to the store could do (the portal only ever appends)."""
    store_path().write_text("".join(json.dumps(line) + "\n" for line in lines))


def _raw_update_bypassing_trigger(sql: str, params: list) -> None:
    """What someone with DDL rights could do: switch the append-only trigger off, change rows
    (repeatable: the trigger may already be gone on SQLite)."""
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


def _raw_checkpoint_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _failure() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    return str(failed.value)


# --- making checkpoints -----------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_and_is_kept_in_the_database_and_the_store(settings):
    events = _events(3)
    checkpoint = _checkpoint()
    assert (checkpoint.number, checkpoint.head_seq, checkpoint.event_count) == (1, 3, 3)
    assert checkpoint.head_hash == events[-1].hash
    assert checkpoint.reason == CheckpointReason.MANUAL
    assert _store_lines() == [checkpoints.record_of(AuditCheckpoint.objects.get())]

    # Anyone holding the public key checks the signature with nothing but the published record.
    key = serialization.load_pem_private_key(
        Path(settings.AUDIT_CHECKPOINT_KEY).read_bytes(), password=None
    ).public_key()
    record = _store_lines()[0]
    signed = {name: record[name] for name in checkpoints.SIGNED_FIELDS}
    message = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key.verify(base64.b64decode(record["signature"]), message.encode(), ec.ECDSA(hashes.SHA256()))
    assert record["key_id"] == checkpoints.key_id_of(key)


def test_the_beat_task_makes_a_checkpoint_only_when_new_events_exist():
    assert make_scheduled_checkpoint() is None  # an empty trail
    _events(2)
    assert make_scheduled_checkpoint() == 1
    assert make_scheduled_checkpoint() is None  # nothing new since
    assert make_scheduled_checkpoint() is None
    assert AuditCheckpoint.objects.count() == 1
    assert len(_store_lines()) == 1
    _events(1, start=2)
    assert make_scheduled_checkpoint() == 2
    latest = AuditCheckpoint.objects.get(number=2)
    assert (latest.head_seq, latest.event_count, latest.reason) == (3, 3, "schedule")


def test_checkpoints_are_append_only_through_the_orm():
    _events(1)
    checkpoint = _checkpoint()
    checkpoint.head_seq = 99
    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.update(head_seq=99)
    assert AuditCheckpoint.objects.get().head_seq == 1


def test_inside_a_transaction_the_checkpoint_waits_for_the_commit(
    django_capture_on_commit_callbacks,
):
    _events(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert make_checkpoint(reason=CheckpointReason.MANUAL) is None
        trail.record(action="test.after_the_call")  # written later in the same transaction
        assert not AuditCheckpoint.objects.exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.head_seq == AuditEvent.objects.get(action="test.after_the_call").seq


def test_a_failed_checkpoint_after_commit_does_not_undo_the_change(
    settings, tmp_path, django_capture_on_commit_callbacks, caplog
):
    settings.AUDIT_CHECKPOINT_KEY = str(tmp_path / "no-such-key.pem")
    with django_capture_on_commit_callbacks(execute=True):
        trail.record(action="test.change")
        make_checkpoint(reason=CheckpointReason.PERMIT_ISSUE)
    assert AuditEvent.objects.filter(action="test.change").exists()
    assert not AuditCheckpoint.objects.exists()
    assert "audit checkpoint (permit_issue) not made after commit" in caplog.text


def test_by_default_checkpoints_are_signed_with_the_document_signing_key(
    settings,
    signing_files,  # noqa: F811
):
    from cryptography import x509

    settings.AUDIT_CHECKPOINT_KEY = None
    settings.DOCUMENT_SIGNING_KEY, settings.DOCUMENT_SIGNING_CERT = signing_files
    settings.DOCUMENT_SIGNING_KEY_PASSPHRASE = "test passphrase"
    _events(2)
    checkpoint = _checkpoint()
    certificate = x509.load_pem_x509_certificate(Path(signing_files[1]).read_bytes())
    assert checkpoint.key_id == checkpoints.key_id_of(certificate.public_key())
    assert checkpoint.algorithm == checkpoints.RSA_PKCS1_SHA256
    assert verify_trail().ok


# --- verify_audit -------------------------------------------------------------------------------


def test_verify_audit_passes_on_an_untouched_trail_with_its_checkpoints(capsys):
    _events(3)
    _checkpoint()
    _events(2, start=3)
    _checkpoint()
    _events(1, start=5)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain intact: 6 events verified." in out
    assert "Checkpoints intact: 2 verified" in out
    assert "the latest, #2, covers events up to #5; 1 events since." in out


def test_verify_audit_detects_the_newest_events_deleted():
    _events(5)
    _checkpoint()
    _raw_update_bypassing_trigger("DELETE FROM audit_auditevent WHERE seq >= %s", [4])
    report = verify_trail()
    assert report.chain.ok  # what remains is a valid chain: only the checkpoint shows the loss
    message = _failure()
    assert (
        "Newest events deleted: the trail ends at event #3, but checkpoint #1 covers events up "
        "to #5." in message
    )
    assert "Audit chain broken" not in message


def test_verify_audit_detects_deleted_events_replaced_by_new_ones():
    _events(5)
    _checkpoint()
    _raw_update_bypassing_trigger("DELETE FROM audit_auditevent WHERE seq >= %s", [4])
    _events(2, start=10)  # the trail grows back past the checkpoint's head
    assert verify_trail().chain.ok
    assert "Chain rewritten: event #5 no longer has the hash signed in checkpoint #1." in (
        _failure()
    )


def _rewrite_chain_from(seq: int, *, action: str) -> None:
    """Edit event ``seq`` and recompute every hash from there on: a chain that verifies alone."""
    prev_hash = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else None
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.action = action
        if prev_hash is not None:
            event.prev_hash = prev_hash
        new_hash = hash_of(event)
        _raw_update_bypassing_trigger(
            "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.action, event.prev_hash, new_hash, event.seq],
        )
        prev_hash = new_hash


def test_verify_audit_detects_a_chain_rewritten_with_recomputed_hashes():
    _events(4)
    _checkpoint()
    _rewrite_chain_from(2, action="test.forged")
    report = verify_trail()
    assert report.chain.ok  # the rewrite is consistent: the chain alone cannot tell
    assert [f.kind for f in report.findings] == ["rewritten"]
    assert "Chain rewritten: event #4 no longer has the hash signed in checkpoint #1." in (
        _failure()
    )


def test_verify_audit_detects_a_checkpoint_deleted_from_the_database():
    _events(2)
    _checkpoint()
    _events(1, start=2)
    _checkpoint()
    _raw_checkpoint_sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [2])
    message = _failure()
    assert "Checkpoint missing: #2 is in the outside store but not in the database." in message


def test_verify_audit_detects_a_checkpoint_removed_from_the_store():
    _events(2)
    _checkpoint()
    _events(1, start=2)
    _checkpoint()
    _rewrite_store(_store_lines()[:1])
    message = _failure()
    assert "Checkpoint missing: #2 is in the database but not in the outside store." in message


def test_verify_audit_detects_a_checkpoint_removed_from_both():
    for n in range(3):
        _events(1, start=n)
        _checkpoint()
    _raw_checkpoint_sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [2])
    _rewrite_store([line for line in _store_lines() if line["number"] != 2])
    message = _failure()
    assert "Checkpoint missing: #2 is neither in the database nor in the outside store." in message


def test_verify_audit_detects_a_checkpoint_altered_to_match_a_rewritten_chain():
    _events(4)
    _checkpoint()
    _rewrite_chain_from(2, action="test.forged")
    forged_head = AuditEvent.objects.get(seq=4).hash
    # Both copies brought in line with the rewritten chain: only the signature gives it away.
    _raw_checkpoint_sql(
        "UPDATE audit_auditcheckpoint SET head_hash = %s WHERE number = %s", [forged_head, 1]
    )
    lines = _store_lines()
    lines[0]["head_hash"] = forged_head
    _rewrite_store(lines)
    report = verify_trail()
    assert report.chain.ok
    assert sorted(f.kind for f in report.findings) == ["bad_signature", "bad_signature"]
    message = _failure()
    assert (
        "Forged or altered checkpoint: the signature of checkpoint #1 (database) does not verify."
        in message
    )
    assert "checkpoint #1 (outside store) does not verify." in message


def test_verify_audit_detects_an_altered_copy_in_the_database():
    _events(3)
    _checkpoint()
    _raw_checkpoint_sql(
        "UPDATE audit_auditcheckpoint SET event_count = %s WHERE number = %s", [2, 1]
    )
    message = _failure()
    assert "Checkpoint altered: #1 differs between the database and the outside store." in message
    assert "the signature of checkpoint #1 (database) does not verify." in message


def test_verify_audit_detects_a_checkpoint_forged_with_another_key(settings, tmp_path):
    _events(4)
    _checkpoint()
    _rewrite_chain_from(2, action="test.forged")
    # The forger signs a fresh checkpoint of the rewritten chain with a key of their own.
    forger_key = tmp_path / "forger.pem"
    forger_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ministry_key = settings.AUDIT_CHECKPOINT_KEY
    settings.AUDIT_CHECKPOINT_KEY = str(forger_key)
    trail.record(action="test.more")
    _checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = ministry_key
    message = _failure()
    assert "Forged checkpoint: checkpoint #2 (database) is signed with a key that is not" in message
    assert "Chain rewritten: event #4 no longer has the hash signed in checkpoint #1." in message


def test_a_retired_key_still_verifies_its_checkpoints(settings, tmp_path, audit_checkpoint_key):
    _events(2)
    _checkpoint()
    new_key = tmp_path / "new.pem"
    new_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.AUDIT_CHECKPOINT_KEY = str(new_key)
    _events(1, start=2)
    _checkpoint()
    assert [f.kind for f in verify_trail().findings] == ["unknown_key", "unknown_key"]
    retired = tmp_path / "retired.pub.pem"
    old = serialization.load_pem_private_key(audit_checkpoint_key.read_bytes(), password=None)
    retired.write_bytes(
        old.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.AUDIT_CHECKPOINT_RETIRED_KEYS = [str(retired)]
    assert verify_trail().ok


def test_an_unreadable_line_of_the_store_is_named():
    _events(1)
    _checkpoint()
    with open(store_path(), "a") as store:
        store.write("not a checkpoint\n")
    assert "Line 2 of the outside store is not a checkpoint." in _failure()


# --- the auditor's button -----------------------------------------------------------------------


def test_the_auditors_button_reports_the_checkpoint_findings(auditor_client):
    _events(5)
    _checkpoint()
    response = auditor_client.post(reverse("audit:verify-chain"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["report"].ok
    assert 'id="checkpoint-verdict"' in response.content.decode()

    _raw_update_bypassing_trigger("DELETE FROM audit_auditevent WHERE seq >= %s", [4])
    response = auditor_client.post(reverse("audit:verify-chain"), HTTP_ACCEPT_LANGUAGE="en")
    report = response.context["report"]
    assert not report.ok
    assert [f.kind for f in report.findings] == ["truncated"]
    html = response.content.decode()
    assert "Newest events deleted: the trail ends at event #3" in html
    event = AuditEvent.objects.filter(action="audit.chain_verified").order_by("-seq").first()
    assert (event.data["ok"], event.data["findings"]) == (False, ["truncated"])


# --- public page and feed ---------------------------------------------------------------------


def test_the_checkpoint_page_and_feed_answer_without_sign_in(client):
    _events(3)
    checkpoint = _checkpoint()
    page = client.get(reverse("audit:checkpoints"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert checkpoint.head_hash in html
    assert checkpoint.key_id in html
    assert "BEGIN PUBLIC KEY" in html

    feed = client.get(reverse("audit:checkpoint-feed"))
    assert feed.status_code == 200
    body = feed.json()
    assert body["checkpoints"] == [checkpoints.record_of(checkpoint)]
    assert body["next"] is None
    # An outside auditor verifies the entry with the feed's own key and field list.
    (key,) = body["keys"]
    public_key = serialization.load_pem_public_key(key["public_key_pem"].encode())
    entry = body["checkpoints"][0]
    signed = {name: entry[name] for name in body["signed_fields"]}
    public_key.verify(
        base64.b64decode(entry["signature"]),
        json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    assert client.get(reverse("audit:checkpoint-feed"), {"since": "1"}).json()["checkpoints"] == []
    assert client.get(reverse("audit:checkpoint-feed"), {"since": "x"}).status_code == 400
    # Every page's footer leads there.
    assert (
        f'href="{reverse("audit:checkpoints")}"'
        in client.get(reverse("verify:verify")).content.decode()
    )


def test_the_feed_pages_through_checkpoints(client, monkeypatch):
    from exportctl.audit import views

    monkeypatch.setattr(views, "FEED_LIMIT", 2)
    for n in range(3):
        _events(1, start=n)
        _checkpoint()
    first = client.get(reverse("audit:checkpoint-feed")).json()
    assert [c["number"] for c in first["checkpoints"]] == [1, 2]
    assert first["next"] == 2
    second = client.get(reverse("audit:checkpoint-feed"), {"since": first["next"]}).json()
    assert ([c["number"] for c in second["checkpoints"]], second["next"]) == ([3], None)


def test_the_checkpoint_page_is_served_in_japanese(client):
    _events(1)
    _checkpoint()
    response = client.get(reverse("audit:checkpoints"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ja"


# --- the services that make one -----------------------------------------------------------------


def _run_checkpoint_callbacks(callbacks) -> None:
    """Run the checkpoint the service asked for after commit (and no other callback: rendering a
    permit or re-screening is not under test here)."""
    for callback in callbacks:
        if getattr(callback, "func", None) is checkpoints._after_commit:
            callback()


def test_a_list_publication_makes_a_checkpoint(django_capture_on_commit_callbacks):
    from exportctl.accounts.roles import Role
    from partners.models import ListVersionStatus
    from partners.services import list_version_publish
    from tests.factories import UserFactory
    from tests.screening.test_services import EUL_SAMPLE, publish_eul

    draft = publish_eul(EUL_SAMPLE, status=ListVersionStatus.DRAFT)
    manager = UserFactory(roles=[Role.LIST_MANAGER], firm=None)
    with django_capture_on_commit_callbacks() as callbacks:
        list_version_publish(version=draft, actor=manager)
    assert not AuditCheckpoint.objects.exists()
    _run_checkpoint_callbacks(callbacks)
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.reason == CheckpointReason.LIST_PUBLICATION
    published = AuditEvent.objects.get(action="list_version.publish")
    assert checkpoint.head_seq == published.seq == AuditEvent.objects.count()
    assert verify_trail().ok


def test_a_permit_issue_makes_a_checkpoint_covering_the_whole_decision(
    django_capture_on_commit_callbacks,
):
    from exportctl.accounts.roles import Role
    from notifications import services
    from notifications.models import Permit
    from notifications.workflow import Status
    from tests.factories import UserFactory, submitted_at

    notification = submitted_at(Status.SCREENING)
    services.notification_refer(
        notification=notification,
        result=services.ScreeningResult(score=30, level="elevated"),
    )
    reviewer = UserFactory(roles=[Role.REVIEWER])
    with django_capture_on_commit_callbacks() as callbacks:
        services.notification_approve(notification=notification, actor=reviewer)
    assert Permit.objects.filter(notification=notification).exists()
    _run_checkpoint_callbacks(callbacks)
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.reason == CheckpointReason.PERMIT_ISSUE
    issued = AuditEvent.objects.get(action="permit.issue")
    # The case's own transition is recorded after the permit's event: the checkpoint covers it.
    assert checkpoint.head_seq == AuditEvent.objects.count() > issued.seq
    assert verify_trail().ok


# --- concurrency (PostgreSQL: the chain's advisory lock) ---------------------------------------


@pytest.mark.postgres  # concurrent writers take PostgreSQL's advisory lock (tests/conftest.py)
def test_checkpoints_made_while_events_are_written_stay_in_order(transactional_db):
    import threading

    from django.db import connections

    writers, rounds = 6, 5
    barrier = threading.Barrier(writers)
    errors: list[str] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(rounds):
                trail.record(action="test.concurrent", data={"worker": worker, "n": n})
                checkpoint_create(reason=CheckpointReason.SCHEDULE)
        except Exception as error:  # a deadlock or a duplicate number must show in the assertion
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(AuditCheckpoint.objects.order_by("number"))
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    heads = [row.head_seq for row in rows]
    assert heads == sorted(heads) and len(set(heads)) == len(heads)
    assert heads[-1] == AuditEvent.objects.count() == writers * rounds
    assert _store_lines() == [checkpoints.record_of(row) for row in rows]
    assert verify_trail().ok


def test_an_operator_makes_a_checkpoint_with_the_command(capsys):
    call_command("audit_checkpoint")
    assert "Nothing new" in capsys.readouterr().out  # an empty trail
    _events(2)
    call_command("audit_checkpoint")
    assert "Checkpoint #1: events up to #2" in capsys.readouterr().out
    assert AuditCheckpoint.objects.get().reason == CheckpointReason.MANUAL
    call_command("audit_checkpoint")
    assert "Nothing new" in capsys.readouterr().out
    assert AuditCheckpoint.objects.count() == 1


def test_a_store_removed_whole_is_one_finding():
    for n in range(3):
        _events(1, start=n)
        _checkpoint()
    store_path().unlink()
    report = verify_trail()
    assert [f.kind for f in report.findings] == ["store_empty"]
    assert "the outside store" in _failure()


def test_a_store_that_cannot_be_read_is_named():
    _events(1)
    _checkpoint()
    store_path().unlink()
    store_path().mkdir()  # not a file: reading it fails
    kinds = [f.kind for f in verify_trail().findings]
    assert kinds == ["store_unreadable", "store_empty"]
    assert "cannot be read" in _failure()


def test_without_the_key_the_checkpoints_cannot_be_checked(settings, tmp_path):
    _events(1)
    _checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = str(tmp_path / "gone.pem")
    assert [f.kind for f in verify_trail().findings] == ["no_key"]
    assert "no checkpoint key is configured" in _failure()


def test_many_findings_of_one_kind_are_summed_up(monkeypatch):
    from exportctl.audit import integrity

    monkeypatch.setattr(integrity, "FINDINGS_PER_KIND", 2)
    for n in range(5):
        _events(1, start=n)
        _checkpoint()
    _rewrite_store(_store_lines()[:1])  # #2 to #5 missing from the store
    report = verify_trail()
    assert [f.kind for f in report.findings] == ["missing_store", "missing_store", "more"]
    assert "… and 2 more findings of the same kind." in _failure()
