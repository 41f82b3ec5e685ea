"""Enforcement in the browser.

- ``/disclosures/`` (namespace ``disclosures``): a firm user's voluntary disclosures — the list,
  the form and one disclosure. Anyone but a firm user gets a 404, like every exporter page;
  another firm's disclosure is a 404.
- ``/enforcement/`` (namespace ``enforcement``): the ministry's list of violations and sanctions,
  a violation's page, and the forms to record, confirm, dismiss, add evidence and impose a
  sanction. Enforcement staff act; the auditor reads and exports (CSV), and is refused (403,
  audited, nothing written) when posting; anyone else signed in is refused before any lookup.

Thin views: access through ``enforcement_selectors``, one service per action (each audited).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exportctl import access
from exportctl.audit import trail
from exportctl.audit.exports import csv_response
from notifications import enforcement
from notifications import enforcement_selectors as selectors
from notifications.enforcement_exports import EXPORTS
from notifications.enforcement_forms import (
    DecisionForm,
    DisclosureForm,
    EvidenceForm,
    SanctionForm,
    ViolationFilterForm,
    ViolationRecordForm,
)
from notifications.enforcement_models import ViolationStatus
from notifications.exporter_views import exporter_required
from notifications.workflow import TransitionError

PAGE_SIZE = 50


def reader_required(view):
    """Enforcement staff and the auditor; anyone else signed in is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_enforcement_reader(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def enforcer_required(view):
    """Enforcement staff only: the auditor and everyone else are refused (403) before any
    lookup or write."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_enforcer(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- The firm's voluntary disclosures ---------------------------------------------------------


@require_GET
@exporter_required
def disclosure_list(request):
    page = Paginator(selectors.disclosures_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/enforcement/disclosure_list.html",
        {
            "page": page,
            "sanctions": selectors.sanctions_for_firm(user=request.user)[:PAGE_SIZE],
            "running_ban": enforcement.running_ban(request.user.firm_id),
        },
    )


@require_http_methods(["GET", "POST"])
@exporter_required
def disclosure_new(request):
    form = DisclosureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        notifications, permits = form.resolve_links(request.user.firm)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    violation = enforcement.violation_disclose(
                        actor=request.user,
                        kind=data["kind"],
                        description=data["description"],
                        occurred_on=data["occurred_on"],
                        notifications=notifications,
                        permits=permits,
                    )
                    if data.get("evidence"):
                        enforcement.evidence_add(
                            violation=violation, actor=request.user, uploaded_file=data["evidence"]
                        )
            except ValidationError as error:
                _add_errors(form, error)
            except TransitionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Your voluntary disclosure has been sent to the ministry."),
                )
                return redirect("disclosures:detail", violation_id=violation.public_id)
    return render(request, "notifications/enforcement/disclosure_new.html", {"form": form})


@require_GET
@exporter_required
def disclosure_detail(request, violation_id):
    violation = selectors.access_disclosure_for(user=request.user, public_id=violation_id)
    return render(
        request, "notifications/enforcement/disclosure_detail.html", {"violation": violation}
    )


# --- The ministry's pages ---------------------------------------------------------------------


@require_GET
@reader_required
def ministry_list(request):
    form = ViolationFilterForm(request.GET or None)
    firm, status = "", ""
    if form.is_valid():
        firm, status = form.cleaned_data["firm"], form.cleaned_data["status"]
    violations = selectors.violations_for_ministry(firm=firm, status=status)
    sanctions = selectors.sanctions_for_ministry(firm=firm)
    return render(
        request,
        "notifications/enforcement/ministry_list.html",
        {
            "form": form,
            "page": Paginator(violations, PAGE_SIZE).get_page(request.GET.get("page")),
            "sanctions": sanctions[:PAGE_SIZE],
            "may_act": access.is_enforcer(request.user),
            "running": {s.pk for s in sanctions if enforcement.running_ban(s.firm_id) == s},
        },
    )


@require_http_methods(["GET", "POST"])
@enforcer_required
def violation_new(request):
    form = ViolationRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notifications, permits = form.resolve_links(form.cleaned_data["firm"])
        if form.is_valid():
            data = form.cleaned_data
            try:
                violation = enforcement.violation_record(
                    firm=data["firm"],
                    kind=data["kind"],
                    description=data["description"],
                    occurred_on=data["occurred_on"],
                    notifications=notifications,
                    permits=permits,
                    actor=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The violation has been recorded."))
                return redirect("enforcement:violation", violation_id=violation.public_id)
    return render(request, "notifications/enforcement/violation_new.html", {"form": form})


def _detail(request, violation, **forms):
    context = {
        "violation": violation,
        "may_act": access.is_enforcer(request.user),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "sanction_form": forms.get("sanction_form") or SanctionForm(),
        "is_candidate": violation.status == ViolationStatus.CANDIDATE,
        "is_confirmed": violation.status == ViolationStatus.CONFIRMED,
    }
    status = 400 if forms else 200
    return render(
        request, "notifications/enforcement/violation_detail.html", context, status=status
    )


def _violation(request, violation_id):
    return selectors.access_violation_for_ministry(user=request.user, public_id=violation_id)


@require_GET
@reader_required
def violation_detail(request, violation_id):
    return _detail(request, _violation(request, violation_id))


@require_POST
@enforcer_required
def violation_decide(request, violation_id, decision):
    violation = _violation(request, violation_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        service = (
            enforcement.violation_confirm
            if decision == "confirm"
            else enforcement.violation_dismiss
        )
        try:
            service(violation=violation, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            _add_errors(form, error)
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The violation has been confirmed.")
                if decision == "confirm"
                else _("The violation has been dismissed."),
            )
            return redirect("enforcement:violation", violation_id=violation.public_id)
    return _detail(request, violation, decision_form=form)


@require_POST
@enforcer_required
def evidence_add(request, violation_id):
    violation = _violation(request, violation_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            enforcement.evidence_add(
                violation=violation, actor=request.user, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The evidence document has been added."))
            return redirect("enforcement:violation", violation_id=violation.public_id)
    return _detail(request, violation, evidence_form=form)


@require_GET
@reader_required
def evidence_download(request, violation_id, evidence_id):
    violation = _violation(request, violation_id)
    evidence = selectors.access_evidence_for_ministry(
        user=request.user, violation=violation, public_id=evidence_id
    )
    trail.record(
        action="violation.evidence_downloaded",
        actor=request.user,
        obj=violation,
        firm=violation.firm,
        data={"evidence": str(evidence.public_id), "sha256": evidence.sha256},
        request=request,
    )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@enforcer_required
def sanction_impose(request, violation_id):
    violation = _violation(request, violation_id)
    form = SanctionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sanction = enforcement.sanction_impose(
                firm=violation.firm,
                violation=violation,
                kind=data["kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(sanction)s imposed on %(firm)s.")
                % {"sanction": sanction.get_kind_display(), "firm": violation.firm.name},
            )
            return redirect("enforcement:violation", violation_id=violation.public_id)
    return _detail(request, violation, sanction_form=form)


@require_GET
@reader_required
def export(request, what):
    """The violations (with disclosures) or the sanctions as CSV, audited like the auditor's
    other exports; cells that a spreadsheet would run as a formula are made inert."""
    columns, rows_for = EXPORTS[what]
    trail.record(
        action="audit.exported",
        actor=request.user,
        data={"what": f"enforcement-{what}", "format": "csv"},
        request=request,
    )
    return csv_response(
        filename=f"exportctl-{what}",
        columns=columns,
        objects=rows_for().iterator(chunk_size=2000),
    )
