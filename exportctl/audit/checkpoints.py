"""Signed checkpoints of the audit trail, kept in the database and in an append-only file.

A hash chain proves only what lies between its ends: someone with database access can delete the
newest events, or rewrite the whole chain and recompute every hash, and the chain still verifies.
A checkpoint fixes the head: "events #1 to #head_seq, the last of which hashes to head_hash",
signed with the ministry's key (``AUDIT_CHECKPOINT_KEY``, by default the document-signing key).
Each is written twice, to the database and as one JSON line appended to a file outside it
(``AUDIT_CHECKPOINT_DIR``), and published without sign-in (``audit:checkpoints``, and a JSON
feed), so that firms and outside auditors can keep copies, as Certificate Transparency logs
publish their signed tree heads. ``exportctl.audit.integrity`` checks the chain against them.

When checkpoints are made: by the beat task every ten minutes when events were added, and after
every list publication and permit issue (``make_checkpoint``, called inside the service's
transaction, makes the checkpoint once that transaction has committed, so it covers every event
the transaction wrote, including those written after the call).

What is signed: the UTF-8 bytes of the JSON object of ``SIGNED_FIELDS`` with sorted keys, no
spaces (separators ``,`` and ``:``) and non-ASCII characters kept as they are. The signature is
RSASSA-PKCS1-v1_5 with SHA-256 for an RSA key, ECDSA with SHA-256 (DER) for an EC key, or Ed25519;
``key_id`` is the SHA-256 of the public key's DER SubjectPublicKeyInfo.
"""

import base64
import datetime
import fcntl
import functools
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from exportctl.audit.models import AuditCheckpoint, AuditEvent, CheckpointReason
from exportctl.audit.sealer import lock_chain, seal_pending
from exportctl.demo_signing_key import ensure_demo_key

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
LOG_NAME = "exportctl audit trail"
STORE_FILE = "checkpoints.jsonl"
SIGNED_FIELDS = (
    "v",
    "log",
    "number",
    "head_seq",
    "head_hash",
    "event_count",
    "made_at",
    "reason",
    "algorithm",
    "key_id",
)
RSA_PKCS1_SHA256 = "rsa-pkcs1v15-sha256"
ECDSA_SHA256 = "ecdsa-sha256"
ED25519 = "ed25519"


# --- Keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    algorithm: str
    pem: str
    key: object
    current: bool


def _configured_key() -> tuple[Path, bytes | None, bool]:
    """The checkpoint key's path and passphrase, and whether it is the document-signing key."""
    if settings.AUDIT_CHECKPOINT_KEY:
        passphrase = settings.AUDIT_CHECKPOINT_KEY_PASSPHRASE
        return Path(settings.AUDIT_CHECKPOINT_KEY), passphrase.encode() or None, False
    passphrase = settings.DOCUMENT_SIGNING_KEY_PASSPHRASE
    return Path(settings.DOCUMENT_SIGNING_KEY), passphrase.encode() or None, True


def signing_key():
    """The ministry's private key for checkpoints. A demo deployment without a document-signing
    key gets its demo key, as issued documents do; anywhere else a missing key is an error."""
    path, passphrase, is_document_key = _configured_key()
    if not path.is_file():
        if not (is_document_key and settings.DEMO_MODE):
            raise ImproperlyConfigured(
                f"No audit checkpoint key at {path}: set EXPORTCTL_AUDIT_CHECKPOINT_KEY (or the "
                "document-signing key it defaults to) to the ministry's key."
            )
        ensure_demo_key()
    return _load_private_key(str(path), path.stat().st_mtime_ns, passphrase)


@functools.lru_cache(maxsize=4)
def _load_private_key(path: str, mtime_ns: int, passphrase: bytes | None):
    """Once per process (decrypting a protected key is slow on purpose); the modification time
    in the cache key picks up a replaced key without a restart."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=passphrase)
    if not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise ImproperlyConfigured(f"The audit checkpoint key {path} must be RSA, EC or Ed25519.")
    return key


def algorithm_of(public_key) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return RSA_PKCS1_SHA256
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ECDSA_SHA256
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ED25519
    raise ImproperlyConfigured("Audit checkpoint keys must be RSA, EC or Ed25519.")


def key_id_of(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _public_key(public_key, *, current: bool) -> PublicKey:
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return PublicKey(key_id_of(public_key), algorithm_of(public_key), pem, public_key, current)


@functools.lru_cache(maxsize=16)
def _load_public_key(path: str, mtime_ns: int):
    data = Path(path).read_bytes()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def trusted_keys() -> dict[str, PublicKey]:
    """The keys checkpoints may be signed with, by key id: the current one first, then retired
    ones (``AUDIT_CHECKPOINT_RETIRED_KEYS``) so that older checkpoints still verify."""
    current = _public_key(signing_key().public_key(), current=True)
    keys = {current.key_id: current}
    for path in settings.AUDIT_CHECKPOINT_RETIRED_KEYS:
        retired = _public_key(
            _load_public_key(str(path), Path(path).stat().st_mtime_ns), current=False
        )
        keys.setdefault(retired.key_id, retired)
    return keys


def _sign(private_key, data: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    return private_key.sign(data)


def signature_valid(public_key, algorithm: str, signature: str, data: bytes) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s signature of ``data``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        if algorithm != algorithm_of(public_key):
            return False
        if algorithm == RSA_PKCS1_SHA256:
            public_key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == ECDSA_SHA256:
            public_key.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(raw, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- The record of a checkpoint --------------------------------------------------------------


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def record_of(checkpoint: AuditCheckpoint) -> dict:
    """The published form of a checkpoint: the signed fields and the signature. The same dict is
    the line of the outside store and an entry of the JSON feed."""
    return {
        "v": FORMAT_VERSION,
        "log": LOG_NAME,
        "number": checkpoint.number,
        "head_seq": checkpoint.head_seq,
        "head_hash": checkpoint.head_hash,
        "event_count": checkpoint.event_count,
        "made_at": _timestamp(checkpoint.made_at),
        "reason": checkpoint.reason,
        "algorithm": checkpoint.algorithm,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def signed_bytes(record: dict) -> bytes:
    """Exactly the bytes that are signed (see the module's docstring)."""
    signed = {name: record[name] for name in SIGNED_FIELDS}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- The store outside the database ----------------------------------------------------------


def store_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / STORE_FILE


def _append_to_store(record: dict) -> None:
    """One line, appended (O_APPEND) and flushed to disk before the database row commits; the
    file is never opened for writing any other way."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        # Processes that share the file without sharing PostgreSQL's lock (SQLite) take turns.
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


@dataclass(frozen=True)
class StoredLine:
    line: int
    record: dict | None


def read_store() -> list[StoredLine]:
    """Every line of the outside store; ``record`` is None for a line that is no checkpoint.
    Raises OSError when the store exists but cannot be read."""
    lines: list[StoredLine] = []
    try:
        handle = open(store_path(), encoding="utf-8", errors="replace")  # noqa: SIM115
    except FileNotFoundError:
        return lines  # no checkpoint made yet (or the file was removed: the caller compares)
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError:
                record = None
            if not isinstance(record, dict) or any(
                name not in record for name in (*SIGNED_FIELDS, "signature")
            ):
                record = None
            lines.append(StoredLine(number, record))
    return lines


# --- Making checkpoints ----------------------------------------------------------------------


def checkpoint_create(*, reason: str) -> AuditCheckpoint | None:
    """Sign the trail's current head, unless the latest checkpoint already covers it.

    Runs in its own transaction under the chain's lock (the sealer's), so checkpoints are
    numbered without gaps, each covers at least its predecessor, and the file's lines come in the
    same order as the rows. It seals first: the checkpoint covers every event committed before it
    (``exportctl.audit.sealer``). The line is written before the row commits: a checkpoint that
    fails to reach the file is not kept in the database either.
    """
    private_key = signing_key()  # before the lock: loading a key may take a while
    public_key = private_key.public_key()
    with transaction.atomic():
        lock_chain()
        head = seal_pending()
        if head.head_seq == 0:
            return None
        last = AuditCheckpoint.objects.order_by("-number").first()
        if last is not None and last.head_seq >= head.head_seq:
            return None
        since = last.head_seq if last is not None else 0
        count = (last.event_count if last is not None else 0) + AuditEvent.objects.filter(
            seq__gt=since, seq__lte=head.head_seq
        ).count()
        checkpoint = AuditCheckpoint(
            number=last.number + 1 if last is not None else 1,
            head_seq=head.head_seq,
            head_hash=head.head_hash,
            event_count=count,
            made_at=timezone.now(),
            reason=reason,
            algorithm=algorithm_of(public_key),
            key_id=key_id_of(public_key),
        )
        record = record_of(checkpoint)
        checkpoint.signature = base64.b64encode(_sign(private_key, signed_bytes(record))).decode()
        checkpoint.save()
        _append_to_store(record_of(checkpoint))
    return checkpoint


def _after_commit(reason: str) -> None:
    try:
        checkpoint_create(reason=reason)
    except Exception:
        # The change itself has committed and must stand; the next scheduled checkpoint covers
        # its events. The failure (a missing key, an unwritable store) is logged to be fixed.
        logger.exception("audit checkpoint (%s) not made after commit", reason)


def make_checkpoint(*, reason: str = CheckpointReason.MANUAL) -> AuditCheckpoint | None:
    """Checkpoint the trail for ``reason`` (a ``CheckpointReason``).

    Safe inside a service's transaction: there the checkpoint is made once the transaction has
    committed (``transaction.on_commit``), so that it covers every event the transaction writes —
    a permit issue records the case's own transition after the permit's event — and is never
    made for a change that rolled back; signing and the file append also stay outside the
    service's row locks. Returns None then (and when nothing is new); outside a transaction it
    makes the checkpoint at once and returns it.
    """
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(functools.partial(_after_commit, str(reason)))
        return None
    return checkpoint_create(reason=str(reason))
