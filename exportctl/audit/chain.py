"""The hash chain of the audit trail: how an event's hash is computed and how the chain is checked.

The hash covers every recorded field and the previous event's hash, so a changed field, a removed
event or a re-ordered event is detected from the first affected event on.
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
