"""The auditor's view of the audit trail: filter it, export it, and check it against its signed
checkpoints; and the checkpoints' public page and feed (no sign-in)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from exportctl.audit import checkpoints, trail
from exportctl.audit.exports import export_response
from exportctl.audit.forms import LogFilterForm
from exportctl.audit.integrity import verify_trail
from exportctl.audit.log import audit_events
from exportctl.audit.models import AuditCheckpoint
from exportctl.audit.selectors import CHAIN_ORDER
from notifications.auditor_exports import LOG_COLUMNS, describe_event
from notifications.auditor_selectors import is_auditor

PAGE_SIZE = 50


def _described(page):
    """Each event of the page with its data written as a sentence, as the export writes it."""
    for event in page:
        event.details = describe_event(event.action, event.data)
    return page


def _auditor_only(request) -> None:
    if not is_auditor(request.user):
        raise Http404


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


# --- Public: the signed checkpoints, for anyone to copy ------------------------------------------

FEED_LIMIT = 1000


def _published_keys() -> list[checkpoints.PublicKey] | None:
    try:
        return list(checkpoints.trusted_keys().values())
    except ImproperlyConfigured:
        return None  # no key configured yet: the page says so instead of failing


@require_GET
def checkpoint_list(request):
    """The checkpoints, newest first, with the public key that verifies them (no sign-in)."""
    page = Paginator(AuditCheckpoint.objects.order_by("-number"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "audit/checkpoints.html",
        {
            "page": page,
            "keys": _published_keys(),
            "signed_fields": checkpoints.SIGNED_FIELDS,
        },
    )


@require_GET
def checkpoint_feed(request):
    """Every checkpoint after ``since`` (a checkpoint number), oldest first, at most
    ``FEED_LIMIT`` at a time; ``next`` is the ``since`` of the following page."""
    since_text = request.GET.get("since", "0")
    if not since_text.isdigit() or len(since_text) > 18:
        return HttpResponseBadRequest("since: a checkpoint number")
    since = int(since_text)
    rows = list(AuditCheckpoint.objects.filter(number__gt=since).order_by("number")[:FEED_LIMIT])
    keys = _published_keys() or []
    more = bool(rows) and AuditCheckpoint.objects.filter(number__gt=rows[-1].number).exists()
    response = JsonResponse(
        {
            "log": checkpoints.LOG_NAME,
            "version": checkpoints.FORMAT_VERSION,
            "signed_fields": list(checkpoints.SIGNED_FIELDS),
            "keys": [
                {"key_id": key.key_id, "algorithm": key.algorithm, "public_key_pem": key.pem}
                for key in keys
            ],
            "checkpoints": [checkpoints.record_of(row) for row in rows],
            "next": rows[-1].number if more else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"  # public data: anyone's tools may copy it
    return response
