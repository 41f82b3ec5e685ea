"""The auditor's pages: search every firm's cases, read a case as the reviewer saw it, download the
issued PDFs byte for byte, verify a PDF by upload, and export decisions, permits and hit
adjudications.

Every view is GET-only except the PDF check, which stores nothing: an auditor changes nothing.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from exportctl import access
from exportctl.audit import trail
from exportctl.audit.exports import export_response
from notifications import auditor_selectors as selectors
from notifications import timeline as case_timeline
from notifications.auditor_exports import (
    ADJUDICATION_COLUMNS,
    DECISION_COLUMNS,
    PERMIT_COLUMNS,
    risk_label,
)
from notifications.auditor_forms import NotificationSearchForm, PdfVerifyForm
from notifications.documents import downloads
from notifications.documents.verification import document_check_upload

PAGE_SIZE = 25


def _auditor_only(request) -> None:
    access.require_auditor(request.user)


@login_required
@require_GET
def search(request):
    _auditor_only(request)
    form = NotificationSearchForm(request.GET or None)
    result = selectors.notification_search(user=request.user, search=form.search())
    page = Paginator(result.notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page:
        notification.party_matches = result.party_matches.get(notification.pk, [])
        notification.risk_label = risk_label(notification.risk_level)
    return render(request, "audit/search.html", {"form": form, "page": page})


@login_required
@require_GET
def case(request, public_id):
    notification = selectors.access_notification_for_auditor(user=request.user, public_id=public_id)
    context = {
        "notification": notification,
        "risk_label": risk_label(notification.risk_level),
        **selectors.case_record(notification),
    }
    names = case_timeline.names_for_case(notification)
    for event in context["events"]:
        event.sentence = case_timeline.sentence(event, names=names)
        event.details = "; ".join(case_timeline.event_details(event))
    return render(request, "audit/case.html", context)


@login_required
@require_GET
def document_download(request, public_id):
    return downloads.document_download(
        actor=request.user, door=downloads.Door.AUDITOR, document_id=public_id, request=request
    )


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


EXPORTS = {
    "decisions": (_("Decisions"), DECISION_COLUMNS, selectors.decisions_for_export),
    "permits": (_("Permits"), PERMIT_COLUMNS, selectors.permits_for_export),
    "adjudications": (
        _("Hit adjudications"),
        ADJUDICATION_COLUMNS,
        selectors.adjudications_for_export,
    ),
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
