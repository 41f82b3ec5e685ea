"""Four eyes reads "a confirmed list hit" off the filing (``Notification.has_confirmed_hit``);
screening keeps it true to the hits of every run of the case."""

import importlib

import pytest
from django.apps import apps as django_apps

from notifications import services
from notifications.models import Notification
from notifications.workflow import Move, Status, TransitionError
from screening.models import Disposition, PartyHit, ScreeningRun, Trigger
from screening.services import hit_adjudicate, screening_rerun_request
from tests.factories import submitted_at

pytestmark = pytest.mark.django_db


def _confirmed(case) -> bool:
    return Notification.objects.values_list("has_confirmed_hit", flat=True).get(pk=case.pk)


def test_confirming_a_hit_sets_the_fact_and_four_eyes_follows_it(case, reviewer):
    Notification.objects.filter(pk=case.pk).update(risk_level="low")
    assert _confirmed(case) is False
    case.refresh_from_db()
    assert services.approve_move_for(case) == Move.APPROVE

    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same.")

    assert _confirmed(case) is True
    case.refresh_from_db()
    assert services.needs_countersignature(case)
    assert services.approve_move_for(case) == Move.APPROVE_FOR_COUNTERSIGN


def test_a_false_positive_leaves_it_unset(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.FALSE_POSITIVE, reason="No.")
    assert _confirmed(case) is False


def test_re_adjudicating_the_confirmed_hit_as_a_false_positive_resets_it(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same.")
    assert _confirmed(case) is True
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.FALSE_POSITIVE, reason="No.")
    assert _confirmed(case) is False
    Notification.objects.filter(pk=case.pk).update(risk_level="low")
    case.refresh_from_db()
    assert not services.needs_countersignature(case)


def test_a_refused_adjudication_changes_nothing(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    with pytest.raises(TransitionError):
        hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason=" ")
    assert _confirmed(case) is False


def test_a_re_run_keeps_a_hit_confirmed_on_an_earlier_run(
    case, reviewer, django_capture_on_commit_callbacks
):
    """The rule four eyes has always applied: any confirmed hit of any run of the case. A new
    run's hits are unadjudicated, so a re-run neither sets nor clears the fact."""
    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same.")
    with django_capture_on_commit_callbacks(execute=True):
        screening_rerun_request(notification=case, actor=reviewer)
    rerun = ScreeningRun.objects.get(notification=case, trigger=Trigger.MANUAL)
    assert set(rerun.hits.values_list("disposition", flat=True)) == {Disposition.PENDING}
    assert _confirmed(case) is True
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert services.needs_countersignature(case)


def test_the_migration_back_fills_it_from_the_confirmed_hits(case, reviewer):
    hit = PartyHit.objects.get(run__notification=case)
    hit_adjudicate(hit=hit, actor=reviewer, disposition=Disposition.CONFIRMED, reason="Same.")
    Notification.objects.update(has_confirmed_hit=False)
    other = submitted_at(Status.UNDER_REVIEW)

    migration = importlib.import_module(
        "notifications.migrations.0014_notification_has_confirmed_hit"
    )
    migration.backfill(django_apps, None)

    assert (_confirmed(case), _confirmed(other)) == (True, False)
