"""The only writer of audit events.

Call ``record`` inside the transaction that makes the change, so the event and the change commit
or roll back together. Appends are serialised (an advisory lock on PostgreSQL, the write lock on
SQLite) so that each event links to exactly one predecessor.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from exportctl.audit.chain import GENESIS_HASH, event_hash
from exportctl.audit.models import AuditEvent

# An arbitrary, fixed key for pg_advisory_xact_lock: "audit" in ASCII.
_CHAIN_LOCK_KEY = 0x6175646974

SYSTEM_ACTOR = "system"


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def lock_chain() -> None:
    """Serialise writers of the chain (events and checkpoints) until the transaction ends.

    One lock for both, always taken after any row lock of the calling service and never together
    with another advisory lock, so the order is the same everywhere and cannot deadlock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


_lock_chain = lock_chain  # the benchmark's seeding takes the same lock under its older name


def record(
    *,
    action: str,
    actor=None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    firm=None,
    data: dict | None = None,
    request=None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. ``obj`` fills object type and id (its ``public_id`` when it has one)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
        if firm is None:
            firm = obj if obj._meta.label_lower == "accounts.firm" else getattr(obj, "firm", None)
    # Round-trip through JSON so the hashed form is exactly what the database gives back later.
    clean_data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor_label or actor.email
        actor_id = actor.pk
    else:
        actor, actor_id = None, None
        label = actor_label or SYSTEM_ACTOR

    with transaction.atomic():
        lock_chain()
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        seq = last.seq + 1 if last else 1
        prev_hash = last.hash if last else GENESIS_HASH
        fields = {
            "seq": seq,
            "occurred_at": timezone.now(),
            "actor_id": actor_id,
            "actor_label": label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "firm_id": firm.pk if firm is not None else None,
            "data": clean_data,
            "ip_address": _client_ip(request),
            "prev_hash": prev_hash,
        }
        event = AuditEvent(**fields, hash=event_hash(**fields))
        event.save()
    return event
