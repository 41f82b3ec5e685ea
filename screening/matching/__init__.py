"""Name matching for export-control screening: normalise, index, score, explain.

Python with no Django (compiled by Cython where ``make`` could build it: native.py):
``ListIndex.build([...ListedName...])`` once per list version, then
``index.search(party_name, country=...)``. Hits at or above ``index.alert_threshold`` are raised
for review.
"""

from .native import native_path

# The same modules compiled with Cython, when built from these very sources (see native.py).
_native = native_path(__path__[0])
__path__[:0] = _native
#: Whether the modules below run compiled (the benchmarks say which build they timed).
COMPILED = bool(_native)

from .index import ALERT_THRESHOLD, Hit, ListedName, ListIndex  # noqa: E402 (after __path__)
from .normalise import NameForm, analyse_name  # noqa: E402

__all__ = [
    "ALERT_THRESHOLD",
    "COMPILED",
    "Hit",
    "ListIndex",
    "ListedName",
    "NameForm",
    "analyse_name",
]
