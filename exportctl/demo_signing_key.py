"""The document-signing key's files, and the self-signed demo key a demo deployment makes when
it has none (``notifications.documents.signing`` signs with it).

Kept below every app because the audit trail's checkpoints are signed with the same key by
default (``exportctl.audit.checkpoints``), and audit may not import notifications (the
import-linter layers in ``pyproject.toml``). Needs only ``cryptography``, not pyHanko.
"""

import datetime
import fcntl
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEMO_SUBJECT = "exportctl demo document signing (NOT FOR PRODUCTION)"
DEMO_VALIDITY_DAYS = 5 * 365


def _paths() -> tuple[Path, Path]:
    return Path(settings.DOCUMENT_SIGNING_KEY), Path(settings.DOCUMENT_SIGNING_CERT)


def _passphrase() -> bytes | None:
    passphrase = settings.DOCUMENT_SIGNING_KEY_PASSPHRASE
    return passphrase.encode() if passphrase else None


def generate_demo_key(key_path: Path, cert_path: Path, passphrase: bytes | None = None) -> None:
    """Write a new RSA key and a self-signed certificate for document signing."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "exportctl demo ministry"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SUBJECT),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=DEMO_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    # The key is readable by its owner only, and written before the certificate so that a
    # certificate on disk always has its key beside it.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def ensure_demo_key() -> bool:
    """Create the demo key and certificate at the configured paths unless both exist.

    Returns True when it created them. Serialised with a lock file, so that two workers starting
    at once do not write two different keys. Refuses to overwrite half a pair: a key without its
    certificate (or the reverse) is somebody's configuration and must be fixed by hand.
    """
    key_path, cert_path = _paths()
    key_path.parent.mkdir(parents=True, exist_ok=True)
    with open(key_path.parent / ".signing.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_path.is_file() and cert_path.is_file():
            return False
        if key_path.exists() or cert_path.exists():
            raise ImproperlyConfigured(
                f"Only one of {key_path} and {cert_path} exists; restore the pair or remove both."
            )
        generate_demo_key(key_path, cert_path, _passphrase())
        return True
