"""Checking the audit trail against its signed checkpoints: ``manage.py verify_audit`` and the
auditor's "Verify the chain" button run this.

The hash chain alone detects a change between its ends. Against the checkpoints it also detects:
the newest events deleted (the trail ends before a checkpoint's head), a chain rewritten with
recomputed hashes (an event no longer hashes to what a checkpoint signed), a checkpoint missing
(from the database, from the outside store, or from both: numbers are contiguous) and a forged or
altered checkpoint (its signature does not verify with the ministry's key). Each finding names
what broke.

It seals first (``exportctl.audit.sealer``), so every committed event is in the chain it checks;
an event still waiting after that must match the content hash written with it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from exportctl.audit.chain import ChainReport, content_hash_of
from exportctl.audit.checkpoints import (
    PublicKey,
    read_store,
    record_of,
    signature_valid,
    signed_bytes,
    store_path,
    trusted_keys,
)
from exportctl.audit.log import chain_report
from exportctl.audit.models import AuditCheckpoint, AuditEvent
from exportctl.audit.sealer import unsealed_events

#: What can be wrong, and how it is said (``%(name)s`` filled from the finding's params).
MESSAGES = {
    "truncated": _(
        "Newest events deleted: the trail ends at event #%(last)s, but checkpoint #%(number)s "
        "covers events up to #%(head)s."
    ),
    "rewritten": _(
        "Chain rewritten: event #%(head)s no longer has the hash signed in checkpoint #%(number)s."
    ),
    "count": _(
        "Events missing: checkpoint #%(number)s counted %(expected)s events up to #%(head)s, "
        "the trail now holds %(found)s."
    ),
    "bad_signature": _(
        "Forged or altered checkpoint: the signature of checkpoint #%(number)s (%(where)s) "
        "does not verify."
    ),
    "unknown_key": _(
        "Forged checkpoint: checkpoint #%(number)s (%(where)s) is signed with a key that is not "
        "the ministry's (key id %(key_id)s)."
    ),
    "missing_db": _(
        "Checkpoint missing: #%(number)s is in the outside store but not in the database."
    ),
    "missing_store": _(
        "Checkpoint missing: #%(number)s is in the database but not in the outside store."
    ),
    "missing_both": _(
        "Checkpoint missing: #%(number)s is neither in the database nor in the outside store."
    ),
    "differs": _(
        "Checkpoint altered: #%(number)s differs between the database and the outside store."
    ),
    "duplicate": _("Checkpoint altered: #%(number)s appears twice in the outside store."),
    "unreadable": _("Line %(line)s of the outside store is not a checkpoint."),
    "store_unreadable": _("The outside store %(path)s cannot be read: %(error)s."),
    "store_empty": _(
        "Checkpoints missing: the outside store %(path)s holds none, the database %(count)s."
    ),
    "database_empty": _(
        "Checkpoints missing: the database holds none, the outside store %(count)s."
    ),
    "more": _("… and %(count)s more findings of the same kind."),
    "no_key": _("The checkpoints cannot be checked: no checkpoint key is configured (%(error)s)."),
    "backwards": _("Checkpoint #%(number)s covers fewer events than the checkpoint before it."),
    "unsealed_altered": _(
        "Event altered before it was sealed: the event waiting in place %(id)s of the queue no "
        "longer matches the hash of its content written with it."
    ),
}
WHERE = {"database": _("database"), "store": _("outside store")}


@dataclass(frozen=True)
class Finding:
    kind: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """In the active language: the page shows it in the reader's, the command in English."""
        values = {
            name: str(WHERE.get(value, value)) if name == "where" else value
            for name, value in self.params.items()
        }
        return str(MESSAGES[self.kind]) % values


@dataclass(frozen=True)
class TrailReport:
    chain: ChainReport
    findings: tuple[Finding, ...]
    checkpoints: int  # checkpoints whose signature verified
    latest_number: int | None
    latest_head: int | None
    last_seq: int
    store: str
    unsealed: int = 0  # events still waiting for the sealer when the check ran

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.findings

    @property
    def uncovered(self) -> int:
        """Events after the latest checkpoint: not yet protected against deletion."""
        return max(self.last_seq - (self.latest_head or 0), 0)

    # The chain's own verdict, as the page and the command have always shown it.
    @property
    def checked(self) -> int:
        return self.chain.checked

    @property
    def broken_seq(self) -> int | None:
        return self.chain.broken_seq

    @property
    def reason(self):
        return self.chain.reason


def _same(one: dict, other: dict) -> bool:
    return signed_bytes(one) == signed_bytes(other) and one["signature"] == other["signature"]


def _hashes_of(seqs: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        found.update(AuditEvent.objects.filter(seq__in=chunk).values_list("seq", "hash"))
    return found


def _copies(findings: list[Finding]) -> dict[int, dict[str, dict]]:
    """Every checkpoint by number, as the database and the outside store hold it."""
    copies: dict[int, dict[str, dict]] = {}
    for checkpoint in AuditCheckpoint.objects.order_by("number").iterator(chunk_size=2000):
        copies.setdefault(checkpoint.number, {})["database"] = record_of(checkpoint)
    try:
        stored = read_store()
    except OSError as error:
        findings.append(Finding("store_unreadable", {"path": store_path(), "error": error}))
        stored = []
    for line in stored:
        if line.record is None:
            findings.append(Finding("unreadable", {"line": line.line}))
            continue
        number = line.record["number"]
        held = copies.setdefault(number, {})
        if "store" in held:
            if not _same(held["store"], line.record):
                findings.append(Finding("duplicate", {"number": number}))
            continue
        held["store"] = line.record
    return copies


def _signed_copies(copies: dict[int, dict[str, dict]], findings: list[Finding]) -> list[dict]:
    """The copies whose signature verifies; a finding for every other and for every copy that is
    missing or differs."""
    keys: dict[str, PublicKey] | None
    try:
        keys = trusted_keys() if copies else {}
    except ImproperlyConfigured as error:
        findings.append(Finding("no_key", {"error": error}))
        keys = None  # copies are still compared; none counts as signed
    valid: list[dict] = []
    highest = max(copies, default=0)
    in_db = sum(1 for held in copies.values() if "database" in held)
    in_store = sum(1 for held in copies.values() if "store" in held)
    # A whole copy gone is one finding, not one per checkpoint.
    whole_store_gone = in_db and not in_store
    whole_database_gone = in_store and not in_db
    if whole_store_gone:
        findings.append(Finding("store_empty", {"path": store_path(), "count": in_db}))
    if whole_database_gone:
        findings.append(Finding("database_empty", {"count": in_store}))
    for number in range(1, highest + 1):
        held = copies.get(number, {})
        if not held:
            findings.append(Finding("missing_both", {"number": number}))
            continue
        if "store" not in held and not whole_store_gone:
            findings.append(Finding("missing_store", {"number": number}))
        if "database" not in held and not whole_database_gone:
            findings.append(Finding("missing_db", {"number": number}))
        if len(held) == 2 and not _same(held["database"], held["store"]):
            findings.append(Finding("differs", {"number": number}))
        for where, record in held.items():
            if keys is None:
                continue
            key = keys.get(record["key_id"])
            if key is None:
                findings.append(
                    Finding(
                        "unknown_key",
                        {"number": number, "where": where, "key_id": record["key_id"]},
                    )
                )
            elif not signature_valid(
                key.key, record["algorithm"], record["signature"], signed_bytes(record)
            ):
                findings.append(Finding("bad_signature", {"number": number, "where": where}))
            elif not any(_same(record, kept) for kept in valid if kept["number"] == number):
                valid.append(record)
    return valid


def _against_the_chain(valid: list[dict], last_seq: int, findings: list[Finding]) -> None:
    previous_head = 0
    for record in sorted(valid, key=lambda r: r["number"]):
        if record["head_seq"] < previous_head:
            findings.append(Finding("backwards", {"number": record["number"]}))
        previous_head = max(previous_head, record["head_seq"])
    beyond = [r for r in valid if r["head_seq"] > last_seq]
    if beyond:
        newest = max(beyond, key=lambda r: (r["head_seq"], r["number"]))
        findings.append(
            Finding(
                "truncated",
                {"last": last_seq, "number": newest["number"], "head": newest["head_seq"]},
            )
        )
    within = [r for r in valid if r["head_seq"] <= last_seq]
    hashes = _hashes_of(sorted({r["head_seq"] for r in within}))
    rewritten = [r for r in within if hashes.get(r["head_seq"]) != r["head_hash"]]
    if rewritten:
        # The earliest disagreeing checkpoint: the rewrite reaches back at least that far.
        first = min(rewritten, key=lambda r: r["number"])
        findings.append(
            Finding("rewritten", {"number": first["number"], "head": first["head_seq"]})
        )
    elif within:
        latest = max(within, key=lambda r: r["number"])
        found = AuditEvent.objects.filter(seq__lte=latest["head_seq"]).count()
        if found != latest["event_count"]:
            findings.append(
                Finding(
                    "count",
                    {
                        "number": latest["number"],
                        "expected": latest["event_count"],
                        "head": latest["head_seq"],
                        "found": found,
                    },
                )
            )


#: Findings of one kind shown before the rest are summed up (a rewrite of a long trail could
#: otherwise fill the page with one line per checkpoint).
FINDINGS_PER_KIND = 20


def _capped(findings: list[Finding]) -> tuple[Finding, ...]:
    shown: list[Finding] = []
    extra: dict[str, int] = {}
    for finding in findings:
        if sum(1 for f in shown if f.kind == finding.kind) < FINDINGS_PER_KIND:
            shown.append(finding)
        else:
            extra[finding.kind] = extra.get(finding.kind, 0) + 1
    for kind, count in extra.items():
        last = max(i for i, f in enumerate(shown) if f.kind == kind)
        shown.insert(last + 1, Finding("more", {"count": count}))
    return tuple(shown)


def _waiting(findings: list[Finding]) -> int:
    """Events the sealer has not chained (committed since it ran, or refused because they were
    altered): each must still match the content hash written with it."""
    count = 0
    for event in unsealed_events().iterator(chunk_size=2000):
        count += 1
        if content_hash_of(event) != event.content_hash:
            findings.append(Finding("unsealed_altered", {"id": event.pk}))
    return count


def verify_trail() -> TrailReport:
    """Seal what is waiting, then check the hash chain, the events still waiting against their
    content hashes, the checkpoints (both copies of each) and the chain against them."""
    chain = chain_report()
    findings: list[Finding] = []
    unsealed = _waiting(findings)
    copies = _copies(findings)
    valid = _signed_copies(copies, findings)
    last_seq = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
    _against_the_chain(valid, last_seq, findings)
    latest = max(valid, key=lambda r: r["number"], default=None)
    return TrailReport(
        chain=chain,
        findings=_capped(findings),
        checkpoints=len({r["number"] for r in valid}),
        latest_number=latest["number"] if latest else None,
        latest_head=latest["head_seq"] if latest else None,
        last_seq=last_seq,
        store=str(store_path()),
        unsealed=unsealed,
    )
