"""Word lists the normaliser and the scorer rely on.

Kept as data so a reviewer can read exactly which words are treated as legal forms, stop words,
abbreviations or generic organisation vocabulary — and so that a missed form is a one-line fix.
All entries are in the folded form the tokeniser produces (lower case ASCII, no punctuation).
"""

from __future__ import annotations

# Legal forms, as token sequences, mapped to a legal-form class. Forms of one class never contradict
# each other; WEAK_LEGAL_CLASSES contradict nothing (a "company" may be any of the others).
LEGAL_FORMS: dict[str, str] = {
    # limited liability
    "llc": "llc",
    "l l c": "llc",
    "ooo": "llc",
    "limited liability company": "llc",
    "limited liability partnership": "llp",
    "llp": "llp",
    "tov": "llc",
    "sp z o o": "llc",
    "fz llc": "llc",
    "sp z oo": "llc",
    "fzllc": "llc",
    # joint-stock
    "jsc": "jsc",
    "ojsc": "jsc",
    "cjsc": "jsc",
    "pjsc": "jsc",
    "oao": "jsc",
    "zao": "jsc",
    "pao": "jsc",
    "ao": "jsc",
    "jscb": "jsc",
    "joint stock company": "jsc",
    "open joint stock company": "jsc",
    "closed joint stock company": "jsc",
    "public joint stock company": "jsc",
    "joint stock co": "jsc",
    "jt stock co": "jsc",
    "open jsc": "jsc",
    "closed jsc": "jsc",
    "public jsc": "jsc",
    "kabushiki kaisha": "kk",
    "kabushikigaisha": "kk",
    "kabushiki gaisha": "kk",
    "kk": "kk",
    "yugen kaisha": "kk",
    "godo kaisha": "kk",
    # limited (Commonwealth, HK, China)
    "ltd": "ltd",
    "limited": "ltd",
    "co ltd": "ltd",
    "company limited": "ltd",
    "pvt ltd": "ltd",
    "pvt": "ltd",
    "private limited": "ltd",
    "pte ltd": "ltd",
    "pte": "ltd",
    "pty ltd": "ltd",
    "pty": "ltd",
    "proprietary limited": "ltd",
    "sdn bhd": "ltd",
    "bhd": "ltd",
    "berhad": "ltd",
    "private": "ltd",
    "plc": "plc",
    "public limited company": "plc",
    # continental Europe
    "gmbh": "gmbh",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "mbh": "gmbh",
    "gmbh and co kg": "gmbh",
    "kg": "kg",
    "ag": "ag",
    "aktiengesellschaft": "ag",
    "sa": "sa",
    "s a": "sa",
    "sal": "sal",
    "s a l": "sal",
    "sarl": "sarl",
    "s a r l": "sarl",
    "srl": "srl",
    "s r l": "srl",
    "spa": "spa",
    "s p a": "spa",
    "sas": "sa",
    "bv": "bv",
    "b v": "bv",
    "nv": "nv",
    "n v": "nv",
    "oy": "oy",
    "oyj": "oy",
    "ab": "ab",
    "as": "as",
    "asa": "as",
    "a s": "as",
    "sro": "sro",
    "s r o": "sro",
    "doo": "doo",
    "d o o": "doo",
    "ad": "ad",
    # Gulf free zones
    "fze": "fze",
    "fzco": "fzco",
    "fzc": "fzco",
    "fz co": "fzco",
    "fz": "fze",
    "est": "est",
    "establishment": "est",
    "wll": "wll",
    "w l l": "wll",
    # weak: say "a firm" without saying which kind
    "co": "co",
    "company": "co",
    "corp": "co",
    "corporation": "co",
    "inc": "co",
    "incorporated": "co",
    "cie": "co",
    "lp": "co",
    "l p": "co",
}
for _prefix in ("", "open ", "closed ", "public ", "private ", "non public "):
    for _core in ("joint stock company", "joint stock co", "joint stock", "jsc"):
        LEGAL_FORMS.setdefault(_prefix + _core, "jsc")
for _form in ("co ltd", "company ltd", "co limited", "co pvt ltd", "pvt limited", "pte limited"):
    LEGAL_FORMS.setdefault(_form, "ltd")
# Legal-form words recognised with one typing slip ("Compnay", "Limitde", "Corporatoin").
FUZZY_LEGAL_WORDS = (
    "company",
    "limited",
    "corporation",
    "incorporated",
    "establishment",
    "aktiengesellschaft",
    "private",
    "proprietary",
)
# Words that are one slip from a legal-form word but are words of their own.
NOT_LEGAL_WORDS = frozenset({"cooperation", "compact", "limites", "privates", "compass"})
# Legal-form tokens removed wherever they stand (a party may write the form first, last or, after
# reordering the words, in the middle); unambiguous ones only ("as", "sa", "ag" stay words there).
INTERIOR_LEGAL_FORMS = frozenset(
    """
    ltd limited llc jsc ojsc cjsc pjsc gmbh fze fzco fzc fzllc plc inc incorporated corp
    corporation co company llp pvt pte pty bhd ooo zao oao pao kk
    """.split()  # noqa: SIM905 - a word block reads better than a list literal
)
# Legal forms that may be written glued to the last word ("SiemensAG"), and long legal-form words
# that are recognised even when misspelt by up to two letters.
GLUED_LEGAL_SUFFIXES = (
    "gmbh",
    "llc",
    "ltd",
    "ojsc",
    "pjsc",
    "cjsc",
    "jsc",
    "fzco",
    "fze",
    "plc",
    "ag",
)
LONG_LEGAL_WORDS = ("aktiengesellschaft", "incorporated", "corporation", "establishment")
WEAK_LEGAL_CLASSES = frozenset({"co", "ltd"})
# Multi-word legal forms, as sets of words: "Joint Stock Company", "Co., Ltd." are the legal form
# wherever their words land once a party has written the name's words in another order ("Company
# Aviadvigatel Joint Stock"). Only forms whose every word is two letters or more (single letters
# are initials of a name: "S and C").
LEGAL_WORD_SETS: tuple[tuple[frozenset[str], str], ...] = tuple(
    sorted(
        (
            (frozenset(key.split()), cls)
            for key, cls in LEGAL_FORMS.items()
            if " " in key and all(len(w) >= 2 for w in key.split())
        ),
        key=lambda item: -len(item[0]),
    )
)
LEGAL_SET_WORDS = frozenset(w for words, _ in LEGAL_WORD_SETS for w in words)
# One-word legal forms that are also words or syllables of names: where the words are reordered,
# one of these in the middle of a name stays a word ("Banco Sa Nostra", "Mohammad Ag Ali").
AMBIGUOUS_LEGAL_WORDS = frozenset(
    {"as", "sa", "ag", "ad", "ab", "oy", "est", "private", "spa", "sal", "sas", "lp", "kg", "fz"}
)
MAX_LEGAL_FORM_TOKENS = max(len(k.split()) for k in LEGAL_FORMS)

# Legal forms written in CJK, removed before bigrams are taken (after simplified folding).
CJK_LEGAL_FORMS: dict[str, str] = {
    "股份有限公司": "jsc",
    "有限责任公司": "llc",
    "有限公司": "ltd",
    "株式会社": "kk",
    "有限会社": "kk",
    "合同会社": "kk",
    "合资会社": "kk",
    "合名会社": "kk",
    "公司": "co",
    "会社": "co",
    "股份公司": "jsc",
    "集团有限公司": "ltd",
}

STOP_WORDS = frozenset({"of", "the", "and", "for", "und", "et", "aka", "fka", "nka"})

# Titles and honorifics in front of a name: not part of the name.
TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "president",
        "prasident",
        "monsieur",
        "madame",
        "mme",
        "herr",
        "frau",
        "sir",
        "lord",
        "hon",
        "mister",
    }
)

# Name particles: real tokens, but weak evidence on their own.
PARTICLES = frozenset(
    {
        "al",
        "el",
        "ul",
        "bin",
        "ibn",
        "bint",
        "abu",
        "abd",
        "abdul",
        "abdel",
        "de",
        "da",
        "di",
        "del",
        "della",
        "van",
        "von",
        "den",
        "la",
        "bte",
        "binti",
        "ben",
        "ould",
        "mc",
        "st",
    }
)

# Words that describe what kind of organisation it is; common across lists whatever the IDF of a
# small list says.
GENERIC_WORDS = frozenset(
    """
    academy agency aircraft airline airlines association authority bank bureau center central
    chemical chemicals commercial committee complex construction consulting council defense
    department design development directorate division electronic electronics energy engineering
    enterprise enterprises equipment establishment export exports factory federal foundation general
    global group holding holdings import industrial industries industry information institute
    institution international investment laboratory logistics machine machinery management
    manufacturing marine materials metallurgy military ministry national office organization
    plant power production products project projects public republic research resources science
    sciences scientific service services shipping shipyard solutions state station supply systems
    team technical technologies technology trade trading transport union university works
    """.split()  # noqa: SIM905 - a word block reads better than a list literal
)

# Places: in a company name they qualify ("Deutsche Bank (Schweiz)", "… Hong Kong Ltd") more
# than they identify.
PLACE_WORDS = frozenset(
    """
    afghanistan america american asia asian beijing belarus brazil britain british canada chile
    china chinese dubai egypt emirates europe european france french german germany hk hong india
    indian iran iranian iraq israel italy japan japanese kong korea korean lebanon london malaysia
    mexico moscow netherlands pakistan russia russian saudi shanghai shenzhen singapore spain
    switzerland schweiz syria taiwan tehran thailand turkey uae uk ukraine usa vietnam yemen
    """.split()  # noqa: SIM905 - a word block reads better than a list literal
)

# Abbreviations and spelling variants, folded to one spelling.
ABBREVIATIONS: dict[str, str] = {
    "univ": "university",
    "uni": "university",
    "tech": "technology",
    "techn": "technology",
    "technol": "technology",
    "inst": "institute",
    "intl": "international",
    "int": "international",
    "natl": "national",
    "nat": "national",
    "eng": "engineering",
    "engg": "engineering",
    "engr": "engineering",
    "ind": "industries",
    "inds": "industries",
    "indus": "industries",
    "mfg": "manufacturing",
    "dept": "department",
    "assn": "association",
    "assoc": "association",
    "acad": "academy",
    "sci": "science",
    "res": "research",
    "dev": "development",
    "devt": "development",
    "govt": "government",
    "gov": "government",
    "ctr": "center",
    "cntr": "center",
    "lab": "laboratory",
    "labs": "laboratory",
    "mgmt": "management",
    "svc": "service",
    "svcs": "services",
    "sys": "systems",
    "elec": "electronics",
    "chem": "chemical",
    "mach": "machinery",
    "org": "organization",
    "orgn": "organization",
    "bros": "brothers",
    "hldgs": "holdings",
    "mt": "mount",
    "organisation": "organization",
    "centre": "center",
    "defence": "defense",
    "programme": "program",
    "labour": "labor",
    "aluminium": "aluminum",
    "co-operation": "cooperation",
    "colour": "color",
    "mohammad": "muhammad",
    "mohammed": "muhammad",
    "mohamed": "muhammad",
    "mohamad": "muhammad",
    "muhammed": "muhammad",
    "mohamud": "muhammad",
    # more abbreviations of organisation words, as exporters write them
    "internat": "international",
    "manuf": "manufacturing",
    "mfr": "manufacturing",
    "mfrs": "manufacturing",
    "mfring": "manufacturing",
    "engrg": "engineering",
    "engng": "engineering",
    "instit": "institute",
    "institut": "institute",
    "univers": "university",
    "tecnologia": "technology",
    "technolog": "technology",
    "ents": "enterprises",
    "entp": "enterprise",
    "equip": "equipment",
    "electr": "electronics",
    "elecs": "electronics",
    "comm": "communications",
    "commun": "communications",
    "telecom": "telecommunications",
    "prod": "products",
    "prods": "products",
    "chems": "chemicals",
    "pharm": "pharmaceutical",
    "pharma": "pharmaceutical",
    "trdg": "trading",
    "invest": "investment",
    "mgt": "management",
    "ctre": "center",
    "hq": "headquarters",
}

# Number words, so "Fourteenth" and "14th" and "14" agree.
NUMBER_WORDS: dict[str, str] = {
    w: str(i)
    for i, ws in enumerate(
        [
            (),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
            ("thirteen", "thirteenth"),
            ("fourteen", "fourteenth"),
            ("fifteen", "fifteenth"),
            ("sixteen", "sixteenth"),
            ("seventeen", "seventeenth"),
            ("eighteen", "eighteenth"),
            ("nineteen", "nineteenth"),
            ("twenty", "twentieth"),
        ]
        + [()] * 9
        + [("thirty", "thirtieth")]
        + [()] * 9
        + [("forty", "fortieth", "fourty")]
        + [()] * 9
        + [("fifty", "fiftieth")]
    )
    for w in ws
}

# Roman numerals of series names ("Fund III"); the single letters i, v, x stay initials.
ROMAN_NUMERALS: dict[str, str] = {
    r: str(i)
    for i, r in enumerate(
        "- - ii iii iv - vi vii viii ix - xi xii xiii xiv xv xvi xvii xviii xix xx".split()  # noqa: SIM905
    )
    if r != "-"
}

# Common given-name short forms (nickname → formal), applied as an alternative token reading.
NICKNAMES: dict[str, str] = {
    "ben": "benjamin",
    "ted": "theodore",
    "bill": "william",
    "bob": "robert",
    "jim": "james",
    "mike": "michael",
    "alex": "alexander",
    "sasha": "alexander",
    "tony": "anthony",
    "dick": "richard",
    "rick": "richard",
    "tom": "thomas",
    "joe": "joseph",
    "dave": "david",
    "dan": "daniel",
    "sam": "samuel",
    "vlad": "vladimir",
    "kate": "katherine",
    "liz": "elizabeth",
    "nick": "nicholas",
    "chris": "christopher",
    "steve": "stephen",
    "andy": "andrew",
    "pete": "peter",
    "misha": "mikhail",
    "kolya": "nikolai",
    "dima": "dmitry",
    "vova": "vladimir",
    "seryozha": "sergey",
    "bibi": "benjamin",
    "jack": "john",
    "hank": "henry",
    "matt": "matthew",
    "greg": "gregory",
}

# Kanji words commonly used in Japanese renderings of foreign organisation names, with the English
# word they translate. Lets "全ロシア無線技術研究所" meet "Radio Engineering Research Institute".
KANJI_GLOSSARY: dict[str, str] = {
    "中国": "china",
    "工程": "engineering",
    "北朝鮮": "north korea",
    "朝鮮": "korea",
    "ロシア": "russia",
    "研究所": "institute research",
    "研究院": "academy research",
    "研究": "research",
    "技術": "technology engineering",
    "工学": "engineering",
    "工科": "technology",
    "大学": "university",
    "銀行": "bank",
    "無線": "radio",
    "輸出": "export",
    "輸入": "import",
    "公社": "corporation",
    "国立": "national",
    "国家": "state",
    "国営": "state",
    "科学": "science sciences scientific",
    "工場": "plant factory works",
    "設計": "design",
    "局": "bureau",
    "航空": "aviation aircraft",
    "宇宙": "space",
    "電子": "electronics electronic",
    "機械": "machinery machine",
    "製造": "manufacturing",
    "工業": "industrial industries industry",
    "産業": "industries industrial",
    "中央": "central",
    "連邦": "federal",
    "統一": "united",
    "貿易": "trading trade",
    "総局": "directorate",
    "省": "ministry",
    "国防": "defense",
    "情報": "information intelligence",
    "通信": "communications",
    "計器": "instrument",
    "原子力": "nuclear atomic",
    "造船": "shipbuilding",
    "造船所": "shipyard",
    "化学": "chemical",
    "物理": "physics",
    "開発": "development",
    "建設": "construction",
    "鉄道": "railway",
    "石油": "oil petroleum",
    "複合": "complex",
    "企業": "enterprise",
    "会社": "company",
    "全": "all",
    "機器": "equipment",
    "装置": "equipment",
    "材料": "materials",
    "機材": "equipment",
    "協会": "association",
    "委員会": "committee",
    "部": "department",
    "軍": "army military",
    "海軍": "navy naval",
    "空軍": "air force",
    "陸軍": "army",
    "グループ": "group",
    "ホールディングス": "holdings",
    "センター": "center",
    "基金": "foundation",
    "財団": "foundation",
    "名称": "named",
    "記念": "named",
    "計算": "computing",
    "光学": "optics",
    "精密": "precision",
    "電力": "power",
    "エネルギー": "energy",
    "海運": "shipping",
    "船舶": "shipping",
    "商事": "trading",
    "商社": "trading",
    "輸送": "transport",
    "運輸": "transport",
    "集団": "group",
    "集団公社": "group corporation",
    "組織": "organization",
    "機関": "agency",
    "庁": "agency",
    "事務所": "office",
    "図書館": "library",
    "病院": "hospital",
}
