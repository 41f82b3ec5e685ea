"""The auditor's pages: search every firm's cases, read a case as the reviewer saw it, download the
issued PDFs byte for byte, verify a PDF by upload, and export decisions and permits.

Every view is GET-only except the PDF check, which stores nothing: an auditor changes nothing.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from exportctl.audit import trail
from exportctl.audit.exports import Column, export_response
from notifications import auditor_selectors as selectors
from notifications.auditor_forms import NotificationSearchForm, PdfVerifyForm
from notifications.documents.downloads import document_response
from notifications.documents.verification import document_check_upload

PAGE_SIZE = 25


def _auditor_only(request) -> None:
    if not selectors.is_auditor(request.user):
        raise Http404


@login_required
@require_GET
def search(request):
    _auditor_only(request)
    form = NotificationSearchForm(request.GET or None)
    queryset = selectors.notification_search(user=request.user, search=form.search())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})


@login_required
@require_GET
def case(request, public_id):
    notification = selectors.access_notification_for_auditor(user=request.user, public_id=public_id)
    context = {"notification": notification, **selectors.case_record(notification)}
    return render(request, "audit/case.html", context)


@login_required
@require_GET
def document_download(request, public_id):
    document = selectors.access_document_for_auditor(user=request.user, public_id=public_id)
    return document_response(document=document, actor=request.user, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def verify_pdf(request):
    """Hash lookup and signature validation of an uploaded PDF; the upload is not kept."""
    _auditor_only(request)
    result = None
    form = PdfVerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = document_check_upload(
            data=form.cleaned_data["file"].read(), actor=request.user, request=request
        )
    return render(request, "audit/verify_pdf.html", {"form": form, "result": result})


DECISION_COLUMNS = [
    Column("reference", lambda d: d.notification.reference),
    Column("firm", lambda d: d.notification.firm.name),
    Column("corporate_number", lambda d: d.notification.firm.corporate_number),
    Column("destination", lambda d: d.notification.destination_country),
    Column("decision", lambda d: d.kind),
    Column("decided_by", lambda d: d.actor.email),
    Column("decided_at", lambda d: d.created_at),
    Column("reason", lambda d: d.reason),
    Column("conditions", lambda d: d.conditions),
    Column("validity_months", lambda d: d.validity_months),
    Column("risk_level", lambda d: d.notification.risk_level),
]

PERMIT_COLUMNS = [
    Column("permit_number", lambda p: p.number),
    Column("reference", lambda p: p.notification.reference),
    Column("holder", lambda p: p.notification.firm.name),
    Column("corporate_number", lambda p: p.notification.firm.corporate_number),
    Column("destination", lambda p: p.notification.destination_country),
    Column("status", lambda p: p.status),
    Column("status_reason", lambda p: p.status_reason),
    Column("valid_from", lambda p: p.valid_from),
    Column("valid_until", lambda p: p.valid_until),
    Column("conditions", lambda p: p.conditions),
    Column("document_number", lambda p: p.document.number if p.document else ""),
    Column("document_sha256", lambda p: p.document.sha256 if p.document else ""),
]

EXPORTS = {
    "decisions": (_("Decisions"), DECISION_COLUMNS, selectors.decisions_for_export),
    "permits": (_("Permits"), PERMIT_COLUMNS, selectors.permits_for_export),
}


@login_required
@require_GET
def export(request, what, fmt):
    _auditor_only(request)
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    sheet, columns, rows_for = EXPORTS[what]
    trail.record(action="audit.exported", actor=request.user, data={"what": what, "format": fmt})
    return export_response(
        fmt=fmt,
        filename=f"exportctl-{what}",
        sheet=str(sheet),
        columns=columns,
        objects=rows_for(user=request.user).iterator(chunk_size=2000),
    )
