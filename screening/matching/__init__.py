"""Name matching for export-control screening: normalise, index, score, explain.

Pure Python (no Django): ``ListIndex.build([...ListedName...])`` once per list version, then
``index.search(party_name, country=...)``. Hits at or above ``index.alert_threshold`` are raised
for review.
"""

from .index import ALERT_THRESHOLD, Hit, ListedName, ListIndex
from .normalise import NameForm, analyse_name

__all__ = ["ALERT_THRESHOLD", "Hit", "ListIndex", "ListedName", "NameForm", "analyse_name"]
