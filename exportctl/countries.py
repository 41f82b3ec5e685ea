"""The countries a code may name: ISO 3166-1 alpha-2, as pycountry ships the standard.

Every form and API field that takes a country (a destination, a party's country, a queue or search
filter, a self-check) validates against this one set, so "AA" is refused where it is typed instead
of being stored and shown back to a reviewer as if it were a place.
"""

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)

INVALID_COUNTRY = _(
    "“%(value)s” is not a country code. Use the two-letter ISO 3166 code, e.g. JP or US."
)


def is_country_code(value: str) -> bool:
    return value in COUNTRY_CODES


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


class CountryField(forms.CharField):
    """A two-letter ISO 3166-1 code, typed in either case."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("validators", [validate_country_code])
        super().__init__(**kwargs)
        for attr, value in {
            "autocomplete": "off",
            "class": "input--country",
            "list": "country-codes",
        }.items():
            self.widget.attrs.setdefault(attr, value)

    def to_python(self, value):
        return super().to_python(value).upper()
