"""The hash chain of the audit trail: how an event's hash is computed and how the chain is checked.

The hash covers every recorded field and the previous event's hash, so a changed field, a removed
event or a re-ordered event is detected from the first affected event on.

An event is written first with its *content hash* (every recorded field, without its place in the
chain) and linked into the chain afterwards by the sealer (``exportctl.audit.sealer``), which gives
it its ``seq``, ``prev_hash`` and ``hash``. The content hash covers the event while it waits.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


def canonical_payload(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    firm_id: int | None,
    data: dict,
    ip_address: str | None,
    prev_hash: str,
) -> bytes:
    payload = {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "firm_id": firm_id,
        "data": data,
        "ip_address": ip_address,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(**fields) -> str:
    return hashlib.sha256(canonical_payload(**fields)).hexdigest()


#: The recorded fields of an event: what its content hash covers (its place in the chain aside).
CONTENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "firm_id",
    "data",
    "ip_address",
)


def content_hash(
    *,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    firm_id: int | None,
    data: dict,
    ip_address: str | None,
) -> str:
    """The hash of an event's recorded fields, written with the event before it is sealed.

    The same canonical JSON as the chain hash, under a key of its own (``"content"``) so that a
    content hash can never be mistaken for, or collide by construction with, a chain hash.
    """
    payload = {
        "content": {
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "firm_id": firm_id,
            "data": data,
            "ip_address": ip_address,
        }
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def content_fields_of(event) -> dict:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


def content_hash_of(event) -> str:
    """Recompute the content hash of a stored ``AuditEvent`` from its fields."""
    return content_hash(**content_fields_of(event))


def hash_of(event) -> str:
    """Recompute the hash of a stored ``AuditEvent`` from its fields."""
    return event_hash(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        firm_id=event.firm_id,
        data=event.data,
        ip_address=event.ip_address,
        prev_hash=event.prev_hash,
    )


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""  # lazily translated: the page says it in the reader's language

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(events) -> ChainReport:
    """Walk events in ``seq`` order and name the first one whose link does not hold."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(
                checked,
                expected_seq,
                format_lazy(
                    _("event #{missing} is missing (next found: #{found})"),
                    missing=expected_seq,
                    found=event.seq,
                ),
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, event.seq, _("its previous-hash does not match the event before it")
            )
        if hash_of(event) != event.hash:
            return ChainReport(checked, event.seq, _("its contents do not match its stored hash"))
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)
