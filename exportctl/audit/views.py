"""The audit trail's signed checkpoints: their public page and feed (no sign-in).

The auditor's own view of the trail (filter, export, verify) describes events in the words of
the filings, so it lives above notifications, in ``notifications.auditor_log_views``."""

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exportctl.audit import checkpoints
from exportctl.audit.models import AuditCheckpoint

PAGE_SIZE = 50


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
