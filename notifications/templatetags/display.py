"""How stored values read on a page in the reader's language: names, foreign-script data,
amounts and quantities.

``{% load display %}``, then:

- ``{{ firm|firm_name }}``: a firm by the name of the reader's language (its Japanese name on a
  Japanese page when it has one, its romanised name otherwise).
- ``{{ value|in_its_language }}``: user or list data written in a script other than Latin,
  wrapped in ``<span lang="…">`` so that a screen reader reads it in its own language and a
  check for stray text of the other language knows it is data, not interface.
- ``{{ value|amount }}``: an integer or decimal with thousands separators, the same in every
  language and on every page, PDF and people-facing export ("38,000,000"; "50,000.5").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import translation
from django.utils.html import format_html

register = template.Library()

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_PERSIAN = re.compile(r"[\u067e\u0686\u0698\u06af\u06cc]")


def script_language(text: str) -> str:
    """The language a piece of data is written in, as far as its script tells; "" when it is
    Latin (or empty) and so may be in either of the portal's languages.

    Han characters without kana are read as Japanese: the portal's CJK data is Japanese (firms'
    names, the ministry's End User List) far more often than Chinese, and a Chinese name read
    with Japanese readings is still better than read letter by letter as English.
    """
    if not text:
        return ""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "ja"
    if _CYRILLIC.search(text):
        return "ru"
    if _ARABIC.search(text):
        return "fa" if _PERSIAN.search(text) else "ar"
    return ""


@register.filter
def in_its_language(value):
    """``value`` (escaped), in a ``<span lang>`` when its script says its language."""
    text = "" if value is None else str(value)
    language = script_language(text)
    if not language:
        return text
    return format_html('<span lang="{}">{}</span>', language, text)


@register.filter
def firm_name(firm) -> str:
    """The firm's name in the reader's language (see the module's docstring)."""
    if firm is None:
        return ""
    local = getattr(firm, "name_local", "") or ""
    if local and (translation.get_language() or "").startswith("ja"):
        return local
    return getattr(firm, "name", "") or local


def format_amount(value) -> str:
    """Thousands separators, no trailing zeros of a decimal ("50,000"; "1,234.5")."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


@register.filter
def amount(value) -> str:
    return format_amount(value)


@register.filter
def factor_title(factor) -> str:
    """A stored screening factor's title in the reader's language (``rules.factor_text``)."""
    from screening.rules import factor_text

    return factor_text(factor)["title"] if isinstance(factor, dict) else ""


@register.filter
def explained(explanation) -> dict:
    """A stored hit explanation's engine words in the reader's language
    (``screening.explain_text.explanation_text``)."""
    from screening.explain_text import explanation_text

    return explanation_text(explanation if isinstance(explanation, dict) else {})


@register.filter
def reference_text(value) -> str:
    """Reference data stored in English from ``partners.reference_data`` (a tier's or measure's
    legal basis), in the reader's language: the seeded texts are in the catalogue (marked with
    ``gettext_noop`` where they are defined); anything else — a list manager's own upload —
    reads as stored."""
    from django.utils.translation import gettext

    return gettext(str(value)) if value else ""


@register.filter
def lines_in_their_language(value):
    """Free text (grounds, reasons) line by line, each line marked with the language its script
    says (``in_its_language``) and the lines joined with ``<br>``: a bilingual notice written
    with an English and a Japanese line reads each in its own language."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    lines = str(value or "").splitlines()
    return mark_safe("<br>".join(conditional_escape(in_its_language(line)) for line in lines))  # noqa: S308 - every line is escaped
