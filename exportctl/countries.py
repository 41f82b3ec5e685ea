"""Countries: ISO 3166-1 alpha-2 codes, stored as such, shown by name in Japanese or English.

The codes and their names come from ``django-countries`` (the ISO 3166-1 list with the names
translated into Japanese, and Django's active language choosing which one a reader gets), so
there is no table of our own to keep. What the database, the API and the screening engine keep
is the two-letter code; a person reads "イラン" or "Iran", with the code in parentheses where an
officer compares it with other papers ("イラン (IR)").

Every form and API field that takes a country (a destination, a party's country, a queue or
search filter, a self-check) validates against this one set, so "AA" is refused where it is typed
instead of being stored and shown back to a reviewer as if it were a place. Forms offer a select
of countries by name (enhanced into an autocomplete by ``exportctl/countries.js``, a plain select
without JavaScript); the API keeps taking codes.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework import serializers

COUNTRY_CODES: frozenset[str] = frozenset(code for code in countries.countries)

INVALID_COUNTRY = _(
    "“%(value)s” is not a country code. Use the two-letter ISO 3166 code, e.g. JP or US."
)
CHOOSE_COUNTRY = _("Select a country or region from the list.")


def is_country_code(value: str) -> bool:
    return value in COUNTRY_CODES


def country_name(code: str | None, language: str | None = None) -> str:
    """The name of ``code`` in ``language`` (the active language by default): "イラン", "Iran".
    A value that is not a code (old data, an empty field) comes back as it was."""
    code = (code or "").strip()
    if code.upper() not in COUNTRY_CODES:
        return code
    if language:
        with override(language):
            return str(countries.name(code.upper()))
    return str(countries.name(code.upper()))


def country_label(code: str | None, language: str | None = None) -> str:
    """The name with the code in parentheses, "イラン (IR)", where an officer compares codes."""
    code = (code or "").strip()
    name = country_name(code, language)
    return f"{name} ({code.upper()})" if name and name != code else code


def country_names(code: str | None) -> tuple[str, str]:
    """(Japanese, English) name of a code, for the bilingual documents; the code if unknown."""
    return country_name(code, "ja"), country_name(code, "en")


def _sort_key(name: str) -> str:
    # Accents and voicing marks sort with their base letter (Åland by A, ガーナ by カ), widths
    # and case compare as one. Ordering by the displayed name (gojūon order for names in
    # katakana, kanji names after them) is what a select can do without a reading of each name.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_choices() -> list[tuple[str, str]]:
    """Every country as (code, "name (code)"), sorted by the name in the active language."""
    language = get_language() or "ja"
    cached = _CHOICES.get(language)
    if cached is None:
        pairs = [(code, str(countries.name(code))) for code in COUNTRY_CODES]
        pairs.sort(key=lambda pair: (_sort_key(pair[1]), pair[0]))
        cached = [(code, f"{name} ({code})") for code, name in pairs]
        _CHOICES[language] = cached
    return cached


_CHOICES: dict[str, list[tuple[str, str]]] = {}


@deconstructible(path="exportctl.countries.CountryCodeValidator")
class CountryCodeValidator:
    """A stored country code: two capital letters that ISO 3166-1 assigns to a country."""

    message = INVALID_COUNTRY
    code = "invalid_country"

    def __call__(self, value: str) -> None:
        if not is_country_code(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other) -> bool:
        return isinstance(other, CountryCodeValidator)

    def __hash__(self) -> int:
        return hash(self.__class__)


validate_country_code = CountryCodeValidator()


class CountryCodeField(serializers.CharField):
    """The API's country field: an ISO 3166-1 alpha-2 code in either case, stored upper-case.
    A code ISO does not assign is refused under the field's own name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 code, e.g. TH.")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data).strip().upper()
        if value and not is_country_code(value):
            raise serializers.ValidationError(
                INVALID_COUNTRY % {"value": value}, code=CountryCodeValidator.code
            )
        return value


class CountryCodeFormField(forms.CharField):
    """A two-letter ISO 3166-1 code typed in either case: the API's query filters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("validators", [validate_country_code])
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CountrySelect(forms.Select):
    """A select of countries by name; ``exportctl/countries.js`` turns it into GOV.UK's
    accessible autocomplete (type "イラン" or "Iran", pick, the select keeps "IR")."""

    def __init__(self, attrs=None):
        attrs = {"class": "country-select", "data-country-autocomplete": "", **(attrs or {})}
        super().__init__(attrs)

    def format_value(self, value):
        # "ir" from a query string or a form selects the option "IR".
        return [str(v).strip().upper() for v in super().format_value(value)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # What the autocomplete reads out, in the page's language ({…} filled in by the script).
        context["widget"]["attrs"].update(
            {
                "data-t-no-results": _("No country or region matches"),
                "data-t-results": _("{length} countries or regions match. {selected}"),
                "data-t-selected": _("{option}, {index} of {length}, is highlighted"),
                "data-t-hint": _(
                    "Type part of the name. Use the up and down arrows to review the matches and "
                    "Enter to choose one."
                ),
            }
        )
        return context


class CountryField(forms.ChoiceField):
    """A country chosen by name in the page's language; the cleaned value is the ISO code.

    A query string may carry the code in either case (``?destination=ir``). ``blank_label`` is the
    empty option: a prompt on a required field, "any country" on a filter.
    """

    widget = CountrySelect
    default_error_messages = {
        "required": _("Select a country or region."),
        "invalid_choice": CHOOSE_COUNTRY,
    }

    def __init__(self, *, blank_label=None, **kwargs):
        self.blank_label = blank_label or _("Select a country or region")
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        kwargs.pop("empty_value", None)
        super().__init__(choices=self._choices, **kwargs)

    def _choices(self):
        return [("", self.blank_label), *country_choices()]

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def valid_value(self, value) -> bool:
        return is_country_code(value)
