"""A destination's name in Japanese and English, for the documents and the verify page.

A code alone (``IR``) is what the database keeps; a customs officer comparing a permit with a
shipment reads a name. The names are the ones every page shows (``exportctl.countries``, from
django-countries' ISO 3166-1 list and its Japanese translation).
"""

from exportctl.countries import country_name as _country_name
from exportctl.countries import country_names

__all__ = ["country_name", "country_names"]


def country_name(code: str, language: str) -> str:
    """The name in ``language`` (``ja`` or anything else for English)."""
    return _country_name(code, "ja" if (language or "").startswith("ja") else "en")
