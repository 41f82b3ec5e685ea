"""Submit → screening result stored, with the real Celery worker on the private Redis.

Each draft is submitted through ``notifications.services.notification_submit`` at a steady rate;
the clock starts when the submitting transaction commits (an ``on_commit`` hook registered before
the service's own, so it runs before the task message is even sent) and stops at the run's
``finished_at``, written by the worker. A few submissions first warm the worker up (each worker
process builds the list index once), and are not counted.
"""

from __future__ import annotations

import random
import time

from django.db import transaction
from django.utils import timezone

from exportctl.accounts.models import User
from exportctl.benchmarks.report import Figure, not_measured, percentile
from exportctl.benchmarks.seed import _party_name, _uuid
from notifications.models import Item, Notification, Party
from notifications.readiness import CHECKLIST_SIZE
from notifications.services.lifecycle import notification_submit
from notifications.workflow import AWAITING_SYSTEM_STATUSES
from partners.models import ListedEntry, ListVersionStatus
from screening.models import ScreeningRun, Trigger

SECTION = "Submission pipeline (real worker on Redis)"
WARM_UP = 10
LISTED_SHARE = 0.05  # a few listed end users, so some cases take the referral path


def make_drafts(count: int, *, rng: random.Random) -> list[tuple[Notification, User]]:
    """Ready-to-submit drafts, each with its exporter, spread over the seeded firms."""
    exporters = list(
        User.objects.filter(groups__name="exporter", firm__isnull=False).order_by("pk")[:200]
    )
    listed = list(
        ListedEntry.objects.filter(
            version__status=ListVersionStatus.PUBLISHED, version__source__code="meti-eul"
        )
        .exclude(country="")
        .order_by("pk")[:300]
    )
    drafts = []
    for i in range(count):
        exporter = exporters[i % len(exporters)]
        drafts.append(
            Notification(
                public_id=_uuid(rng),
                firm_id=exporter.firm_id,
                created_by=exporter,
                title="Machining centres for an automotive plant",
                destination_country="TH",
                end_use_description="Machining of engine blocks in a passenger-car plant.",
                end_use_category="industrial",
                checklist={
                    str(n): {"answer": "yes", "note": ""} for n in range(1, CHECKLIST_SIZE + 1)
                },
            )
        )
    Notification.objects.bulk_create(drafts, batch_size=500)
    items, parties = [], []
    for draft in drafts:
        items.append(
            Item(
                notification=draft,
                kind="goods",
                description="5-axis machining centre",
                classification="16_1",
                hs_code="8457.10",
                quantity=2,
                unit="units",
                value_jpy=48_000_000,
            )
        )
        kind = "organization"
        if listed and rng.random() < LISTED_SHARE:
            entry = rng.choice(listed)
            name, local, country = entry.name[:300], entry.local_name[:300], entry.country
            kind = "person" if entry.kind == "person" else "organization"
        else:
            (name, local), country = _party_name("TH", rng), "TH"
        parties.append(
            Party(
                notification=draft,
                role="end_user",
                kind=kind,
                name=name,
                local_name=local,
                country=country,
            )
        )
        consignee, _ = _party_name("TH", rng)
        parties.append(
            Party(notification=draft, role="consignee", name=consignee, country="TH", position=2)
        )
    Item.objects.bulk_create(items, batch_size=500)
    Party.objects.bulk_create(parties, batch_size=500)
    by_pk = {u.pk: u for u in exporters}
    return [(d, by_pk[d.created_by_id]) for d in drafts]


def submit(notification: Notification, actor: User) -> float:
    """Submit through the service; returns the commit time (epoch seconds)."""
    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.time()))
        notification_submit(notification=notification, actor=actor, declaration_accepted=True)
    return committed[0]


def wait_done(ids: list[int], *, timeout: float, log) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = Notification.objects.filter(
            pk__in=ids, status__in=AWAITING_SYSTEM_STATUSES
        ).count()
        if waiting == 0:
            return True
        time.sleep(0.25)
    log(f"  {waiting} submissions still unscreened after {timeout:.0f}s")
    return False


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    rng = random.Random(7)
    count = args.submissions
    drafts = make_drafts(WARM_UP + count, rng=rng)
    log(f"  warm-up: {WARM_UP} submissions")
    for notification, actor in drafts[:WARM_UP]:
        submit(notification, actor)
    wait_done([d.pk for d, _ in drafts[:WARM_UP]], timeout=120, log=log)

    log(f"  {count} submissions at {args.submit_rate:g}/s")
    interval = 1 / args.submit_rate
    committed: dict[int, float] = {}
    started = time.monotonic()
    for i, (notification, actor) in enumerate(drafts[WARM_UP:]):
        pause = started + i * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        committed[notification.pk] = submit(notification, actor)
    submitting = time.monotonic() - started
    complete = wait_done(list(committed), timeout=180, log=log)

    finished = dict(
        ScreeningRun.objects.filter(
            notification_id__in=list(committed), trigger=Trigger.SUBMISSION
        ).values_list("notification_id", "finished_at")
    )
    latencies = [
        max(0.0, finished[pk].timestamp() - at)
        for pk, at in committed.items()
        if finished.get(pk) is not None
    ]
    outcomes = _status_counts(list(committed))
    raw = {
        "submissions": count,
        "rate_per_s": args.submit_rate,
        "submitting_seconds": round(submitting, 1),
        "worker_concurrency": args.worker_concurrency,
        "screened": len(latencies),
        "all_screened": complete,
        "outcomes": outcomes,
        "measured_at": timezone.now().isoformat(),
    }
    if not latencies:
        return [
            not_measured(
                SECTION,
                "Submit → result stored: p95",
                "no run finished",
                key="submit_to_result_p95_s",
            )
        ], raw
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    raw.update({"p50_s": p50, "p95_s": p95, "max_s": max(latencies)})
    note = (
        f"{len(latencies)} of {count} screened, submitted at {args.submit_rate:g}/s through "
        f"notification_submit; worker concurrency {args.worker_concurrency}; outcomes {outcomes}"
    )
    figures = [
        Figure(SECTION, "Submit → result stored: p50", p50, "s"),
        Figure(SECTION, "Submit → result stored: p95", p95, "s", key="submit_to_result_p95_s"),
        Figure(SECTION, "Submit → result stored: max", max(latencies), "s", note=note),
    ]
    if len(latencies) < count:
        figures.append(
            Figure(
                SECTION,
                "Submissions not screened within 3 minutes",
                count - len(latencies),
                key="load_errors",
            )
        )
    return figures, raw


def _status_counts(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Notification.objects.filter(pk__in=ids).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
