"""Re-screening after a list publication, with the real worker: the publication queues
``screening.rescreen_after_publication`` after it commits, which fans out one
``screening.rescreen_batch`` per ``RESCREEN_BATCH_SIZE`` open, cleared or permitted cases; the run
is timed from the publication's commit to the version's ``rescreen_finished_at`` (written by the
last batch).

The newly published version is METI's previous revision (2025-01-31, ``partners/data``): a real
file that differs from the seeded 2025-09-29 list, so every party is matched against a new index.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction

from exportctl.accounts.models import User
from exportctl.benchmarks.report import Figure, not_measured
from notifications.models import Party
from partners import services as partner_services
from partners.data import EUL_2025_01
from partners.models import ListVersion
from screening.selectors import rescreen_candidate_ids
from screening.tasks import RESCREEN_BATCH_SIZE

SECTION = "Re-screen after a list publication (real worker on Redis)"
NEW_LIST = EUL_2025_01
BUDGET_PARTIES = 100_000


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    label = f"Re-screen {BUDGET_PARTIES:,} parties: total"
    if not NEW_LIST.is_file():
        return [
            not_measured(SECTION, label, f"{NEW_LIST} not found", key="rescreen_100k_parties_s")
        ], {}
    candidates = list(rescreen_candidate_ids())
    parties = Party.objects.filter(notification_id__in=candidates).count()
    log(f"  {len(candidates):,} cases with {parties:,} parties to re-screen")
    manager = User.objects.filter(groups__name="list_manager").order_by("pk").first()
    with NEW_LIST.open("rb") as handle:
        version = partner_services.list_version_import(
            source_code="meti-eul",
            file=handle,
            file_name=NEW_LIST.name,
            actor=manager,
            label="2025-01-31 (benchmark re-publication)",
            issued_on=datetime.date(2025, 1, 31),
        )
    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.time()))
        partner_services.list_version_publish(version=version, actor=manager)
    started = committed[0]
    deadline = time.monotonic() + args.rescreen_timeout
    last_log = time.monotonic()
    while True:
        v = ListVersion.objects.get(pk=version.pk)
        if v.rescreen_finished_at is not None:
            break
        if time.monotonic() > deadline:
            break
        if time.monotonic() - last_log > 20:
            log(f"  {v.rescreen_done:,}/{v.rescreen_total or 0:,} cases")
            last_log = time.monotonic()
        time.sleep(0.5)
    raw = {
        "cases": len(candidates),
        "parties": parties,
        "list": NEW_LIST.name,
        "total": v.rescreen_total,
        "done": v.rescreen_done,
        "failed": v.rescreen_failed,
        "worker_concurrency": args.worker_concurrency,
        "batch_size": RESCREEN_BATCH_SIZE,
        "path": f"screening.tasks.rescreen_after_publication → rescreen_batch per "
        f"{RESCREEN_BATCH_SIZE} cases, real Celery worker",
    }
    scale = BUDGET_PARTIES / parties if parties else 1.0
    if v.rescreen_finished_at is not None:
        total = v.rescreen_finished_at.timestamp() - started
        raw["seconds"] = total
        note = (
            f"{len(candidates):,} cases, {parties:,} parties, {v.rescreen_failed} failed; "
            f"worker concurrency {args.worker_concurrency}; scaled ×{scale:.3f} to "
            f"{BUDGET_PARTIES:,} parties"
        )
        return [
            Figure(SECTION, "Re-screen: measured total", total, "s"),
            Figure(SECTION, label, total * scale, "s", key="rescreen_100k_parties_s", note=note),
            Figure(SECTION, "Re-screen: parties per second", parties / total if total else 0),
        ], raw
    elapsed = time.time() - started
    done = v.rescreen_done or 0
    projected = elapsed * (v.rescreen_total or 0) / done * scale if done else None
    raw.update({"stopped_after_s": elapsed, "projected_s": projected})
    note = (
        f"stopped waiting after {elapsed:.0f} s with {done:,} of {v.rescreen_total or 0:,} "
        f"cases done; the figure is the projection at that pace"
    )
    value = projected if projected is not None else float(args.rescreen_timeout)
    return [
        Figure(SECTION, label, value, "s", key="rescreen_100k_parties_s", note=note),
    ], raw
