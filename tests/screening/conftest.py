"""The real lists the matching tests search, built once per session (read-only: a search only
fills caches that depend on the index alone)."""

import random

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


@pytest.fixture(scope="session")
def sample_queries(eul_rows):
    """``sample(per_class, negatives_per_half, listed=0)``: a fixed sample of real variant
    queries (``per_class`` of each class), ordinary people's names from both halves, and
    ``listed`` End User List names as they are written."""

    def sample(per_class: int, negatives_per_half: int, listed: int = 0) -> list[str]:
        rng = random.Random(15)  # noqa: S311 (a fixed sample, not a secret)
        out = []
        for rows in data.variant_sets(eul_rows).values():
            out += [q for q, *_ in rng.sample(rows, min(per_class, len(rows)))]
        negatives = data.negative_names(negatives_per_half)
        out += negatives["tuning"] + negatives["held_out"]
        out += [ln.name for ln in rng.sample(eul_rows, listed)]
        return out

    return sample
