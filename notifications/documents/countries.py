"""A destination's name in Japanese and English, for the documents and the verify page.

A code alone (``IR``) is what the database keeps; a customs officer comparing a permit with a
shipment reads a name. Names come from ISO 3166-1 as pycountry ships it (English: the common name
where one exists; Japanese: pycountry's translation), with the names the Government of Japan uses
where the ISO wording differs.
"""

import functools
import gettext

import pycountry

#: Where Japan's official usage differs from the ISO 3166-1 wording or its Japanese translation.
OVERRIDES: dict[str, tuple[str, str]] = {
    "TW": ("台湾", "Taiwan"),
    "KR": ("大韓民国", "Republic of Korea"),
    "KP": ("北朝鮮", "North Korea"),
    "US": ("アメリカ合衆国", "United States"),
    "GB": ("英国", "United Kingdom"),
}


@functools.cache
def _japanese() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"], fallback=True)


@functools.cache
def country_names(code: str) -> tuple[str, str]:
    """(Japanese, English) name of an ISO 3166-1 alpha-2 code; the code itself if unknown."""
    code = (code or "").upper()
    if code in OVERRIDES:
        return OVERRIDES[code]
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code, code
    english = getattr(country, "common_name", None) or country.name
    return _japanese().gettext(country.name), english


def country_name(code: str, language: str) -> str:
    """The name in ``language`` (``ja`` or anything else for English)."""
    japanese, english = country_names(code)
    return japanese if (language or "").startswith("ja") else english
