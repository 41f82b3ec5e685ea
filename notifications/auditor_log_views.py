"""The auditor's view of the audit trail: filter it, export it, and check it against its signed
checkpoints. Moved out of ``exportctl.audit`` (which sits below notifications in the layers of
``pyproject.toml``) because each event is described in the words of the filings
(``auditor_exports.describe_event``); the URLs stay under ``audit:`` (``exportctl.auditor_urls``)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from exportctl import access
from exportctl.audit import trail
from exportctl.audit.exports import export_response
from exportctl.audit.forms import LogFilterForm
from exportctl.audit.integrity import verify_trail
from exportctl.audit.log import audit_events
from exportctl.audit.selectors import CHAIN_ORDER
from notifications.auditor_exports import LOG_COLUMNS, describe_event

PAGE_SIZE = 50


def _described(page):
    """Each event of the page with its data written as a sentence, as the export writes it."""
    for event in page:
        event.details = describe_event(event.action, event.data)
    return page


def _auditor_only(request) -> None:
    access.require_auditor(request.user)


@login_required
@require_GET
def log(request):
    _auditor_only(request)
    form = LogFilterForm(request.GET or None)
    page = Paginator(audit_events(form.log_filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"form": form, "page": _described(page)})


@login_required
@require_POST
def verify(request):
    """Run the same check as ``manage.py verify_audit``: the chain, and the chain against the
    signed checkpoints; say everything that broke."""
    _auditor_only(request)
    report = verify_trail()
    trail.record(
        action="audit.chain_verified",
        actor=request.user,
        data={
            "ok": report.ok,
            "checked": report.checked,
            "broken_seq": report.broken_seq,
            "checkpoints": report.checkpoints,
            "findings": [finding.kind for finding in report.findings],
        },
        request=request,
    )
    form = LogFilterForm()
    page = Paginator(audit_events(form.log_filter()), PAGE_SIZE).get_page(1)
    return render(
        request, "audit/log.html", {"form": form, "page": _described(page), "report": report}
    )


@login_required
@require_GET
def export(request, fmt):
    _auditor_only(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = LogFilterForm(request.GET or None)
    events = audit_events(form.log_filter()).order_by(*CHAIN_ORDER)
    trail.record(
        action="audit.exported", actor=request.user, data={"what": "audit_log", "format": fmt}
    )
    return export_response(
        fmt=fmt,
        filename="exportctl-audit-log",
        sheet=str(_("Audit log")),
        columns=LOG_COLUMNS,
        objects=events.iterator(chunk_size=2000),
    )
