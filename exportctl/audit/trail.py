"""The only writer of audit events.

Call ``record`` inside the transaction that makes the change, so the event and the change commit
or roll back together. Writers do not wait for one another: the event is inserted with the hash of
its content and linked into the chain by the sealer (``exportctl.audit.sealer``, which explains
the order and why it needs no grace period); a writer that finds the sealer's lock free seals it
at once.
"""

import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from exportctl.audit import sealer
from exportctl.audit.chain import content_hash, event_hash
from exportctl.audit.models import AuditEvent
from exportctl.audit.sealer import lock_chain  # noqa: F401 - the chain's lock, by its old name

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest
    from rest_framework.request import Request

SYSTEM_ACTOR = "system"


def _client_ip(request: "HttpRequest | Request | None") -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _lock_chain() -> None:
    """Wait for the chain's lock and seal what is waiting: afterwards the newest row by ``seq``
    is the chain's head, so a bulk writer (the benchmark's seeding) may append sealed rows after
    it, as it did when every writer took this lock."""
    sealer.lock_chain()
    sealer.seal_pending()


class _FirmRef:
    """A firm known by its key only: the event stores ``firm_id``, so reading the firm's row
    (a query per event) would be wasted."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


def _firm_of(obj: Any) -> "Model | _FirmRef | None":
    try:
        field = obj._meta.get_field("firm")
    except FieldDoesNotExist:
        return getattr(obj, "firm", None)
    if field.many_to_one and field.concrete:
        firm_id = getattr(obj, field.attname)
        return _FirmRef(firm_id) if firm_id is not None else None
    return getattr(obj, "firm", None)


def record(
    *,
    action: str,
    # A User; anyone not signed in (an AnonymousUser, None) is recorded as the system.
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    firm: "Model | _FirmRef | None" = None,
    data: dict | None = None,
    request: "HttpRequest | Request | None" = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. ``obj`` fills object type and id (its ``public_id`` when it has one)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
        if firm is None:
            firm = obj if obj._meta.label_lower == "accounts.firm" else _firm_of(obj)
    # Round-trip through JSON so the hashed form is exactly what the database gives back later.
    clean_data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor_label or actor.email
        actor_id = actor.pk
    else:
        actor, actor_id = None, None
        label = actor_label or SYSTEM_ACTOR

    fields = {
        "occurred_at": timezone.now(),
        "actor_id": actor_id,
        "actor_label": label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "firm_id": firm.pk if firm is not None else None,
        "data": clean_data,
        "ip_address": _client_ip(request),
    }
    event = AuditEvent(**fields, content_hash=content_hash(**fields))
    # Inside the caller's transaction when there is one (no savepoint: an error here fails the
    # caller's write anyway, and the savepoint cost two round trips on every audited write).
    with transaction.atomic(savepoint=False):
        # Never waits: when another transaction holds the lock, the event is left for the sealer.
        if sealer.seal_on_write() and sealer.try_lock_chain():
            waiting = sealer.seal_pending(limit=sealer.INLINE_BACKLOG_LIMIT)
            if waiting.complete:
                event.seq = waiting.head_seq + 1
                event.prev_hash = waiting.head_hash
                event.hash = event_hash(seq=event.seq, prev_hash=event.prev_hash, **fields)
        event.save()
    return event
