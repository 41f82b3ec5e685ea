"""Receipts: where a receipt's time goes, and whether the documents worker's memory stays flat.

One process renders and signs ``--receipts`` receipts (default 200) of one submitted notification
one after the other, as one child of the documents worker does, through the public steps of
``notifications.documents`` (context, HTML, WeasyPrint layout, PDF writing with font subsetting,
pyHanko signing). Each step is timed; the process's resident memory is read before the first
measured receipt and after the last, and the growth is held to the issue's budget (100 MiB over
1,000 receipts; a shorter run is held to the same budget, pro rata it would be stricter).
Nothing is written to the database: the receipt numbers are made up, so the run can be repeated.

On its own: ``python -m exportctl.benchmarks.documents --receipts 1000`` against the database
that ``DATABASE_URL`` names (any submitted notification with items will do).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from exportctl.benchmarks.report import Budget, Figure, not_measured, percentile

SECTION = "Documents (receipt PDF, one worker child, in-process)"
WARM_UP = 3
RSS_BUDGET = Budget("<=", 100, "MiB")
STEPS = ("context", "html", "layout", "write", "sign")


def rss_mib() -> float:
    """This process's resident set (Linux /proc), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _submitted_notification():
    from notifications.models import Notification

    return (
        Notification.objects.filter(reference__isnull=False, items__isnull=False)
        .select_related("firm")
        .order_by("pk")
        .first()
    )


def measure(*, notification, receipts: int, log=print) -> dict:
    """Render and sign ``receipts`` receipts of ``notification``; the steps' p50 and the RSS."""
    from django.utils import timezone

    from notifications.documents import content, numbers, render, signing
    from notifications.models import DocumentKind

    signing.ensure_demo_key()
    kind = DocumentKind.RECEIPT

    def one(n: int) -> tuple[list[float], int]:
        issue = content.Issue(
            kind=kind,
            number=f"BENCH-R-{n:07d}",
            verification_code=numbers.new_verification_code(),
            issued_at=timezone.now(),
        )
        marks = [time.perf_counter()]
        context = content.document_context(issue=issue, notification=notification)
        marks.append(time.perf_counter())
        render.render_html(kind, context)  # timed apart; layout_pdf renders it again (~1 ms)
        marks.append(time.perf_counter())
        document = render.layout_pdf(kind, context)
        marks.append(time.perf_counter())
        pdf = render.write_pdf(document, context)
        marks.append(time.perf_counter())
        signed = signing.sign_pdf(pdf)
        marks.append(time.perf_counter())
        return [(b - a) * 1000 for a, b in zip(marks, marks[1:], strict=False)], len(signed)

    for n in range(WARM_UP):
        one(n)
    gc.collect()
    rss_start = rss_mib()
    rss_peak = rss_start
    steps: list[list[float]] = []
    sizes = []
    started = time.monotonic()
    for n in range(WARM_UP, WARM_UP + receipts):
        timings, size = one(n)
        steps.append(timings)
        sizes.append(size)
        rss_peak = max(rss_peak, rss_mib())
        done = n - WARM_UP + 1
        if done % 100 == 0:
            log(f"  {done} receipts, RSS {rss_mib():.0f} MiB ({time.monotonic() - started:.0f} s)")
    gc.collect()
    rss_end = rss_mib()
    totals = [sum(row) for row in steps]
    raw = {
        "receipts": receipts,
        "warm_up": WARM_UP,
        **{
            f"{name}_p50_ms": round(percentile([row[i] for row in steps], 50), 1)
            for i, name in enumerate(STEPS)
        },
        "receipt_p50_ms": round(percentile(totals, 50), 1),
        "receipt_p95_ms": round(percentile(totals, 95), 1),
        "bytes_p50": percentile(sizes, 50),
        "rss_start_mib": round(rss_start, 1),
        "rss_end_mib": round(rss_end, 1),
        "rss_peak_mib": round(rss_peak, 1),
        "rss_growth_mib": round(rss_end - rss_start, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    return raw


def figures_of(raw: dict) -> list[Figure]:
    n = raw["receipts"]
    steps = ", ".join(f"{name} {raw[f'{name}_p50_ms']:.0f}" for name in STEPS)
    return [
        Figure(
            SECTION,
            "Receipt render + sign: p50",
            raw["receipt_p50_ms"],
            "ms",
            note=f"steps p50 (ms): {steps}; {raw['bytes_p50'] / 1000:.0f} kB each",
        ),
        Figure(SECTION, "Receipt render + sign: p95", raw["receipt_p95_ms"], "ms"),
        Figure(
            SECTION,
            f"RSS growth over {n} receipts",
            raw["rss_growth_mib"],
            "MiB",
            key="documents_rss_growth_mib",
            budget=RSS_BUDGET,
            note=f"{raw['rss_start_mib']:.0f} → {raw['rss_end_mib']:.0f} MiB, "
            f"peak {raw['rss_peak_mib']:.0f} MiB, without recycling (the worker also replaces "
            "its child after 200 documents or 350 MiB)",
        ),
    ]


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    """The bench phase: ``--receipts`` receipts of a seeded submitted notification."""
    notification = _submitted_notification()
    if notification is None:
        return [
            not_measured(
                SECTION, "Receipt render + sign: p50", "no submitted notification with items"
            )
        ], {}
    log(f"  rendering {args.receipts} receipts of {notification.reference}")
    raw = measure(notification=notification, receipts=args.receipts, log=log)
    return figures_of(raw), raw


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m exportctl.benchmarks.documents", description=__doc__
    )
    ap.add_argument("--receipts", type=int, default=200, help="receipts after the warm-up")
    args = ap.parse_args(argv)
    import django

    django.setup()
    figures, raw = run(args=args, log=lambda message: print(message, flush=True))
    for figure in figures:
        verdict = f" [{figure.result}]" if figure.result else ""
        print(f"{figure.label}: {figure.measured_text()}{verdict}  {figure.note}")
    print(raw)
    return 0 if all(f.result != "MISSED" for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
