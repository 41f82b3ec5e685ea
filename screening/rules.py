"""The catch-all screening rules (domain.md §10) as versioned data, and their pure evaluator.

``RULES`` is what the worker applies *and* what the public criteria page renders, so the text a
firm reads is exactly the rule that decided its case. Any change to a rule's meaning, weight or
level must bump ``RULESET_VERSION``: runs are keyed by it, and a stored run names the version it
was decided under.

``evaluate(context)`` takes plain facts (``ScreeningContext``) and never touches the database, so
every rule is tested on its own, table-driven, without fixtures.

Scoring: each factor carries a weight; the score is their sum capped at 100. The level is the
highest of the factors' minimum levels and the score band (``SCORE_BANDS``). "Prohibited" comes only
from a rule (sanctions), never from a score: adding up soft signals must not pretend to be a
sanctions finding. The outcome is "cleared" only when the level is low and no party matches a
listed name at or above the alert threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: Bump on every change of a rule's meaning, weight, level or of the scoring below.
RULESET_VERSION = "2025-10-09.4"
#: The day from which this ruleset states the law: the catch-all review and the CW-coded End User
#: List apply from 2025-10-09 (domain.md §0).
RULESET_EFFECTIVE_FROM = date(2025, 10, 9)

LOW, ELEVATED, HIGH, PROHIBITED = "low", "elevated", "high", "prohibited"
LEVEL_ORDER: tuple[str, ...] = (LOW, ELEVATED, HIGH, PROHIBITED)
CLEARED, REVIEW = "cleared", "review"
#: (lowest score, level): the band of a score is the last row whose lowest score it reaches.
SCORE_BANDS: tuple[tuple[int, str], ...] = ((0, LOW), (20, ELEVATED), (60, HIGH))
MAX_SCORE = 100

# Destination tiers (values of ``partners.models.Tier``; kept as strings so this module stays pure).
GROUP_A = "group_a"
UN_ARMS_EMBARGO = "un_arms_embargo"
COUNTRY_OF_CONCERN = "country_of_concern"
RUSSIA_DIVERSION = "russia_diversion"
SANCTIONED = "sanctioned"
#: The destinations of the Russia/Belarus export bans (domain.md §2a).
RUSSIA_BELARUS = "russia_belarus"
#: The measure category that covers every listed item (``partners.models.MeasureCategory``).
MEASURE_LIST_CONTROLLED = "list_controlled"

# Item classifications (values of ``notifications.models.Classification``).
LIST_CONTROL, SPECIFIED_16_1, OTHER_16_2, NOT_APPLICABLE = "list", "16_1", "16_2", "na"
ROW_16 = frozenset({SPECIFIED_16_1, OTHER_16_2})

#: Rows of Export Order Appended Table 1 whose goods are arms or weapons of mass destruction.
WMD_AND_ARMS_ROWS = frozenset({"1", "2", "3", "3-2", "4"})
#: The End User List concern type that each WMD row's goods carry.
ROW_CONCERN = {"2": "N", "3": "C", "3-2": "B", "4": "M"}
WMD_CODES = frozenset({"B", "C", "M", "N"})

#: Checklist numbers (domain.md §4) the rules read besides "all answered yes".
CHECK_EUL_CODES_DO_NOT_MATCH = 17
CHECK_NO_MILITARY_USE = 18
CHECK_UN_EMBARGO_GOODS = 19
CHECKLIST_SIZE = 20
MILITARY_END_USE = "military"

# Item kinds (values of ``notifications.models.ItemKind``).
GOODS, TECHNOLOGY, SOFTWARE = "goods", "technology", "software"
#: Technology and software are "provided", not shipped: inside Japan that can be a deemed export.
TECHNOLOGY_KINDS = frozenset({TECHNOLOGY, SOFTWARE})
HOME_COUNTRY = "JP"

#: The low-value exception (domain.md §10, rule 2): listed goods of these rows only.
LOW_VALUE_ROWS = frozenset({"5", "6", "7", "8", "9", "10", "11", "12", "13", "15"})
#: The general limit, per row and transaction.
LOW_VALUE_LIMIT_JPY = 1_000_000
#: The limit for goods of Export Order Appended Table 3-3. A filing does not say whether its goods
#: are in that table, so this lower limit is the one the portal can apply on its own; between the
#: two limits the exception is only *possible* and the reviewer decides.
TABLE_3_3_LIMIT_JPY = 50_000


# --- Facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    position: int
    classification: str
    list_row: str = ""
    hs_code: str = ""
    key_technology: str = ""
    #: The exporter declared 16(2) but the HS code lies in the 16(1) scope on the screening date.
    reclassified: bool = False
    kind: str = GOODS
    #: ``None`` when unknown: the low-value exception is then never applied.
    value_jpy: int | None = None


@dataclass(frozen=True)
class PartyFacts:
    ref: str
    name: str
    role: str
    country: str
    tiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HitFacts:
    party_ref: str
    party_name: str
    entry_ref: str
    entry_number: int
    source: str
    listed_name: str
    matched_name: str
    score: float
    concern_codes: tuple[str, ...] = ()
    conventional_weapons: bool = False
    #: A foreign list (e.g. OFAC SDN): it may raise a case for review, never decide it.
    advisory: bool = False


@dataclass(frozen=True)
class LineFacts:
    """One item line of a licence or of a shipment, keyed by the item's position."""

    position: int
    quantity: Decimal
    value_jpy: int


@dataclass(frozen=True)
class LicenceFacts:
    """The licence (permit) a shipment is made under."""

    number: str
    #: Values of ``notifications.models.PermitStatus``; only "valid" covers a shipment.
    status: str
    valid_from: date
    valid_until: date
    destination_country: str
    lines: tuple[LineFacts, ...] = ()
    #: The parties named on the licence, by reference.
    parties: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ShipmentFacts:
    """What is actually being shipped (or provided) under a licence."""

    shipped_on: date
    destination_country: str
    lines: tuple[LineFacts, ...] = ()
    parties: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MeasureFacts:
    """One row in force of the Russia/Belarus measures table (``partners.models.MeasureRow``)."""

    measure: str
    category: str
    destinations: frozenset[str]
    #: Empty: for the list-controlled category every listed item; otherwise no item is matched.
    hs_prefix: str = ""
    confirmed: bool = False
    legal_basis: str = ""
    effective_from: date | None = None
    description: str = ""


@dataclass(frozen=True)
class ScreeningContext:
    on: date
    destination_country: str
    destination_tiers: frozenset[str] = frozenset()
    end_use_category: str = ""
    inform_notice: bool = False
    inform_reference: str = ""
    #: Check number → "yes" | "no" | "unknown"; a missing check counts as "unknown".
    checklist: Mapping[int, str] = field(default_factory=dict)
    #: False for a key-technology prior report: the 20 checks of the catch-all "clearly"
    #: guideline belong to the goods catch-all notification, not to the prior report.
    checklist_applies: bool = True
    items: tuple[ItemFacts, ...] = ()
    parties: tuple[PartyFacts, ...] = ()
    hits: tuple[HitFacts, ...] = ()
    #: False when no End User List version is published: the parties were not screened at all.
    parties_screened: bool = True
    #: False when no country-tier data applies on ``on``: no destination can be judged safe.
    tiers_known: bool = True
    alert_threshold: float = 0.80
    #: Set together when a shipment is checked against the licence it relies on (rule 13).
    licence: LicenceFacts | None = None
    shipment: ShipmentFacts | None = None
    #: The Russia/Belarus measures in force on ``on``.
    measures: tuple[MeasureFacts, ...] = ()


# --- Rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    #: The row of domain.md §10 (or the section) the rule implements, for the criteria page.
    reference: str
    title: Promise
    explanation: Promise
    legal_basis: Promise
    #: Points added to the score. For ``weighted_by_party_risk`` rules, the most it can add.
    weight: int
    min_level: str
    weighted_by_party_risk: bool = False


RULES: tuple[Rule, ...] = (
    Rule(
        id="sanctioned_destination",
        reference="§10.1",
        title=_("Sanctioned destination or party"),
        explanation=_(
            "The destination, or the country of a party, is under sanctions. An export needs the "
            "ministry's approval and is treated as prohibited."
        ),
        legal_basis=_("FEFTA Art. 48(3)"),
        weight=100,
        min_level=PROHIBITED,
    ),
    Rule(
        id="russia_belarus_banned_goods",
        reference="§2a, §10.1",
        title=_("Goods under a Russia/Belarus export ban"),
        explanation=_(
            "The goods go to Russia or Belarus (the destination, or the country of any party: "
            "end user, consignee, intermediary or purchaser) and fall in the scope of a ban "
            "confirmed against its notice: goods of the regime lists (rows 1–15), general-"
            "purpose goods, oil-refining equipment, luxury goods or goods that could strengthen "
            "Russia's industrial base. The export needs the ministry's approval, which in "
            "principle is not granted; the case is treated as prohibited and the evidence names "
            "the measure, its category and its notice."
        ),
        legal_basis=_(
            "FEFTA Art. 48(3); Export Trade Control Order and METI's notices since 2022-03-18 "
            "(named per measure)"
        ),
        weight=100,
        min_level=PROHIBITED,
    ),
    Rule(
        id="russia_belarus_unconfirmed_scope",
        reference="§2a",
        title=_("Goods possibly under a Russia/Belarus export ban (scope not confirmed)"),
        explanation=_(
            "The goods go to Russia or Belarus and their HS code lies in the scope of a ban "
            "whose HS list has not been confirmed against the notice. A reviewer confirms "
            "whether the ban applies; if it does, approval is in principle not granted."
        ),
        legal_basis=_("FEFTA Art. 48(3); the measure's notice (named in the evidence)"),
        weight=40,
        min_level=HIGH,
    ),
    Rule(
        id="russia_belarus_involved",
        reference="§2a",
        title=_("Russia or Belarus is involved"),
        explanation=_(
            "The destination is Russia or Belarus, or a party (end user, consignee, intermediary "
            "or purchaser) is located there; the case is then screened as an export to that "
            "country. Such a filing is never cleared automatically: a reviewer checks it against "
            "the export bans and the designated entities."
        ),
        legal_basis=_("FEFTA Art. 48(3); export bans on Russia and Belarus (from 2022-03-18)"),
        weight=40,
        min_level=ELEVATED,
    ),
    Rule(
        id="list_control_wmd_arms",
        reference="§10.2",
        title=_("Listed arms or WMD goods (rows 1–4)"),
        explanation=_(
            "An item is listed in rows 1 to 4 (arms, nuclear, chemical, biological, missiles). "
            "A licence is needed for every destination."
        ),
        legal_basis=_("FEFTA Art. 48(1) and Art. 25(1); Export Order Appended Table 1, rows 1–4"),
        weight=50,
        min_level=HIGH,
    ),
    Rule(
        id="list_control",
        reference="§10.2",
        title=_("Listed goods or technology (rows 5–15)"),
        explanation=_(
            "An item is listed in rows 5 to 15. A licence is needed for every destination, "
            "unless the low-value exception below applies to the item."
        ),
        legal_basis=_("FEFTA Art. 48(1) and Art. 25(1); Export Order Appended Table 1, rows 5–15"),
        weight=40,
        min_level=ELEVATED,
    ),
    Rule(
        id="low_value_exception",
        reference="§10.2",
        title=_("Low-value exception for listed goods"),
        explanation=_(
            "Listed goods of rows 5 to 13 or 15 need no licence when the goods of that row in the "
            "transaction are worth at most ¥1,000,000 (at most ¥50,000 for goods of Appended "
            "Table 3-3). A filing does not say whether its goods are in Table 3-3, so the portal "
            "applies the exception on its own only up to ¥50,000; between ¥50,000 and ¥1,000,000 "
            "a reviewer decides. The exception never applies to technology or software, to Iran, "
            "Iraq or North Korea, to a sanctioned destination, or when any catch-all trigger is "
            "present (an inform notice, a military use, a party on the End User List)."
        ),
        legal_basis=_("Export Order Art. 4(1)(iv) (low-value exception); Appended Table 3-3"),
        weight=0,
        min_level=LOW,
    ),
    Rule(
        id="key_technology",
        reference="§10.3",
        title=_("Key technology: prior report required"),
        explanation=_(
            "An item is a key technology. A transfer that enables manufacturing or design abroad "
            "must be reported before it takes place; if the ministry then informs the firm, a "
            "licence is needed."
        ),
        legal_basis=_("FEFTA Art. 55-8; FX Order Art. 18-8(1)"),
        weight=30,
        min_level=ELEVATED,
    ),
    Rule(
        id="inform_notice",
        reference="§10.4",
        title=_("Inform notice received"),
        explanation=_(
            "The ministry has informed the firm that this export needs a licence. Hold the "
            "shipment until a licence is granted."
        ),
        legal_basis=_("Catch-all circular: inform requirement (WMD and conventional weapons)"),
        weight=60,
        min_level=HIGH,
    ),
    Rule(
        id="group_a_no_licence",
        reference="§10.5",
        title=_("Row 16 to Group A without an inform notice: no catch-all licence"),
        explanation=_(
            "The destination is in Group A and no inform notice was received, so the catch-all "
            "end-use and end-user tests do not apply to row-16 goods."
        ),
        legal_basis=_("Export Order Appended Table 3; catch-all circular"),
        weight=0,
        min_level=LOW,
    ),
    Rule(
        id="wmd_end_use",
        reference="§10.6",
        title=_("Military or WMD end use to a non-Group-A country"),
        explanation=_(
            "The declared end use is military, or the documents show a military use. For row-16 "
            "goods to a country outside Group A a licence is needed; the 'clearly' guideline "
            "cannot lift the end-use test."
        ),
        legal_basis=_("Catch-all circular: end-use test (objective requirement)"),
        weight=60,
        min_level=HIGH,
    ),
    Rule(
        id="listed_party",
        reference="§3, §10.7",
        title=_("A party matches the End User List"),
        explanation=_(
            "A party's name matches a listed entity. A reviewer must confirm or dismiss the match. "
            "A confirmed listing meets the end-user test: a licence is needed unless every "
            "clear-criteria check passes."
        ),
        legal_basis=_("Catch-all circular: end-user test; End User List"),
        weight=60,
        min_level=ELEVATED,
        weighted_by_party_risk=True,
    ),
    Rule(
        id="eul_concern_match",
        reference="§10.7",
        title=_("Listed concern type matches the goods"),
        explanation=_(
            "The listed entity's concern type (B, C, M or N) matches the concern type of the "
            "goods, or the exporter could not confirm that it does not (check 17). A licence is "
            "needed."
        ),
        legal_basis=_("Catch-all circular, section 1(6), check 17"),
        weight=30,
        min_level=HIGH,
    ),
    Rule(
        id="cw_16_1_general",
        reference="§10.8",
        title=_("Row 16(1) goods with a conventional-weapons use or user"),
        explanation=_(
            "Row 16(1) goods go to a general country and the end use is military or an end user "
            "is listed for conventional weapons. A licence is needed; a listed end user can be "
            "cleared only on all available information."
        ),
        legal_basis=_("Catch-all circular: conventional-weapons catch-all (from 2025-10-09)"),
        weight=40,
        min_level=HIGH,
    ),
    Rule(
        id="cw_16_2_general_no_licence",
        reference="§10.9",
        title=_("Row 16(2) to a general country, conventional-weapons concern only"),
        explanation=_(
            "The matched listing carries only a conventional-weapons concern and the goods are in "
            "row 16(2). No conventional-weapons licence is needed for a general country; the WMD "
            "tests still apply."
        ),
        legal_basis=_("Catch-all circular: conventional-weapons catch-all (from 2025-10-09)"),
        weight=0,
        min_level=LOW,
    ),
    Rule(
        id="un_embargo_cw",
        reference="§10.10",
        title=_("UN arms-embargo country with a conventional-weapons use or user"),
        explanation=_(
            "Row-16 goods go to a UN arms-embargo country and the end use is military or an end "
            "user is listed for conventional weapons. A licence is needed."
        ),
        legal_basis=_("Export Order Appended Table 3-2; catch-all circular"),
        weight=50,
        min_level=HIGH,
    ),
    Rule(
        id="un_embargo_never_clear",
        reference="§10.10",
        title=_("UN arms-embargo country: goods that can never be 'clear'"),
        explanation=_(
            "The goods are in row 16(1), or the exporter did not confirm that they are off the "
            "conventional-weapons high-risk list (check 19). Such goods to a UN arms-embargo "
            "country can never be treated as clearly harmless."
        ),
        legal_basis=_("Catch-all circular, section 1(6), check 19"),
        weight=25,
        min_level=ELEVATED,
    ),
    Rule(
        id="unresolved_checks",
        reference="§10.11",
        title=_("Unresolved clear-criteria checks"),
        explanation=_(
            "At least one of the 20 clear-criteria checks was answered 'no' or 'unknown'. The case "
            "cannot be called clear until the doubt is resolved."
        ),
        legal_basis=_("Catch-all circular, section 1(6) ('clearly' guideline)"),
        weight=20,
        min_level=ELEVATED,
    ),
    Rule(
        id="deemed_export",
        reference="§10.12",
        title=_("Technology provided in Japan: treated as an export"),
        explanation=_(
            "Technology or software is provided inside Japan. Providing it to a non-resident, or "
            "to a resident who is under a foreign government's or foreign company's control or "
            "acts on its instructions (the specified categories), is an export of technology: the "
            "same licence rules apply as for a transfer abroad. A reviewer confirms who the "
            "recipient is before the case can be closed."
        ),
        legal_basis=_("FEFTA Art. 25(1); Services Circular (deemed exports, specified categories)"),
        weight=20,
        min_level=ELEVATED,
    ),
    Rule(
        id="licence_mismatch",
        reference="§10.13",
        title=_("Shipment differs from the licence, or the licence is not in force"),
        explanation=_(
            "A shipment made under a licence is checked against it: the licence must be valid on "
            "the shipping date, and the destination, the parties and every item line (quantity "
            "and value within what was licensed) must match. A shipment that does not match is "
            "an unlicensed export and is blocked."
        ),
        legal_basis=_("FEFTA Art. 48(1) and Art. 25(1); licence conditions"),
        weight=100,
        min_level=PROHIBITED,
    ),
    Rule(
        id="country_of_concern",
        reference="§2",
        title=_("Country of concern"),
        explanation=_("The destination is a country of concern (Iran, Iraq, North Korea)."),
        legal_basis=_("Export Order Appended Table 4"),
        weight=35,
        min_level=HIGH,
    ),
    Rule(
        id="russia_diversion",
        reference="§2",
        title=_("Russia-diversion country"),
        explanation=_(
            "The destination is a country through which goods have been diverted to Russia. "
            "Exports to designated persons there need approval; the destination adds to the risk "
            "score but does not on its own stop the case."
        ),
        legal_basis=_("Export Order Appended Table 2-4"),
        weight=15,
        min_level=LOW,
    ),
    Rule(
        id="russia_diversion_party",
        reference="§2, §2a",
        title=_("Russia-diversion country with a Russian, Belarusian or listed party"),
        explanation=_(
            "The destination is a Russia-diversion country and a party is located in Russia or "
            "Belarus, or matches the End User List. Goods may be on their way to Russia: a "
            "reviewer checks the parties against the designated persons before anything else."
        ),
        legal_basis=_("Export Order Appended Table 2-4; FEFTA Art. 48(3)"),
        weight=30,
        min_level=ELEVATED,
    ),
    Rule(
        id="advisory_hit",
        reference="§3",
        title=_("A party matches an advisory (foreign) list"),
        explanation=_(
            "A party's name matches an entry of a foreign list kept for information. It raises "
            "the case for review but never decides it on its own."
        ),
        legal_basis=_("Advisory reference lists (e.g. the US SDN list)"),
        weight=15,
        min_level=ELEVATED,
    ),
    Rule(
        id="parties_not_screened",
        reference="§3",
        title=_("Parties could not be screened"),
        explanation=_(
            "No End User List version is published, so the parties could not be checked. The case "
            "is never cleared unscreened."
        ),
        legal_basis=_("Catch-all circular: record the list version and the result"),
        weight=20,
        min_level=ELEVATED,
    ),
    Rule(
        id="tiers_unknown",
        reference="§2",
        title=_("Destination tiers unavailable"),
        explanation=_(
            "No country-tier data applies on the screening date, so the destination could not be "
            "placed in a tier. The case is never cleared without it."
        ),
        legal_basis=_("Export Order Appended Tables 2-4, 3, 3-2 and 4"),
        weight=20,
        min_level=ELEVATED,
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def factor_text(factor: Mapping) -> dict[str, str]:
    """A stored factor's title and explanation in the active language.

    A run stores each factor by its rule's id (with its English title, for the API and for rows
    written before titles were read this way); the words are the rule's, translated when read.
    A rule no longer in ``RULES`` keeps the title it was stored with.
    """
    rule = RULES_BY_ID.get(factor.get("rule", ""))
    if rule is None:
        return {"title": str(factor.get("title") or factor.get("rule") or ""), "explanation": ""}
    return {"title": str(rule.title), "explanation": str(rule.explanation)}


# --- Derived facts ---------------------------------------------------------------------------


def _answer(ctx: ScreeningContext, number: int) -> str:
    return ctx.checklist.get(number) or "unknown"


def _row16(ctx: ScreeningContext) -> list[ItemFacts]:
    return [i for i in ctx.items if i.classification in ROW_16]


def _has_16_1(ctx: ScreeningContext) -> bool:
    return any(i.classification == SPECIFIED_16_1 for i in ctx.items)


def _russia_belarus_parties(ctx: ScreeningContext) -> list[PartyFacts]:
    return [p for p in ctx.parties if RUSSIA_BELARUS in p.tiers]


def destination_tiers(ctx: ScreeningContext) -> frozenset[str]:
    """The tiers the case is screened under: the declared destination's, plus those of any party
    located in Russia or Belarus, whose country is then the goods' real destination (a machine
    tool to Kazakhstan for a Russian end user is an export to Russia)."""
    tiers = set(ctx.destination_tiers)
    for party in _russia_belarus_parties(ctx):
        tiers |= party.tiers
    return frozenset(tiers)


def _is_group_a(ctx: ScreeningContext) -> bool:
    tiers = destination_tiers(ctx)
    return GROUP_A in tiers and RUSSIA_BELARUS not in tiers


def _is_un_embargo(ctx: ScreeningContext) -> bool:
    return UN_ARMS_EMBARGO in destination_tiers(ctx)


def _is_general(ctx: ScreeningContext) -> bool:
    """Neither Group A nor UN arms embargo: the middle column of the catch-all matrix."""
    return not _is_group_a(ctx) and not _is_un_embargo(ctx)


def _military_use_shown(ctx: ScreeningContext) -> list[str]:
    reasons = []
    if ctx.end_use_category == MILITARY_END_USE:
        reasons.append("end_use_category=military")
    if _answer(ctx, CHECK_NO_MILITARY_USE) == "no":
        reasons.append(f"check {CHECK_NO_MILITARY_USE} answered no")
    return reasons


def _alerts(ctx: ScreeningContext, *, advisory: bool) -> list[HitFacts]:
    return [h for h in ctx.hits if h.score >= ctx.alert_threshold and h.advisory is advisory]


def _goods_concerns(ctx: ScreeningContext) -> set[str]:
    return {ROW_CONCERN[i.list_row] for i in ctx.items if i.list_row in ROW_CONCERN}


def concern_match(hit: HitFacts, ctx: ScreeningContext) -> str:
    """How a hit's WMD codes relate to the goods: match / presumed / none / no_codes.

    Only listed rows 2–4 carry a known concern type. For row-16 goods the type is not declared,
    so a mismatch counts only when the exporter confirmed it (check 17); otherwise it is presumed.
    """
    codes = WMD_CODES.intersection(hit.concern_codes)
    if not codes:
        return "no_codes"
    if codes & _goods_concerns(ctx):
        return "match"
    if _row16(ctx) and _answer(ctx, CHECK_EUL_CODES_DO_NOT_MATCH) != "yes":
        return "presumed"
    return "none"


def _cw_test_applies(ctx: ScreeningContext) -> bool:
    """A CW listing matters for 16(1) goods to general countries, any row 16 to UN embargo."""
    if _is_un_embargo(ctx):
        return bool(_row16(ctx))
    return _is_general(ctx) and _has_16_1(ctx)


#: Points of the destination tier in a party's risk table (the highest tier counts).
TIER_POINTS: dict[str, int] = {
    SANCTIONED: 30,
    RUSSIA_BELARUS: 30,
    COUNTRY_OF_CONCERN: 20,
    UN_ARMS_EMBARGO: 15,
    RUSSIA_DIVERSION: 10,
    GROUP_A: 0,
}
GENERAL_TIER_POINTS = 5
CONCERN_POINTS = {"match": 30, "presumed": 30, "none": 10, "no_codes": 0}


def party_risk(hit: HitFacts, ctx: ScreeningContext) -> dict:
    """The party's risk as a visible additive table, kept apart from the name score.

    Rows: hit confidence (the name score scaled to 40), WMD codes against the goods, the
    conventional-weapons listing where the CW test applies, and the destination tier.
    """
    confidence = round(40 * hit.score)
    match = concern_match(hit, ctx)
    cw_points = 0
    if hit.conventional_weapons:
        cw_points = 20 if _cw_test_applies(ctx) else 5
    tiers = sorted(destination_tiers(ctx), key=lambda t: -TIER_POINTS.get(t, 0))
    tier = tiers[0] if tiers else "general"
    tier_points = TIER_POINTS.get(tier, GENERAL_TIER_POINTS)
    if not hit.conventional_weapons:
        cw_value = "not_listed"
    else:
        cw_value = "applies" if _cw_test_applies(ctx) else "not_applicable"
    rows: list[dict[str, Any]] = [
        {"component": "hit_confidence", "value": hit.score, "points": confidence},
        {"component": "concern_codes_vs_goods", "value": match, "points": CONCERN_POINTS[match]},
        {"component": "conventional_weapons", "value": cw_value, "points": cw_points},
        {"component": "destination_tier", "value": tier, "points": tier_points},
    ]
    return {"rows": rows, "total": min(MAX_SCORE, sum(r["points"] for r in rows))}


def _hit_evidence(hit: HitFacts, ctx: ScreeningContext) -> dict:
    return {
        "party": hit.party_ref,
        "party_name": hit.party_name,
        "entry": hit.entry_ref,
        "entry_number": hit.entry_number,
        "source": hit.source,
        "listed_name": hit.listed_name,
        "matched_name": hit.matched_name,
        "score": hit.score,
        "concern_codes": list(hit.concern_codes),
        "conventional_weapons": hit.conventional_weapons,
        "party_risk": party_risk(hit, ctx),
    }


def _positions(items: Iterable[ItemFacts]) -> list[int]:
    return [i.position for i in items]


# --- Checks: one per rule, each returning evidence (the rule applies) or None ----------------

Evidence = dict | None


def _check_sanctioned(ctx: ScreeningContext) -> Evidence:
    parties = [p.ref for p in ctx.parties if SANCTIONED in p.tiers]
    if SANCTIONED in ctx.destination_tiers or parties:
        return {
            "destination": ctx.destination_country,
            "destination_sanctioned": SANCTIONED in ctx.destination_tiers,
            "parties": parties,
        }
    return None


@dataclass(frozen=True)
class RussiaBelarusExposure:
    """How a case touches the Russia/Belarus measures: the countries it reaches, through which
    parties, and which items fall in a confirmed (``banned``) or unconfirmed (``possible``) ban."""

    countries: tuple[str, ...]
    via_destination: bool
    parties: tuple[PartyFacts, ...]
    banned: tuple[tuple[ItemFacts, MeasureFacts], ...]
    possible: tuple[tuple[ItemFacts, MeasureFacts], ...]


def measure_covers(measure: MeasureFacts, item: ItemFacts) -> bool:
    """The list-controlled measure covers every listed item (goods and technology alike);
    every other measure covers goods by HS prefix, and none without one."""
    if measure.category == MEASURE_LIST_CONTROLLED:
        return item.classification == LIST_CONTROL
    if not measure.hs_prefix or item.kind != GOODS or not item.hs_code:
        return False
    return item.hs_code.replace(".", "").startswith(measure.hs_prefix)


def russia_belarus_exposure(ctx: ScreeningContext) -> RussiaBelarusExposure | None:
    """``None`` when neither the destination nor any party is in Russia or Belarus."""
    via_destination = RUSSIA_BELARUS in ctx.destination_tiers
    parties = _russia_belarus_parties(ctx)
    countries = {p.country for p in parties}
    if via_destination:
        countries.add(ctx.destination_country)
    if not countries:
        return None
    banned: list[tuple[ItemFacts, MeasureFacts]] = []
    possible: list[tuple[ItemFacts, MeasureFacts]] = []
    for item in ctx.items:
        applying = [
            m for m in ctx.measures if m.destinations & countries and measure_covers(m, item)
        ]
        confirmed = [m for m in applying if m.confirmed]
        if confirmed:
            banned.extend((item, m) for m in confirmed)
        else:
            possible.extend((item, m) for m in applying)
    return RussiaBelarusExposure(
        countries=tuple(sorted(countries)),
        via_destination=via_destination,
        parties=tuple(parties),
        banned=tuple(banned),
        possible=tuple(possible),
    )


def _measure_evidence(item: ItemFacts, measure: MeasureFacts) -> dict:
    return {
        "item": item.position,
        "measure": measure.measure,
        "category": measure.category,
        "hs_prefix": measure.hs_prefix,
        "description": measure.description,
        "destinations": sorted(measure.destinations),
        "effective_from": measure.effective_from.isoformat() if measure.effective_from else None,
        "legal_basis": measure.legal_basis,
        "confirmed": measure.confirmed,
    }


def _check_russia_belarus_banned(ctx: ScreeningContext) -> Evidence:
    exposure = russia_belarus_exposure(ctx)
    if exposure is None or not exposure.banned:
        return None
    return {
        "countries": list(exposure.countries),
        "measures": [_measure_evidence(i, m) for i, m in exposure.banned],
    }


def _check_russia_belarus_unconfirmed(ctx: ScreeningContext) -> Evidence:
    exposure = russia_belarus_exposure(ctx)
    if exposure is None or not exposure.possible:
        return None
    return {
        "countries": list(exposure.countries),
        "measures": [_measure_evidence(i, m) for i, m in exposure.possible],
    }


def _check_russia_belarus_involved(ctx: ScreeningContext) -> Evidence:
    exposure = russia_belarus_exposure(ctx)
    if exposure is None:
        return None
    return {
        "countries": list(exposure.countries),
        "declared_destination": ctx.destination_country,
        "destination_in_russia_belarus": exposure.via_destination,
        "parties": [
            {"party": p.ref, "name": p.name, "role": p.role, "country": p.country}
            for p in exposure.parties
        ],
    }


def _check_russia_diversion_party(ctx: ScreeningContext) -> Evidence:
    if RUSSIA_DIVERSION not in ctx.destination_tiers:
        return None
    parties = _russia_belarus_parties(ctx)
    hits = _alerts(ctx, advisory=False)
    if not parties and not hits:
        return None
    return {
        "destination": ctx.destination_country,
        "parties_in_russia_belarus": [
            {"party": p.ref, "name": p.name, "role": p.role, "country": p.country} for p in parties
        ],
        "listed_parties": sorted({h.party_ref for h in hits}),
    }


def _check_list_wmd_arms(ctx: ScreeningContext) -> Evidence:
    items = [
        i for i in ctx.items if i.classification == LIST_CONTROL and i.list_row in WMD_AND_ARMS_ROWS
    ]
    return {"items": _positions(items), "rows": [i.list_row for i in items]} if items else None


def _catch_all_triggers(ctx: ScreeningContext) -> list[str]:
    reasons = []
    if ctx.inform_notice:
        reasons.append("inform_notice")
    reasons.extend(_military_use_shown(ctx))
    if _alerts(ctx, advisory=False):
        reasons.append("party_on_end_user_list")
    return reasons


def _low_value_bars(ctx: ScreeningContext) -> list[str]:
    """Why the low-value exception cannot be used in this case at all."""
    bars = []
    if not ctx.tiers_known:
        bars.append("destination_tiers_unknown")
    if COUNTRY_OF_CONCERN in ctx.destination_tiers:
        bars.append("country_of_concern")
    if SANCTIONED in ctx.destination_tiers or any(SANCTIONED in p.tiers for p in ctx.parties):
        bars.append("sanctioned")
    if RUSSIA_BELARUS in destination_tiers(ctx):
        bars.append("russia_belarus")
    return bars + _catch_all_triggers(ctx)


@dataclass(frozen=True)
class _LowValue:
    exempt: list[ItemFacts]
    possible: list[ItemFacts]
    totals: dict[str, int]
    bars: list[str]


def _low_value(ctx: ScreeningContext) -> _LowValue:
    """Split listed goods of the eligible rows by the total value of their row in the case.

    The limit is per row and transaction, so the items of one row are added up; one item of
    unknown value makes its whole row ineligible.
    """
    by_row: dict[str, list[ItemFacts]] = {}
    for item in ctx.items:
        if item.classification == LIST_CONTROL and item.list_row in LOW_VALUE_ROWS:
            by_row.setdefault(item.list_row, []).append(item)
    exempt: list[ItemFacts] = []
    possible: list[ItemFacts] = []
    totals: dict[str, int] = {}
    for row, items in by_row.items():
        if any(i.kind != GOODS or i.value_jpy is None for i in items):
            continue
        total = sum(i.value_jpy or 0 for i in items)
        if total <= TABLE_3_3_LIMIT_JPY:
            exempt.extend(items)
            totals[row] = total
        elif total <= LOW_VALUE_LIMIT_JPY:
            possible.extend(items)
            totals[row] = total
    bars = _low_value_bars(ctx) if exempt or possible else []
    if bars:
        return _LowValue(exempt=[], possible=[], totals={}, bars=bars)
    return _LowValue(exempt=exempt, possible=possible, totals=totals, bars=[])


def _check_list(ctx: ScreeningContext) -> Evidence:
    low_value = _low_value(ctx)
    exempt = {i.position for i in low_value.exempt}
    items = [
        i
        for i in ctx.items
        if i.classification == LIST_CONTROL
        and i.list_row not in WMD_AND_ARMS_ROWS
        and i.position not in exempt
    ]
    if not items:
        return None
    evidence: dict = {"items": _positions(items), "rows": [i.list_row for i in items]}
    if low_value.possible:
        evidence["low_value_possible"] = {
            "items": _positions(low_value.possible),
            "value_jpy": {row: low_value.totals[row] for row in sorted(low_value.totals)},
            "limit_jpy": LOW_VALUE_LIMIT_JPY,
        }
    if low_value.bars:
        evidence["low_value_exception_lost"] = low_value.bars
    return evidence


def _check_low_value(ctx: ScreeningContext) -> Evidence:
    low_value = _low_value(ctx)
    if not low_value.exempt:
        return None
    rows = sorted({i.list_row for i in low_value.exempt}, key=lambda r: int(r))
    return {
        "items": _positions(low_value.exempt),
        "value_jpy": {row: low_value.totals[row] for row in rows},
        "limit_jpy": TABLE_3_3_LIMIT_JPY,
    }


def _check_key_technology(ctx: ScreeningContext) -> Evidence:
    items = [i for i in ctx.items if i.key_technology]
    if not items:
        return None
    return {"items": _positions(items), "key_technologies": [i.key_technology for i in items]}


def _check_inform(ctx: ScreeningContext) -> Evidence:
    return {"reference": ctx.inform_reference} if ctx.inform_notice else None


def _check_group_a(ctx: ScreeningContext) -> Evidence:
    items = _row16(ctx)
    if _is_group_a(ctx) and not ctx.inform_notice and items:
        return {"destination": ctx.destination_country, "items": _positions(items)}
    return None


def _check_wmd_end_use(ctx: ScreeningContext) -> Evidence:
    reasons = _military_use_shown(ctx)
    items = _row16(ctx)
    if not _is_group_a(ctx) and items and reasons:
        return {"shown_by": reasons, "items": _positions(items)}
    return None


def _check_listed_party(ctx: ScreeningContext) -> Evidence:
    hits = _alerts(ctx, advisory=False)
    return {"hits": [_hit_evidence(h, ctx) for h in hits]} if hits else None


def _check_concern_match(ctx: ScreeningContext) -> Evidence:
    if _is_group_a(ctx) or not any(i.classification != NOT_APPLICABLE for i in ctx.items):
        return None
    matched = [(h, concern_match(h, ctx)) for h in _alerts(ctx, advisory=False)]
    matched = [(h, m) for h, m in matched if m in ("match", "presumed")]
    if not matched:
        return None
    return {
        "goods_concerns": sorted(_goods_concerns(ctx)),
        f"check_{CHECK_EUL_CODES_DO_NOT_MATCH}": _answer(ctx, CHECK_EUL_CODES_DO_NOT_MATCH),
        "hits": [
            {"entry": h.entry_ref, "party": h.party_ref, "codes": list(h.concern_codes), "match": m}
            for h, m in matched
        ],
    }


def _cw_users(ctx: ScreeningContext) -> list[HitFacts]:
    return [h for h in _alerts(ctx, advisory=False) if h.conventional_weapons]


def _check_cw_16_1(ctx: ScreeningContext) -> Evidence:
    items = [i for i in ctx.items if i.classification == SPECIFIED_16_1]
    if not (_is_general(ctx) and items):
        return None
    users, use = _cw_users(ctx), _military_use_shown(ctx)
    if not users and not use:
        return None
    return {
        "items": _positions(items),
        "reclassified_items": _positions(i for i in items if i.reclassified),
        "cw_use": use,
        "cw_users": [h.entry_ref for h in users],
    }


def _check_cw_16_2(ctx: ScreeningContext) -> Evidence:
    if not _is_general(ctx) or _has_16_1(ctx):
        return None
    items = [i for i in ctx.items if i.classification == OTHER_16_2]
    users = _cw_users(ctx)
    cw_only = [h for h in users if not WMD_CODES.intersection(h.concern_codes)]
    if items and cw_only and len(cw_only) == len(users):
        return {"items": _positions(items), "cw_users": [h.entry_ref for h in cw_only]}
    return None


def _check_un_embargo_cw(ctx: ScreeningContext) -> Evidence:
    items = _row16(ctx)
    if not (_is_un_embargo(ctx) and items):
        return None
    users, use = _cw_users(ctx), _military_use_shown(ctx)
    if not users and not use:
        return None
    return {"items": _positions(items), "cw_use": use, "cw_users": [h.entry_ref for h in users]}


def _check_un_embargo_never_clear(ctx: ScreeningContext) -> Evidence:
    if not _is_un_embargo(ctx) or not _row16(ctx):
        return None
    specified = [i for i in ctx.items if i.classification == SPECIFIED_16_1]
    check_19 = _answer(ctx, CHECK_UN_EMBARGO_GOODS)
    if specified or check_19 != "yes":
        return {"items_16_1": _positions(specified), f"check_{CHECK_UN_EMBARGO_GOODS}": check_19}
    return None


def _check_unresolved(ctx: ScreeningContext) -> Evidence:
    if not ctx.checklist_applies:
        return None
    unresolved = {
        str(n): _answer(ctx, n) for n in range(1, CHECKLIST_SIZE + 1) if _answer(ctx, n) != "yes"
    }
    return {"checks": unresolved} if unresolved else None


def _check_deemed_export(ctx: ScreeningContext) -> Evidence:
    items = [i for i in ctx.items if i.kind in TECHNOLOGY_KINDS]
    if ctx.destination_country != HOME_COUNTRY or not items:
        return None
    return {
        "items": _positions(items),
        "recipients": [p.ref for p in ctx.parties if p.country == HOME_COUNTRY],
    }


def _line_problems(licence: LicenceFacts, shipment: ShipmentFacts) -> list[dict]:
    licensed = {line.position: line for line in licence.lines}
    problems = []
    for line in shipment.lines:
        allowed = licensed.get(line.position)
        if allowed is None:
            problems.append({"problem": "item_not_licensed", "item": line.position})
            continue
        if line.quantity > allowed.quantity:
            problems.append(
                {
                    "problem": "quantity_exceeds_licence",
                    "item": line.position,
                    "shipped": str(line.quantity),
                    "licensed": str(allowed.quantity),
                }
            )
        if line.value_jpy > allowed.value_jpy:
            problems.append(
                {
                    "problem": "value_exceeds_licence",
                    "item": line.position,
                    "shipped": line.value_jpy,
                    "licensed": allowed.value_jpy,
                }
            )
    return problems


def _check_licence_mismatch(ctx: ScreeningContext) -> Evidence:
    shipment, licence = ctx.shipment, ctx.licence
    if shipment is None:
        return None
    if licence is None:
        return {"licence": None, "problems": [{"problem": "no_licence"}]}
    problems: list[dict] = []
    if licence.status != "valid":
        problems.append({"problem": "licence_not_valid", "status": licence.status})
    if shipment.shipped_on > licence.valid_until:
        problems.append(
            {"problem": "licence_expired", "valid_until": licence.valid_until.isoformat()}
        )
    if shipment.shipped_on < licence.valid_from:
        problems.append(
            {"problem": "licence_not_yet_valid", "valid_from": licence.valid_from.isoformat()}
        )
    if shipment.destination_country != licence.destination_country:
        problems.append(
            {
                "problem": "destination_differs",
                "shipped": shipment.destination_country,
                "licensed": licence.destination_country,
            }
        )
    unlicensed_parties = sorted(shipment.parties - licence.parties)
    if unlicensed_parties:
        problems.append({"problem": "party_not_licensed", "parties": unlicensed_parties})
    problems.extend(_line_problems(licence, shipment))
    return {"licence": licence.number, "problems": problems} if problems else None


def _check_tier(tier: str) -> Callable[[ScreeningContext], Evidence]:
    def check(ctx: ScreeningContext) -> Evidence:
        if tier in ctx.destination_tiers:
            return {"destination": ctx.destination_country, "tier": tier}
        return None

    return check


def _check_advisory(ctx: ScreeningContext) -> Evidence:
    hits = _alerts(ctx, advisory=True)
    return {"hits": [_hit_evidence(h, ctx) for h in hits]} if hits else None


def _check_not_screened(ctx: ScreeningContext) -> Evidence:
    return None if ctx.parties_screened else {"parties": [p.ref for p in ctx.parties]}


def _check_tiers_unknown(ctx: ScreeningContext) -> Evidence:
    return None if ctx.tiers_known else {"on": ctx.on.isoformat()}


CHECKS: dict[str, Callable[[ScreeningContext], Evidence]] = {
    "sanctioned_destination": _check_sanctioned,
    "russia_belarus_banned_goods": _check_russia_belarus_banned,
    "russia_belarus_unconfirmed_scope": _check_russia_belarus_unconfirmed,
    "russia_belarus_involved": _check_russia_belarus_involved,
    "list_control_wmd_arms": _check_list_wmd_arms,
    "list_control": _check_list,
    "low_value_exception": _check_low_value,
    "key_technology": _check_key_technology,
    "inform_notice": _check_inform,
    "group_a_no_licence": _check_group_a,
    "wmd_end_use": _check_wmd_end_use,
    "listed_party": _check_listed_party,
    "eul_concern_match": _check_concern_match,
    "cw_16_1_general": _check_cw_16_1,
    "cw_16_2_general_no_licence": _check_cw_16_2,
    "un_embargo_cw": _check_un_embargo_cw,
    "un_embargo_never_clear": _check_un_embargo_never_clear,
    "unresolved_checks": _check_unresolved,
    "deemed_export": _check_deemed_export,
    "licence_mismatch": _check_licence_mismatch,
    "country_of_concern": _check_tier(COUNTRY_OF_CONCERN),
    "russia_diversion": _check_tier(RUSSIA_DIVERSION),
    "russia_diversion_party": _check_russia_diversion_party,
    "advisory_hit": _check_advisory,
    "parties_not_screened": _check_not_screened,
    "tiers_unknown": _check_tiers_unknown,
}


# --- Evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    score: int
    level: str
    outcome: str
    factors: list[dict]

    @property
    def rule_ids(self) -> list[str]:
        return [f["rule"] for f in self.factors]


def level_for_score(score: int) -> str:
    level = LOW
    for lowest, band_level in SCORE_BANDS:
        if score >= lowest:
            level = band_level
    return level


def _max_level(*levels: str) -> str:
    return max(levels, key=LEVEL_ORDER.index)


def _factor_weight(rule: Rule, evidence: dict) -> int:
    if not rule.weighted_by_party_risk:
        return rule.weight
    return min(rule.weight, max(h["party_risk"]["total"] for h in evidence["hits"]))


def evaluate(ctx: ScreeningContext) -> Assessment:
    """Apply every rule of ``RULES`` to ``ctx``; pure and deterministic."""
    factors: list[dict[str, Any]] = []
    with translation.override("en"):
        for rule in RULES:
            evidence = CHECKS[rule.id](ctx)
            if evidence is None:
                continue
            factors.append(
                {
                    "rule": rule.id,
                    "title": str(rule.title),
                    "weight": _factor_weight(rule, evidence),
                    "level": rule.min_level,
                    "evidence": evidence,
                }
            )
    score = min(MAX_SCORE, sum(f["weight"] for f in factors))
    level = _max_level(level_for_score(score), *(f["level"] for f in factors))
    alert = any(h.score >= ctx.alert_threshold for h in ctx.hits)
    outcome = CLEARED if level == LOW and not alert else REVIEW
    return Assessment(score=score, level=level, outcome=outcome, factors=factors)
