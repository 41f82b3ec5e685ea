"""The worst input each cap allows (issue 19): a notification at the item and party caps,
submitted and screened; and an End User List workbook at the sheet's dimension bound, parsed.

The notification is built through the draft services (so it obeys the caps it measures) and
submitted with screening run in-process on commit, so the figure is the whole cost of one
filing at the cap without the queue's wait. The workbook is written at ``MAX_ROWS`` rows and
``MAX_COLUMNS`` columns with a real entry on every row, so that every row is parsed in full.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from exportctl.benchmarks.report import Figure

SECTION = "Limits: the worst input at each cap"
ITEM = {
    "kind": "goods",
    "classification": "16_1",
    "hs_code": "8457.10",
    "quantity": "2",
    "unit": "units",
    "value_jpy": 48_000_000,
}
CONCERNS = ("核", "ミサイル", "生物、化学", "化学、ミサイル、核")


def _filing_at_caps(log):
    from django.contrib.auth.models import Group

    from exportctl.accounts.models import Firm, User
    from exportctl.accounts.roles import Role
    from notifications import drafts
    from notifications.readiness import CHECKLIST_SIZE

    firm = Firm.objects.order_by("pk").first()  # a seeded firm: the filing is one of many
    exporter = User.objects.create_user(
        f"limits-{time.time_ns()}@bench.example", "unused-password-for-bench", firm=firm
    )
    exporter.groups.add(Group.objects.get(name=str(Role.EXPORTER)))
    exporter.__dict__.pop("roles", None)  # the cached role set
    notification = drafts.draft_create(
        actor=exporter,
        title="Cap benchmark",
        destination_country="TH",
        end_use_description="Machining of engine blocks.",
        end_use_category="industrial",
    )
    for n in range(settings.NOTIFICATION_MAX_ITEMS):
        drafts.item_add(
            notification=notification,
            actor=exporter,
            description=f"Machining centre model {n}",
            **ITEM,
        )
    for n in range(settings.NOTIFICATION_MAX_PARTIES):
        drafts.party_add(
            notification=notification,
            actor=exporter,
            role="end_user" if n == 0 else "consignee",
            name=f"Siam Motor Works {n} Co., Ltd.",
            address="99 Bangna-Trad Road, Bangkok",
            country="TH",
        )
    drafts.checklist_save(
        notification=notification,
        actor=exporter,
        # "no" needs its grounds (drafts.checklist_save refuses an empty note).
        answers={
            str(n): {"answer": "no", "note": "Not confirmed with the buyer."}
            for n in range(1, CHECKLIST_SIZE + 1)
        },
    )
    log(
        f"  a draft with {settings.NOTIFICATION_MAX_ITEMS} items and "
        f"{settings.NOTIFICATION_MAX_PARTIES} parties"
    )
    return notification, exporter


def _submit(notification, exporter) -> tuple[float, int, str]:
    from exportctl.celery import app as celery_app
    from notifications.services import lifecycle

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # screening runs in-process on commit
    try:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            with transaction.atomic():
                lifecycle.notification_submit(
                    notification=notification, actor=exporter, declaration_accepted=True
                )
            seconds = time.perf_counter() - t0
    finally:
        celery_app.conf.task_always_eager = eager
    notification.refresh_from_db()
    return seconds, len(queries.captured_queries), notification.status


def _workbook_at_bound(path: Path) -> tuple[int, int]:
    from openpyxl import Workbook

    from partners.importers import meti_eul
    from partners.importers.base import MAX_ROWS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = meti_eul.SHEET_NAME
    header = [
        "No.",
        "国名、地域名\nCountry or Region",
        "企業名､組織名\nCompany or Organization",
        "別名\nAlso Known As",
        "懸念区分\nType of WMD",
        "通常兵器\nConventional Weapons",
    ]
    sheet.append(header)
    for n in range(1, MAX_ROWS + 1):
        sheet.append(
            [
                n,
                "イラン\nIran",
                f"Example Trading Co. {n}",
                f"ETC {n}, Example Trade {n}",
                CONCERNS[n % len(CONCERNS)],
                "CW" if n % 3 == 0 else None,
            ]
        )
    # The last column the bound allows, so that every row is read at the full width.
    sheet.cell(row=1, column=meti_eul.MAX_COLUMNS, value="note")
    workbook.save(path)
    return MAX_ROWS + 1, meti_eul.MAX_COLUMNS


def run(*, log, **_) -> tuple[list[Figure], dict]:
    from partners.importers.meti_eul import parse_workbook

    notification, exporter = _filing_at_caps(log)
    submit_s, submit_queries, status = _submit(notification, exporter)
    log(f"  submitted and screened in {submit_s:.2f} s ({submit_queries} queries) → {status}")

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "eul-at-bound.xlsx"
        t0 = time.perf_counter()
        rows, columns = _workbook_at_bound(path)
        log(f"  wrote a {rows:,} × {columns} workbook in {time.perf_counter() - t0:.0f} s")
        size = path.stat().st_size
        t0 = time.perf_counter()
        result = parse_workbook(path)
        parse_s = time.perf_counter() - t0
    log(
        f"  parsed in {parse_s:.1f} s: {len(result.entries):,} entries, {len(result.problems)} problems"
    )

    raw = {
        "items": settings.NOTIFICATION_MAX_ITEMS,
        "parties": settings.NOTIFICATION_MAX_PARTIES,
        "submit_and_screen_s": round(submit_s, 3),
        "submit_queries": submit_queries,
        "status_after_submit": status,
        "workbook_rows": rows,
        "workbook_columns": columns,
        "workbook_bytes": size,
        "workbook_parse_s": round(parse_s, 2),
        "workbook_entries": len(result.entries),
        "workbook_problems": len(result.problems),
    }
    figures = [
        Figure(
            SECTION,
            f"Submit + screen at the caps ({raw['items']} items, {raw['parties']} parties)",
            round(submit_s * 1000),
            "ms",
            key="limits_submit_at_caps_ms",
            note=f"{submit_queries} queries, screening in-process; → {status}",
        ),
        Figure(
            SECTION,
            f"End User List parse at the bound ({rows:,} rows × {columns} columns)",
            round(parse_s, 1),
            "s",
            key="limits_eul_parse_at_bound_s",
            note=f"{size / 1e6:.1f} MB workbook, {len(result.entries):,} entries",
        ),
    ]
    return figures, raw
