"""The ministry's reference data as of the catch-all review in force from 2025-10-09.

Sources (see ../shared/domain.md): country tiers from the Export Trade Control Order's appended
tables 3, 3-2, 4 and 2-4 and FEFTA Art. 48(3); the key technologies for prior reporting
(in force 2024-12-30); the HS scope of row 16(1). Each row carries the date it applies from, so
a later amendment is a new row with a new date, not an edit of history.
"""

import datetime

CATCH_ALL_REVIEW = datetime.date(2025, 10, 9)
PRIOR_REPORTING_START = datetime.date(2024, 12, 30)

GROUP_A = "AR AU AT BE BG CA CZ DK FI FR DE GR HU IE IT KR LU NL NZ NO PL PT ES SE CH GB US"
UN_ARMS_EMBARGO = "AF CF CD IQ LB LY KP SO SS SD"
COUNTRIES_OF_CONCERN = "IR IQ KP"
RUSSIA_DIVERSION = "AE AM CN IN KZ KG SY TH TR UZ"
SANCTIONED = "KP"

#: (tier, members, legal basis)
COUNTRY_TIERS = [
    ("group_a", GROUP_A, "Export Trade Control Order, Appended Table 3"),
    ("un_arms_embargo", UN_ARMS_EMBARGO, "Export Trade Control Order, Appended Table 3-2"),
    ("country_of_concern", COUNTRIES_OF_CONCERN, "Export Trade Control Order, Appended Table 4"),
    ("russia_diversion", RUSSIA_DIVERSION, "Export Trade Control Order, Appended Table 2-4"),
    ("sanctioned", SANCTIONED, "FEFTA Art. 48(3) (approval required; treated as prohibited)"),
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
