"""Locust users for the bounded load run (``exportctl.benchmarks.load`` starts it headless).

Exporters look at their dashboard, a notification's status page and its htmx status fragment;
reviewers at the queue and a case. Each signs in through the login form in ``on_start`` (CSRF
token from the form). The site runs with production settings behind an assumed TLS terminator,
so each request says ``X-Forwarded-Proto: https`` and the cookie jar sends the Secure cookies over
loopback. Timing starts once every user has signed in and lasts ``window`` seconds; then the run
stops itself and writes its figures to ``BENCH_LOAD_OUT``.

Reads ``BENCH_LOAD_PLAN`` (JSON written by ``load.py``); imports nothing of Django.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time

import gevent
from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115, PTH123
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_exporters = itertools.cycle(PLAN["exporters"])
_reviewers = itertools.cycle(PLAN["reviewers"])
STATE = {"signed_in": 0, "from": None, "until": None, "samples": [], "login_errors": 0}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    now = time.time()
    if name == "login":
        if exception is not None:
            STATE["login_errors"] += 1
        return
    if STATE["from"] is not None and STATE["from"] <= now <= STATE["until"]:
        STATE["samples"].append((name, response_time, exception is not None, str(exception or "")))


def _signed_in(environment) -> None:
    STATE["signed_in"] += 1
    if STATE["signed_in"] == PLAN["users"] and STATE["from"] is None:
        STATE["from"] = time.time()
        STATE["until"] = STATE["from"] + PLAN["window"]
        gevent.spawn_later(PLAN["window"] + 0.5, environment.runner.quit)


@events.quitting.add_listener
def _write(environment, **kwargs):
    samples = STATE["samples"]
    times = sorted(s[1] for s in samples)
    errors = [s for s in samples if s[2]]

    def pct(p):
        return times[max(0, -(-len(times) * p // 100) - 1)] if times else None

    by_name = {}
    for name in sorted({s[0] for s in samples}):
        t = sorted(s[1] for s in samples if s[0] == name)
        by_name[name] = {
            "requests": len(t),
            "p50_ms": t[max(0, -(-len(t) * 50 // 100) - 1)],
            "p95_ms": t[max(0, -(-len(t) * 95 // 100) - 1)],
            "errors": sum(1 for s in samples if s[0] == name and s[2]),
        }
    window = (min(time.time(), STATE["until"]) - STATE["from"]) if STATE["from"] else 0
    result = {
        "users": PLAN["users"],
        "signed_in": STATE["signed_in"],
        "window_s": window,
        "requests": len(samples),
        "rps": len(samples) / window if window else 0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "errors": len(errors),
        "login_errors": STATE["login_errors"],
        "error_examples": sorted({s[3] for s in errors})[:5],
        "by_name": by_name,
    }
    with open(os.environ["BENCH_LOAD_OUT"], "w") as handle:  # noqa: PTH123
        json.dump(result, handle, indent=2)


class _Portal(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Referer": PLAN["origin"] + PLAN["login"]}
        )
        self.account = next(self.accounts)
        form = self.client.get(PLAN["login"], name="login")
        self._cookies_over_loopback()
        token = CSRF.search(form.text)
        with self.client.post(
            PLAN["login"],
            data={
                "username": self.account["email"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or PLAN["login"] in location:
                response.failure(f"sign-in failed for {self.account['email']}")
        self._cookies_over_loopback()
        _signed_in(self.environment)

    def _cookies_over_loopback(self):
        """The site sets Secure cookies (TLS ends in front of it); over http://127.0.0.1 the
        client would withhold them, so they are kept without the flag."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def page(self, path: str, name: str, *, htmx: bool = False):
        headers = {"HX-Request": "true"} if htmx else None
        with self.client.get(
            path, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"{name}: HTTP {response.status_code}")


class Exporter(_Portal):
    weight = PLAN["exporter_weight"]
    accounts = _exporters

    @task(3)
    def dashboard(self):
        self.page(PLAN["dashboard"], "dashboard")

    @task(2)
    def status_page(self):
        self.page(self.account["detail"], "status page")

    @task(5)
    def status_fragment(self):
        self.page(self.account["fragment"], "status fragment", htmx=True)


class Reviewer(_Portal):
    weight = PLAN["reviewer_weight"]
    accounts = _reviewers

    @task(3)
    def queue(self):
        self.page(PLAN["queue"], "review queue")

    @task(2)
    def case(self):
        self.page(
            self.account["cases"][int(time.time() * 1000) % len(self.account["cases"])], "case"
        )
