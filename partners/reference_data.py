"""The ministry's reference data as of the catch-all review in force from 2025-10-09, and the
Russia/Belarus export bans in force since 2022-03-18.

Sources, as each row cites them: country tiers from the Export Trade Control Order's appended
tables 3, 3-2, 4 and 2-4 and FEFTA Art. 48(3); the key technologies for prior reporting
(in force 2024-12-30); the HS scope of row 16(1). Each row carries the date it applies from, so
a later amendment is a new row with a new date, not an edit of history.
"""

import datetime

from django.utils.translation import gettext_noop

from partners.models import Tier

CATCH_ALL_REVIEW = datetime.date(2025, 10, 9)
PRIOR_REPORTING_START = datetime.date(2024, 12, 30)

GROUP_A = "AR AU AT BE BG CA CZ DK FI FR DE GR HU IE IT KR LU NL NZ NO PL PT ES SE CH GB US"
UN_ARMS_EMBARGO = "AF CF CD IQ LB LY KP SO SS SD"
COUNTRIES_OF_CONCERN = "IR IQ KP"
RUSSIA_DIVERSION = "AE AM CN IN KZ KG SY TH TR UZ"
SANCTIONED = "KP"
#: Destinations under the Russia/Belarus export bans (domain.md §2a), from the first measures.
RUSSIA_BELARUS = "RU BY"
RUSSIA_BELARUS_FROM = datetime.date(2022, 3, 18)
RUSSIA_BELARUS_BASIS = gettext_noop(
    "FEFTA Art. 48(3); Export Trade Control Order as amended by the Cabinet Order decided "
    "2022-03-11 (in force 2022-03-18)"
)

#: (tier, members, legal basis)
COUNTRY_TIERS = [
    (Tier.GROUP_A, GROUP_A, gettext_noop("Export Trade Control Order, Appended Table 3")),
    (
        Tier.UN_ARMS_EMBARGO,
        UN_ARMS_EMBARGO,
        gettext_noop("Export Trade Control Order, Appended Table 3-2"),
    ),
    (
        Tier.COUNTRY_OF_CONCERN,
        COUNTRIES_OF_CONCERN,
        gettext_noop("Export Trade Control Order, Appended Table 4"),
    ),
    (
        Tier.RUSSIA_DIVERSION,
        RUSSIA_DIVERSION,
        gettext_noop("Export Trade Control Order, Appended Table 2-4"),
    ),
    (
        Tier.SANCTIONED,
        SANCTIONED,
        gettext_noop("FEFTA Art. 48(3) (approval required; treated as prohibited)"),
    ),
]

#: (code, English, Japanese)
KEY_TECHNOLOGIES = [
    (
        "mlcc",
        "Design or manufacture of multilayer ceramic capacitors (MLCC)",
        "積層セラミックコンデンサの設計・製造技術",
    ),
    (
        "saw-baw-filter",
        "Design or manufacture of SAW and BAW filters",
        "SAW・BAWフィルタの設計・製造技術",
    ),
    ("electrolytic-copper-foil", "Manufacture of electrolytic copper foil", "電解銅箔の製造技術"),
    ("dielectric-film", "Manufacture of dielectric film", "誘電体フィルムの製造技術"),
    (
        "barium-titanate-powder",
        "Manufacture of barium titanate powder",
        "チタン酸バリウム粉末の製造技術",
    ),
    (
        "carbon-fibre-precursor",
        "Manufacture of precursors for carbon fibre",
        "炭素繊維の前駆体の製造技術",
    ),
    (
        "sic-fibre-precursor",
        "Manufacture of precursors for silicon carbide fibre",
        "炭化ケイ素繊維の前駆体の製造技術",
    ),
    (
        "lithography-resist",
        "Manufacture of resists for lithography",
        "リソグラフィ用レジストの製造技術",
    ),
    (
        "sputtering-target",
        "Manufacture of non-ferrous metal sputtering targets",
        "非鉄金属スパッタリングターゲットの製造技術",
    ),
    (
        "electron-microscope",
        "Design or manufacture of scanning and transmission electron microscopes (SEM, TEM)",
        "走査型・透過型電子顕微鏡の設計・製造技術",
    ),
]

#: (HS prefix, excluded, English, Japanese)
SPECIFIED_HS_SCOPE = [
    ("8456", False, "Machine tools working by laser and other processes", "レーザー等加工機"),
    ("8457", False, "Machining centres", "マシニングセンタ"),
    ("8458", False, "Lathes", "旋盤"),
    ("8459", False, "Drilling, boring and milling machines", "ボール盤・中ぐり盤・フライス盤"),
    ("8460", False, "Grinding and finishing machines", "研削盤・仕上げ機"),
    (
        "8461",
        False,
        "Planing, shaping, gear-cutting and other machine tools",
        "平削り盤・歯切り盤等",
    ),
    ("8526", False, "Radar and radio navigation apparatus", "レーダー・無線航行用機器"),
    ("8542", False, "Electronic integrated circuits", "集積回路"),
    ("854290", True, "Parts of integrated circuits (excluded)", "集積回路の部分品（除外）"),
    ("880260", False, "Spacecraft and launch vehicles", "宇宙飛行体及び打上げ用ロケット"),
    ("8806", False, "Unmanned aircraft", "無人航空機"),
    (
        "8807",
        False,
        "Parts of aircraft, spacecraft and unmanned aircraft",
        "航空機・宇宙飛行体・無人航空機の部分品",
    ),
    ("901420", False, "Instruments for aeronautical or space navigation", "航空用・宇宙用航行機器"),
    ("901480", False, "Other navigational instruments", "その他の航行用機器"),
    ("902750", False, "Instruments using optical radiation", "光学放射を使用する機器"),
    ("903020", False, "Oscilloscopes", "オシロスコープ"),
    ("903032", False, "Multimeters with a recording device", "記録装置付きマルチメーター"),
    (
        "903039",
        False,
        "Other instruments for measuring electrical quantities",
        "その他の電気的量の測定機器",
    ),
]


# --- Russia and Belarus: the export-ban measures (domain.md §2a) ----------------------------------
#
# The first published version of the measures table. A row is ``confirmed`` only when its
# category, destinations and date were checked against the ministry's notice (domain.md §2a [C],
# and METI's announcement of 2022-03-11 with its ordinances of 2022-03-15, -03-29, -05-13 and
# -06-10 as METI's Russia FAQ lists them). The HS scope of each category is set by ministerial
# ordinance item by item and was not checked here, so every HS row below is unconfirmed: it can
# send a case to review with the measure named, never decide it as prohibited. A list manager
# confirms or corrects rows by uploading a new version of the table.

MEASURES_TABLE_LABEL = "2026-06-05 seed"

_LIST_ORDER = gettext_noop(
    "FEFTA Art. 48(3); Cabinet Order amending the Export Trade Control Order, decided 2022-03-11, "
    "in force 2022-03-18 (METI notice of 2022-03-11)"
)
_DUAL_USE_ORDINANCE = gettext_noop(
    "FEFTA Art. 48(3); METI Ordinance designating goods under Export Trade Control Order "
    "Appended Table 2-3, promulgated 2022-03-15, in force 2022-03-18"
)
_LUXURY_ORDINANCE = gettext_noop(
    "FEFTA Art. 48(3); amendment of the METI Ordinance under Appended Table 2-3, promulgated "
    "2022-03-29, in force 2022-04-05 (luxury goods)"
)
_INDUSTRIAL_2022_05 = gettext_noop(
    "FEFTA Art. 48(3); amendment of the METI Ordinance under Appended Table 2-3, promulgated "
    "2022-05-13, in force 2022-05-20"
)
_INDUSTRIAL_2022_06 = gettext_noop(
    "FEFTA Art. 48(3); amendment of the METI Ordinance under Appended Table 2-3, promulgated "
    "2022-06-10, in force 2022-06-17"
)
_INDUSTRIAL_2023_04 = gettext_noop(
    "FEFTA Art. 48(3); Cabinet Order amending the Export Trade Control Order, in force "
    "2023-04-07 (industrial-base goods, METI announcement of 2023-03-31)"
)
_INDUSTRIAL_2023_08 = gettext_noop(
    "FEFTA Art. 48(3); Cabinet Order amending the Export Trade Control Order, decided "
    "2023-07-28, in force 2023-08-09"
)

_D = datetime.date

#: (measure, category, destinations, HS prefix, English, Japanese, applies from, legal basis,
#: confirmed)
MEASURES = [
    (
        "regime-list-goods",
        "list_controlled",
        "RU BY",
        "",
        "Every good and technology listed in rows 1–15 of Appended Table 1 (machine tools, "
        "carbon fibre, advanced semiconductors and the rest of the regime lists)",
        "輸出令別表第1の1から15の項に該当する全ての貨物・技術（工作機械、炭素繊維、高性能半導体等）",
        _D(2022, 3, 18),
        _LIST_ORDER,
        True,
    ),
    (
        "dual-use-goods",
        "dual_use",
        "RU BY",
        "",
        "General-purpose goods that could strengthen military capability (semiconductors, "
        "computers, telecoms, sensors and lasers, navigation, marine and aerospace items), as "
        "the ordinance describes them",
        "軍事能力等の強化に資する汎用品（半導体、コンピュータ、通信機器、センサー・レーザー、航法、"
        "海洋、航空宇宙関連等）、省令の記述による",
        _D(2022, 3, 18),
        _DUAL_USE_ORDINANCE,
        True,
    ),
    (
        "dual-use-goods",
        "dual_use",
        "RU BY",
        "8471",
        "Computers (HS 84.71), as far as the ordinance describes them",
        "電子計算機（HS 84.71）、省令の記述に該当するもの",
        _D(2022, 3, 18),
        _DUAL_USE_ORDINANCE,
        False,
    ),
    (
        "dual-use-goods",
        "dual_use",
        "RU BY",
        "8517",
        "Telecommunications equipment (HS 85.17), as far as the ordinance describes it",
        "通信機器（HS 85.17）、省令の記述に該当するもの",
        _D(2022, 3, 18),
        _DUAL_USE_ORDINANCE,
        False,
    ),
    (
        "dual-use-goods",
        "dual_use",
        "RU BY",
        "8542",
        "Integrated circuits (HS 85.42), as far as the ordinance describes them",
        "集積回路（HS 85.42）、省令の記述に該当するもの",
        _D(2022, 3, 18),
        _DUAL_USE_ORDINANCE,
        False,
    ),
    (
        "oil-refining-equipment",
        "oil_refining",
        "RU",
        "",
        "Equipment for oil refining and its technology",
        "石油精製用の装置及びその技術",
        _D(2022, 3, 18),
        _LIST_ORDER,
        True,
    ),
    (
        "luxury-goods",
        "luxury",
        "RU",
        "",
        "Luxury goods (e.g. high-end cars, jewellery, spirits) above the set values",
        "奢侈品（高級自動車、宝飾品、酒類等）、指定された価額を超えるもの",
        _D(2022, 4, 5),
        _LUXURY_ORDINANCE,
        True,
    ),
    (
        "luxury-goods-belarus",
        "luxury",
        "BY",
        "",
        "Luxury goods to Belarus (the date and notice are not checked here)",
        "ベラルーシ向け奢侈品（施行日・告示は未確認）",
        _D(2022, 4, 5),
        _LUXURY_ORDINANCE,
        False,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "",
        "Advanced goods such as quantum computers, 3D printers and electron microscopes",
        "量子コンピュータ、3Dプリンター、電子顕微鏡等の先端的な物品",
        _D(2022, 5, 20),
        _INDUSTRIAL_2022_05,
        True,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "",
        "Trucks, bulldozers, excavators and other industrial goods",
        "貨物自動車、ブルドーザー、掘削機等の産業用物品",
        _D(2022, 6, 17),
        _INDUSTRIAL_2022_06,
        True,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "",
        "418 further items: construction machinery, aircraft and ship engines, steel and "
        "aluminium goods, optical and measuring instruments and others",
        "建設機械、航空機・船舶用エンジン、鉄鋼・アルミニウム製品、光学・測定機器等の418品目",
        _D(2023, 4, 7),
        _INDUSTRIAL_2023_04,
        True,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "",
        "About 750 further items, including passenger cars over 1,900 cc",
        "排気量1,900ccを超える乗用車等、約750品目",
        _D(2023, 8, 9),
        _INDUSTRIAL_2023_08,
        True,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "8429",
        "Bulldozers, graders, excavators and similar machinery (HS 84.29)",
        "ブルドーザー、ショベル等（HS 84.29）",
        _D(2022, 6, 17),
        _INDUSTRIAL_2022_06,
        False,
    ),
    (
        "industrial-base-goods",
        "industrial_base",
        "RU",
        "8704",
        "Motor vehicles for the transport of goods (HS 87.04)",
        "貨物自動車（HS 87.04）",
        _D(2022, 6, 17),
        _INDUSTRIAL_2022_06,
        False,
    ),
    *(
        (
            "industrial-base-goods",
            "industrial_base",
            "RU",
            heading,
            f"Machine tools (HS {heading[:2]}.{heading[2:]})",
            f"工作機械（HS {heading[:2]}.{heading[2:]}）",
            _D(2023, 4, 7),
            _INDUSTRIAL_2023_04,
            False,
        )
        for heading in ("8456", "8457", "8458", "8459", "8460", "8461")
    ),
]


# --- Key-technology prior reporting (FEFTA Art. 55-8; domain.md §0, §0a, §4) ---------------------
#
# How long before the planned transfer the report is due. The ordinance's deadline was NOT checked
# against its source (domain.md §0a and §4 mark it [B], unconfirmed), so the portal keeps it here as
# reference data, shows it with "unconfirmed" wherever it is stated, and never refuses a report for
# it: a report after its deadline is only flagged. What is certain is that a report is "prior"
# only before the transfer, so a report filed after its planned date is late whatever the deadline.
PRIOR_REPORT_LEAD_DAYS = 30
PRIOR_REPORT_LEAD_DAYS_CONFIRMED = False
