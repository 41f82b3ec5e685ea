"""Public criteria page and the exporter's self-check page.

The criteria page iterates ``selectors.criteria_rules()`` — the very tuple the worker evaluates —
so what a firm reads cannot drift from what decides its case. The reference data shown beside the
rules (tiers, key technologies, the 16(1) HS scope) is the data in force today, read the same way
the worker reads it.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from exportctl.countries import CountryField, country_name
from exportctl.foreign_terms import with_terms
from notifications.models import RiskLevel
from partners import reference_data
from partners.models import CountryTier, KeyTechnology, SpecifiedHsScope, Tier
from partners.selectors import measure_rows_in_force, measure_table_in_force
from screening import guidance, rules, selectors
from screening.matching import ALERT_THRESHOLD
from screening.models import SelfCheckRecord
from screening.self_check import (
    MAX_NAME_LENGTH,
    SelfCheckError,
    can_self_check,
    is_searchable,
    self_check_run,
)
from screening.self_check_record import record_download

# --- Criteria --------------------------------------------------------------------------------

#: The order tiers are shown in: strictest first.
TIER_ORDER = (
    Tier.SANCTIONED,
    Tier.RUSSIA_BELARUS,
    Tier.COUNTRY_OF_CONCERN,
    Tier.UN_ARMS_EMBARGO,
    Tier.RUSSIA_DIVERSION,
    Tier.GROUP_A,
)


def _in_force(on) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def _tier_groups(on) -> list[dict]:
    """Each tier with the countries in it on ``on`` and the legal basis the data names."""
    groups: dict[str, dict] = {
        tier.value: {"tier": tier.value, "label": tier.label, "countries": [], "bases": set()}
        for tier in TIER_ORDER
    }
    for row in CountryTier.objects.filter(_in_force(on)).order_by("tier", "country"):
        group = groups.setdefault(
            row.tier, {"tier": row.tier, "label": row.tier, "countries": [], "bases": set()}
        )
        group["countries"].append(row.country)
        if row.legal_basis:
            group["bases"].add(row.legal_basis)
    for group in groups.values():  # in the order a reader looks them up: by name
        group["countries"].sort(key=lambda code: (country_name(code), code))
    return [
        {**g, "bases": sorted(g["bases"]), "tier_points": rules.TIER_POINTS.get(g["tier"], 0)}
        for g in groups.values()
    ]


def _key_technologies(on, language: str) -> list[dict]:
    return [
        {
            "code": t.code,
            "name": t.name_ja if language == "ja" else t.name_en,
            "other_name": t.name_en if language == "ja" else t.name_ja,
            "other_language": "en" if language == "ja" else "ja",
            "effective_from": t.effective_from,
        }
        for t in KeyTechnology.objects.filter(_in_force(on)).order_by("code")
    ]


def _hs_scope(on, language: str) -> list[dict]:
    return [
        {
            "hs_prefix": s.hs_prefix,
            "excluded": s.excluded,
            "description": s.description_ja if language == "ja" else s.description_en,
        }
        for s in SpecifiedHsScope.objects.filter(_in_force(on)).order_by("hs_prefix")
    ]


def _rule_rows() -> list[dict]:
    levels = dict(RiskLevel.choices)
    return [
        {
            "id": rule.id,
            "reference": rule.reference,
            "title": rule.title,
            "explanation": rule.explanation,
            "legal_basis": rule.legal_basis,
            "weight": rule.weight,
            "weighted_by_party_risk": rule.weighted_by_party_risk,
            "min_level": rule.min_level,
            "min_level_label": levels.get(rule.min_level, rule.min_level),
        }
        for rule in selectors.criteria_rules()
    ]


@require_GET
def criteria(request):
    """Public: no sign-in. The rules, the scoring and the reference data in force today."""
    today = timezone.localdate()
    language = translation.get_language() or settings.LANGUAGE_CODE
    levels = dict(RiskLevel.choices)
    context = {
        "ruleset_version": rules.RULESET_VERSION,
        "ruleset_effective_from": rules.RULESET_EFFECTIVE_FROM,
        "today": today,
        "rules": _rule_rows(),
        "score_bands": [
            {"from": lowest, "level": level, "label": levels.get(level, level)}
            for lowest, level in rules.SCORE_BANDS
        ],
        "max_score": rules.MAX_SCORE,
        "alert_threshold": ALERT_THRESHOLD,
        "tier_groups": _tier_groups(today),
        "general_tier_points": rules.GENERAL_TIER_POINTS,
        "key_technologies": _key_technologies(today, language),
        # The prior report's filing deadline is reference data and unconfirmed (domain.md §0a).
        "prior_report_lead_days": reference_data.PRIOR_REPORT_LEAD_DAYS,
        "prior_report_lead_days_confirmed": reference_data.PRIOR_REPORT_LEAD_DAYS_CONFIRMED,
        "hs_scope": _hs_scope(today, language),
        "low_value_limit": rules.LOW_VALUE_LIMIT_JPY,
        "table_3_3_limit": rules.TABLE_3_3_LIMIT_JPY,
        **_russia_belarus(today),
        # The 20 checks exactly as the wizard's checklist step asks them (one source of text).
        "clear_checks": list(enumerate(_checklist_questions(), start=1)),
        "high_risk_goods": guidance.HIGH_RISK_GOODS_EXAMPLES,
        "penalties": guidance.PENALTIES,
        "penalty_notes": guidance.PENALTY_NOTES,
    }
    return render(request, "screening/criteria.html", context)


def _checklist_questions():
    from notifications.readiness import CHECKLIST_QUESTIONS

    return CHECKLIST_QUESTIONS


def _russia_belarus(on) -> dict:
    """The Russia/Belarus measures as the worker reads them today, unconfirmed rows counted."""
    rows = measure_rows_in_force(on)
    tiers = CountryTier.objects.filter(_in_force(on)).order_by("country")
    return {
        "russia_belarus_tiers": list(tiers.filter(tier=Tier.RUSSIA_BELARUS)),
        "russia_diversion_tiers": list(tiers.filter(tier=Tier.RUSSIA_DIVERSION)),
        "measures_table": measure_table_in_force(),
        "measure_rows": rows,
        "measures_unconfirmed": sum(1 for row in rows if not row.confirmed),
    }


# --- Self-check ------------------------------------------------------------------------------


class SelfCheckForm(forms.Form):
    name = forms.CharField(
        label=_("Name to check"),
        max_length=MAX_NAME_LENGTH,
        help_text=with_terms(
            _(
                "A company, organisation or person, as written in any script (Latin, Japanese, "
                "Chinese, Cyrillic, Arabic…). Legal forms such as Co., Ltd. or {legal_form} are "
                "ignored."
            ),
            legal_form=("ja", "株式会社"),
        ),
        error_messages={"required": _("Enter the name to check.")},
    )
    country = CountryField(
        label=_("Country (optional)"),
        required=False,
        blank_label=_("Not known"),
        help_text=_(
            "The party's country or region: type part of its name and choose it from the list. "
            "A country that agrees with the listing raises the score a little; leave it empty "
            "if unknown."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Person or organisation (optional)"),
        required=False,
        choices=[
            ("", _("Not known")),
            ("person", _("Person")),
            ("organization", _("Organisation or company")),
        ],
        help_text=_(
            "A person is weighed against listed persons, a company or body against listed bodies."
        ),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not is_searchable(name):
            raise forms.ValidationError(
                _("Enter a name with letters in it, not only punctuation."),
                code="not_searchable",
            )
        return name


def _self_check_rate(group, request) -> str:
    # Read per request so that the setting (and tests overriding it) apply without a restart.
    return settings.SELF_CHECK_RATE


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=_self_check_rate, method="POST", block=False)
def self_check(request):
    if not can_self_check(request.user):
        raise PermissionDenied
    if getattr(request, "limited", False):
        return import_string(settings.RATELIMIT_VIEW)(request, None)
    result = None
    if request.method == "POST":
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            try:
                result = self_check_run(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    country=form.cleaned_data["country"],
                    kind=form.cleaned_data["kind"],
                    channel="page",
                    request=request,
                )
            except SelfCheckError:
                form.add_error(
                    "name",
                    _("Enter a name with letters in it, not only punctuation."),
                )
    else:
        form = SelfCheckForm()
    return render(request, "screening/self_check.html", {"form": form, "result": result})


# --- Self-check records ----------------------------------------------------------------------

RECORDS_PAGE_SIZE = 25


def _records_of(user):
    """The records of the user's own firm, for its exporters and administrators; for anyone
    else (the ministry) the pages do not exist (404), as the firm's other pages."""
    if not can_self_check(user):
        raise Http404
    return SelfCheckRecord.objects.filter(firm_id=user.firm_id)


@login_required
@require_GET
def self_check_records(request):
    records = _records_of(request.user).select_related("user")
    page = Paginator(records, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "screening/self_check_records.html", {"page": page})


@login_required
@require_GET
def self_check_record_pdf(request, record_id):
    record = get_object_or_404(_records_of(request.user), public_id=record_id)
    pdf = record_download(record, actor=request.user, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{record.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
