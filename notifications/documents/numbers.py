"""Document numbers and verification codes.

A number names the kind and the year and is derived from the row the document is about (the
notification for a receipt, the permit, the denial decision), so it is unique without a counter
table and stable if the rendering task runs again. The verification code is what makes the public
verify page answer: without it a number alone reveals nothing, and the code is random, short and
free of characters people confuse when they copy it from paper (0/O, 1/I/L, 5/S, 2/Z, 8/B).
"""

import datetime
import re
import secrets
import unicodedata

from notifications.models import DocumentKind

PREFIXES = {
    DocumentKind.RECEIPT: "RC",
    DocumentKind.PERMIT: "PM",
    DocumentKind.DENIAL_LETTER: "DN",
}
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8  # 25**8 ≈ 1.5e11 codes: guessing one under the page's rate limit is hopeless

NUMBER_PATTERN = re.compile(r"^(RC|PM|DN)-[0-9]{4}-[0-9]{6,}$")


def document_number(kind: str, *, year: int | datetime.date, serial: int) -> str:
    """``RC-2026-000123``: kind prefix, year of issue, serial of the subject row."""
    if isinstance(year, datetime.date):
        year = year.year
    return f"{PREFIXES[DocumentKind(kind)]}-{year:04d}-{serial:06d}"


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
