"""The catch-all rules of domain.md §10, one case per rule, on plain facts (no database)."""

import dataclasses
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from screening import rules
from screening.rules import (
    HitFacts,
    ItemFacts,
    PartyFacts,
    ScreeningContext,
    evaluate,
    level_for_score,
    party_risk,
)

ON = datetime.date(2026, 6, 5)
A = frozenset({"group_a"})
UN = frozenset({"un_arms_embargo"})
KP = frozenset({"sanctioned", "un_arms_embargo", "country_of_concern"})
IR = frozenset({"country_of_concern"})
CN = frozenset({"russia_diversion"})
GENERAL = frozenset()

MACHINE_TOOL = ItemFacts(position=1, classification="16_1", hs_code="8457.10")
BEARINGS = ItemFacts(position=1, classification="16_2", hs_code="8482.10")


def all_yes(**answers: str) -> dict[int, str]:
    return {n: answers.get(f"c{n}", "yes") for n in range(1, 21)}


def context(**overrides) -> ScreeningContext:
    base = ScreeningContext(
        on=ON,
        destination_country="US",
        destination_tiers=A,
        end_use_category="industrial",
        checklist=all_yes(),
        items=(MACHINE_TOOL,),
        parties=(
            PartyFacts(ref="p1", name="Acme Tools Inc.", role="end_user", country="US", tiers=A),
        ),
    )
    return dataclasses.replace(base, **overrides)


def hit(codes=(), cw=False, score=0.95, advisory=False, entry="45") -> HitFacts:
    return HitFacts(
        party_ref="p1",
        party_name="Some Party",
        entry_ref=entry,
        entry_number=int(entry),
        source="ofac-sdn" if advisory else "meti-eul",
        listed_name="Listed Name",
        matched_name="Listed Name",
        score=score,
        concern_codes=tuple(codes),
        conventional_weapons=cw,
        advisory=advisory,
    )


def summary(assessment) -> tuple:
    return (
        [(f["rule"], f["weight"], f["level"]) for f in assessment.factors],
        assessment.score,
        assessment.level,
        assessment.outcome,
    )


# --- The rule table itself -------------------------------------------------------------------


def test_every_rule_has_a_check_and_clean_text():
    assert set(rules.CHECKS) == {rule.id for rule in rules.RULES}
    assert len(rules.RULES_BY_ID) == len(rules.RULES)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+", rules.RULESET_VERSION)
    with translation.override("en"):
        for rule in rules.RULES:
            assert rule.min_level in rules.LEVEL_ORDER
            assert 0 <= rule.weight <= 100
            for text in (rule.title, rule.explanation, rule.legal_basis):
                assert str(text).strip() == str(text) and str(text)


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, "low"), (19, "low"), (20, "elevated"), (59, "elevated"), (60, "high"), (100, "high")],
)
def test_score_bands_never_reach_prohibited(score, level):
    assert level_for_score(score) == level


# --- One case per rule -----------------------------------------------------------------------


def test_group_a_harmless_clears_low_with_the_reason():
    assessment = evaluate(context())
    assert summary(assessment) == ([("group_a_no_licence", 0, "low")], 0, "low", "cleared")
    assert assessment.factors[0] == {
        "rule": "group_a_no_licence",
        "title": "Row 16 to Group A without an inform notice: no catch-all licence",
        "weight": 0,
        "level": "low",
        "evidence": {"destination": "US", "items": [1]},
    }


def test_group_a_military_use_still_needs_no_catch_all_licence():
    assessment = evaluate(context(end_use_category="military"))
    assert summary(assessment) == ([("group_a_no_licence", 0, "low")], 0, "low", "cleared")


def test_north_korea_is_prohibited():
    ctx = context(destination_country="KP", destination_tiers=KP, parties=())
    assert summary(evaluate(ctx)) == (
        [
            ("sanctioned_destination", 100, "prohibited"),
            ("un_embargo_never_clear", 25, "elevated"),
            ("country_of_concern", 35, "high"),
        ],
        100,
        "prohibited",
        "review",
    )


def test_party_in_a_sanctioned_country_is_prohibited():
    party = PartyFacts(
        ref="p2", name="Consignee", role="consignee", country="KP", tiers=frozenset({"sanctioned"})
    )
    assessment = evaluate(
        context(destination_country="TH", destination_tiers=GENERAL, parties=(party,))
    )
    assert summary(assessment) == (
        [("sanctioned_destination", 100, "prohibited")],
        100,
        "prohibited",
        "review",
    )
    assert assessment.factors[0]["evidence"] == {
        "destination": "TH",
        "destination_sanctioned": False,
        "parties": ["p2"],
    }


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("7", ([("list_control", 40, "elevated")], 40, "elevated", "review")),
        ("15", ([("list_control", 40, "elevated")], 40, "elevated", "review")),
        ("1", ([("list_control_wmd_arms", 50, "high")], 50, "high", "review")),
        ("3-2", ([("list_control_wmd_arms", 50, "high")], 50, "high", "review")),
    ],
)
def test_listed_goods_need_a_licence_everywhere(row, expected):
    item = ItemFacts(position=1, classification="list", list_row=row)
    assert summary(evaluate(context(items=(item,)))) == expected


def test_key_technology_needs_a_prior_report():
    item = ItemFacts(position=2, classification="na", key_technology="mlcc-design")
    assessment = evaluate(context(items=(item,)))
    assert summary(assessment) == ([("key_technology", 30, "elevated")], 30, "elevated", "review")
    assert assessment.factors[0]["evidence"] == {"items": [2], "key_technologies": ["mlcc-design"]}


def test_inform_notice_needs_a_licence_even_to_group_a():
    assessment = evaluate(context(inform_notice=True, inform_reference="METI-2026-17"))
    assert summary(assessment) == ([("inform_notice", 60, "high")], 60, "high", "review")
    assert assessment.factors[0]["evidence"] == {"reference": "METI-2026-17"}


@pytest.mark.parametrize(
    ("overrides", "rules_fired", "shown_by"),
    [
        ({"end_use_category": "military"}, ["wmd_end_use"], ["end_use_category=military"]),
        (
            {"checklist": all_yes(c18="no")},
            ["wmd_end_use", "unresolved_checks"],
            ["check 18 answered no"],
        ),
    ],
)
def test_military_use_to_a_general_country_needs_a_licence(overrides, rules_fired, shown_by):
    ctx = context(
        destination_country="VN", destination_tiers=GENERAL, items=(BEARINGS,), **overrides
    )
    assessment = evaluate(ctx)
    assert assessment.rule_ids == rules_fired
    assert assessment.level == "high"
    assert assessment.outcome == "review"
    assert assessment.factors[0]["evidence"] == {"shown_by": shown_by, "items": [1]}


def test_eul_hit_whose_codes_do_not_match_is_elevated_with_its_party_risk_table():
    ctx = context(
        destination_country="IR",
        destination_tiers=IR,
        hits=(hit(codes=("B", "C", "M", "N"), score=0.99),),
    )
    assessment = evaluate(ctx)
    assert summary(assessment) == (
        [("listed_party", 60, "elevated"), ("country_of_concern", 35, "high")],
        95,
        "high",
        "review",
    )
    assert assessment.factors[0]["evidence"]["hits"][0]["party_risk"] == {
        "rows": [
            {"component": "hit_confidence", "value": 0.99, "points": 40},
            {"component": "concern_codes_vs_goods", "value": "none", "points": 10},
            {"component": "conventional_weapons", "value": "not_listed", "points": 0},
            {"component": "destination_tier", "value": "country_of_concern", "points": 20},
        ],
        "total": 70,
    }


@pytest.mark.parametrize(
    ("items", "checklist", "match"),
    [
        ((ItemFacts(position=1, classification="list", list_row="2"),), all_yes(), "match"),
        ((BEARINGS,), all_yes(c17="unknown"), "presumed"),
    ],
)
def test_eul_code_matching_the_goods_is_high(items, checklist, match):
    ctx = context(
        destination_country="PK",
        destination_tiers=GENERAL,
        items=items,
        checklist=checklist,
        hits=(hit(codes=("N",), entry="691"),),
    )
    assessment = evaluate(ctx)
    factor = next(f for f in assessment.factors if f["rule"] == "eul_concern_match")
    assert (factor["weight"], factor["level"]) == (30, "high")
    assert factor["evidence"]["hits"] == [
        {"entry": "691", "party": "p1", "codes": ["N"], "match": match}
    ]
    assert assessment.level == "high"


def test_cw_listed_end_user_with_16_1_goods_to_a_general_country_needs_a_licence():
    ctx = context(
        destination_country="CN",
        destination_tiers=GENERAL,
        hits=(hit(cw=True, score=0.9, entry="513"),),
    )
    assessment = evaluate(ctx)
    assert summary(assessment) == (
        [("listed_party", 60, "elevated"), ("cw_16_1_general", 40, "high")],
        100,
        "high",
        "review",
    )
    assert assessment.factors[1]["evidence"] == {
        "items": [1],
        "reclassified_items": [],
        "cw_use": [],
        "cw_users": ["513"],
    }
    assert assessment.factors[0]["evidence"]["hits"][0]["party_risk"]["rows"][2] == {
        "component": "conventional_weapons",
        "value": "applies",
        "points": 20,
    }


def test_16_2_to_a_general_country_with_cw_only_concern_needs_no_cw_licence():
    ctx = context(
        destination_country="VN",
        destination_tiers=GENERAL,
        items=(BEARINGS,),
        hits=(hit(cw=True, score=0.9, entry="513"),),
    )
    assessment = evaluate(ctx)
    # The zero-weight factor says why no CW licence; the hit itself still waits for a reviewer.
    # Party risk 46 = confidence 36 + no WMD codes 0 + CW listed but not applicable 5 + general 5.
    assert summary(assessment) == (
        [("listed_party", 46, "elevated"), ("cw_16_2_general_no_licence", 0, "low")],
        46,
        "elevated",
        "review",
    )


def test_16_2_cw_only_concern_still_faces_the_wmd_tests():
    ctx = context(
        destination_country="VN",
        destination_tiers=GENERAL,
        items=(BEARINGS,),
        end_use_category="military",
        hits=(hit(cw=True, score=0.9, entry="513"),),
    )
    assert evaluate(ctx).rule_ids == ["wmd_end_use", "listed_party", "cw_16_2_general_no_licence"]


@pytest.mark.parametrize(
    ("overrides", "expected_rules"),
    [
        ({"hits": (hit(cw=True, entry="1"),)}, ["listed_party", "un_embargo_cw"]),
        ({"end_use_category": "military"}, ["wmd_end_use", "un_embargo_cw"]),
    ],
)
def test_un_embargo_row_16_with_cw_use_or_user_needs_a_licence(overrides, expected_rules):
    ctx = context(destination_country="LY", destination_tiers=UN, items=(BEARINGS,), **overrides)
    assessment = evaluate(ctx)
    assert assessment.rule_ids == expected_rules
    assert assessment.level == "high"


@pytest.mark.parametrize(
    ("items", "checklist", "evidence"),
    [
        ((MACHINE_TOOL,), all_yes(), {"items_16_1": [1], "check_19": "yes"}),
        ((BEARINGS,), all_yes(c19="no"), {"items_16_1": [], "check_19": "no"}),
    ],
)
def test_un_embargo_16_1_or_cw_high_risk_goods_never_clear(items, checklist, evidence):
    ctx = context(destination_country="SO", destination_tiers=UN, items=items, checklist=checklist)
    assessment = evaluate(ctx)
    factor = assessment.factors[0]
    assert (factor["rule"], factor["weight"], factor["level"]) == (
        "un_embargo_never_clear",
        25,
        "elevated",
    )
    assert factor["evidence"] == evidence
    assert assessment.outcome == "review"


def test_un_embargo_harmless_16_2_goods_can_clear():
    ctx = context(destination_country="SO", destination_tiers=UN, items=(BEARINGS,))
    assert summary(evaluate(ctx)) == ([], 0, "low", "cleared")


def test_unresolved_checks_are_never_clear():
    ctx = context(checklist={n: "yes" for n in range(1, 20) if n != 3} | {3: "no"})
    assessment = evaluate(ctx)
    assert summary(assessment) == (
        [("group_a_no_licence", 0, "low"), ("unresolved_checks", 20, "elevated")],
        20,
        "elevated",
        "review",
    )
    assert assessment.factors[1]["evidence"] == {"checks": {"3": "no", "20": "unknown"}}


def test_the_clear_criteria_checks_do_not_apply_to_a_prior_report():
    """A key-technology prior report answers no checklist: its empty checklist is no doubt."""
    ctx = context(checklist={}, checklist_applies=False)
    assert "unresolved_checks" not in [f["rule"] for f in evaluate(ctx).factors]
    assert "unresolved_checks" in [f["rule"] for f in evaluate(context(checklist={})).factors]


def test_country_of_concern_is_high():
    ctx = context(destination_country="IR", destination_tiers=IR, items=(BEARINGS,))
    assert summary(evaluate(ctx)) == ([("country_of_concern", 35, "high")], 35, "high", "review")


def test_russia_diversion_country_adds_to_the_score_but_clears_alone():
    ctx = context(destination_country="CN", destination_tiers=CN, items=(BEARINGS,))
    assert summary(evaluate(ctx)) == ([("russia_diversion", 15, "low")], 15, "low", "cleared")


def test_russia_diversion_with_another_doubt_reaches_review():
    ctx = context(
        destination_country="CN",
        destination_tiers=CN,
        items=(BEARINGS,),
        checklist=all_yes(c20="unknown"),
    )
    assert summary(evaluate(ctx)) == (
        [("unresolved_checks", 20, "elevated"), ("russia_diversion", 15, "low")],
        35,
        "elevated",
        "review",
    )


def test_advisory_hit_elevates_but_never_decides_alone():
    ctx = context(
        destination_country="CN",
        destination_tiers=GENERAL,
        hits=(hit(codes=("M",), cw=True, advisory=True, entry="9001"),),
    )
    assessment = evaluate(ctx)
    # No CW or EUL rule fires on a foreign list: only the advisory factor, at "elevated".
    assert summary(assessment) == ([("advisory_hit", 15, "elevated")], 15, "elevated", "review")


def test_hit_below_the_alert_threshold_is_ignored():
    ctx = context(hits=(hit(codes=("N",), score=0.79),))
    assert summary(evaluate(ctx)) == ([("group_a_no_licence", 0, "low")], 0, "low", "cleared")


def test_unscreened_parties_never_clear():
    assessment = evaluate(context(parties_screened=False))
    assert summary(assessment) == (
        [("group_a_no_licence", 0, "low"), ("parties_not_screened", 20, "elevated")],
        20,
        "elevated",
        "review",
    )
    assert assessment.factors[1]["evidence"] == {"parties": ["p1"]}


def test_missing_country_tiers_never_clear():
    ctx = context(destination_tiers=GENERAL, tiers_known=False, items=(BEARINGS,))
    assert summary(evaluate(ctx)) == ([("tiers_unknown", 20, "elevated")], 20, "elevated", "review")


def test_reclassified_16_1_item_is_named_in_the_evidence():
    item = ItemFacts(position=3, classification="16_1", hs_code="8526.10", reclassified=True)
    ctx = context(
        destination_country="VN",
        destination_tiers=GENERAL,
        items=(item,),
        end_use_category="military",
    )
    factor = next(f for f in evaluate(ctx).factors if f["rule"] == "cw_16_1_general")
    assert factor["evidence"]["reclassified_items"] == [3]


def test_party_risk_table_adds_up_and_caps():
    ctx = context(
        destination_country="KP",
        destination_tiers=KP,
        items=(BEARINGS,),
        checklist=all_yes(c17="no"),
    )
    table = party_risk(hit(codes=("N",), cw=True, score=1.0), ctx)
    assert table == {
        "rows": [
            {"component": "hit_confidence", "value": 1.0, "points": 40},
            {"component": "concern_codes_vs_goods", "value": "presumed", "points": 30},
            {"component": "conventional_weapons", "value": "applies", "points": 20},
            {"component": "destination_tier", "value": "sanctioned", "points": 30},
        ],
        "total": 100,
    }


def test_evaluation_is_deterministic_and_json_ready():
    import json

    ctx = context(
        destination_country="KP",
        destination_tiers=KP,
        hits=(hit(codes=("B", "C", "M", "N"), cw=True),),
    )
    first, second = evaluate(ctx), evaluate(ctx)
    assert first == second
    assert json.loads(json.dumps(first.factors)) == first.factors


# --- Low-value exception (§10.2) ------------------------------------------------------------


def listed(row="7", value=30_000, position=1, kind="goods") -> ItemFacts:
    return ItemFacts(
        position=position, classification="list", list_row=row, kind=kind, value_jpy=value
    )


def test_low_value_listed_goods_need_no_licence():
    assessment = evaluate(context(items=(listed(value=50_000),)))
    assert summary(assessment) == ([("low_value_exception", 0, "low")], 0, "low", "cleared")
    assert assessment.factors[0]["evidence"] == {
        "items": [1],
        "value_jpy": {"7": 50_000},
        "limit_jpy": 50_000,
    }


def test_low_value_limit_is_per_row_and_transaction():
    items = (listed(value=30_000, position=1), listed(value=30_000, position=2))
    assessment = evaluate(context(items=items))
    assert summary(assessment) == ([("list_control", 40, "elevated")], 40, "elevated", "review")
    assert assessment.factors[0]["evidence"] == {
        "items": [1, 2],
        "rows": ["7", "7"],
        "low_value_possible": {"items": [1, 2], "value_jpy": {"7": 60_000}, "limit_jpy": 1_000_000},
    }


def test_low_value_rows_are_counted_apart():
    items = (listed(row="7", value=40_000, position=1), listed(row="9", value=900_000, position=2))
    assessment = evaluate(context(items=items))
    assert summary(assessment) == (
        [("list_control", 40, "elevated"), ("low_value_exception", 0, "low")],
        40,
        "elevated",
        "review",
    )
    assert assessment.factors[0]["evidence"]["items"] == [2]
    assert assessment.factors[1]["evidence"] == {
        "items": [1],
        "value_jpy": {"7": 40_000},
        "limit_jpy": 50_000,
    }


@pytest.mark.parametrize(
    "item",
    [
        listed(row="14", value=1_000),  # row 14 is not covered
        listed(row="2", value=1_000),  # nor WMD rows
        listed(row="7", value=None),  # an unknown value never qualifies
        listed(row="7", value=1_000, kind="technology"),  # goods only
        listed(row="7", value=1_000_001),
    ],
)
def test_low_value_exception_does_not_cover(item):
    assessment = evaluate(context(items=(item,)))
    assert "low_value_exception" not in assessment.rule_ids
    assert assessment.outcome == "review"
    assert "low_value_possible" not in assessment.factors[0]["evidence"]


@pytest.mark.parametrize(
    ("overrides", "lost"),
    [
        ({"destination_country": "IR", "destination_tiers": IR}, ["country_of_concern"]),
        ({"inform_notice": True, "inform_reference": "METI-1"}, ["inform_notice"]),
        ({"end_use_category": "military"}, ["end_use_category=military"]),
        ({"checklist": all_yes(c18="no")}, ["check 18 answered no"]),
        ({"hits": (hit(codes=("N",)),)}, ["party_on_end_user_list"]),
        ({"tiers_known": False}, ["destination_tiers_unknown"]),
    ],
)
def test_low_value_exception_is_lost(overrides, lost):
    assessment = evaluate(context(items=(listed(value=10_000),), **overrides))
    assert "low_value_exception" not in assessment.rule_ids
    factor = next(f for f in assessment.factors if f["rule"] == "list_control")
    assert factor["evidence"] == {
        "items": [1],
        "rows": ["7"],
        "low_value_exception_lost": lost,
    }
    assert assessment.outcome == "review"


def test_low_value_exception_is_lost_when_a_party_is_sanctioned():
    party = PartyFacts(ref="p2", name="X", role="consignee", country="KP", tiers=KP)
    assessment = evaluate(context(items=(listed(value=10_000),), parties=(party,)))
    factor = next(f for f in assessment.factors if f["rule"] == "list_control")
    assert factor["evidence"]["low_value_exception_lost"] == ["sanctioned"]


# --- Deemed export (§10.12) -----------------------------------------------------------------


def test_technology_provided_in_japan_is_treated_as_an_export():
    tech = ItemFacts(position=1, classification="na", kind="technology")
    recipient = PartyFacts(ref="p1", name="Visiting Researcher", role="end_user", country="JP")
    assessment = evaluate(
        context(
            destination_country="JP",
            destination_tiers=GENERAL,
            items=(tech,),
            parties=(recipient,),
        )
    )
    assert summary(assessment) == ([("deemed_export", 20, "elevated")], 20, "elevated", "review")
    assert assessment.factors[0]["evidence"] == {"items": [1], "recipients": ["p1"]}


@pytest.mark.parametrize(
    ("country", "kind"), [("JP", "goods"), ("US", "technology"), ("US", "software")]
)
def test_goods_in_japan_or_technology_abroad_are_not_deemed_exports(country, kind):
    item = ItemFacts(position=1, classification="na", kind=kind)
    tiers = A if country == "US" else GENERAL
    assessment = evaluate(
        context(destination_country=country, destination_tiers=tiers, items=(item,))
    )
    assert "deemed_export" not in assessment.rule_ids


# --- Shipment against the licence (§10.13) --------------------------------------------------

LICENCE = rules.LicenceFacts(
    number="P-2026-000123",
    status="valid",
    valid_from=datetime.date(2026, 1, 10),
    valid_until=datetime.date(2026, 7, 10),
    destination_country="TH",
    lines=(rules.LineFacts(position=1, quantity=Decimal("10"), value_jpy=5_000_000),),
    parties=frozenset({"p1"}),
)
SHIPMENT = rules.ShipmentFacts(
    shipped_on=ON,
    destination_country="TH",
    lines=(rules.LineFacts(position=1, quantity=Decimal("10"), value_jpy=5_000_000),),
    parties=frozenset({"p1"}),
)


def shipment_context(licence=LICENCE, **changes) -> ScreeningContext:
    shipment = dataclasses.replace(SHIPMENT, **changes)
    return context(
        destination_country="TH",
        destination_tiers=CN,
        items=(BEARINGS,),
        licence=licence,
        shipment=shipment,
    )


def test_shipment_matching_its_licence_passes():
    assert "licence_mismatch" not in evaluate(shipment_context()).rule_ids


@pytest.mark.parametrize(
    ("licence", "changes", "problems"),
    [
        (
            LICENCE,
            {"shipped_on": datetime.date(2026, 7, 11)},
            [{"problem": "licence_expired", "valid_until": "2026-07-10"}],
        ),
        (
            LICENCE,
            {"shipped_on": datetime.date(2026, 1, 9)},
            [{"problem": "licence_not_yet_valid", "valid_from": "2026-01-10"}],
        ),
        (
            dataclasses.replace(LICENCE, status="suspended"),
            {},
            [{"problem": "licence_not_valid", "status": "suspended"}],
        ),
        (
            LICENCE,
            {"destination_country": "CN"},
            [{"problem": "destination_differs", "shipped": "CN", "licensed": "TH"}],
        ),
        (
            LICENCE,
            {"parties": frozenset({"p1", "p9"})},
            [{"problem": "party_not_licensed", "parties": ["p9"]}],
        ),
        (
            LICENCE,
            {
                "lines": (
                    rules.LineFacts(position=1, quantity=Decimal("10.5"), value_jpy=5_000_001),
                    rules.LineFacts(position=2, quantity=Decimal("1"), value_jpy=1),
                )
            },
            [
                {
                    "problem": "quantity_exceeds_licence",
                    "item": 1,
                    "shipped": "10.5",
                    "licensed": "10",
                },
                {
                    "problem": "value_exceeds_licence",
                    "item": 1,
                    "shipped": 5_000_001,
                    "licensed": 5_000_000,
                },
                {"problem": "item_not_licensed", "item": 2},
            ],
        ),
        (None, {}, [{"problem": "no_licence"}]),
    ],
)
def test_shipment_that_differs_from_its_licence_is_blocked(licence, changes, problems):
    assessment = evaluate(shipment_context(licence, **changes))
    factor = next(f for f in assessment.factors if f["rule"] == "licence_mismatch")
    assert factor["evidence"] == {
        "licence": licence.number if licence else None,
        "problems": problems,
    }
    assert (factor["weight"], factor["level"]) == (100, "prohibited")
    assert (assessment.score, assessment.level, assessment.outcome) == (
        100,
        "prohibited",
        "review",
    )


def test_ruleset_names_its_effective_date_and_covers_every_row_of_section_10():
    assert datetime.date(2025, 10, 9) == rules.RULESET_EFFECTIVE_FROM
    references = " ".join(rule.reference for rule in rules.RULES)
    for row in range(1, 14):
        assert re.search(rf"§10\.{row}\b", references), row


# --- The worker hands the new facts to the rules ---------------------------------------------


@pytest.mark.django_db
def test_worker_context_carries_item_kind_and_value():
    from notifications.models import Item
    from partners.services import reference_data_load
    from screening.index_cache import PublishedLists
    from screening.runs.compute import build_context
    from tests.factories import ready_notification

    reference_data_load()
    notification = ready_notification(destination_country="US")
    Item.objects.filter(notification=notification).update(
        kind="goods", classification="list", list_row="7", hs_code="", value_jpy=40_000
    )
    ctx = build_context(notification, on=ON, lists=PublishedLists(eul=None, advisory=()), hits=[])
    assert [(i.kind, i.value_jpy, i.list_row) for i in ctx.items] == [("goods", 40_000, "7")]
    assert "low_value_exception" in evaluate(ctx).rule_ids
