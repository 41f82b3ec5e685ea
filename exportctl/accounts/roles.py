"""Roles are Django groups with these names (created by a migration).

Firm roles belong to users of an exporting firm; ministry roles to ministry staff, who have no firm.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EXPORTER = "exporter", _("Exporter")
    FIRM_ADMIN = "firm_admin", _("Firm administrator")
    REVIEWER = "reviewer", _("Reviewer")
    SENIOR_REVIEWER = "senior_reviewer", _("Senior reviewer")
    LIST_MANAGER = "list_manager", _("List manager")
    AUDITOR = "auditor", _("Auditor")
    #: Records violations and imposes administrative sanctions (FEFTA Art. 53); senior reviewers
    #: may do the same (``notifications.enforcement``).
    ENFORCEMENT_OFFICER = "enforcement_officer", _("Enforcement officer")


FIRM_ROLES = frozenset({Role.EXPORTER, Role.FIRM_ADMIN})
MINISTRY_ROLES = frozenset(Role) - FIRM_ROLES
