"""Deferred sealing of the audit chain (exportctl/audit/sealer.py): an event may be written before
its place in the chain is known, with the hash of its content; the sealer fills ``seq``,
``prev_hash`` and ``hash`` later, once. The append-only triggers let exactly that update through:
on a row still unsealed, setting those three columns and changing nothing else. Every other
UPDATE, and every DELETE (and TRUNCATE on PostgreSQL), is still refused.

On SQLite, altering the columns rebuilds the table, which drops its triggers: they are created
again here, after the alterations.
"""

from django.conf import settings
from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    -- The sealer's one update: a row still unsealed gets its place in the chain, nothing else.
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
           AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
           AND (to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'])
               = (to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'])
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_DOWN = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
#: Every column but the three the sealer fills: none may change, even in the sealing update.
_UNCHANGED = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "firm_id",
    "data",
    "ip_address",
    "content_hash",
    "created_at",
    "updated_at",
)
_SEALING_UPDATE = " AND ".join(
    [
        "OLD.seq IS NULL",
        "OLD.prev_hash IS NULL",
        "OLD.hash IS NULL",
        "NEW.seq IS NOT NULL",
        "NEW.prev_hash IS NOT NULL",
        "NEW.hash IS NOT NULL",
        *(f"NEW.{column} IS OLD.{column}" for column in _UNCHANGED),
    ]
)
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
    f"""CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
       WHEN NOT ({_SEALING_UPDATE})
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;""",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audit_checkpoint"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # (the triggers are installed last, after SQLite's table rebuilds)
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["seq", "id"],
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="content_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(
                blank=True, editable=False, null=True, unique=True
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)),
                fields=["id"],
                name="audit_event_unsealed",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("hash__isnull", True), ("prev_hash__isnull", True), ("seq__isnull", True)
                    ),
                    models.Q(
                        ("hash__isnull", False),
                        ("prev_hash__isnull", False),
                        ("seq__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="audit_sealed_whole",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
