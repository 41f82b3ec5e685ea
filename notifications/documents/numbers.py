"""Document numbers and verification codes.

A number names the kind and the year of issue, then a serial counted per kind and year
(``DocumentCounter``), always six digits wide: ``RC-2026-000001``, ``PM-2026-000001``,
``DN-2026-000001``, ``NL-2026-000001`` (no licence required), ``IN-2026-000001`` (inform notice).
An inform notice's number is taken when the notice is issued and is its letter's number. A permit's number is taken when the permit is granted and is the number of its
document: the one identifier the PDF, the case pages, the e-mails, the API and ``/verify/`` use.
Receipts and denial letters take theirs when the document is issued. The verification code is what
makes the public verify page answer: without it a number alone reveals nothing, and the code is
random, short and free of characters people confuse when they copy it from paper (0/O, 1/I/L, 5/S,
2/Z, 8/B).
"""

import datetime
import re
import secrets
import unicodedata

from django.db import transaction

from notifications.models import DocumentCounter, DocumentKind

PREFIXES = {
    DocumentKind.RECEIPT: "RC",
    DocumentKind.PERMIT: "PM",
    DocumentKind.DENIAL_LETTER: "DN",
    DocumentKind.NO_LICENCE_LETTER: "NL",
    DocumentKind.INFORM_NOTICE: "IN",
}
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8  # 25**8 ≈ 1.5e11 codes: guessing one under the page's rate limit is hopeless

SERIAL_WIDTH = 6  # one width for every kind; a seventh digit appears only past 999,999 a year
NUMBER_PATTERN = re.compile(r"^(RC|PM|DN|NL|IN)-[0-9]{4}-[0-9]{6,}$")


def document_number(kind: str, *, year: int | datetime.date, serial: int) -> str:
    """``RC-2026-000123``: kind prefix, year of issue, serial within that kind and year."""
    if isinstance(year, datetime.date):
        year = year.year
    return f"{PREFIXES[DocumentKind(kind)]}-{year:04d}-{serial:0{SERIAL_WIDTH}d}"


def next_number(kind: str, *, year: int | datetime.date) -> str:
    """Take the next number of ``kind`` for ``year``.

    Must run inside the transaction that stores the number: the counter row stays locked until
    that transaction ends, so concurrent issuers queue on it and each gets its own serial; if the
    transaction rolls back, so does the serial, and the series has no gap."""
    kind = DocumentKind(kind)
    if isinstance(year, datetime.date):
        year = year.year
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that stores the number")
    # get_or_create retries the read if a concurrent first issue of the year inserted the row.
    counter, _ = DocumentCounter.objects.select_for_update().get_or_create(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last", "updated_at"])
    return document_number(kind, year=year, serial=counter.last)


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_verification_code(code: str) -> str:
    """``ABCD-EFGH``: easier to read aloud and copy."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def normalise_number(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def normalise_code(value: str) -> str:
    """What a person typed, as stored: full-width folded, hyphens and spaces dropped, upper case."""
    return re.sub(r"[\s\-‐ー]+", "", unicodedata.normalize("NFKC", value or "")).upper()
