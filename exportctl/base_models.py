"""What every app's models share, kept below all of them: accounts, audit and partners may not
import notifications (the import-linter layers in ``pyproject.toml``)."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The shape of a country code as a published list gives it. Lists keep codes that ISO 3166-1 has
#: withdrawn or never assigned (OFAC's AN, XK), so a listed entry is checked only for its shape;
#: what an exporter or the ministry types is checked against ISO 3166-1 (``validate_country_code``).
country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Use the two-letter ISO 3166 country code, e.g. JP or US.")
)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
