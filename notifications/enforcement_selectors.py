"""Reading the enforcement record. Ministry readers (enforcement staff, the auditor) see every
firm's; a firm user sees only their own firm's disclosures, and anything else is a 404."""

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from exportctl import access
from exportctl.accounts.models import User
from notifications.enforcement_models import Sanction, Violation, ViolationEvidence


def _with_relations(queryset: QuerySet[Violation]) -> QuerySet[Violation]:
    return queryset.select_related("firm", "created_by", "decided_by").prefetch_related(
        "notifications", "permits", "evidence", "sanctions"
    )


def violations_for_ministry(*, firm: str = "", status: str = "") -> QuerySet[Violation]:
    queryset = _with_relations(Violation.objects.all())
    if firm.strip():
        text = firm.strip()
        queryset = queryset.filter(
            Q(firm__name__icontains=text)
            | Q(firm__name_local__icontains=text)
            | Q(firm__corporate_number=text)
        )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def sanctions_for_ministry(*, firm: str = "") -> QuerySet[Sanction]:
    queryset = Sanction.objects.select_related("firm", "imposed_by", "violation")
    if firm.strip():
        text = firm.strip()
        queryset = queryset.filter(
            Q(firm__name__icontains=text)
            | Q(firm__name_local__icontains=text)
            | Q(firm__corporate_number=text)
        )
    return queryset.order_by("-starts_on", "-pk")


def access_violation_for_ministry(*, user: User, public_id: UUID | str) -> Violation:
    if not access.is_enforcement_reader(user):
        raise Http404
    try:
        return _with_relations(Violation.objects.all()).get(public_id=public_id)
    except Violation.DoesNotExist as missing:
        raise Http404 from missing


def access_evidence_for_ministry(
    *, user: User, violation: Violation, public_id: UUID | str
) -> ViolationEvidence:
    if not access.is_enforcement_reader(user):
        raise Http404
    try:
        return violation.evidence.get(public_id=public_id)
    except ViolationEvidence.DoesNotExist as missing:
        raise Http404 from missing


def disclosures_for(*, user: User) -> QuerySet[Violation]:
    """The firm's own voluntary disclosures, newest first."""
    if not access.is_firm_user(user):
        return Violation.objects.none()
    disclosed = Violation.objects.filter(firm_id=user.firm_id, disclosed=True)  # type: ignore[misc]  # a firm user has a firm: firm_id is set
    return _with_relations(disclosed).order_by("-created_at", "-pk")


def access_disclosure_for(*, user: User, public_id: UUID | str) -> Violation:
    """One of the firm's own disclosures; another firm's, or a record the ministry made, is a
    404."""
    try:
        return disclosures_for(user=user).get(public_id=public_id)
    except Violation.DoesNotExist as missing:
        raise Http404 from missing


def sanctions_for_firm(*, user: User) -> QuerySet[Sanction]:
    """The sanctions imposed on the user's own firm, newest first (none for anyone else)."""
    if not access.is_firm_user(user):
        return Sanction.objects.none()
    sanctions = Sanction.objects.filter(firm_id=user.firm_id)  # type: ignore[misc]  # a firm user has a firm: firm_id is set
    return sanctions.order_by("-starts_on", "-pk")
