"""The dated record of a self-check: stored with the check, downloadable as a signed PDF.

``create_record`` runs in the check's own transaction (``self_check.self_check_run``), beside its
audit event: a check that is refused or fails leaves neither. The PDF is typeset with the
documents' machinery (the same typesetter, stylesheet and PAdES signature as a receipt) on the
first download, then kept: the stored bytes and their SHA-256 are the record from then on, and a
later download serves them unchanged.

The record holds public list data only (the listed entries' published fields and how the name
lined up), the firm's own query and who ran it. Like the documents, the PDF carries both languages
side by side instead of following the reader's.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from weasyprint import HTML

from exportctl.audit import trail
from notifications.documents import render, signing
from screening import rules
from screening.explain_text import explanation_text
from screening.models import SelfCheckCounter, SelfCheckRecord

TEMPLATE = "documents/self_check_record.html"
TEMPLATE_VERSION = "self-check-record-2026.1"
PREFIX = "SC"
ISSUED_ACTION = "screening.self_check_record.issued"
TITLE = ("自己確認記録", "Self-check record")
OUTCOME_LABELS = {
    "no_match": ("警報閾値以上の一致なし", "No match at the alert threshold"),
    "match": ("一致あり", "Match found"),
    "not_screened": (
        "確認できず（ユーザーリスト未公表）",
        "Not checked (no End User List published)",
    ),
}
KIND_LABELS = {
    "person": ("個人", "Person"),
    "organization": ("団体・企業", "Organisation or company"),
    "": ("指定なし", "Not stated"),
}
NAME_KIND_LABELS = {
    "primary": ("掲載名", "listed name"),
    "alias": ("別名", "alias"),
    "local": ("現地語表記", "local-script name"),
}


def next_number(year: int) -> str:
    """``SC-2026-000001``; must run inside the transaction that stores the record (the counter
    row stays locked until it ends, so the series has neither duplicates nor gaps)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that stores the record")
    counter, _ = SelfCheckCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last", "updated_at"])
    return f"{PREFIX}-{year:04d}-{counter.last:06d}"


def _json(value):
    """Dates and decimals as JSON text, exactly as ``JSONField`` would store them."""
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _list_data(searched) -> dict:
    return {
        "source_code": searched.source_code,
        "source_name": searched.source_name,
        "authority": searched.authority,
        "advisory": searched.advisory,
        "version_label": searched.version_label,
        "issued_on": searched.issued_on,
        "effective_from": searched.effective_from,
        "published_at": searched.published_at,
    }


def result_data(result) -> dict:
    """The result as stored: the outcome and every hit (entry, list, score, explanation)."""
    return _json(
        {
            "outcome": result.outcome,
            "alert_threshold": result.alert_threshold,
            "hits": [
                {
                    "list": _list_data(hit.list),
                    "entry": {
                        "number": hit.entry.number,
                        "kind": hit.entry.kind,
                        "country": hit.entry.country,
                        "country_label": hit.entry.country_label,
                        "name": hit.entry.name,
                        "local_name": hit.entry.local_name,
                        "aliases": list(hit.entry.aliases),
                        "concern_codes": list(hit.entry.concern_codes),
                        "conventional_weapons": hit.entry.conventional_weapons,
                    },
                    "score": hit.score,
                    "band": hit.band,
                    "matched_name": hit.matched_name,
                    "name_kind": hit.name_kind,
                    "explanation": hit.explanation,
                }
                for hit in result.hits
            ],
        }
    )


def create_record(*, result, actor, channel: str) -> SelfCheckRecord:
    """Store ``result`` as the firm's record; in the caller's transaction (with its audit)."""
    return SelfCheckRecord.objects.create(
        number=next_number(timezone.localdate(result.searched_at).year),
        firm=actor.firm,
        user=actor,
        query=result.query,
        country=result.country,
        kind=result.kind,
        channel=channel,
        outcome=result.outcome,
        hit_count=len(result.hits),
        versions=_json([_list_data(v) for v in result.lists]),
        ruleset_version=rules.RULESET_VERSION,
        result=result_data(result),
        searched_at=result.searched_at,
    )


def _explained(explanation: dict) -> dict:
    """The explanation's words in both languages (the stored codes stay as stored)."""
    words = {}
    for language in ("ja", "en"):
        with translation.override(language):
            text = explanation_text(explanation)
            words[language] = {
                "qualifiers": [str(q) for q in text["qualifiers"]],
                "pairs": [
                    {**pair, "method": str(pair.get("method", ""))} for pair in text["pairs"]
                ],
            }
    return words


def record_context(record: SelfCheckRecord) -> dict:
    firm = record.firm
    user = record.user
    hits = []
    for hit in record.result.get("hits", []):
        explanation = hit.get("explanation") or {}
        hits.append(
            {
                **hit,
                "name_kind_label": NAME_KIND_LABELS.get(
                    hit.get("name_kind", ""), (hit.get("name_kind", ""),) * 2
                ),
                "words": _explained(explanation),
            }
        )
    versions = [
        {**v, "published_at": parse_datetime(v["published_at"]) if v.get("published_at") else None}
        for v in record.versions
    ]
    for version in versions:
        if version["published_at"] is not None:
            version["published_at"] = timezone.localtime(version["published_at"])
    issued_at = record.issued_at or timezone.now()
    return {
        "kind": "self_check_record",
        "title": TITLE,
        "number": record.number,
        "authority": settings.ISSUING_AUTHORITY,
        "template_version": TEMPLATE_VERSION,
        "issued_at": timezone.localtime(issued_at),
        "searched_at": timezone.localtime(record.searched_at),
        "timezone_name": timezone.get_current_timezone_name(),
        "firm": {
            "name": firm.name,
            "name_local": firm.name_local,
            "corporate_number": firm.corporate_number,
            "address": firm.address,
        },
        "user": {"name": getattr(user, "full_name", ""), "email": user.email},
        "query": record.query,
        "country": record.country,
        "kind_label": KIND_LABELS.get(record.kind, (record.kind, record.kind)),
        "outcome": record.outcome,
        "outcome_label": OUTCOME_LABELS.get(record.outcome, (record.outcome, record.outcome)),
        "alert_threshold": record.result.get("alert_threshold"),
        "ruleset_version": record.ruleset_version,
        "versions": versions,
        "hits": hits,
    }


def render_record_pdf(record: SelfCheckRecord) -> bytes:
    """The record as PDF/A-3b, typeset as the documents are (one typesetter per thread, only
    local files and data: URIs), and signed with the ministry's PAdES signature."""
    context = record_context(record)
    with translation.override("en"):
        html = render_to_string(TEMPLATE, context)
    setter = render.typesetter()
    document = HTML(
        string=html,
        base_url=str(settings.BASE_DIR / "templates" / "documents"),
        url_fetcher=setter.fetcher,
    ).render(
        font_config=setter.fonts,
        stylesheets=[setter.stylesheet],
        pdf_variant=render.PDF_VARIANT,
        pdf_identifier=record.number.encode(),
        custom_metadata=False,
    )
    pdf = document.write_pdf(
        stylesheets=[setter.stylesheet],
        pdf_variant=render.PDF_VARIANT,
        pdf_identifier=record.number.encode(),
        custom_metadata=False,
    )
    return signing.sign_pdf(pdf, reason="Self-check record / 自己確認記録")


def record_pdf(record: SelfCheckRecord, *, actor, request=None) -> bytes:
    """The record's signed PDF: made, stored and audited on the first download, then the same
    stored bytes every time."""
    if record.file:
        with record.file.open("rb") as handle:
            return handle.read()
    with transaction.atomic():
        locked = SelfCheckRecord.objects.select_for_update().get(pk=record.pk)
        if locked.file:
            with locked.file.open("rb") as handle:
                return handle.read()
        locked.issued_at = timezone.now()
        pdf = render_record_pdf(locked)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.file.save(f"{uuid.uuid4()}.pdf", ContentFile(pdf), save=False)
        try:
            locked.save(update_fields=["file", "sha256", "size", "issued_at", "updated_at"])
            trail.record(
                action=ISSUED_ACTION,
                actor=actor,
                object_type="screening.self_check_record",
                object_id=str(locked.public_id),
                firm=locked.firm,
                data={"number": locked.number, "sha256": locked.sha256, "size": locked.size},
                request=request,
            )
        except Exception:
            locked.file.delete(save=False)
            raise
    record.refresh_from_db()
    return pdf


DOWNLOAD_ACTION = "screening.self_check_record.download"


def record_download(record: SelfCheckRecord, *, actor, request=None) -> bytes:
    """The record's signed PDF for ``actor``, the download recorded in the firm's audit trail."""
    pdf = record_pdf(record, actor=actor, request=request)
    with transaction.atomic():
        trail.record(
            action=DOWNLOAD_ACTION,
            actor=actor,
            object_type="screening.self_check_record",
            object_id=str(record.public_id),
            firm=record.firm,
            data={"number": record.number, "sha256": record.sha256},
            request=request,
        )
    return pdf
