"""The real lists the matching tests search, built once per session (read-only: a search only
fills caches that depend on the index alone)."""

import pytest

from screening.matching import ListIndex
from screening.matching.bench import data


@pytest.fixture(scope="session")
def eul_rows():
    """METI's End User List (the 2025-09-29 revision in partners/data), one row per name."""
    rows, _ = data.eul_names()
    return rows


@pytest.fixture(scope="session")
def eul_index(eul_rows) -> ListIndex:
    return ListIndex.build(eul_rows, version="2025-09-29")


@pytest.fixture(scope="session")
def lists_index(eul_rows) -> ListIndex:
    """The End User List and the OFAC SDN list in one index, as the variant benchmark's."""
    ofac, _ = data.ofac_names()
    return ListIndex.build(eul_rows + ofac)
