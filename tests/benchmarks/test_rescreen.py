"""The re-screen benchmark: real parties, no extrapolation, and a timeout reported as missed."""

import json
import random
from types import SimpleNamespace

from exportctl.benchmarks import rescreen
from exportctl.benchmarks.report import MET, MISSED, Report
from exportctl.benchmarks.seed import seed
from notifications.models import Party
from partners.models import ListVersion
from screening.selectors import rescreen_candidate_ids


def figures(**overrides):
    values = {
        "parties": 100_000,
        "parties_done": 41_250,
        "cases": 40_000,
        "cases_done": 16_500,
        "failed": 0,
        "seconds": 60.0,
        "finished": False,
        "timeout": 60.0,
        "worker_concurrency": 2,
    }
    return rescreen.rescreen_figures(**{**values, **overrides})


def test_a_timeout_is_missed_with_what_it_reached_even_under_the_budget():
    # 60 s is under the 120 s budget: a run that did not finish must still never be "met".
    [figure] = figures(seconds=60.0, timeout=60.0)
    assert figure.result == MISSED
    assert figure.key == "rescreen_100k_parties_s"
    assert figure.note.startswith("timed out at 60 s: 41,250 of 100,000 parties")
    report = Report(started_at="now", machine={})
    report.add([figure])
    assert report.missed == [figure]
    assert "MISSED: Re-screen 100,000 parties: total" in report.table()
    summary = json.loads(json.dumps(report.as_json(), default=str))["summary"]
    assert summary["missed"] == [figure.label]
    assert summary["met"] == 0


def test_a_timeout_with_nothing_done_is_missed():
    [figure] = figures(parties_done=0, cases_done=0, seconds=600.0, timeout=600.0)
    assert figure.result == MISSED
    assert "timed out at 600 s: 0 of 100,000 parties" in figure.note


def test_a_smaller_run_that_times_out_is_missed_under_its_own_size():
    [figure] = figures(parties=5_000, parties_done=616, seconds=5.0, timeout=5.0)
    assert (figure.label, figure.result) == ("Re-screen 5,000 parties: total", MISSED)
    assert figure.note.startswith("timed out at 5 s: 616 of 5,000 parties")


def test_a_finished_run_is_judged_against_the_budget():
    met, rate = figures(finished=True, seconds=100.0, parties_done=100_000)
    assert (met.result, met.value) == (MET, 100.0)
    assert rate.value == 1000.0
    assert "measured, not extrapolated" in met.note
    [missed, _] = figures(finished=True, seconds=130.0, parties_done=100_000)
    assert missed.result == MISSED


def test_a_smaller_run_is_reported_but_not_judged_against_the_budget():
    figure, _ = figures(finished=True, seconds=10.0, parties=5_000, parties_done=5_000)
    assert figure.label == "Re-screen 5,000 parties: total"
    assert figure.budget is None and figure.result == ""


def test_real_names_are_drawn_from_the_project_data():
    names = list(rescreen.party_rows(30_000, random.Random(1)))  # noqa: S311 - not secret
    assert len(names) == 30_000
    assert ("BANCO NACIONAL DE CUBA", "", "organization") in {n[:3] for n in names}
    assert len({(n[0], n[3]) for n in names}) > 29_000  # hardly a name twice in one country


def test_the_phase_adds_real_parties_publishes_with_four_eyes_and_measures(transactional_db):
    """The whole phase at a small size on the test database (tasks run in-process)."""
    seed(notifications=40, firms=2, rng_seed=3)
    before = Party.objects.filter(notification_id__in=rescreen_candidate_ids()).count()
    args = SimpleNamespace(rescreen_parties=before + 120, rescreen_timeout=60, worker_concurrency=1)

    figures_, raw = rescreen.run(args=args, log=print)

    assert raw["parties"] >= before + 120
    assert raw["finished"] is True
    assert raw["parties_done"] == raw["parties"]
    assert raw["done"] == raw["total"] == raw["cases"]
    version = ListVersion.objects.get(status="published")
    assert version.label == "2025-01-31 (benchmark re-publication)"
    assert version.publication_proposed_by != version.published_by  # two list managers
    assert version.rollback_reason
    assert figures_[0].label == f"Re-screen {raw['parties']:,} parties: total"
