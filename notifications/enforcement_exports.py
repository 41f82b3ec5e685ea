"""The enforcement record as CSV, column by column (the style of ``auditor_exports``): headers
are lazy translations, values the labels the pages show; ``exportctl.audit.exports`` makes any
cell that a spreadsheet would run as a formula inert."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exportctl.audit.exports import Column
from notifications.enforcement_models import Sanction, Violation


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


VIOLATION_COLUMNS = [
    Column(_("Record"), lambda v: str(v.public_id)),
    Column(_("Firm"), lambda v: v.firm.name),
    Column(_("Corporate number"), lambda v: v.firm.corporate_number),
    Column(_("Kind of violation"), lambda v: v.get_kind_display()),
    Column(_("Status"), lambda v: v.get_status_display()),
    Column(_("Voluntary disclosure"), lambda v: _yes_no(v.disclosed)),
    Column(_("Date of the breach"), lambda v: v.occurred_on),
    Column(_("Description"), lambda v: v.description),
    Column(_("Cases"), lambda v: " ".join(n.reference or "" for n in v.notifications.all())),
    Column(_("Permits"), lambda v: " ".join(p.number for p in v.permits.all())),
    Column(_("Evidence documents"), lambda v: len(v.evidence.all())),
    Column(_("Recorded by"), lambda v: v.created_by.email if v.created_by else gettext("System")),
    Column(_("Recorded at"), lambda v: v.created_at),
    Column(_("Decided by"), lambda v: v.decided_by.email if v.decided_by else ""),
    Column(_("Decided at"), lambda v: v.decided_at),
    Column(_("Decision note"), lambda v: v.decision_note),
]

SANCTION_COLUMNS = [
    Column(_("Record"), lambda s: str(s.public_id)),
    Column(_("Firm"), lambda s: s.firm.name),
    Column(_("Corporate number"), lambda s: s.firm.corporate_number),
    Column(_("Sanction"), lambda s: s.get_kind_display()),
    Column(_("First day"), lambda s: s.starts_on),
    Column(_("Last day"), lambda s: s.ends_on),
    Column(_("Reason"), lambda s: s.reason),
    Column(_("Violation"), lambda s: str(s.violation.public_id) if s.violation else ""),
    Column(_("Imposed by"), lambda s: s.imposed_by.email),
    Column(_("Imposed at"), lambda s: s.created_at),
]


def _violations():
    return (
        Violation.objects.select_related("firm", "created_by", "decided_by")
        .prefetch_related("notifications", "permits", "evidence")
        .order_by("created_at", "pk")
    )


def _sanctions():
    return Sanction.objects.select_related("firm", "imposed_by", "violation").order_by(
        "starts_on", "pk"
    )


#: ``what`` of the URL → (columns, rows).
EXPORTS = {
    "violations": (VIOLATION_COLUMNS, _violations),
    "sanctions": (SANCTION_COLUMNS, _sanctions),
}
