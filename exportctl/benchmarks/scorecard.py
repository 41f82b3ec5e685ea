"""The matching scorecard (``screening.matching.bench.scorecard``), run as its own process and folded
into the report: one party against the real End User List (and, with ``--scorecard large``,
against 1,000,000 names)."""

from __future__ import annotations

import json
import subprocess
import sys

from exportctl.benchmarks.processes import ROOT
from exportctl.benchmarks.report import Figure, not_measured

SECTION = "Screening engine (matching scorecard)"


def run(*, args, log, **_) -> tuple[list[Figure], dict]:
    if args.scorecard == "skip":
        return [
            not_measured(
                SECTION, "Screen one party (EUL): p50", "skipped", key="screen_party_eul_p50_ms"
            )
        ], {}
    out = ROOT / "var" / "bench" / f"screening-{args.scorecard}.json"
    command = [sys.executable, "-m", "screening.matching.bench.scorecard", "--out", str(out)]
    if args.scorecard == "quick":
        command.append("--quick")
    if args.scorecard == "large":
        command.append("--large")
    log("  " + " ".join(command[1:]))
    # S603: a list of fixed arguments (this interpreter and our own module), no shell.
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not out.is_file():
        reason = f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
        return [
            not_measured(
                SECTION, "Screen one party (EUL): p50", reason, key="screen_party_eul_p50_ms"
            )
        ], {}
    card = json.loads(out.read_text())
    tp = card["eul_throughput"]
    note = f"{tp['n']:,} parties; {'quick subset' if card.get('quick') else 'full run'}; {out.name}"
    figures = [
        Figure(
            SECTION,
            "Screen one party against the real EUL: p50",
            tp["p50_ms"],
            "ms",
            key="screen_party_eul_p50_ms",
        ),
        Figure(SECTION, "Screen one party against the real EUL: p95", tp["p95_ms"], "ms"),
        Figure(
            SECTION,
            "Parties per second (2 worker processes)",
            tp["parties_per_second"],
            note=note,
        ),
        Figure(SECTION, "Candidate recall", card["candidate_recall"]),
    ]
    large = card.get("large")
    if large:
        figures.append(
            Figure(
                SECTION,
                f"Screen one party against {large['large_names']:,} names: p50",
                large["large_p50_ms"],
                "ms",
                key="screen_party_1m_p50_ms",
            )
        )
    else:
        figures.append(
            not_measured(
                SECTION,
                "Screen one party against 1,000,000 names: p50",
                "run with BENCH_ARGS='--scorecard large' (builds a 1M-name index, ~10 min)",
                key="screen_party_1m_p50_ms",
            )
        )
    return figures, {"card": str(out), "seconds": card.get("seconds")}
