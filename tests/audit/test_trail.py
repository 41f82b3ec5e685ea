import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from exportctl.audit import trail
from exportctl.audit.chain import GENESIS_HASH, hash_of, verify_chain
from exportctl.audit.models import AppendOnlyError, AuditEvent
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db


def _record_three():
    user = ExporterFactory()
    with transaction.atomic():
        return [
            trail.record(action="test.first", actor=user, obj=user.firm, data={"n": 1}),
            trail.record(action="test.second", data={"text": "日本語"}),
            trail.record(action="test.third", actor=user, data={"nested": {"a": [1, 2]}}),
        ]


def _raw_update_bypassing_trigger(sql: str, params: list) -> None:
    """What an attacker with DDL rights could do: switch the trigger off and edit a row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
            cursor.execute(sql, params)


def test_events_form_a_chain_from_genesis():
    first, second, third = _record_three()
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    stored = list(AuditEvent.objects.order_by("seq"))
    assert [hash_of(e) for e in stored] == [first.hash, second.hash, third.hash]
    assert verify_chain(stored).ok
    assert stored[0].actor_label == first.actor.email
    assert stored[1].actor_label == "system"
    assert stored[0].object_type == "accounts.firm"
    assert stored[0].firm_id == first.actor.firm_id


def test_orm_refuses_to_change_or_delete_events():
    first, *_ = _record_three()
    first.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        first.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=first.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=first.pk).action == "test.first"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'test.rewritten' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
    ],
)
def test_database_trigger_refuses_raw_update_and_delete(sql):
    _record_three()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(seq=1).action == "test.first"


def test_verify_audit_passes_on_an_intact_chain(capsys):
    _record_three()
    call_command("verify_audit")
    assert "Audit chain intact: 3 events verified." in capsys.readouterr().out


def test_tampered_field_is_detected_and_named():
    _record_three()
    _raw_update_bypassing_trigger(
        "UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["test.rewritten", 2]
    )
    with pytest.raises(CommandError, match=r"broken at event #2: its contents do not match"):
        call_command("verify_audit")


def test_rehashed_tampering_breaks_the_next_link():
    _record_three()
    second = AuditEvent.objects.get(seq=2)
    second.data = {"text": "forged"}
    forged_hash = hash_of(second)
    _raw_update_bypassing_trigger(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE seq = %s",
        ['{"text": "forged"}', forged_hash, 2],
    )
    with pytest.raises(CommandError, match=r"broken at event #3: its previous-hash"):
        call_command("verify_audit")


def test_deleted_event_is_detected():
    _record_three()
    _raw_update_bypassing_trigger("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    with pytest.raises(CommandError, match=r"broken at event #2: event #2 is missing"):
        call_command("verify_audit")


def test_event_rolls_back_with_its_transaction():
    user = ExporterFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        trail.record(action="test.doomed", actor=user)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="test.doomed").exists()


def test_an_edited_event_with_the_next_links_prev_hash_patched_is_detected():
    """Guard for the rule that an event's hash covers the previous event's hash: edit event N,
    recompute its hash, and patch N+1's ``prev_hash`` to the new value. If the hash left
    ``prev_hash`` out, N+1's stored hash would still match its contents and the chain would
    verify; with it in, N+1 no longer matches."""
    _record_three()
    second = AuditEvent.objects.get(seq=2)
    second.data = {"text": "forged"}
    forged_hash = hash_of(second)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
        cursor.execute(
            "UPDATE audit_auditevent SET data = %s, hash = %s WHERE seq = 2",
            ['{"text": "forged"}', forged_hash],
        )
        cursor.execute("UPDATE audit_auditevent SET prev_hash = %s WHERE seq = 3", [forged_hash])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    stored = list(AuditEvent.objects.order_by("seq"))
    assert stored[1].hash == hash_of(stored[1])  # event N is self-consistent after the edit
    assert stored[2].prev_hash == stored[1].hash  # and the link to N+1 was patched
    report = verify_chain(stored)
    assert (report.ok, report.broken_seq) == (False, 3)
    with pytest.raises(CommandError, match=r"broken at event #3: its contents do not match"):
        call_command("verify_audit")
