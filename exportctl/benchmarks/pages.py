"""Server time of the busiest pages, in-process (Django's test ``Client``): no network, no load
generator, just the view with its middleware, queries and template, warm, many times over.

Query counts are taken on separate requests (``CaptureQueriesContext``), so the timed requests
carry no capture overhead. "Independent of page size" is checked by counting the queue's queries
at three page sizes (the selectors' page-size constant is set for those requests only).
"""

from __future__ import annotations

import contextlib
import statistics
import time

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from exportctl.accounts.models import User
from exportctl.benchmarks.report import Figure, not_measured, percentile
from notifications import selectors as notification_selectors
from notifications.models import Notification
from notifications.workflow import Status

SECTION = "Pages (server time, in-process, PostgreSQL)"
WARM_UP = 10
QUERY_SAMPLES = 5
QUEUE_PAGE_SIZES = (10, 50, 200)


@contextlib.contextmanager
def _page_size(attribute: str, size: int):
    """Set a page-size constant wherever it was imported, for the requests inside only."""
    import notifications.exporter_selectors as exporter_selectors

    modules = [m for m in (notification_selectors, exporter_selectors) if hasattr(m, attribute)]
    saved = [(m, getattr(m, attribute)) for m in modules]
    for module in modules:
        setattr(module, attribute, size)
    try:
        yield
    finally:
        for module, value in saved:
            setattr(module, attribute, value)


def _get(client: Client, path: str, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, secure=True, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return response


def _time(client: Client, path: str, requests: int, *, htmx: bool = False) -> list[float]:
    for _ in range(WARM_UP):
        _get(client, path, htmx=htmx)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        _get(client, path, htmx=htmx)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _queries(client: Client, path: str, *, htmx: bool = False) -> int:
    counts = []
    for _ in range(QUERY_SAMPLES):
        with CaptureQueriesContext(connection) as captured:
            _get(client, path, htmx=htmx)
        counts.append(len(captured.captured_queries))
    return int(statistics.median(counts))


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def targets() -> dict:
    """The people and objects the page measurements (and the load run) use."""
    biggest = (
        Notification.objects.values("firm_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "firm_id")
        .first()
    )
    firm_id = biggest["firm_id"]
    exporter = User.objects.filter(firm_id=firm_id, groups__name="exporter").order_by("pk").first()
    reviewer = (
        User.objects.filter(groups__name="reviewer", firm__isnull=True).order_by("pk").first()
    )
    case = (
        Notification.objects.filter(status=Status.UNDER_REVIEW)
        .order_by("-submitted_at", "pk")
        .first()
    )
    own = (
        Notification.objects.filter(firm_id=firm_id, status=Status.UNDER_REVIEW)
        .order_by("-submitted_at", "pk")
        .first()
    )
    return {
        "firm_notifications": biggest["n"],
        "exporter": exporter,
        "reviewer": reviewer,
        "case": case,
        "own": own,
    }


def _path(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    t = targets()
    n = args.page_requests
    exporter, reviewer = _client_for(t["exporter"]), _client_for(t["reviewer"])
    pages = [
        ("Review queue", "queue", reviewer, _path("review:queue"), False),
        (
            f"Exporter dashboard (firm with {t['firm_notifications']:,} notifications)",
            "dashboard",
            exporter,
            _path("notifications:dashboard"),
            False,
        ),
        (
            "Notification status page",
            "detail",
            exporter,
            _path("notifications:detail", public_id=t["own"].public_id),
            False,
        ),
        (
            "Status fragment (htmx poll)",
            "status_fragment",
            exporter,
            _path("notifications:status_fragment", public_id=t["own"].public_id),
            True,
        ),
        (
            "Review case page",
            "case",
            reviewer,
            _path("review:case", public_id=t["case"].public_id),
            False,
        ),
    ]
    figures: list[Figure] = []
    raw: dict = {"requests_per_page": n, "warm_up": WARM_UP}
    for label, key, client, path, htmx in pages:
        if path is None:
            figures.append(not_measured(SECTION, label, "URL not defined yet"))
            continue
        log(f"  {label}: {path}")
        try:
            timings = _time(client, path, n, htmx=htmx)
            queries = _queries(client, path, htmx=htmx)
        except Exception as exc:
            figures.append(
                not_measured(SECTION, label, str(exc), key="queue_p95_ms" if key == "queue" else "")
            )
            raw[key] = {"error": str(exc)}
            continue
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        raw[key] = {"path": path, "p50_ms": p50, "p95_ms": p95, "max_ms": max(timings)}
        raw[key]["queries"] = queries
        figures.append(Figure(SECTION, f"{label}: p50", p50, "ms"))
        figures.append(
            Figure(
                SECTION, f"{label}: p95", p95, "ms", key="queue_p95_ms" if key == "queue" else ""
            )
        )
        figures.append(Figure(SECTION, f"{label}: queries per request", queries))
        if key == "queue":
            counts = {}
            for size in QUEUE_PAGE_SIZES:
                with _page_size("QUEUE_PAGE_SIZE", size):
                    counts[size] = _queries(client, path)
            raw[key]["queries_by_page_size"] = counts
            spread = max(counts.values()) - min(counts.values())
            sizes = " / ".join(f"{c} at {s}" for s, c in counts.items())
            figures.append(
                Figure(
                    SECTION,
                    "Review queue: query-count change across page sizes",
                    spread,
                    key="queue_query_count_spread",
                    note=f"queries per page size: {sizes}",
                )
            )
        if key == "dashboard":
            counts = {}
            for size in QUEUE_PAGE_SIZES:
                with _page_size("PAGE_SIZE", size):
                    counts[size] = _queries(client, path)
            raw[key]["queries_by_page_size"] = counts
            spread = max(counts.values()) - min(counts.values())
            sizes = " / ".join(f"{c} at {s}" for s, c in counts.items())
            figures.append(
                Figure(
                    SECTION,
                    "Exporter dashboard: query-count change across page sizes",
                    spread,
                    key="queue_query_count_spread",
                    note=f"queries per page size: {sizes}",
                )
            )
    return figures, raw
