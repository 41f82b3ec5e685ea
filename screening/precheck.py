"""The warning before submission: which parties of a draft look like a listed entity.

The filing wizard shows it next to each party as soon as the party is saved, and again on the
review-and-submit page. It uses the worker's matching (``screening.runs.compute.party_matches``:
the same published lists, index, kind and country weighting and alert threshold), so the exporter
learns before submitting what screening will find. It informs and never blocks: the rules, the reviewer
and the lists' published entries decide, not this page.

Computed when the page is drawn, not stored. The search runs on the in-memory index of the
published lists (``index_cache``, built once per list version and process, as for the worker);
measured on the real End User List (2025-09-29, SQLite, warm index) it costs about 40 ms for one
party and about 140 ms for 20 parties, most of it the fixed look-up of the lists in force. That
is cheap enough for the two pages that show it, and the warning always reflects the lists in force
now: a list published after the party was saved is taken into account, where a stored result
would go stale and need invalidating on every publication. The notifications core stays free of
screening: only views call this.
"""

from __future__ import annotations

from collections.abc import Iterable

from notifications.models import Party
from partners.models import ListVersion
from screening.index_cache import published_lists
from screening.runs.compute import party_matches
from screening.self_check import SearchedList, SelfCheckHit, entry_views


def parties_precheck(parties: Iterable[Party]) -> dict[int, tuple[SelfCheckHit, ...]]:
    """For each party (by pk) that matches a published list entry: the matches, the End User
    List first, then by score. Parties that match nothing are left out."""
    parties = [party for party in parties if party.name.strip() or party.local_name.strip()]
    if not parties:
        return {}
    lists = published_lists()
    found = {party.pk: party_matches(party, lists) for party in parties}
    entry_ids = {int(hit.entry_id) for hits in found.values() for hit in hits}
    version_ids = {hit.lists.version_id for hits in found.values() for hit in hits}
    if not entry_ids:
        return {}
    entries = entry_views(entry_ids)
    versions = {
        v.pk: SearchedList.of(v)
        for v in ListVersion.objects.select_related("source").filter(pk__in=version_ids)
    }
    result: dict[int, tuple[SelfCheckHit, ...]] = {}
    for party_pk, hits in found.items():
        views = [
            SelfCheckHit.of(versions[hit.lists.version_id], entries[int(hit.entry_id)], hit)
            for hit in hits
            if int(hit.entry_id) in entries and hit.lists.version_id in versions
        ]
        views.sort(key=lambda h: h.order)
        if views:
            result[party_pk] = tuple(views)
    return result
