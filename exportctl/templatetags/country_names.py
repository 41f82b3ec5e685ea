"""Country names in templates (a builtin library: no ``{% load %}`` needed).

``{{ code|country_name }}``: "イラン" (Japanese page) or "Iran" (English page);
``{{ code|country_name:"en" }}`` in a given language (the bilingual documents).
``{{ code|country_label }}``: "イラン (IR)", where the code is compared with other papers.
``{{ codes|country_names }}``: a list of codes as names, joined with the language's separator.
A value that is not an ISO 3166-1 code is shown as it is.
"""

from django import template
from django.utils.translation import get_language

from exportctl.countries import country_label as _country_label
from exportctl.countries import country_name as _country_name

register = template.Library()


@register.filter
def country_name(code, language: str = "") -> str:
    """``{{ code|country_name }}`` in the page's language, ``{{ code|country_name:"en" }}`` in
    a given one (the bilingual documents)."""
    return _country_name(code, language or None)


@register.filter
def country_label(code) -> str:
    return _country_label(code)


@register.filter
def country_names(codes, with_code: str = "") -> str:
    """Names of several codes (a list, or a string "RU BY"): "ロシア、ベラルーシ" in Japanese,
    commas in English; ``country_names:"code"`` adds each code in parentheses."""
    if isinstance(codes, str):
        codes = codes.split()
    name = _country_label if with_code else _country_name
    separator = "、" if (get_language() or "").startswith("ja") else ", "
    return separator.join(name(code) for code in codes or ())
