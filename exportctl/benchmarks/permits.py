"""Permit PDFs: render (WeasyPrint, PDF/A) and sign (pyHanko), through the public functions of
``notifications.documents``, on seeded approved notifications with a valid permit.

Rendering and signing are timed apart on the same documents, and the whole issue
(``document_issue``: render, sign, store, audit) on others; the budget applies to render + sign.
"""

from __future__ import annotations

import time

from django.utils import timezone

from exportctl.benchmarks.report import Figure, not_measured, percentile
from notifications.models import DocumentKind, Permit, PermitStatus

SECTION = "Permit PDF (WeasyPrint + pyHanko, in-process)"
WARM_UP = 2


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    label = "Permit PDF render + sign: p50"
    try:
        from notifications.documents import content, numbers, render, services, signing
    except ImportError as exc:
        return [
            not_measured(SECTION, label, f"documents module: {exc}", key="permit_pdf_p50_ms")
        ], {}
    signing.ensure_demo_key()
    permits = list(
        Permit.objects.filter(status=PermitStatus.VALID, document__isnull=True)
        .select_related("notification", "notification__firm", "decision")
        .order_by("pk")[: WARM_UP + 2 * args.pdfs]
    )
    if len(permits) < WARM_UP + 2:
        return [not_measured(SECTION, label, "no permits to render", key="permit_pdf_p50_ms")], {}
    render_ms, sign_ms, both_ms, issue_ms, sizes = [], [], [], [], []
    for i, permit in enumerate(permits[: WARM_UP + args.pdfs]):
        issue = content.Issue(
            kind=DocumentKind.PERMIT,
            number=permit.number,  # a permit's document carries the permit's own number
            verification_code=numbers.new_verification_code(),
            issued_at=timezone.now(),
        )
        t0 = time.perf_counter()
        context = content.document_context(
            issue=issue,
            notification=permit.notification,
            permit=permit,
            decision=permit.decision,
        )
        pdf = render.render_pdf(DocumentKind.PERMIT, context)
        t1 = time.perf_counter()
        signed = signing.sign_pdf(pdf)
        t2 = time.perf_counter()
        if i >= WARM_UP:
            render_ms.append((t1 - t0) * 1000)
            sign_ms.append((t2 - t1) * 1000)
            both_ms.append((t2 - t0) * 1000)
            sizes.append(len(signed))
    for permit in permits[WARM_UP + args.pdfs :]:
        t0 = time.perf_counter()
        services.document_issue(notification=permit.notification, kind=DocumentKind.PERMIT)
        issue_ms.append((time.perf_counter() - t0) * 1000)
    raw = {
        "documents": len(both_ms),
        "render_p50_ms": percentile(render_ms, 50),
        "sign_p50_ms": percentile(sign_ms, 50),
        "render_sign_p50_ms": percentile(both_ms, 50),
        "render_sign_p95_ms": percentile(both_ms, 95),
        "issue_p50_ms": percentile(issue_ms, 50) if issue_ms else None,
        "bytes_p50": percentile(sizes, 50),
    }
    log(f"  {len(both_ms)} rendered and signed, {len(issue_ms)} issued")
    figures = [
        Figure(SECTION, "Permit PDF render: p50", raw["render_p50_ms"], "ms"),
        Figure(SECTION, "Permit PDF sign: p50", raw["sign_p50_ms"], "ms"),
        Figure(
            SECTION,
            label,
            raw["render_sign_p50_ms"],
            "ms",
            key="permit_pdf_p50_ms",
            note=f"{len(both_ms)} permits after {WARM_UP} warm-up; "
            f"{raw['bytes_p50'] / 1000:.0f} kB each",
        ),
    ]
    if issue_ms:
        figures.append(
            Figure(
                SECTION,
                "document_issue (render, sign, store, audit): p50",
                raw["issue_p50_ms"],
                "ms",
            )
        )
    return figures, raw
