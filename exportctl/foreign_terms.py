"""Interface text that quotes a term of the other language, with the term marked as such.

An English hint may quote what a user types in Japanese ("Legal forms such as Co., Ltd. or
株式会社 are ignored"). The quoted term is in ``<span lang="ja">`` so that a screen reader reads it
in Japanese, and so that a check for stray Japanese on English pages knows it is meant::

    help_text=with_terms(_("… such as Co., Ltd. or {legal_form} …"), legal_form=("ja", "株式会社"))
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString


def _render(text, terms: dict[str, tuple[str, str]]) -> SafeString:
    marked = {
        name: format_html('<span lang="{}">{}</span>', language, term)
        for name, (language, term) in terms.items()
    }
    return format_html(str(text), **marked)


def with_terms(text, **terms: tuple[str, str]):
    """``text`` (a msgid and its translation: trusted, as every catalogue string is; lazy, so
    translated when shown) with each ``{name}`` replaced by its ``(language, term)``, escaped and
    marked with its language."""
    return lazy(_render, SafeString)(text, terms)
