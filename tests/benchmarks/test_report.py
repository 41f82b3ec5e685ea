import json

from exportctl.benchmarks.report import (
    MET,
    MISSED,
    NOT_MEASURED,
    Budget,
    Figure,
    Report,
    not_measured,
    percentile,
)


def test_budget_comparisons():
    assert Budget("<=", 150, "ms").holds(150) is True
    assert Budget("<=", 150, "ms").holds(150.1) is False
    assert Budget(">=", 1000).holds(999) is False
    assert Budget("==", 0).holds(0) is True
    assert Budget("==", 0).holds(1) is False
    assert Budget("<=", 2, "s").text() == "≤ 2 s"


def test_figure_takes_its_budget_from_the_key():
    met = Figure("Pages", "Review queue: p95", 149.0, "ms", key="queue_p95_ms")
    missed = Figure("Pages", "Review queue: p95", 151.0, "ms", key="queue_p95_ms")
    info = Figure("Pages", "Review queue: p50", 80.0, "ms")
    assert (met.result, missed.result, info.result) == (MET, MISSED, "")
    assert met.budget.text() == "≤ 150 ms"


def test_unmeasured_budget_is_reported_not_hidden():
    figure = not_measured("PDF", "Permit PDF", "no permits", key="permit_pdf_p50_ms")
    assert figure.result == NOT_MEASURED
    assert figure.value is None
    assert figure.measured_text() == "—"


def test_table_and_json_show_missed_budgets(tmp_path):
    report = Report(started_at="2026-11-25T06:00:00+09:00", machine={"cpus": 2})
    report.data = {"notifications": 100_000}
    report.add(
        [
            Figure(
                "Pipeline", "Submit → result stored: p95", 2.5, "s", key="submit_to_result_p95_s"
            ),
            Figure("Pages", "Review queue: p95", 42.0, "ms", key="queue_p95_ms"),
            not_measured("PDF", "Permit PDF render + sign: p50", "failed", key="permit_pdf_p50_ms"),
        ]
    )
    table = report.table()
    lines = {line.split("  ")[0]: line.split() for line in table.splitlines()}
    assert lines["Submit → result stored: p95"][-6:] == ["2.50", "s", "≤", "2", "s", "MISSED"]
    assert lines["Review queue: p95"][-6:] == ["42", "ms", "≤", "150", "ms", "met"]
    assert lines["Permit PDF render + sign: p50"][-6:] == ["—", "≤", "500", "ms", "not", "measured"]
    assert "not measured: Permit PDF render + sign: p50" in table
    assert "budgets met: 1 of 3" in table
    assert "MISSED: Submit → result stored: p95" in table
    assert "notifications 100,000" in table

    out = tmp_path / "bench" / "report.json"
    report.write_json(out)
    data = json.loads(out.read_text())
    assert data["summary"] == {
        "budgets": 3,
        "met": 1,
        "missed": ["Submit → result stored: p95"],
        "not_measured": ["Permit PDF render + sign: p50"],
    }
    assert data["figures"][0]["budget"] == "≤ 2 s"
    assert data["figures"][0]["result"] == MISSED
    assert data["figures"][2]["value"] is None


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0
