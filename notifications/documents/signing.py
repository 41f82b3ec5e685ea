"""The ministry's digital signature on issued PDFs (pyHanko).

A PDF reader shows who signed a receipt, permit or denial letter and whether the bytes changed
since; an auditor can check the same with ``validate_pdf_signature`` (the "verify a PDF by upload"
page reuses it). The key and certificate are files named by settings:
``DOCUMENT_SIGNING_KEY``, ``DOCUMENT_SIGNING_CERT`` and ``DOCUMENT_SIGNING_KEY_PASSPHRASE``.

Production configures the ministry's own key. A demo deployment (``DEMO_MODE``) that has none gets
a self-signed demo key on first use (``manage.py signing_key --ensure`` does the same up front), so
that a fresh ``make run`` can issue documents; outside demo mode a missing key is a configuration
error, never silently replaced.
"""

import asyncio
import concurrent.futures
import datetime
import functools
import hashlib
from dataclasses import dataclass
from io import BytesIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import DocumentMetadata
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from exportctl.demo_signing_key import (  # noqa: F401 (documents' names for them)
    DEMO_SUBJECT,
    DEMO_VALIDITY_DAYS,
    _passphrase,
    _paths,
    ensure_demo_key,
    generate_demo_key,
)

SIGNATURE_FIELD = "MinistrySignature"


@dataclass(frozen=True)
class SignatureVerdict:
    """What an auditor needs to know about a PDF's signature.

    ``intact``: the signed bytes are unchanged; ``valid``: intact, and the signature over them is
    cryptographically sound; ``trusted``: the signer's certificate is the one this portal is
    configured with; ``covers_whole_file``: nothing was appended after signing.
    """

    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer_subject: str = ""
    signed_at: datetime.datetime | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file
        )

    @property
    def signer(self) -> str:
        return self.signer_subject

    @property
    def summary(self) -> str:
        """One line for a person: the first thing that is wrong, or that all is well."""
        if not self.signed:
            return gettext("The file carries no signature.")
        if self.error:
            return gettext("The signature cannot be checked.")
        if not self.intact:
            return gettext("The file was changed after it was signed.")
        if not self.valid:
            return gettext("The signature does not match the signed content.")
        if not self.trusted:
            return gettext("Signed, but not with this portal's signing certificate.")
        if not self.covers_whole_file:
            return gettext("Content was added after signing; the signature covers only part.")
        return gettext("Signed with this portal's certificate; unchanged since signing.")


# --- Key material ----------------------------------------------------------------------------


def signing_material_exists() -> bool:
    key_path, cert_path = _paths()
    return key_path.is_file() and cert_path.is_file()


def _signer() -> "_KeyCachingSigner":
    key_path, cert_path = _paths()
    if not signing_material_exists():
        if not settings.DEMO_MODE:
            raise ImproperlyConfigured(
                f"No document signing key: set DOCUMENT_SIGNING_KEY ({key_path}) and "
                f"DOCUMENT_SIGNING_CERT ({cert_path}) to the ministry's key and certificate."
            )
        ensure_demo_key()
    return _load_signer(
        str(key_path),
        str(cert_path),
        key_path.stat().st_mtime_ns,
        cert_path.stat().st_mtime_ns,
        _passphrase(),
    )


class _KeyCachingSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature, and parsing an
    RSA key validates it (about 0.2 s for RSA-3072) — twice per document, because pyHanko signs
    once more to size the signature field. Here the parsed key is kept for the process; other
    key types take pyHanko's own path."""

    @functools.cached_property
    def _private_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@functools.lru_cache(maxsize=4)
def _load_signer(
    key_file: str, cert_file: str, key_mtime: int, cert_mtime: int, passphrase: bytes | None
) -> _KeyCachingSigner:
    """Loaded once per worker process: decrypting a passphrase-protected key is deliberately
    slow (a key-derivation function). The files' modification times are part of the cache key,
    so a replaced key is picked up without a restart."""
    signer = signers.SimpleSigner.load(
        key_file=key_file, cert_file=cert_file, key_passphrase=passphrase
    )
    if signer is None:
        raise ImproperlyConfigured(f"Cannot load the signing key {key_file} with its passphrase.")
    return _KeyCachingSigner(
        signing_cert=signer.signing_cert,
        signing_key=signer.signing_key,
        cert_registry=signer.cert_registry,
    )


def configured_certificate():
    """The certificate documents are signed with: the trust anchor for validation."""
    _, cert_path = _paths()
    return load_cert_from_pemder(str(cert_path))


# --- Signing and validating ------------------------------------------------------------------


def _run(coroutine_function, *args, **kwargs):
    """Run one of pyHanko's coroutines to completion from synchronous code.

    pyHanko's synchronous wrappers call ``asyncio.run``, which refuses to start when this thread
    already runs an event loop (an ASGI server, Playwright's sync API in the browser tests); then
    the coroutine runs on a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine_function(*args, **kwargs))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function(*args, **kwargs))).result()


class _PinnedMetadata(DocumentMetadata):
    """pyHanko's document metadata, except that "modified now" means the pinned signing time:
    the writer sets ``last_modified = "now"`` itself just before it writes the XMP packet and
    the Info dictionary, and the wall clock would make every signature's bytes different."""

    def __setattr__(self, name, value):
        pinned = self.__dict__.get("_pinned_at")
        if name == "last_modified" and value == "now" and pinned is not None:
            value = pinned
        super().__setattr__(name, value)


class _PinnedWriter(IncrementalPdfFileWriter):
    """An incremental writer whose output depends on its input and ``at`` alone.

    pyHanko gives the signed revision a random second file identifier (``/ID``) and stamps
    the metadata with the wall clock; both are pinned here: the identifier is derived from the
    signed bytes and the signing time, the modification date is the signing time."""

    def __init__(self, pdf: bytes, *, at: datetime.datetime):
        super().__init__(BytesIO(pdf))
        meta = _PinnedMetadata(
            **{name: getattr(self._meta, name) for name in self._meta.__dataclass_fields__}
        )
        meta.__dict__["_pinned_at"] = at
        meta.last_modified = at
        self._meta = meta
        first, _ = self._document_id
        second = hashlib.sha256(pdf + at.isoformat().encode()).digest()[:16]
        self._document_id = generic.ArrayObject([first, generic.ByteStringObject(second)])


class _PinnedTimeSigner(signers.PdfSigner):
    """pyHanko's PDF signer with the signing session's clock set to ``at`` (the ``/M`` entry
    of the signature dictionary); PAdES signatures carry no signed signing-time attribute."""

    def __init__(self, *args, at: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._pinned_at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._pinned_at
        return session


def sign_pdf(
    pdf: bytes,
    *,
    reason: str = "",
    location: str = "Tokyo, JP",
    signed_at: datetime.datetime | None = None,
) -> bytes:
    """Sign ``pdf`` (PAdES baseline, SHA-256) as an incremental update, so the PDF/A body and its
    metadata stay exactly as rendered.

    With ``signed_at`` (an aware datetime) the result is a function of ``pdf`` and
    ``signed_at`` alone: the signing time, the metadata's modification date and the file
    identifier are pinned, no time-stamp token is fetched, and an RSA PKCS#1 v1.5 signature has
    no random part. Signing the same bytes at the same time again gives the same file."""
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or "Issued by the ministry / 経済産業省発行",
        location=location,
    )
    if signed_at is None:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        output = _run(signers.async_sign_pdf, writer, metadata, signer=_signer())
        return output.getvalue()
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be an aware datetime")
    writer = _PinnedWriter(pdf, at=signed_at)
    pdf_signer = _PinnedTimeSigner(metadata, signer=_signer(), at=signed_at)
    output = _run(pdf_signer.async_sign_pdf, writer)
    return output.getvalue()


def _subject(certificate) -> str:
    return certificate.subject.human_friendly


def validate_pdf_signature(pdf: bytes) -> SignatureVerdict:
    """Check the last signature of ``pdf`` against the configured certificate."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a signed PDF"
        return SignatureVerdict(signed=False, error=f"unreadable PDF: {error}")
    if not embedded:
        return SignatureVerdict(signed=False, error="no signature")
    signature = embedded[-1]
    context = ValidationContext(
        trust_roots=[configured_certificate()], allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = _run(async_validate_pdf_signature, signature, signer_validation_context=context)
    except Exception as error:  # noqa: BLE001 - a broken signature structure is "not valid"
        return SignatureVerdict(signed=True, error=f"signature cannot be checked: {error}")
    return SignatureVerdict(
        signed=True,
        intact=bool(status.intact),
        # pyHanko's ``valid`` is the signature over the signed attributes alone; a signature is
        # only valid for *these* bytes when their digest matches as well.
        valid=bool(status.valid and status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_subject=_subject(status.signing_cert),
        signed_at=status.signer_reported_dt,
    )
