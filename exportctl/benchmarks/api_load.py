"""Issue 23's load: ERPs filing over the REST API, closed loop, beside reviewers reading the queue.

The processes are docker-compose.yml's: gunicorn with 3 sync workers, the screening worker, the
documents worker (``nice``) and beat, on the benchmark's PostgreSQL database and private Redis.
First the server's ceiling is measured on a trivial page (the login form) on its own; then, for
each level (10 and 50 by default), that many exporters file without think time for ``window``
seconds while 3 reviewers read the queue through the reviewer API. After each level the phase
waits (bounded) for screening and receipts to drain, then checks that every acknowledged
submission is in the database once and screened.

Every request goes to 127.0.0.1. Locust, gunicorn, the workers and PostgreSQL share the cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.db.models import Count, Max
from django.urls import reverse

from exportctl.accounts.models import User
from exportctl.accounts.tokens import api_token_create
from exportctl.audit.lockwaits import LockWaitSampler
from exportctl.benchmarks import erp, processes
from exportctl.benchmarks.report import Budget, Figure, not_measured, percentile
from exportctl.benchmarks.sampling import CpuMeter, RssSampler, WaitSampler
from notifications.models import Document, DocumentKind, Notification
from notifications.workflow import AWAITING_SYSTEM_STATUSES, Status
from screening.models import ScreeningRun, Trigger

SECTION = "API filing load (locust → gunicorn, loopback)"
TRIVIAL_PAGE = "/accounts/login/"
EXPORTER_STEPS = erp.STEPS
READ = "reviewer queue"

#: Issue 23's targets ("Done when"): at 50 exporters, and the receipt lag at 10.
TARGETS_AT_50 = {
    "submissions_per_s": Budget(">=", 16),
    "api_p95_ms": Budget("<=", 1000, "ms"),
    "screened_p95_s": Budget("<=", 2, "s"),
    "reviewer_p95_ms": Budget("<=", 1000, "ms"),
}
TARGETS_AT_10 = {"receipt_lag_s": Budget("<=", 30, "s")}
ZERO = Budget("==", 0)


def _tokens(users) -> list[dict]:
    return [
        {
            "email": u.email,
            "token": api_token_create(actor=u, expires_in_days=None, via="benchmark")[1],
        }
        for u in users
    ]


def _exporters(count: int) -> list[User]:
    """One exporter per firm (an ERP per firm), the firms in order."""
    chosen, firms = [], set()
    for user in (
        User.objects.filter(groups__name="exporter", firm__isnull=False, is_active=True)
        .order_by("firm_id", "pk")
        .only("pk", "email", "firm_id")
    ):
        if user.firm_id in firms:
            continue
        firms.add(user.firm_id)
        chosen.append(user)
        if len(chosen) == count:
            break
    return chosen


def _reviewers(count: int) -> list[User]:
    return list(
        User.objects.filter(groups__name="reviewer", firm__isnull=True, is_active=True).order_by(
            "pk"
        )[:count]
    )


def _locust(*, plan: dict, classes: list[str], users: int, port: int, logs, name: str, env):
    plan_path = logs / f"api-{name}-plan.json"
    out_path = logs / f"api-{name}-result.json"
    plan_path.write_text(json.dumps(plan, indent=2))
    out_path.unlink(missing_ok=True)
    command = [
        str(processes.VENV_BIN / "locust"),
        "-f",
        str(processes.ROOT / "exportctl" / "benchmarks" / "api_locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{plan['window'] + 30}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    with (logs / f"locust-api-{name}.log").open("wb") as log:
        subprocess.run(  # noqa: S603 - our own command line
            command,
            cwd=processes.ROOT,
            env={**env, "BENCH_API_PLAN": str(plan_path), "BENCH_API_OUT": str(out_path)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=plan["window"] + 120,
        )
    if not out_path.is_file():
        raise RuntimeError(f"locust wrote no result; see locust-api-{name}.log")
    return json.loads(out_path.read_text())


def _wait(what: str, remaining, *, timeout: float, log) -> tuple[bool, float]:
    """Poll ``remaining()`` until it is 0 or ``timeout``; returns (done, when it was done)."""
    deadline = time.monotonic() + timeout
    while True:
        left = remaining()
        if left == 0:
            return True, time.time()
        if time.monotonic() > deadline:
            log(f"  {left} {what} still outstanding after {timeout:.0f} s")
            return False, time.time()
        time.sleep(0.5)


def check_acknowledged(acknowledged: list) -> dict:
    """Every acknowledged submission in the database exactly once (by its id and by its
    Idempotency-Key), submitted and screened (one finished submission run)."""
    ids = [a[0] for a in acknowledged]
    keys = [a[1] for a in acknowledged]
    found = dict(
        Notification.objects.filter(public_id__in=ids)
        .values("public_id")
        .annotate(n=Count("pk"))
        .values_list("public_id", "n")
    )
    by_key = dict(
        Notification.objects.filter(idempotency_key__in=keys)
        .values("idempotency_key")
        .annotate(n=Count("pk"))
        .values_list("idempotency_key", "n")
    )
    rows = Notification.objects.filter(public_id__in=ids)
    unsubmitted = rows.filter(status=Status.DRAFT).count()
    unscreened = rows.filter(status__in=AWAITING_SYSTEM_STATUSES).count()
    runs = dict(
        ScreeningRun.objects.filter(
            notification__public_id__in=ids,
            trigger=Trigger.SUBMISSION,
            finished_at__isnull=False,
        )
        .values("notification_id")
        .annotate(n=Count("pk"))
        .values_list("notification_id", "n")
    )
    return {
        "acknowledged": len(acknowledged),
        "acknowledged_twice": len(ids) - len(set(ids)),
        "lost": sum(1 for i in set(ids) if str(i) not in {str(k) for k in found}),
        "duplicated": sum(1 for n in by_key.values() if n > 1)
        + sum(1 for n in found.values() if n > 1),
        "missing_by_key": len(set(keys)) - len(by_key),
        "unsubmitted": unsubmitted,
        "unscreened": unscreened,
        "without_submission_run": len(set(ids)) - len(runs),
        "more_than_one_submission_run": sum(1 for n in runs.values() if n > 1),
    }


def _latencies(ids) -> tuple[list[float], dict]:
    rows = list(
        ScreeningRun.objects.filter(
            notification__public_id__in=ids,
            trigger=Trigger.SUBMISSION,
            finished_at__isnull=False,
        ).values_list("notification__submitted_at", "finished_at")
    )
    latencies = [max(0.0, (done - sent).total_seconds()) for sent, done in rows if sent]
    statuses = dict(
        Notification.objects.filter(public_id__in=ids)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return latencies, statuses


FIRST_DOWNLOADS = 10


def _first_downloads(ids: list[str], exporters: list[dict], *, port: int) -> list[float]:
    """Wall time of the first download of a few of the level's receipts, over HTTP with their
    firm's token, after the load: the PDF is made then (from the content frozen at clearance),
    so this is where a receipt's rendering now costs."""
    token_of_firm = {User.objects.get(email=e["email"]).firm_id: e["token"] for e in exporters}
    receipts = (
        Document.objects.filter(
            notification__public_id__in=ids,
            notification__firm_id__in=token_of_firm,
            kind=DocumentKind.RECEIPT,
            sha256__isnull=True,
        )
        .select_related("notification")
        .order_by("pk")[:FIRST_DOWNLOADS]
    )
    times = []
    for document in receipts:
        path = reverse(
            "api:notifications:document-download",
            kwargs={
                "public_id": document.notification.public_id,
                "document_id": document.public_id,
            },
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            headers={
                "Authorization": f"Token {token_of_firm[document.notification.firm_id]}",
                "X-Forwarded-Proto": "https",
            },
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
            body = response.read()
        times.append((time.perf_counter() - t0) * 1000)
        if not body.startswith(b"%PDF"):
            raise RuntimeError(f"{document.number}: the first download is not a PDF")
    return times


def _level(*, n: int, args, env, port, logs, log, children, exporters, reviewers, payloads):
    plan = {
        "window": args.api_seconds,
        "exporters": exporters[:n],
        "reviewers": reviewers,
        "exporter_weight": n,
        "reviewer_weight": len(reviewers),
        "payloads": payloads,
    }
    rss = RssSampler(children)
    cpu = CpuMeter(children)
    cpu.start()
    waits = WaitSampler()
    audit = LockWaitSampler(interval=0.2)
    rss.start()
    waits.start()
    audit.start()
    started = time.time()
    try:
        result = _locust(
            plan=plan,
            classes=["Filer", "Reader"],
            users=n + len(reviewers),
            port=port,
            logs=logs,
            name=f"{n}",
            env=env,
        )
    finally:
        lock_waits = waits.stop()
        audit_waits = audit.stop().as_dict()
    acknowledged = result["acknowledged"]
    ids = [a[0] for a in acknowledged]
    # The rate counts the submissions answered inside the window; the check counts them all.
    in_window = sum(1 for a in acknowledged if a[2] <= (result["until"] or 0))
    log(f"  {n} exporters: {len(ids)} submissions acknowledged; waiting for screening")
    pending = Notification.objects.filter(public_id__in=ids, status__in=AWAITING_SYSTEM_STATUSES)
    _wait("submissions", pending.count, timeout=args.api_drain_seconds, log=log)
    cleared = Notification.objects.filter(public_id__in=ids, status=Status.CLEARED)
    receipts = Document.objects.filter(notification__public_id__in=ids, kind=DocumentKind.RECEIPT)
    expected_receipts = cleared.count()
    receipts_done, _ = _wait(
        "receipts",
        lambda: max(0, expected_receipts - receipts.count()),
        timeout=args.api_drain_seconds,
        log=log,
    )
    memory = rss.stop()
    cpu_seconds = cpu.stop()
    first_downloads = _first_downloads(ids, exporters[:n], port=port)
    check = check_acknowledged(acknowledged)
    latencies, statuses = _latencies(ids)
    last_submission = Notification.objects.filter(public_id__in=ids).aggregate(
        last=Max("submitted_at")
    )["last"]
    last_receipt = receipts.aggregate(last=Max("created_at"))["last"]
    receipt_lag = (
        (last_receipt - last_submission).total_seconds()
        if receipts_done and last_receipt and last_submission
        else None
    )
    samples = result["samples"]
    by_name: dict[str, list[float]] = {}
    for name, ms, _failed in samples:
        by_name.setdefault(name, []).append(ms)
    api_times = [ms for name, ms, _f in samples if name in EXPORTER_STEPS]
    window = result["window_s"]
    raw = {
        "exporters": n,
        "reviewers": len(reviewers),
        "window_s": window,
        "wall_s": round(time.time() - started, 1),
        "submissions": len(ids),
        "submissions_in_window": in_window,
        "submissions_per_s": in_window / window,
        "api_requests_per_s": len(api_times) / window,
        "requests_per_s": len(samples) / window,
        "errors": result["errors"],
        "failed_filings": result["failed_filings"],
        "error_examples": result["error_examples"],
        "by_request": {
            name: {
                "requests": len(times),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99),
            }
            for name, times in sorted(by_name.items())
        },
        "api_p50_ms": percentile(api_times, 50),
        "api_p95_ms": percentile(api_times, 95),
        "screened_p50_s": percentile(latencies, 50),
        "screened_p95_s": percentile(latencies, 95),
        "receipts_expected": expected_receipts,
        "receipts_issued": receipts.count(),
        "receipt_lag_s": receipt_lag,
        "receipt_first_download_ms": first_downloads,
        "outcomes": statuses,
        "check": check,
        "rss_mib": memory,
        "cpu_s": cpu_seconds,
        "cpu_ms_per_submission": {
            name: 1000 * seconds / len(ids) for name, seconds in cpu_seconds.items()
        }
        if ids
        else {},
        "lock_waits": lock_waits,
        "audit_lock_waits": audit_waits,
    }
    return raw


def _figures(raw: dict, ceiling_rps: float | None) -> list[Figure]:
    n = raw["exporters"]
    at50 = TARGETS_AT_50 if n == 50 else {}
    at10 = TARGETS_AT_10 if n == 10 else {}
    head = f"{n} exporters"
    figures = [
        Figure(
            SECTION,
            f"{head}: submissions per second",
            raw["submissions_per_s"],
            budget=at50.get("submissions_per_s"),
            note=(
                f"{raw['submissions_in_window']:,} acknowledged in {raw['window_s']:.0f} s, "
                f"{raw['reviewers']} reviewers reading; outcomes {raw['outcomes']}"
            ),
        ),
        Figure(SECTION, f"{head}: API requests per second", raw["api_requests_per_s"]),
    ]
    if ceiling_rps:
        figures.append(
            Figure(
                SECTION,
                f"{head}: API requests/s ÷ trivial page's",
                raw["api_requests_per_s"] / ceiling_rps,
                note=f"trivial page {ceiling_rps:,.0f} requests/s in the same run",
            )
        )
    figures.append(
        Figure(
            SECTION,
            f"{head}: API request p95 (filing requests)",
            raw["api_p95_ms"],
            "ms",
            budget=at50.get("api_p95_ms"),
            note=f"p50 {raw['api_p50_ms']:,.0f} ms",
        )
    )
    for name in (*EXPORTER_STEPS, READ):
        row = raw["by_request"].get(name)
        if row is None:
            continue
        figures.append(
            Figure(
                SECTION,
                f"  {name}: p50 / p95 / p99 ({row['requests']:,})",
                row["p95_ms"],
                "ms",
                budget=at50.get("reviewer_p95_ms") if name == READ else None,
                note=f"p50 {row['p50_ms']:,.0f} ms, p99 {row['p99_ms']:,.0f} ms",
            )
        )
    figures.append(
        Figure(
            SECTION,
            f"{head}: submit → screened p95",
            raw["screened_p95_s"],
            "s",
            budget=at50.get("screened_p95_s"),
            note=f"p50 {raw['screened_p50_s']:.2f} s"
            if raw["screened_p50_s"] == raw["screened_p50_s"]
            else "",
        )
    )
    receipt_note = f"{raw['receipts_issued']} of {raw['receipts_expected']} receipts issued"
    if raw["receipt_lag_s"] is None:
        figures.append(
            Figure(
                SECTION,
                f"{head}: last receipt after last submission",
                None,
                budget=at10.get("receipt_lag_s"),
                note=f"not all receipts within the drain time: {receipt_note}",
            )
        )
    else:
        figures.append(
            Figure(
                SECTION,
                f"{head}: last receipt after last submission",
                raw["receipt_lag_s"],
                "s",
                budget=at10.get("receipt_lag_s"),
                note=receipt_note,
            )
        )
    downloads = raw["receipt_first_download_ms"]
    figures.append(
        Figure(
            SECTION,
            f"{head}: a receipt's first download (its PDF is made then)",
            percentile(downloads, 50) if downloads else None,
            "ms",
            note=f"p50 of {len(downloads)}, after the load; max {max(downloads):,.0f} ms"
            if downloads
            else "no unrendered receipt of these exporters",
        )
    )
    check = raw["check"]
    bad = {k: v for k, v in check.items() if k != "acknowledged" and v}
    figures.append(
        Figure(
            SECTION,
            f"{head}: lost, duplicated or unscreened submissions",
            sum(bad.values()) if check["acknowledged"] else None,
            budget=ZERO,
            note=(
                f"{check['acknowledged']:,} acknowledged; "
                + (str(bad) if bad else "all once, all screened")
                if check["acknowledged"]
                else "no submission was acknowledged in the window: nothing to check"
            ),
        )
    )
    figures.append(
        Figure(
            SECTION,
            f"{head}: failed requests",
            raw["errors"],
            budget=ZERO,
            note="; ".join(raw["error_examples"]) or "",
        )
    )
    waits, audit = raw["lock_waits"], raw["audit_lock_waits"]
    figures.append(
        Figure(
            SECTION,
            f"{head}: samples with a wait on the audit path",
            round(100 * audit["share_with_audit_waits"], 1) if audit["samples"] else None,
            "%",
            note=(
                f"{audit['samples']} samples (exportctl.audit.lockwaits); at most "
                f"{audit['max_audit_waiting']} waiting at once, mean "
                f"{audit['mean_audit_waiting']:.2f}; any lock wait in "
                f"{audit['samples_with_any_wait']} samples; waits by kind "
                f"{waits['waits_by_kind'] or 'none'}; idle in transaction max "
                f"{audit['max_idle_in_transaction']}"
                + (f"; sampler error {waits['error']}" if waits["error"] else "")
            ),
        )
    )
    per_submission = raw.get("cpu_ms_per_submission", {})
    for role, ms in sorted(per_submission.items(), key=lambda kv: -kv[1]):
        figures.append(
            Figure(
                SECTION,
                f"  CPU per submission: {role}",
                ms,
                "ms",
                note=f"{raw['cpu_s'][role]:.1f} s over the window and the drain",
            )
        )
    for role, mib in raw["rss_mib"].items():
        figures.append(
            Figure(
                SECTION,
                f"  RSS {role}: peak",
                round(mib["peak"]),
                "MiB",
                note=f"start {mib['start']:.0f}, end {mib['end']:.0f} MiB",
            )
        )
    return figures


def start_beat(env: dict, logs) -> processes.Child:
    """Celery beat, as docker-compose.yml runs it (its schedule file in the run's folder)."""
    return processes.Child(
        "beat",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "exportctl",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(logs.parent / "celerybeat-schedule"),
        ],
        env=env,
        log=logs / "beat.log",
    )


def warm_up(port: int, token: str, *, requests: int, log) -> None:
    """Each gunicorn worker loads its URL patterns, templates and translations on its first
    requests (seconds on a busy machine): let that happen before anything is timed."""
    started = time.monotonic()

    def fetch(path_and_headers):
        path, headers = path_and_headers
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            f"http://127.0.0.1:{port}{path}",
            headers={"X-Forwarded-Proto": "https", **headers},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()

    calls = [(TRIVIAL_PAGE, {}), (erp.API, {"Authorization": f"Token {token}"})] * requests
    # Concurrent, so that every worker (each busy with one request) gets some.
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(fetch, calls))
    log(f"  gunicorn warmed up in {time.monotonic() - started:.0f} s")


def _ensure_beat(env, logs, children, log) -> None:
    if not any(c.name == "beat" and c.alive() for c in children):
        log("  starting beat")
        children.append(start_beat(env, logs))


def run(*, args, env, children, logs, log, **_) -> tuple[list[Figure], dict]:
    levels = [int(x) for x in str(args.api_levels).split(",") if x.strip()]
    exporters_wanted = max(levels)
    exporters = _tokens(_exporters(exporters_wanted))
    reviewers = _tokens(_reviewers(args.api_reviewers))
    if len(exporters) < exporters_wanted:
        return [
            not_measured(
                SECTION, "API load", f"only {len(exporters)} firms with an exporter seeded"
            )
        ], {}
    _ensure_beat(env, logs, children, log)
    port = processes.free_port(args.http_port)
    server = processes.start_gunicorn(env, logs, port=port, workers=args.gunicorn_workers)
    children.append(server)
    payloads = erp.plan_payloads()
    warm_up(port, exporters[0]["token"], requests=4 * args.gunicorn_workers, log=log)
    raw: dict = {"levels": {}}
    figures: list[Figure] = []
    try:
        log(f"  ceiling: {args.ceiling_users} users on {TRIVIAL_PAGE} for {args.ceiling_seconds} s")
        ceiling = _locust(
            plan={
                "window": args.ceiling_seconds,
                "exporters": [],
                "reviewers": [],
                "exporter_weight": 1,
                "reviewer_weight": 1,
                "ceiling_weight": args.ceiling_users,
                "trivial": TRIVIAL_PAGE,
                "payloads": payloads,
            },
            classes=["Ceiling"],
            users=args.ceiling_users,
            port=port,
            logs=logs,
            name="ceiling",
            env=env,
        )
        ok = [s for s in ceiling["samples"] if not s[2]]
        ceiling_rps = len(ok) / ceiling["window_s"] if ok else None
        raw["ceiling"] = {
            "page": TRIVIAL_PAGE,
            "users": args.ceiling_users,
            "requests_per_s": ceiling_rps,
            "p50_ms": percentile([s[1] for s in ok], 50),
            "errors": ceiling["errors"],
        }
        figures.append(
            Figure(
                SECTION,
                "Ceiling: trivial page requests per second",
                ceiling_rps,
                note=f"{TRIVIAL_PAGE}, {args.ceiling_users} closed-loop users, "
                f"{args.ceiling_seconds} s; gunicorn {args.gunicorn_workers} sync workers",
            )
        )
        for n in levels:
            log(f"  {n} exporters + {len(reviewers)} reviewers for {args.api_seconds} s")
            level = _level(
                n=n,
                args=args,
                env=env,
                port=port,
                logs=logs,
                log=log,
                children=children,
                exporters=exporters,
                reviewers=reviewers,
                payloads=payloads,
            )
            raw["levels"][str(n)] = level
            figures += _figures(level, ceiling_rps)
    finally:
        server.stop()
        children.remove(server)
    return figures, raw
