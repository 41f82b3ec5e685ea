"""The re-screen progress of a published version is written by partners' services alone
(``list_version_rescreen_start``/``_progress``/``_fail``); screening's tasks report to them and
write no field of the version themselves (issue 12)."""

import ast
from pathlib import Path

import pytest

from partners.models import ListVersion
from partners.services import (
    list_version_rescreen_fail,
    list_version_rescreen_progress,
    list_version_rescreen_start,
)
from tests.screening.test_services import EUL_SAMPLE, make_tiers, publish_eul

ROOT = Path(__file__).resolve().parents[2]
PROGRESS_FIELDS = {
    "rescreen_total",
    "rescreen_done",
    "rescreen_failed",
    "rescreen_started_at",
    "rescreen_finished_at",
}


@pytest.fixture
def eul():
    make_tiers()
    return publish_eul(EUL_SAMPLE)


def progress(version) -> tuple:
    v = ListVersion.objects.get(pk=version.pk)
    return (v.rescreen_total, v.rescreen_done, v.rescreen_failed, v.rescreen_finished_at)


@pytest.mark.django_db
def test_start_stores_the_total_and_counts_again_from_zero(eul):
    list_version_rescreen_start(version_id=eul.pk, total=4)
    list_version_rescreen_progress(version_id=eul.pk, done=2, failed=1)
    assert progress(eul) == (4, 2, 1, None)

    list_version_rescreen_start(version_id=eul.pk, total=5)  # a redelivered fan-out

    assert progress(eul) == (5, 0, 0, None)
    assert ListVersion.objects.get(pk=eul.pk).rescreen_started_at is not None


@pytest.mark.django_db
def test_nothing_to_rescreen_is_finished_at_the_start(eul):
    list_version_rescreen_start(version_id=eul.pk, total=0)
    version = ListVersion.objects.get(pk=eul.pk)
    assert (version.rescreen_total, version.rescreen_done) == (0, 0)
    assert version.rescreen_finished_at == version.rescreen_started_at is not None


@pytest.mark.django_db
def test_progress_is_capped_at_the_total_and_finishes_once(eul):
    list_version_rescreen_start(version_id=eul.pk, total=3)
    list_version_rescreen_progress(version_id=eul.pk, done=2)
    assert progress(eul) == (3, 2, 0, None)

    list_version_rescreen_progress(version_id=eul.pk, done=2)
    total, done, failed, finished_at = progress(eul)
    assert (total, done, failed) == (3, 3, 0)
    assert finished_at is not None

    list_version_rescreen_progress(version_id=eul.pk, done=1)  # a redelivered message
    assert progress(eul) == (3, 3, 0, finished_at)


@pytest.mark.django_db
def test_failures_never_pass_the_done_count(eul):
    list_version_rescreen_start(version_id=eul.pk, total=3)
    list_version_rescreen_progress(version_id=eul.pk, done=1, failed=5)
    assert progress(eul)[:3] == (3, 1, 1)


@pytest.mark.django_db
def test_cases_given_up_on_count_as_done_and_failed(eul):
    list_version_rescreen_start(version_id=eul.pk, total=3)
    list_version_rescreen_fail(version_id=eul.pk, cases=2)
    assert progress(eul)[:3] == (3, 2, 2)
    list_version_rescreen_fail(version_id=eul.pk, cases=2)
    total, done, failed, finished_at = progress(eul)
    assert (total, done, failed) == (3, 3, 3)
    assert finished_at is not None


@pytest.mark.django_db
def test_progress_before_the_start_changes_nothing(eul):
    list_version_rescreen_progress(version_id=eul.pk, done=2, failed=1)
    list_version_rescreen_fail(version_id=eul.pk, cases=2)
    assert progress(eul) == (None, 0, 0, None)


def _progress_writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in PROGRESS_FIELDS:
                    found.append((node.lineno, keyword.arg))
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in PROGRESS_FIELDS:
                    found.append((node.lineno, target.attr))
        elif isinstance(node, ast.Constant) and node.value in PROGRESS_FIELDS:
            found.append((node.lineno, node.value))
    return found


def test_screening_writes_no_progress_field_of_a_list_version():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {field}"
        for path in sorted((ROOT / "screening").rglob("*.py"))
        if "migrations" not in path.parts
        for line, field in _progress_writes(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "use partners.services.list_version_rescreen_*:\n" + "\n".join(offences)


def test_the_progress_services_are_found_by_the_guard():
    source = (ROOT / "partners" / "services.py").read_text(encoding="utf-8")
    assert {field for _line, field in _progress_writes(source)} == PROGRESS_FIELDS
