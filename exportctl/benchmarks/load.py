"""The bounded load run: locust (headless) against gunicorn on loopback, serving the benchmark's
PostgreSQL database with production settings.

Locust, gunicorn and PostgreSQL share the same cores, so the figures are a floor for a server
with its own machine, not a ceiling.
"""

from __future__ import annotations

import json
import subprocess
import sys

from django.urls import reverse

from exportctl.accounts.models import User
from exportctl.benchmarks import processes
from exportctl.benchmarks.report import Figure, not_measured
from exportctl.benchmarks.seed import BENCH_PASSWORD
from notifications.models import Notification
from notifications.workflow import Status

SECTION = "Load run (locust → gunicorn, loopback)"
EXPORTER_SHARE = 0.7


def plan(*, users: int, window: int, origin: str) -> dict:
    """Distinct accounts: exporters of the busiest firms (each with a case of its own firm to
    follow), and reviewers (each with a few cases from the queue)."""
    exporters_wanted = max(1, round(users * EXPORTER_SHARE))
    reviewers_wanted = max(1, users - exporters_wanted)
    exporters = []
    for user in (
        User.objects.filter(groups__name="exporter", firm__isnull=False)
        .select_related("firm")
        .order_by("firm_id", "pk")
    ):
        own = (
            Notification.objects.filter(firm_id=user.firm_id)
            .exclude(status=Status.DRAFT)
            .order_by("-created_at")
            .values_list("public_id", flat=True)
            .first()
        )
        if own is None:
            continue
        exporters.append(
            {
                "email": user.email,
                "detail": reverse("notifications:detail", kwargs={"public_id": own}),
                "fragment": reverse("notifications:status_fragment", kwargs={"public_id": own}),
            }
        )
        if len(exporters) == exporters_wanted:
            break
    cases = [
        reverse("review:case", kwargs={"public_id": p})
        for p in Notification.objects.filter(status=Status.UNDER_REVIEW)
        .order_by("submitted_at")
        .values_list("public_id", flat=True)[:200]
    ]
    reviewers = [
        {"email": email, "cases": cases[i * 5 : i * 5 + 5] or cases[:5]}
        for i, email in enumerate(
            User.objects.filter(groups__name="reviewer", firm__isnull=True)
            .order_by("pk")
            .values_list("email", flat=True)[:reviewers_wanted]
        )
    ]
    return {
        "users": len(exporters) + len(reviewers),
        "exporter_weight": len(exporters),
        "reviewer_weight": len(reviewers),
        "window": window,
        "origin": origin,
        "password": BENCH_PASSWORD,
        "login": reverse("accounts:login"),
        "dashboard": reverse("notifications:dashboard"),
        "queue": reverse("review:queue"),
        "exporters": exporters,
        "reviewers": reviewers,
    }


def run(*, args, env, children, logs, log, **_) -> tuple[list[Figure], dict]:
    port = processes.free_port(args.http_port)
    origin = f"https://127.0.0.1:{port}"
    load_plan = plan(users=args.load_users, window=args.load_seconds, origin=origin)
    plan_path = logs / "load-plan.json"
    out_path = logs / "load-result.json"
    plan_path.write_text(json.dumps(load_plan, indent=2))
    out_path.unlink(missing_ok=True)
    server = processes.start_gunicorn(env, logs, port=port, workers=args.gunicorn_workers)
    children.append(server)
    log(f"  gunicorn ({args.gunicorn_workers} workers) on port {port}; {load_plan['users']} users")
    users = load_plan["users"]
    command = [
        str(processes.VENV_BIN / "locust"),
        "-f",
        str(processes.ROOT / "exportctl" / "benchmarks" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        "10",
        "--run-time",
        f"{args.load_seconds + 120}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    environment = {
        **env,
        "BENCH_LOAD_PLAN": str(plan_path),
        "BENCH_LOAD_OUT": str(out_path),
    }
    with (logs / "locust.log").open("wb") as locust_log:
        subprocess.run(  # noqa: S603 - our own command line
            command,
            cwd=processes.ROOT,
            env=environment,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=args.load_seconds + 240,
        )
    server.stop()
    children.remove(server)
    if not out_path.is_file():
        return [not_measured(SECTION, "Load run", "locust wrote no result; see locust.log")], {}
    result = json.loads(out_path.read_text())
    note = (
        f"{result['users']} users ({load_plan['exporter_weight']} exporters, "
        f"{load_plan['reviewer_weight']} reviewers), {result['window_s']:.0f} s after all signed "
        f"in; gunicorn {args.gunicorn_workers} sync workers"
    )
    figures = [
        Figure(SECTION, "Requests per second", result["rps"], note=note),
        Figure(SECTION, "Response time p50 (all pages)", result["p50_ms"], "ms"),
        Figure(SECTION, "Response time p95 (all pages)", result["p95_ms"], "ms"),
    ]
    for name, row in result["by_name"].items():
        figures.append(
            Figure(SECTION, f"  {name}: p95 ({row['requests']:,} requests)", row["p95_ms"], "ms")
        )
    examples = "; ".join(result["error_examples"])
    figures.append(
        Figure(
            SECTION,
            "Errors (pages and sign-ins)",
            result["errors"] + result["login_errors"],
            key="load_errors",
            note=examples or f"{result['requests']:,} requests",
        )
    )
    if result["signed_in"] < result["users"]:
        figures.append(
            not_measured(SECTION, "All users signed in", f"{result['signed_in']} of {users}")
        )
    return figures, {**result, "plan_users": users, "python": sys.version.split()[0]}
