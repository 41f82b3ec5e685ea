"""Where a filing's CPU goes: the five requests of an ERP filing through Django's test client,
in this process, with the production settings the benchmark runs under (DEBUG off, PostgreSQL,
token authentication, every middleware).

Three passes over fresh filings: one timed (``time.process_time`` per request: this process's
CPU, PostgreSQL's own is not in it), one under cProfile (the top functions are written to
``var/bench/profile-filing.txt``, by CPU time), and one counting queries per request. A reviewer's
read of the queue through the reviewer API (what the load phase's reviewers do) is timed and counted
beside them, and the login page, a trivial page, the same way for comparison.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import time
import uuid
from collections import defaultdict

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exportctl.accounts.models import User
from exportctl.accounts.tokens import api_token_create
from exportctl.benchmarks import erp
from exportctl.benchmarks.processes import ROOT
from exportctl.benchmarks.report import Figure, not_measured, percentile

SECTION = "Filing request profile (test client, in-process, production settings)"
WARM_UP = 3


def token_client(user: User) -> Client:
    """A test client that calls the API as ``user``, with a personal token."""
    _, secret = api_token_create(actor=user, expires_in_days=None, via="benchmark")
    return Client(
        HTTP_AUTHORIZATION=f"Token {secret}",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="127.0.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )


class Filer:
    """An ERP with a token, filing through the test client."""

    def __init__(self, user: User) -> None:
        self.client = token_client(user)
        self.n = 0

    def steps(self):
        """The filing's requests as (step, callable) pairs; each callable returns the response."""
        self.n += 1
        state = {}
        c = self.client

        def create():
            response = c.post(
                erp.API,
                erp.header(self.n),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"bench-{uuid.uuid4().hex}",
            )
            state["url"] = f"{erp.API}{response.json()['id']}/"
            return response

        yield "create", create
        yield (
            "add item",
            lambda: c.post(state["url"] + "items/", erp.ITEM, content_type="application/json"),
        )
        yield (
            "add party",
            lambda: c.post(state["url"] + "parties/", erp.PARTY, content_type="application/json"),
        )
        yield (
            "submit",
            lambda: c.post(state["url"] + "submit/", erp.SUBMIT, content_type="application/json"),
        )
        yield "status", lambda: c.get(state["url"] + "status/")


EXPECTED = {"create": 201, "add item": 201, "add party": 201, "submit": 200, "status": 200}


def _file(filer: Filer, on_step=None) -> None:
    for step, call in filer.steps():
        response = on_step(step, call) if on_step else call()
        if response.status_code != EXPECTED[step]:
            raise RuntimeError(f"{step}: HTTP {response.status_code} {response.content[:300]!r}")


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    user = User.objects.filter(groups__name="exporter", firm__isnull=False).order_by("pk").first()
    if user is None:
        return [not_measured(SECTION, "Filing profile", "no seeded exporter")], {}
    filer = Filer(user)
    count = args.profile_filings
    for _ in range(WARM_UP):
        _file(filer)
    # As a web worker does once loaded (exportctl.wsgi): what lives as long as the process is
    # frozen, out of the garbage collector's way.
    gc.collect()
    gc.freeze()

    cpu: dict[str, list[float]] = defaultdict(list)

    def timed(step, call):
        t0 = time.process_time()
        response = call()
        cpu[step].append((time.process_time() - t0) * 1000)
        return response

    log(f"  {count} filings timed")
    for _ in range(count):
        _file(filer, timed)

    reviewer = (
        User.objects.filter(groups__name="reviewer", firm__isnull=True).order_by("pk").first()
    )
    queue_cpu, queue_queries = [], None
    if reviewer is not None:
        reader = token_client(reviewer)
        for _ in range(count):
            t0 = time.process_time()
            response = reader.get(erp.QUEUE_API)
            queue_cpu.append((time.process_time() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"reviewer queue: HTTP {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            reader.get(erp.QUEUE_API)
        queue_queries = len(captured.captured_queries)

    trivial = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    login_cpu = []
    for _ in range(count):
        t0 = time.process_time()
        trivial.get("/accounts/login/")
        login_cpu.append((time.process_time() - t0) * 1000)

    queries: dict[str, int] = {}

    def counted(step, call):
        with CaptureQueriesContext(connection) as captured:
            response = call()
        queries[step] = len(captured.captured_queries)
        return response

    _file(filer, counted)

    # CPU time, not wall time: waiting on PostgreSQL (another process) is not this request's CPU.
    profiler = cProfile.Profile(time.process_time)
    log(f"  {count} filings under cProfile")
    profiler.enable()
    for _ in range(count):
        _file(filer)
    profiler.disable()
    out = ROOT / "var" / "bench" / "profile-filing.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    out.write_text(text.getvalue())

    figures = []
    per_filing = sum(percentile(v, 50) for v in cpu.values())
    figures.append(
        Figure(
            SECTION,
            "CPU per filing (5 requests): sum of p50s",
            per_filing,
            "ms",
            note=f"{count} filings; profile in {out.relative_to(ROOT)}",
        )
    )
    for step in erp.STEPS:
        figures.append(
            Figure(
                SECTION,
                f"  {step}: CPU p50 ({queries.get(step, '?')} queries)",
                percentile(cpu[step], 50),
                "ms",
            )
        )
    if queue_cpu:
        figures.append(
            Figure(
                SECTION,
                f"Reviewer queue read: CPU p50 ({queue_queries} queries)",
                percentile(queue_cpu, 50),
                "ms",
            )
        )
    figures.append(
        Figure(SECTION, "Login page (trivial): CPU p50", percentile(login_cpu, 50), "ms")
    )
    raw = {
        "filings": count,
        "cpu_ms_p50": {k: percentile(v, 50) for k, v in cpu.items()},
        "cpu_ms_p95": {k: percentile(v, 95) for k, v in cpu.items()},
        "queries": queries,
        "queue_cpu_ms_p50": percentile(queue_cpu, 50) if queue_cpu else None,
        "queue_queries": queue_queries,
        "login_cpu_ms_p50": percentile(login_cpu, 50),
        "profile": str(out),
    }
    return figures, raw
