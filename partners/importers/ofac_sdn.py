"""The US Treasury OFAC SDN list in its legacy CSV layout (an advisory source).

A directory holds three header-less CSV files; ``-0-`` (with stray spaces) means empty, and the
files end with a DOS end-of-file byte (0x1A):

* ``sdn.csv`` — ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks;
* ``alt.csv`` — ent_num, alt_num, alt_type (aka/fka/nka), alt_name, alt_remarks;
* ``add.csv`` — ent_num, add_num, address, city/state/postal code, country, add_remarks.

The entry's country is the country of its first address (lowest add_num) whose country name is in
``COUNTRIES``; all address countries are kept in ``details["countries"]``. Country names not in
the table (e.g. "undetermined", "Region: Kafia Kingi") leave the country empty — for an advisory
list that is not an error, unlike on the End User List.
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from .base import MAX_FILE_BYTES, ParsedEntry, ParseResult, Problem, clean_text, dedupe

SDN_FIELDS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_FIELDS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_FIELDS = ("ent_num", "add_num", "address", "city", "country", "add_remarks")

#: The SDN list is larger than the End User List; rows per file beyond this are refused.
MAX_CSV_ROWS = 200_000

KINDS = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}

#: OFAC's country names (as in add.csv) and their ISO 3166 codes.
COUNTRIES: dict[str, str] = {
    "Afghanistan": "AF",
    "Albania": "AL",
    "Algeria": "DZ",
    "Angola": "AO",
    "Argentina": "AR",
    "Armenia": "AM",
    "Aruba": "AW",
    "Australia": "AU",
    "Austria": "AT",
    "Azerbaijan": "AZ",
    "Bahamas, The": "BS",
    "Bahrain": "BH",
    "Bangladesh": "BD",
    "Barbados": "BB",
    "Belarus": "BY",
    "Belgium": "BE",
    "Belize": "BZ",
    "Benin": "BJ",
    "Bolivia": "BO",
    "Bosnia and Herzegovina": "BA",
    "Brazil": "BR",
    "Brunei": "BN",
    "Bulgaria": "BG",
    "Burkina Faso": "BF",
    "Burma": "MM",
    "Burundi": "BI",
    "Cambodia": "KH",
    "Canada": "CA",
    "Cayman Islands": "KY",
    "Central African Republic": "CF",
    "Chile": "CL",
    "China": "CN",
    "Colombia": "CO",
    "Comoros": "KM",
    "Congo, Democratic Republic of the": "CD",
    "Congo, Republic of the": "CG",
    "Costa Rica": "CR",
    "Cote d Ivoire": "CI",
    "Croatia": "HR",
    "Cuba": "CU",
    "Cyprus": "CY",
    "Czech Republic": "CZ",
    "Denmark": "DK",
    "Dominica": "DM",
    "Dominican Republic": "DO",
    "Ecuador": "EC",
    "Egypt": "EG",
    "El Salvador": "SV",
    "Equatorial Guinea": "GQ",
    "Eritrea": "ER",
    "Ethiopia": "ET",
    "Finland": "FI",
    "France": "FR",
    "Georgia": "GE",
    "Germany": "DE",
    "Ghana": "GH",
    "Gibraltar": "GI",
    "Greece": "GR",
    "Guatemala": "GT",
    "Guyana": "GY",
    "Haiti": "HT",
    "Honduras": "HN",
    "Hong Kong": "HK",
    "India": "IN",
    "Indonesia": "ID",
    "Iran": "IR",
    "Iraq": "IQ",
    "Ireland": "IE",
    "Israel": "IL",
    "Italy": "IT",
    "Jamaica": "JM",
    "Japan": "JP",
    "Jersey": "JE",
    "Jordan": "JO",
    "Kazakhstan": "KZ",
    "Kenya": "KE",
    "Korea, North": "KP",
    "Korea, South": "KR",
    "Kosovo": "XK",
    "Kuwait": "KW",
    "Kyrgyzstan": "KG",
    "Laos": "LA",
    "Latvia": "LV",
    "Lebanon": "LB",
    "Liberia": "LR",
    "Libya": "LY",
    "Liechtenstein": "LI",
    "Luxembourg": "LU",
    "Macau": "MO",
    "Malaysia": "MY",
    "Maldives": "MV",
    "Mali": "ML",
    "Malta": "MT",
    "Marshall Islands": "MH",
    "Mauritania": "MR",
    "Mexico": "MX",
    "Moldova": "MD",
    "Mongolia": "MN",
    "Montenegro": "ME",
    "Morocco": "MA",
    "Mozambique": "MZ",
    "Namibia": "NA",
    "Netherlands": "NL",
    "Netherlands Antilles": "AN",
    "New Zealand": "NZ",
    "Nicaragua": "NI",
    "Niger": "NE",
    "Nigeria": "NG",
    "Norway": "NO",
    "Oman": "OM",
    "Pakistan": "PK",
    "Palau": "PW",
    "Palestinian": "PS",
    "Panama": "PA",
    "Paraguay": "PY",
    "Peru": "PE",
    "Philippines": "PH",
    "Poland": "PL",
    "Qatar": "QA",
    "Region: Crimea": "UA",
    "Region: Gaza": "PS",
    "Region: Northern Mali": "ML",
    "Romania": "RO",
    "Russia": "RU",
    "Rwanda": "RW",
    "Saint Kitts and Nevis": "KN",
    "Saint Vincent and the Grenadines": "VC",
    "Samoa": "WS",
    "Saudi Arabia": "SA",
    "Senegal": "SN",
    "Serbia": "RS",
    "Seychelles": "SC",
    "Sierra Leone": "SL",
    "Singapore": "SG",
    "Slovakia": "SK",
    "Slovenia": "SI",
    "Somalia": "SO",
    "South Africa": "ZA",
    "South Sudan": "SS",
    "Spain": "ES",
    "Sri Lanka": "LK",
    "Sudan": "SD",
    "Sweden": "SE",
    "Switzerland": "CH",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tajikistan": "TJ",
    "Tanzania": "TZ",
    "Thailand": "TH",
    "The Gambia": "GM",
    "Trinidad and Tobago": "TT",
    "Tunisia": "TN",
    "Turkey": "TR",
    "Turkmenistan": "TM",
    "Uganda": "UG",
    "Ukraine": "UA",
    "United Arab Emirates": "AE",
    "United Kingdom": "GB",
    "United States": "US",
    "Uruguay": "UY",
    "Uzbekistan": "UZ",
    "Vanuatu": "VU",
    "Venezuela": "VE",
    "Vietnam": "VN",
    "Virgin Islands, British": "VG",
    "West Bank": "PS",
    "Yemen": "YE",
    "Zimbabwe": "ZW",
}
_COUNTRY_KEYS = {name.casefold(): code for name, code in COUNTRIES.items()}


def _value(raw: str) -> str:
    text = clean_text(raw)
    return "" if text == "-0-" else text


def _read_csv(
    directory: Path, file_name: str, fields: tuple[str, ...], result: ParseResult
) -> list[tuple[int, dict[str, str]]] | None:
    """The rows of one file as (line number, {field: value}); ``None`` when the file is unusable.
    Rows of the wrong width are problems and left out."""
    path = directory / file_name
    try:
        size = path.stat().st_size
    except OSError:
        result.problems.append(Problem(None, file_name, f"{file_name} is missing"))
        return None
    if size > MAX_FILE_BYTES:
        result.problems.append(
            Problem(
                None,
                file_name,
                f"{file_name} is {size:,} bytes; files over {MAX_FILE_BYTES // 2**20} MB are refused",
            )
        )
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # OFAC's legacy files are Windows-1252
    text = text.replace("\x1a", "")  # the DOS end-of-file marker
    rows: list[tuple[int, dict[str, str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for raw in reader:
            line = reader.line_num
            if not raw or all(not cell.strip() for cell in raw):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                result.problems.append(
                    Problem(
                        line, file_name, f"{file_name} has more than {MAX_CSV_ROWS:,} rows; refused"
                    )
                )
                return None
            if len(raw) != len(fields):
                result.problems.append(
                    Problem(
                        line,
                        file_name,
                        f"{file_name}: expected {len(fields)} fields, found {len(raw)}",
                    )
                )
                continue
            rows.append((line, {f: _value(v) for f, v in zip(fields, raw, strict=True)}))
    except csv.Error as exc:
        result.problems.append(Problem(reader.line_num, file_name, f"{file_name}: {exc}"))
        return None
    return rows


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def parse_directory(path: str | os.PathLike[str]) -> ParseResult:
    """Parse ``sdn.csv`` with its ``alt.csv`` and ``add.csv``. Every problem is reported; the
    entries must not be used when there is one."""
    result = ParseResult()
    directory = Path(path)
    if not directory.is_dir():
        result.problems.append(Problem(None, None, f"{directory} is not a directory"))
        return result
    sdn = _read_csv(directory, "sdn.csv", SDN_FIELDS, result)
    alt = _read_csv(directory, "alt.csv", ALT_FIELDS, result)
    add = _read_csv(directory, "add.csv", ADD_FIELDS, result)
    if sdn is None or alt is None or add is None:
        return result

    entries: dict[int, dict[str, Any]] = {}
    first_line: dict[int, int] = {}
    for line, row in sdn:
        number = _int(row["ent_num"])
        if number is None or number < 1:
            result.problems.append(
                Problem(
                    line, "sdn.csv:ent_num", f"the entry number {row['ent_num']!r} is not a number"
                )
            )
            continue
        if number in first_line:
            result.problems.append(
                Problem(
                    line,
                    "sdn.csv:ent_num",
                    f"entry number {number} is used twice (first on line {first_line[number]})",
                )
            )
            continue
        if not row["SDN_Name"]:
            result.problems.append(Problem(line, "sdn.csv:SDN_Name", "the name is empty"))
            continue
        first_line[number] = line
        entries[number] = row

    aliases: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for line, row in alt:
        number = _int(row["ent_num"])
        if number is None or number not in first_line:
            result.problems.append(
                Problem(line, "alt.csv:ent_num", f"alias of unknown entry {row['ent_num']!r}")
            )
            continue
        if not row["alt_name"]:
            result.problems.append(Problem(line, "alt.csv:alt_name", "the alias is empty"))
            continue
        aliases[number].append((_int(row["alt_num"]) or 0, row["alt_type"], row["alt_name"]))

    addresses: dict[int, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for line, row in add:
        number = _int(row["ent_num"])
        if number is None or number not in first_line:
            result.problems.append(
                Problem(line, "add.csv:ent_num", f"address of unknown entry {row['ent_num']!r}")
            )
            continue
        addresses[number].append((_int(row["add_num"]) or 0, row))

    for number, row in entries.items():
        result.entries.append(_entry(number, row, aliases[number], addresses[number]))
    result.entries.sort(key=lambda e: e.number)
    return result


def _entry(
    number: int,
    row: dict[str, str],
    alts: list[tuple[int, str, str]],
    adds: list[tuple[int, dict[str, str]]],
) -> ParsedEntry:
    alts.sort(key=lambda a: a[0])
    adds.sort(key=lambda a: a[0])
    country, country_label = "", ""
    countries: list[str] = []
    address_list = []
    for _, add in adds:
        label = add["country"]
        code = _COUNTRY_KEYS.get(label.casefold(), "") if label else ""
        if code and not country:
            country, country_label = code, label
        if code and code not in countries:
            countries.append(code)
        address = {k: add[k] for k in ("address", "city", "country", "add_remarks") if add[k]}
        if address:
            address_list.append(address)
    if not country_label:
        country_label = next((a["country"] for _, a in adds if a["country"]), "")

    details: dict[str, Any] = {
        "programs": [p for p in (s.strip() for s in row["Program"].split("] [")) if p],
    }
    for key, field_name in (
        ("title", "Title"),
        ("call_sign", "Call_Sign"),
        ("vessel_type", "Vess_type"),
        ("tonnage", "Tonnage"),
        ("grt", "GRT"),
        ("vessel_flag", "Vess_flag"),
        ("vessel_owner", "Vess_owner"),
        ("remarks", "Remarks"),
    ):
        if row[field_name]:
            details[key] = row[field_name]
    if countries:
        details["countries"] = countries
    if address_list:
        details["addresses"] = address_list
    former = [name for _, kind, name in alts if kind.lower() == "fka"]
    if former:
        details["formerly_known_as"] = former

    return ParsedEntry(
        number=number,
        kind=KINDS.get(row["SDN_Type"].lower(), "organization"),
        country=country,
        country_label=country_label,
        name=row["SDN_Name"],
        local_name="",
        aliases=dedupe([name for _, _, name in alts]),
        concern_codes=[],
        conventional_weapons=False,
        details=details,
    )
