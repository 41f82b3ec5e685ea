"""Where the screening worker's CPU goes: ``screening_run_execute`` on freshly submitted ERP
filings, in this process, with production settings (DEBUG off, PostgreSQL, the inline audit seal
on), as the worker's ``screening.screen_notification`` task calls it.

Filings are made through the REST API (``profile.Filer``: create, item, party, submit) with the
submission's task message suppressed, so the measured call is the only screening of each. Three
passes over fresh filings: one timed (``time.process_time`` per run: this process's CPU,
PostgreSQL's own is not in it), one counting queries per run (``CaptureQueriesContext``, apart,
since capturing costs CPU of its own), and one under cProfile (written to
``var/bench/profile-screening.txt``).

A phase of the benchmark (``run``), or on its own against a database of its own::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_screen REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python -m exportctl.benchmarks.screening_profile --filings 60

which creates and seeds that database the first time (lists, people, a few thousand filings).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import secrets
import sys
import time
from collections import Counter
from contextlib import contextmanager
from unittest import mock

from exportctl.benchmarks.processes import ROOT

SECTION = "Screening run profile (in-process, production settings)"
WARM_UP = 3
PROFILE_OUT = ROOT / "var" / "bench" / "profile-screening.txt"


@contextmanager
def _no_task_message():
    """Submissions queue nothing: this process screens them itself."""
    from screening.tasks import screen_notification

    with mock.patch.object(screen_notification, "delay_on_commit"):
        yield


def _submitted(filer, count: int) -> list[int]:
    """``count`` ERP filings submitted over the API, their primary keys in order."""
    from exportctl.benchmarks.profile import _file
    from notifications.models import Notification
    from notifications.workflow import Status

    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with _no_task_message():
        for _ in range(count):
            _file(filer)
    return list(
        Notification.objects.filter(pk__gt=before, status=Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _screen(notification_id: int):
    from screening.models import Trigger
    from screening.services import screening_run_execute

    run = screening_run_execute(notification_id=notification_id, trigger=Trigger.SUBMISSION)
    if run is None:
        raise RuntimeError(f"notification {notification_id}: no run")
    return run


def _shape(sql: str) -> str:
    """A query without its parameters' values, to count repeats of the same statement."""
    head = sql.split(" WHERE ")[0]
    return head[:160]


def measure(*, filings: int, log=print) -> dict:
    """Submit and screen ``filings`` filings per pass; return the raw figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exportctl.accounts.models import User
    from exportctl.benchmarks.profile import Filer
    from notifications.models import Notification

    user = User.objects.filter(groups__name="exporter", firm__isnull=False).order_by("pk").first()
    if user is None:
        raise RuntimeError("no seeded exporter")
    filer = Filer(user)
    for pk in _submitted(filer, WARM_UP):
        _screen(pk)
    gc.collect()
    gc.freeze()

    ids = _submitted(filer, filings)
    cpu = []
    statuses: Counter[str] = Counter()
    for pk in ids:
        t0 = time.process_time()
        _screen(pk)
        cpu.append((time.process_time() - t0) * 1000)
    statuses.update(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))
    log(f"  {len(ids)} screening runs timed: {dict(statuses)}")

    counts = []
    shapes: Counter[str] = Counter()
    for pk in _submitted(filer, max(3, filings // 10)):
        with CaptureQueriesContext(connection) as captured:
            _screen(pk)
        counts.append(len(captured.captured_queries))
        shapes = Counter(_shape(q["sql"]) for q in captured.captured_queries)

    profiler = cProfile.Profile(time.process_time)
    ids = _submitted(filer, filings)
    profiler.enable()
    for pk in ids:
        _screen(pk)
    profiler.disable()
    PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
    text.write("\nQueries of the last counted run, by statement (count, statement up to WHERE):\n")
    for sql, n in shapes.most_common():
        text.write(f"{n:3d}  {sql}\n")
    PROFILE_OUT.write_text(text.getvalue())

    cpu_sorted = sorted(cpu)
    return {
        "filings": len(cpu),
        "statuses": dict(statuses),
        "cpu_ms_p50": round(cpu_sorted[len(cpu) // 2], 2),
        "cpu_ms_mean": round(sum(cpu) / len(cpu), 2),
        "cpu_ms_p90": round(cpu_sorted[int(len(cpu) * 0.9)], 2),
        "queries": counts,
        "profile": str(PROFILE_OUT),
    }


def run(*, args, log, **_) -> tuple[list, dict]:
    """The benchmark's phase: ``args.profile_filings`` filings per pass."""
    from exportctl.benchmarks.report import Figure, not_measured

    try:
        raw = measure(filings=args.profile_filings, log=log)
    except RuntimeError as exc:
        return [not_measured(SECTION, "Screening run", str(exc))], {}
    figures = [
        Figure(
            SECTION,
            f"CPU per screening run: p50 ({max(raw['queries'])} queries)",
            raw["cpu_ms_p50"],
            "ms",
            note=f"{raw['filings']} runs {raw['statuses']}; profile in {PROFILE_OUT.name}",
        ),
        Figure(SECTION, "CPU per screening run: mean", raw["cpu_ms_mean"], "ms"),
    ]
    return figures, raw


# --- On its own ------------------------------------------------------------------------------


def _environment() -> None:
    """The benchmark's production settings (``exportctl.benchmarks.__main__._environment``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exportctl.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("EXPORTCTL_DEMO", "false")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_BEHIND_TLS_PROXY", "true")
    os.environ.setdefault("EXPORTCTL_PUBLIC_BASE_URL", "https://localhost")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    os.environ.setdefault("EXPORTCTL_MINISTRY_2FA", "false")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m exportctl.benchmarks.screening_profile")
    ap.add_argument("--filings", type=int, default=60, help="filings per pass")
    ap.add_argument("--seed-notifications", type=int, default=3000)
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = ap.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        ap.error("set DATABASE_URL (PostgreSQL) to a database of your own")
    _environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from exportctl.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.filter(groups__name="exporter").exists():
        from exportctl.benchmarks import seed as seeding
        from exportctl.celery import app as celery_app

        print(f"seeding {args.seed_notifications} notifications", flush=True)
        celery_app.conf.task_always_eager = True
        try:
            seeding.seed(notifications=args.seed_notifications, firms=20)
        finally:
            celery_app.conf.task_always_eager = False
    raw = measure(filings=args.filings)
    raw["database"] = connection.vendor
    if args.json:
        print(json.dumps(raw))
    else:
        print(
            f"CPU per screening run: p50 {raw['cpu_ms_p50']} ms, mean {raw['cpu_ms_mean']} ms, "
            f"p90 {raw['cpu_ms_p90']} ms over {raw['filings']} runs {raw['statuses']}; "
            f"queries per run {sorted(set(raw['queries']))}; profile {raw['profile']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
