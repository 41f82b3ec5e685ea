"""Published guidance shown to firms: the high-risk goods examples and the penalties table.

Both are reference data from the ministry's catch-all circular and the Foreign Exchange and Foreign
Trade Act (FEFTA), kept here as versioned data so that the public criteria page and the declaration
on the submit step show the same wording. Each entry carries its source; an entry whose source could
not be confirmed is marked ``confirmed=False`` and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The sources cited below (the project's own list of references).
SOURCE_CATCH_ALL_CIRCULAR = _(
    "Catch-all circular, section 1(6) (the 'clearly' guideline), last revised 2025-11-14, as "
    "summarised in xyna-bpinelab/export-control-hub"
)
SOURCE_PENALTIES_2017 = _("FEFTA as amended in 2017 (penalties raised from 2017-10-01); Lexology")


@dataclass(frozen=True)
class HighRiskGoodsExample:
    id: str
    title: Promise
    examples: Promise
    note: Promise
    source: Promise
    confirmed: bool


HIGH_RISK_GOODS_EXAMPLES: tuple[HighRiskGoodsExample, ...] = (
    HighRiskGoodsExample(
        id="wmd",
        title=_("41 items of concern for weapons of mass destruction"),
        examples=_(
            "for example tributyl phosphate (TBP), maraging steel, CNC machine tools, isostatic "
            "presses and fermenters"
        ),
        note=_("For these goods any doubt about the end use or the end user must be resolved."),
        source=SOURCE_CATCH_ALL_CIRCULAR,
        confirmed=True,
    ),
    HighRiskGoodsExample(
        id="cw",
        title=_("34 items of concern for conventional weapons (2025 version)"),
        examples=_(
            "for example sintered magnets, gyroscopes, radar and gas turbines; goods in row 16(1) "
            "are not on this list"
        ),
        note=_(
            "Applies to destinations under a UN arms embargo: goods on this list or in row 16(1) "
            "can never be called 'clear' there (check 19)."
        ),
        source=SOURCE_CATCH_ALL_CIRCULAR,
        confirmed=True,
    ),
)


@dataclass(frozen=True)
class PenaltyRow:
    id: str
    breach: Promise
    individual: Promise
    company: Promise
    source: Promise
    confirmed: bool


PENALTIES: tuple[PenaltyRow, ...] = (
    PenaltyRow(
        id="wmd",
        breach=_("Export of an item related to weapons of mass destruction without a licence"),
        individual=_(
            "Imprisonment of up to 10 years and/or a fine of up to ¥30 million (or up to five "
            "times the value of the goods)"
        ),
        company=_("A fine of up to ¥1 billion (or up to five times the value of the goods)"),
        source=SOURCE_PENALTIES_2017,
        confirmed=True,
    ),
    PenaltyRow(
        id="other",
        breach=_("Other breaches of the list controls or the catch-all controls"),
        individual=_(
            "Imprisonment of up to 7 years and/or a fine of up to ¥20 million (or up to five "
            "times the value of the goods)"
        ),
        company=_("A fine of up to ¥700 million (or up to five times the value of the goods)"),
        source=SOURCE_PENALTIES_2017,
        confirmed=True,
    ),
    PenaltyRow(
        id="administrative",
        breach=_("Administrative sanction (separate from the criminal penalties)"),
        individual=_("—"),
        company=_(
            "A warning, or a ban on exports of up to three years (FEFTA Art. 53 is the usual "
            "citation)"
        ),
        source=_(
            "Catch-all circular as summarised in xyna-bpinelab/export-control-hub; the "
            "article number is unconfirmed"
        ),
        confirmed=False,
    ),
)

#: Also stated beside the table.
PENALTY_NOTES = (
    _("Breaching a condition of a licence has been a crime since 2017."),
    _("A voluntary disclosure of a breach is taken into account in the firm's favour."),
)
