"""The real files shipped with exportctl (origin, date and licence of each: ``SOURCES.md``).

Everything the product, its tests and its benchmarks read lives in this folder, so a clone stands
on its own: nothing reads outside the repository.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

#: METI's End User List, revision of 2025-09-29 (in force 2025-10-09), exactly as published.
EUL_2025_09 = DATA_DIR / "meti-eul" / "20250929_4.xlsx"
#: The previous revision, of 2025-01-31.
EUL_2025_01 = DATA_DIR / "meti-eul" / "20250131.xlsx"
#: The US Treasury's SDN list in its legacy CSV layout (2021 snapshot).
OFAC_SDN_DIR = DATA_DIR / "ofac-sdn-2021"
#: Labelled name-matching sets (OpenSanctions, Ministry of Finance).
MATCHING_DIR = DATA_DIR / "matching"
