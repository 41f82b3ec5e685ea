"""One word per concept. ``screening.rules`` is pure (plain facts in, no models), so it keeps
string copies of model enums; each copy is tied to its enum here, so neither can drift."""

from notifications.models import (
    QUEUE_STATUSES,
    RISK_ORDER,
    Classification,
    EndUseCategory,
    ItemKind,
    RiskLevel,
)
from notifications.services import COUNTERSIGN_LEVELS
from notifications.workflow import ALLOWED_TRANSITIONS, AWAITING_MINISTRY_STATUSES, Move, Status
from partners.models import MeasureCategory, Tier
from screening import rules
from screening.models import Outcome


def test_the_rules_levels_are_the_risk_levels_in_order_of_severity():
    assert (rules.LOW, rules.ELEVATED, rules.HIGH, rules.PROHIBITED) == (
        RiskLevel.LOW,
        RiskLevel.ELEVATED,
        RiskLevel.HIGH,
        RiskLevel.PROHIBITED,
    )
    assert tuple(RiskLevel.values) == rules.LEVEL_ORDER
    assert tuple(reversed(rules.LEVEL_ORDER)) == RISK_ORDER
    assert {level for _, level in rules.SCORE_BANDS} <= set(RiskLevel.values)
    assert {RiskLevel.HIGH, RiskLevel.PROHIBITED} == COUNTERSIGN_LEVELS


def test_the_rules_outcomes_are_the_run_outcomes():
    assert {rules.CLEARED, rules.REVIEW} == set(Outcome.values)


def test_the_rules_tiers_are_every_destination_tier():
    copies = {
        rules.GROUP_A: Tier.GROUP_A,
        rules.UN_ARMS_EMBARGO: Tier.UN_ARMS_EMBARGO,
        rules.COUNTRY_OF_CONCERN: Tier.COUNTRY_OF_CONCERN,
        rules.RUSSIA_DIVERSION: Tier.RUSSIA_DIVERSION,
        rules.SANCTIONED: Tier.SANCTIONED,
        rules.RUSSIA_BELARUS: Tier.RUSSIA_BELARUS,
    }
    assert all(copy == tier.value for copy, tier in copies.items())
    assert set(copies) == set(Tier.values)
    assert rules.MEASURE_LIST_CONTROLLED == MeasureCategory.LIST_CONTROLLED


def test_the_rules_item_words_are_the_filings():
    assert (rules.LIST_CONTROL, rules.SPECIFIED_16_1, rules.OTHER_16_2, rules.NOT_APPLICABLE) == (
        Classification.LIST_CONTROL,
        Classification.SPECIFIED_16_1,
        Classification.OTHER_16_2,
        Classification.NOT_APPLICABLE,
    )
    assert set(Classification.values) == {
        rules.LIST_CONTROL,
        rules.SPECIFIED_16_1,
        rules.OTHER_16_2,
        rules.NOT_APPLICABLE,
    }
    assert {rules.GOODS, rules.TECHNOLOGY, rules.SOFTWARE} == set(ItemKind.values)
    assert {ItemKind.TECHNOLOGY, ItemKind.SOFTWARE} == rules.TECHNOLOGY_KINDS
    assert rules.MILITARY_END_USE == EndUseCategory.MILITARY


def test_the_queue_statuses_are_derived_from_the_workflow_in_status_order():
    """A case is in the reviewer's queue while its review is open: waiting on a ministry person,
    or on the exporter's answer to the ministry's question."""
    expected = AWAITING_MINISTRY_STATUSES | {ALLOWED_TRANSITIONS[Move.REQUEST_INFO].target}
    assert set(QUEUE_STATUSES) == expected
    assert list(QUEUE_STATUSES) == [s for s in Status if s in expected]
    assert QUEUE_STATUSES == (
        Status.UNDER_REVIEW,
        Status.INFO_REQUESTED,
        Status.AWAITING_COUNTERSIGN,
    )
