"""The one report: every figure beside its budget (DESIGN.md, "Performance budgets").

A figure with a budget is *met* or *MISSED*; one that could not be measured says so and why.
Nothing is dropped: a missed budget is printed as missed, and the JSON carries the same rows.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

MET = "met"
MISSED = "MISSED"
NOT_MEASURED = "not measured"
INFO = ""


@dataclass(frozen=True)
class Budget:
    """``value <op> limit``; ``op`` is ``<=``, ``>=`` or ``==`` (``==`` for counts that must
    not change, such as errors or the query-count difference between page sizes)."""

    op: str
    limit: float
    unit: str = ""

    def holds(self, value: float) -> bool:
        if self.op == "<=":
            return value <= self.limit
        if self.op == ">=":
            return value >= self.limit
        if self.op == "==":
            return value == self.limit
        raise ValueError(f"unknown comparison {self.op!r}")

    def text(self) -> str:
        symbol = {"<=": "≤", ">=": "≥", "==": "="}[self.op]
        return f"{symbol} {_number(self.limit)}{(' ' + self.unit) if self.unit else ''}"


#: The budgets of DESIGN.md, and the ones the issue adds (zero errors, query count).
BUDGETS = {
    "queue_p95_ms": Budget("<=", 150, "ms"),
    "queue_query_count_spread": Budget("==", 0),
    "load_errors": Budget("==", 0),
    "submit_to_result_p95_s": Budget("<=", 2, "s"),
    "permit_pdf_p50_ms": Budget("<=", 500, "ms"),
    "rescreen_100k_parties_s": Budget("<=", 120, "s"),
    "screen_party_eul_p50_ms": Budget("<=", 1, "ms"),
    "screen_party_1m_p50_ms": Budget("<=", 20, "ms"),
}


@dataclass
class Figure:
    section: str
    label: str
    value: float | None
    unit: str = ""
    key: str = ""
    note: str = ""
    budget: Budget | None = None
    result: str = INFO

    def __post_init__(self) -> None:
        if self.budget is None and self.key in BUDGETS:
            self.budget = BUDGETS[self.key]
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            self.value = None
            self.result = NOT_MEASURED if self.budget is not None or self.note else INFO
        elif self.budget is not None:
            self.result = MET if self.budget.holds(self.value) else MISSED

    def measured_text(self) -> str:
        if self.value is None:
            return "—"
        return f"{_number(self.value)}{(' ' + self.unit) if self.unit else ''}"


def not_measured(section: str, label: str, reason: str, *, key: str = "") -> Figure:
    return Figure(section, label, None, key=key, note=reason)


@dataclass
class Report:
    started_at: str
    machine: dict
    data: dict = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    phases: dict = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, figures: list[Figure]) -> None:
        self.figures.extend(figures)

    @property
    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.result == MISSED]

    @property
    def unmeasured_budgets(self) -> list[Figure]:
        return [f for f in self.figures if f.result == NOT_MEASURED and f.budget is not None]

    def as_json(self) -> dict:
        return {
            "started_at": self.started_at,
            "seconds": round(self.seconds, 1),
            "machine": self.machine,
            "data": self.data,
            "summary": {
                "budgets": sum(1 for f in self.figures if f.budget is not None),
                "met": sum(1 for f in self.figures if f.result == MET),
                "missed": [f.label for f in self.missed],
                "not_measured": [f.label for f in self.unmeasured_budgets],
            },
            "figures": [
                {
                    **{k: v for k, v in asdict(f).items() if k != "budget"},
                    "budget": f.budget.text() if f.budget else None,
                }
                for f in self.figures
            ],
            "phases": self.phases,
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False, default=str))

    def table(self) -> str:
        width = max([len(f.label) for f in self.figures] + [30]) + 2
        lines = [
            f"exportctl benchmark — {self.started_at}",
            "machine: " + ", ".join(f"{k} {v}" for k, v in self.machine.items()),
        ]
        if self.data:
            lines.append("data: " + ", ".join(f"{k} {_number(v)}" for k, v in self.data.items()))
        header = f"{'figure':{width}} {'measured':>14} {'budget':>12}  result"
        section = None
        for f in self.figures:
            if f.section != section:
                section = f.section
                lines += ["", section, header, "-" * len(header)]
            budget = f.budget.text() if f.budget else ""
            row = f"{f.label:{width}} {f.measured_text():>14} {budget:>12}  {f.result}"
            lines.append(row.rstrip())
            if f.note:
                lines.append(f"{'':{width}}   ↳ {f.note}")
        met = sum(1 for f in self.figures if f.result == MET)
        total = sum(1 for f in self.figures if f.budget is not None)
        lines += ["", f"budgets met: {met} of {total}"]
        if self.missed:
            lines.append("MISSED: " + "; ".join(f.label for f in self.missed))
        if self.unmeasured_budgets:
            lines.append("not measured: " + "; ".join(f.label for f in self.unmeasured_budgets))
        lines.append(f"({self.seconds:.0f} s)")
        return "\n".join(lines)


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0–100) of a non-empty list."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
