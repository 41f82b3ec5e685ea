"""Locust users for the API load phase (``exportctl.benchmarks.api_load`` starts it headless).

Closed loop, no think time. Each ``Filer`` is one ERP with a personal token: it files again and
again (create with an ``Idempotency-Key``, add an item, add a party, submit, read the status).
Each ``Reader`` is a reviewer reading the queue through the reviewer API. A ``Ceiling`` user
fetches a trivial page (the server's ceiling, measured in its own run).

Requests are recorded from the moment the run starts until ``window`` seconds later; then the run
stops itself and writes every sample and every acknowledged submission (the notification's id
and key, and when the answer came) to ``BENCH_API_OUT``.

Users are ``FastHttpUser`` (geventhttpclient): the load generator shares the machine's two
cores with the server, and the lighter client leaves more of them to the server it measures, the
ceiling's run and the levels' alike.

Reads ``BENCH_API_PLAN`` (JSON written by ``api_load.py``); imports nothing of Django.
"""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid

import gevent
from locust import FastHttpUser, constant, events, task

PLAN = json.loads(open(os.environ["BENCH_API_PLAN"]).read())  # noqa: SIM115, PTH123
_filers = itertools.cycle(PLAN["exporters"])
_readers = itertools.cycle(PLAN["reviewers"])
STATE = {"from": None, "until": None, "samples": [], "acknowledged": [], "failed_filings": 0}
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}


@events.test_start.add_listener
def _start(environment, **kwargs):
    STATE["from"] = time.time()
    STATE["until"] = STATE["from"] + PLAN["window"]
    gevent.spawn_later(PLAN["window"] + 0.5, environment.runner.quit)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    now = time.time()
    if STATE["from"] is not None and now <= STATE["until"]:
        STATE["samples"].append((name, round(response_time, 2), exception is not None))


@events.quitting.add_listener
def _write(environment, **kwargs):
    errors = [s for s in STATE["samples"] if s[2]]
    result = {
        "window_s": PLAN["window"],
        "from": STATE["from"],
        "until": STATE["until"],
        "samples": STATE["samples"],
        "acknowledged": STATE["acknowledged"],
        "failed_filings": STATE["failed_filings"],
        "errors": len(errors),
        "error_examples": sorted(STATE.get("examples", set()))[:8],
    }
    with open(os.environ["BENCH_API_OUT"], "w") as handle:  # noqa: PTH123
        json.dump(result, handle)


def _failure(message: str) -> None:
    STATE.setdefault("examples", set()).add(message[:200])


class _Token(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.account = next(self.accounts)
        self.headers = {**HEADERS, "Authorization": f"Token {self.account['token']}"}

    def call(self, method: str, path: str, name: str, expect: int, body=None, headers=None):
        with self.client.request(
            method,
            path,
            name=name,
            json=body,
            headers={**self.headers, **(headers or {})},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != expect:
                message = f"{name}: HTTP {response.status_code} {response.text[:120]}"
                _failure(message)
                response.failure(message)
                return None
            return response


class Filer(_Token):
    weight = PLAN["exporter_weight"]
    accounts = _filers
    fixed_count = PLAN["exporter_weight"]

    @task
    def file(self):
        payloads = PLAN["payloads"]
        key = f"erp-{uuid.uuid4().hex}"
        created = self.call(
            "POST",
            payloads["api"],
            "create",
            201,
            payloads["header"],
            headers={"Idempotency-Key": key},
        )
        if created is None:
            STATE["failed_filings"] += 1
            return
        url = f"{payloads['api']}{created.json()['id']}/"
        steps = (
            ("POST", url + "items/", "add item", 201, payloads["item"]),
            ("POST", url + "parties/", "add party", 201, payloads["party"]),
            ("POST", url + "submit/", "submit", 200, payloads["submit"]),
        )
        for method, path, name, expect, body in steps:
            if self.call(method, path, name, expect, body) is None:
                STATE["failed_filings"] += 1
                return
        STATE["acknowledged"].append((created.json()["id"], key, time.time()))
        self.call("GET", url + "status/", "status", 200)


class Reader(_Token):
    weight = PLAN["reviewer_weight"]
    accounts = _readers
    fixed_count = PLAN["reviewer_weight"]

    @task
    def queue(self):
        self.call("GET", PLAN["payloads"]["queue_api"], "reviewer queue", 200)


class Ceiling(FastHttpUser):
    """The trivial page, alone (its own run): what the server answers when the work is nil."""

    weight = PLAN.get("ceiling_weight", 0)
    fixed_count = PLAN.get("ceiling_weight", 0)
    wait_time = constant(0)

    @task
    def trivial(self):
        with self.client.get(
            PLAN["trivial"],
            name="trivial page",
            headers=HEADERS,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"trivial page: HTTP {response.status_code}")
