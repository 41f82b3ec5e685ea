"""Redis stopped while exporters submit: every submission is saved and acknowledged, and once
Redis is back the sweeper has every one of them screened.

The submission's after-commit publish fails (connection refused) and is logged; the request
succeeds (``SafeDispatchTask``). The messages are never sent, so no worker could ever see them:
only the sweeper, re-queueing notifications left in submitted/screening, brings them to the
worker. A worker running through the outage reconnects by itself.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.urls import reverse

from notifications.models import Notification, Party
from notifications.workflow import Status
from screening import tasks as screening_tasks
from screening.models import RunStatus, ScreeningRun, Trigger
from tests.api.conftest import token_client
from tests.factories import ExporterFactory, ready_notification
from tests.faults.brokers import celery_broker, wait_for
from tests.faults.conftest import needs_real_stack
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

pytestmark = needs_real_stack


def _draft(exporter, country: str, party: str) -> Notification:
    notification = ready_notification(
        firm=exporter.firm, created_by=exporter, destination_country=country
    )
    Party.objects.filter(notification=notification).update(name=party, country=country)
    return notification


def test_submissions_while_redis_is_down_are_saved_and_screened_after_it_returns(
    transactional_db, redis_server, start_worker, client, caplog, monkeypatch
):
    make_tiers()
    publish_eul(EUL_SAMPLE)
    exporter = ExporterFactory()
    client.force_login(exporter)
    api = token_client(exporter)
    in_browser = [_draft(exporter, "US", "Acme Precision Tools Inc.") for _ in range(3)]
    listed = _draft(exporter, "IR", "Amirkabir Univ. of Technology")
    through_api = [listed, _draft(exporter, "US", "Acme Precision Tools Inc.")]
    worker = start_worker(redis_server.url)

    redis_server.stop()
    durations = []
    with celery_broker(redis_server.url), caplog.at_level(logging.ERROR):
        for draft in in_browser:
            started = time.monotonic()
            response = client.post(
                reverse("notifications:edit", args=[draft.public_id, "review"]),
                {"declaration": "on"},
            )
            durations.append(time.monotonic() - started)
            assert response.status_code == 302
            assert response["Location"] == reverse("notifications:detail", args=[draft.public_id])
        for draft in through_api:
            started = time.monotonic()
            response = api.post(
                f"/api/v1/notifications/{draft.public_id}/submit/",
                {"declaration_accepted": True},
                format="json",
            )
            durations.append(time.monotonic() - started)
            assert response.status_code == 200
            assert response.json()["status"] == Status.SUBMITTED

    submitted = in_browser + through_api
    ids = {n.pk for n in submitted}
    assert max(durations) < 5  # connection refused: no long wait in the request
    assert (
        set(
            Notification.objects.filter(pk__in=ids, status=Status.SUBMITTED).values_list(
                "pk", flat=True
            )
        )
        == ids
    )
    unsent = [
        r.args[:2]
        for r in caplog.records
        if r.name == "exportctl.celery" and r.args and r.args[0] == "screening.screen_notification"
    ]
    assert sorted(unsent) == sorted(("screening.screen_notification", (pk,)) for pk in ids)

    redis_server.start()  # empty, like a Redis restarted without persistence
    assert redis_server.client().llen(worker_queue(worker)) == 0
    assert not ScreeningRun.objects.exists()

    monkeypatch.setattr(screening_tasks, "STUCK_AFTER", datetime.timedelta(0))
    with celery_broker(redis_server.url):
        assert screening_tasks.sweep_stuck() == len(ids)

    wait_for(
        lambda: (
            not Notification.objects.filter(
                pk__in=ids, status__in=[Status.SUBMITTED, Status.SCREENING]
            ).exists()
        ),
        timeout=90,
        worker=worker,
    )
    runs = ScreeningRun.objects.filter(trigger=Trigger.SUBMISSION)
    assert sorted(runs.values_list("notification_id", flat=True)) == sorted(ids)
    assert set(runs.values_list("status", flat=True)) == {RunStatus.COMPLETED}
    statuses = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {
        pk: Status.UNDER_REVIEW if pk == listed.pk else Status.CLEARED for pk in ids
    }
    assert "Connection to broker lost" in worker.log() or "Cannot connect to" in worker.log()


def worker_queue(worker) -> str:
    args = worker.process.args
    return args[args.index("--queues") + 1]
