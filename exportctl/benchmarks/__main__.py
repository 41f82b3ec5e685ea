"""``python -m exportctl.benchmarks``: set up, measure everything, print and write the report.

The run uses production settings (``DJANGO_DEBUG=false``) on its own PostgreSQL database
(recreated each run, so figures never depend on a previous run's leftovers) and a private
redis-server, and stops every process it started when it ends.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import secrets
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/exportctl_bench"
PHASES = (
    "pages",
    "profile",
    "screening_profile",
    "api_load",
    "load",
    "pipeline",
    "permit_pdf",
    "documents",
    "rescreen",
    "scorecard",
    "limits",
)


def _arguments(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m exportctl.benchmarks", description=__doc__)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--redis-port", type=int, default=6391)
    ap.add_argument("--http-port", type=int, default=8391)
    ap.add_argument("--notifications", type=int, default=100_000)
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--page-requests", type=int, default=150, help="per page, after warm-up")
    ap.add_argument("--load-users", type=int, default=50)
    ap.add_argument("--load-seconds", type=int, default=60)
    ap.add_argument("--gunicorn-workers", type=int, default=3)
    ap.add_argument("--worker-concurrency", type=int, default=2)
    ap.add_argument("--submissions", type=int, default=500)
    ap.add_argument("--submit-rate", type=float, default=5.0, help="submissions per second")
    ap.add_argument("--pdfs", type=int, default=10)
    ap.add_argument(
        "--receipts",
        type=int,
        default=100,
        help="receipts rendered in one process for the documents figure (the issue's: 1000)",
    )
    ap.add_argument(
        "--rescreen-timeout", type=int, default=240, help="stop waiting (reported as missed)"
    )
    ap.add_argument(
        "--rescreen-parties",
        type=int,
        default=100_000,
        help="parties in open work to re-screen (real names are added up to this count)",
    )
    ap.add_argument("--scorecard", choices=("quick", "full", "large", "skip"), default="quick")
    ap.add_argument(
        "--profile-filings", type=int, default=30, help="filings per pass of the profile phase"
    )
    ap.add_argument(
        "--api-levels", default="10,50", help="exporters filing at once, one run per level"
    )
    ap.add_argument("--api-seconds", type=int, default=60, help="window per level")
    ap.add_argument("--api-reviewers", type=int, default=3)
    ap.add_argument(
        "--api-drain-seconds",
        type=int,
        default=240,
        help="stop waiting for screening and receipts after a level (reported as missed)",
    )
    ap.add_argument("--ceiling-users", type=int, default=8)
    ap.add_argument("--ceiling-seconds", type=int, default=15)
    ap.add_argument(
        "--reuse-database",
        action="store_true",
        help="keep the last run's database, data and static files, unmigrated (quicker, for the "
        "profile and api_load phases while working on them; figures then depend on what "
        "earlier runs filed)",
    )
    ap.add_argument("--only", nargs="*", choices=PHASES, help="run only these phases")
    ap.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "report.json")
    return ap.parse_args(argv)


def _environment(args: argparse.Namespace, run_dir: Path) -> dict:
    """Production settings on loopback: DEBUG off, a TLS terminator assumed in front (the load
    generator says so with ``X-Forwarded-Proto``), e-mail rendered but not delivered."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exportctl.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "DJANGO_DEBUG": "false",
        "EXPORTCTL_DEMO": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_BEHIND_TLS_PROXY": "true",
        # Production refuses to issue a document without the public address it prints.
        "EXPORTCTL_PUBLIC_BASE_URL": "https://localhost",
        "EXPORTCTL_VAR_DIR": str(run_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "60",
        # Reviewers sign in with a password only: the second factor (TOTP) is a sign-in step,
        # not a cost of the pages measured here.
        "EXPORTCTL_MINISTRY_2FA": "false",
        # docker-compose.yml's topology: documents on a worker of their own.
        "EXPORTCTL_DOCUMENTS_QUEUE": "documents",
    }


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    from exportctl.benchmarks.processes import free_port

    # Chosen before the settings load, so the broker and the cache both point at the private
    # redis-server (the cache's address cannot follow a later change).
    args.redis_port = free_port(args.redis_port)
    run_dir = ROOT / "var" / "bench" / "run"
    logs = run_dir / "logs"
    env = _environment(args, run_dir)
    os.environ.update(env)

    import django

    django.setup()

    from exportctl.benchmarks import processes
    from exportctl.benchmarks.report import Report

    started = time.monotonic()
    report = Report(
        started_at=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
    )
    phases = set(args.only or PHASES)
    children: list[processes.Child] = []
    try:
        database = processes.Database.from_url(args.database_url)
        if args.reuse_database:
            _log(f"database {database.name}: reused as the last run left it")
        else:
            _log(f"database {database.name}: recreating, migrating")
            database.recreate()
        _prepare(env, migrate=not args.reuse_database)
        redis_port = processes.free_port(args.redis_port)
        if redis_port != args.redis_port:
            env["REDIS_URL"] = os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            from django.conf import settings

            settings.CELERY_BROKER_URL = env["REDIS_URL"]
        children.append(processes.start_redis(redis_port, logs))
        _log(f"private redis-server on port {redis_port}")
        if args.reuse_database and _seeded():
            _log("seeded data kept (--reuse-database)")
            context = {"cast": None}
        else:
            context = _seed(args, report)
        report.data["database_size_mb"] = round(database.size() / 1e6)
        _run_phases(args, env, phases, report, context, children, logs)
    except KeyboardInterrupt:
        _log("interrupted")
        return 130
    finally:
        for child in reversed(children):
            child.stop()
        report.seconds = time.monotonic() - started
        report.write_json(args.out)
        print()
        print(report.table())
        print(f"\nJSON: {args.out}")
    return 0


def _seeded() -> bool:
    from notifications.models import Notification

    return Notification.objects.exists()


def _prepare(env: dict, *, migrate: bool = True) -> None:
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    try:
        from notifications.documents import signing

        signing.ensure_demo_key()  # the benchmark's own key, under var/bench/run/signing
    except ImportError as exc:
        _log(f"signing key not prepared: {exc}")


def _seed(args, report):
    from exportctl.benchmarks import seed as seeding
    from exportctl.celery import app as celery_app

    _log(f"seeding {args.notifications:,} notifications")
    # The first publication's re-screen fan-out runs in-process while nothing is filed yet, so
    # no stale message waits for the worker.
    celery_app.conf.task_always_eager = True
    try:
        summary, cast = seeding.seed(
            notifications=args.notifications,
            firms=args.firms,
            progress=lambda done, total: (
                _log(f"  {done:,}/{total:,}") if done % 20_000 == 0 or done == total else None
            ),
        )
    finally:
        celery_app.conf.task_always_eager = False
    _log(f"seeded in {summary.seconds:.0f} s")
    report.data.update(
        {
            "notifications": summary.notifications,
            "firms": summary.firms,
            "users": summary.users,
            "parties": summary.parties,
            "items": summary.items,
            "audit_events": summary.audit_events,
            "seed_seconds": round(summary.seconds),
        }
    )
    report.phases["seed"] = {"statuses": summary.statuses, **vars(summary)}
    return {"cast": cast}


def _run_phases(args, env, phases, report, context, children, logs) -> None:
    from exportctl.benchmarks.report import not_measured

    runners = _phase_runners()
    for name in PHASES:
        if name not in phases:
            continue
        _log(f"phase {name}")
        t0 = time.monotonic()
        try:
            figures, raw = runners[name](
                args=args, env=env, context=context, children=children, logs=logs, log=_log
            )
        except Exception as exc:
            traceback.print_exc()
            figures, raw = (
                [not_measured(name, f"{name} phase", f"failed: {exc}")],
                {"error": str(exc)},
            )
        report.add(figures)
        report.phases[name] = {**raw, "phase_seconds": round(time.monotonic() - t0, 1)}
        _log(f"phase {name} done in {time.monotonic() - t0:.0f} s")


WORKERS = ("worker", "documents-worker", "mail-worker")


def _ensure_worker(*, args, env, children, logs, log):
    """The topology of docker-compose.yml: screening, documents and mail on a worker each."""
    from exportctl.benchmarks import processes

    if not any(c.name == "worker" and c.alive() for c in children):
        log(f"  starting the Celery worker (concurrency {args.worker_concurrency})")
        children.append(processes.start_worker(env, logs, concurrency=args.worker_concurrency))
    if not any(c.name == "documents-worker" and c.alive() for c in children):
        log("  starting the documents worker (concurrency 1, nice 10)")
        children.append(
            processes.start_worker(
                env, logs, concurrency=1, queues="documents", name="documents-worker"
            )
        )
    if not any(c.name == "mail-worker" and c.alive() for c in children):
        log("  starting the mail worker (concurrency 1, nice 5)")
        children.append(
            processes.start_worker(env, logs, concurrency=1, queues="mail", name="mail-worker")
        )


def _stop_worker(children) -> None:
    for child in [c for c in children if c.name in WORKERS]:
        child.stop()
        children.remove(child)


def _drop_queued_tasks() -> None:
    """Whatever is still queued (receipts of the pipeline, a re-screen that ran out of time)
    must not run on behind the later phases' backs."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def _phase_runners() -> dict:
    from exportctl.benchmarks import (
        api_load,
        documents,
        limits,
        load,
        pages,
        permits,
        pipeline,
        profile,
        rescreen,
        scorecard,
        screening_profile,
    )

    def with_worker(runner):
        def run(**kwargs):
            _ensure_worker(**{k: kwargs[k] for k in ("args", "env", "children", "logs", "log")})
            return runner(**kwargs)

        return run

    def then_stop(runner):
        def run(**kwargs):
            try:
                return with_worker(runner)(**kwargs)
            finally:
                _stop_worker(kwargs["children"])
                _drop_queued_tasks()

        return run

    def then_drop(runner):
        def run(**kwargs):
            try:
                return runner(**kwargs)
            finally:
                _drop_queued_tasks()

        return run

    def then_stop_beat(runner):
        def run(**kwargs):
            try:
                return then_stop(runner)(**kwargs)
            finally:
                for child in [c for c in kwargs["children"] if c.name == "beat"]:
                    child.stop()
                    kwargs["children"].remove(child)

        return run

    return {
        "pages": pages.run,
        "profile": then_drop(profile.run),
        "screening_profile": then_drop(screening_profile.run),
        "api_load": then_stop_beat(api_load.run),
        "load": load.run,
        "pipeline": then_stop(pipeline.run),
        "permit_pdf": permits.run,
        "documents": documents.run,
        "rescreen": then_stop(rescreen.run),
        "scorecard": scorecard.run,
        "limits": limits.run,
    }


if __name__ == "__main__":
    sys.exit(main())
