"""The API load phase's own checks: the lost-and-duplicate check finds what is missing or not
screened, the samplers read what they say, the filing payloads are accepted by the API."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.utils import timezone

from exportctl.benchmarks.api_load import _figures, check_acknowledged
from exportctl.benchmarks.report import MET, MISSED, NOT_MEASURED
from exportctl.benchmarks.sampling import CpuMeter, RssSampler, _descendants
from notifications.models import RiskLevel
from notifications.workflow import Status
from screening.models import Outcome, RunStatus, ScreeningRun, Trigger
from tests.factories import submitted_at


def _screened(status):
    notification = submitted_at(status)
    notification.idempotency_key = f"erp-{notification.pk}"
    notification.save(update_fields=["idempotency_key"])
    ScreeningRun.objects.create(
        notification=notification,
        ruleset_version="test",
        trigger=Trigger.SUBMISSION,
        status=RunStatus.COMPLETED,
        score=0,
        level=RiskLevel.LOW,
        outcome=Outcome.CLEARED,
        finished_at=timezone.now(),
    )
    return notification


def _ack(notification):
    return (str(notification.public_id), notification.idempotency_key, time.time())


@pytest.mark.django_db
def test_every_acknowledged_submission_once_and_screened_is_clean():
    done = [_screened(Status.CLEARED), _screened(Status.UNDER_REVIEW)]
    check = check_acknowledged([_ack(n) for n in done])
    assert check.pop("acknowledged") == 2
    assert set(check.values()) == {0}


@pytest.mark.django_db
def test_a_lost_or_unscreened_submission_is_counted():
    screened = _screened(Status.CLEARED)
    waiting = submitted_at(Status.SUBMITTED, idempotency_key="erp-waiting")
    lost = (str(uuid.uuid4()), "erp-never-stored", time.time())

    check = check_acknowledged([_ack(screened), _ack(waiting), lost])

    assert check["lost"] == 1
    assert check["missing_by_key"] == 1
    assert check["unscreened"] == 1
    assert check["without_submission_run"] == 2  # the lost one and the waiting one
    assert check["duplicated"] == 0


def test_the_figures_put_the_issues_targets_beside_the_50_exporter_run():
    raw = {
        "exporters": 50,
        "reviewers": 3,
        "window_s": 20,
        "submissions": 400,
        "submissions_in_window": 400,
        "submissions_per_s": 20.0,
        "api_requests_per_s": 100.0,
        "api_p50_ms": 300.0,
        "api_p95_ms": 1200.0,
        "screened_p50_s": 0.5,
        "screened_p95_s": 1.5,
        "receipts_expected": 10,
        "receipts_issued": 9,
        "receipt_lag_s": None,
        "outcomes": {"cleared": 400},
        "by_request": {"reviewer queue": {"requests": 9, "p50_ms": 1, "p95_ms": 900, "p99_ms": 9}},
        "check": {"acknowledged": 400, "lost": 0, "duplicated": 1},
        "errors": 0,
        "error_examples": [],
        "lock_waits": {"waits_by_kind": {}, "error": ""},
        "audit_lock_waits": {
            "samples": 10,
            "share_with_audit_waits": 0.1,
            "max_audit_waiting": 1,
            "mean_audit_waiting": 0.1,
            "samples_with_any_wait": 2,
            "max_idle_in_transaction": 0,
        },
        "rss_mib": {"documents-worker child": {"start": 100, "peak": 300, "end": 200}},
        "receipt_first_download_ms": [900.0, 1100.0, 1000.0],
        "cpu_s": {"gunicorn": 40.0, "postgres": 8.0},
        "cpu_ms_per_submission": {"gunicorn": 100.0, "postgres": 20.0},
    }
    figures = {f.label: f for f in _figures(raw, ceiling_rps=300.0)}
    first = figures["50 exporters: a receipt's first download (its PDF is made then)"]
    assert (first.value, first.unit) == (1000.0, "ms")
    assert "max 1,100 ms" in first.note
    assert figures["  CPU per submission: gunicorn"].value == 100.0
    assert "40.0 s" in figures["  CPU per submission: gunicorn"].note
    results = {f.label: f.result for f in _figures(raw, ceiling_rps=300.0)}
    assert results["50 exporters: submissions per second"] == MET
    assert results["50 exporters: API request p95 (filing requests)"] == MISSED
    assert results["50 exporters: submit → screened p95"] == MET
    assert results["  reviewer queue: p50 / p95 / p99 (9)"] == MET
    assert results["50 exporters: lost, duplicated or unscreened submissions"] == MISSED
    # The receipt budget is the 10-exporter run's; at 50 an unfinished drain is reported only.
    assert results["50 exporters: last receipt after last submission"] == NOT_MEASURED
    raw["exporters"] = 10
    ten = {f.label: f for f in _figures(raw, ceiling_rps=300.0)}
    assert ten["10 exporters: last receipt after last submission"].budget is not None
    assert ten["10 exporters: last receipt after last submission"].result == NOT_MEASURED


class _Child:
    def __init__(self, name, process):
        self.name, self.process = name, process

    def alive(self):
        return self.process.poll() is None


def test_rss_sampler_reads_a_process_and_its_children():
    code = "import subprocess, sys, time; c = subprocess.Popen([sys.executable, '-c', 'b = bytearray(60 * 2**20); import time; time.sleep(30)']); time.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))  # noqa: S603
    try:
        sampler = RssSampler([_Child("w", parent)], interval=0.2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            sampler.sample()
            if sampler.series.get("w child") and sampler.series["w child"][-1] > 60:
                break
            time.sleep(0.2)
        memory = sampler.stop()
    finally:
        for pid in _descendants(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()
    assert memory["w"]["peak"] > 5
    assert memory["w child"]["peak"] > 60  # the child's 60 MiB buffer


def test_the_cpu_meter_counts_a_child_and_the_children_it_reaped():
    busy = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.6: pass"
    code = (
        "import subprocess, sys, time; "
        f"subprocess.run([sys.executable, '-c', {busy!r}]); time.sleep(30)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))  # noqa: S603
    try:
        meter = CpuMeter([_Child("w", parent)])
        meter.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _descendants(parent.pid):
            time.sleep(0.02)  # the busy grandchild has started
        while time.monotonic() < deadline and _descendants(parent.pid):
            time.sleep(0.05)  # ... and has been reaped: its time is the parent's now
        seconds = meter.stop()
    finally:
        parent.kill()
        parent.wait()
    assert seconds["w"] >= 0.5, seconds
    assert seconds["machine"] >= seconds["w"]


def test_the_cpu_meter_counts_the_load_generator_and_what_else_ran():
    meter = CpuMeter([])
    meter.start()
    busy = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.5: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)  # noqa: S603 - like locust's run
    seconds = meter.stop()
    assert seconds["load generator"] >= 0.45, seconds
    assert seconds["other"] >= 0
    assert seconds["machine"] >= seconds["load generator"]
