"""The exporter's self-check: one name against the published lists, as the worker would match it.

A firm may check a business partner before it files anything. The search uses the same index and
threshold as the worker (``index_cache``, ``ALERT_THRESHOLD``), and returns the same explanation a
reviewer reads — but only of public list data: the listed entry's published fields and how the
searched name lined up with a listed name. Nothing of any notification or reviewer is involved.

Every check is audited (query, country, lists searched, number of hits) in the request that made
it: a firm probing the lists is itself information the ministry keeps. In the same transaction the
check is stored as the firm's dated record (``self_check_record``), downloadable as a signed PDF.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from exportctl import access
from exportctl.audit import trail
from partners.models import SOURCE_NAMES, ListedEntry, ListVersion
from screening.index_cache import EUL_SOURCE_CODE, index_for_version, published_versions
from screening.matching import ALERT_THRESHOLD, analyse_name
from screening.self_check_record import create_record

#: Longest name accepted (the longest party name a notification holds).
MAX_NAME_LENGTH = 300
#: Candidates asked of each list; only those at or above the alert threshold are shown.
SEARCH_LIMIT = 10
AUDIT_ACTION = "screening.self_check"

NO_MATCH, MATCH, NOT_SCREENED = "no_match", "match", "not_screened"
#: The kinds a checked name may be given (as a filed party's kind); "" when not said.
KINDS = ("person", "organization")


class SelfCheckError(ValueError):
    """The name cannot be searched (nothing left after normalisation)."""


@dataclass(frozen=True)
class SearchedList:
    source_code: str
    source_name: str
    authority: str
    advisory: bool
    version_label: str
    issued_on: datetime.date | None
    effective_from: datetime.date | None
    published_at: datetime.datetime | None

    @classmethod
    def of(cls, version: ListVersion) -> SearchedList:
        return cls(
            source_code=version.source.code,
            source_name=version.source.name,
            authority=version.source.authority,
            advisory=version.source.advisory,
            version_label=version.label,
            issued_on=version.issued_on,
            effective_from=version.effective_from,
            published_at=version.published_at,
        )

    @property
    def display_name(self) -> str:
        """The list's name in the reader's language (``source_name`` is the stored one)."""
        return str(SOURCE_NAMES.get(self.source_code, self.source_name))


@dataclass(frozen=True)
class ListedEntryView:
    """The published fields of a listed entry, exactly as the ministry (or the foreign
    authority) published them."""

    number: int
    kind: str
    country: str
    country_label: str
    name: str
    local_name: str
    aliases: tuple[str, ...]
    concern_codes: tuple[str, ...]
    conventional_weapons: bool

    @classmethod
    def of(cls, entry: ListedEntry) -> ListedEntryView:
        return cls(
            number=entry.number,
            kind=entry.kind,
            country=entry.country,
            country_label=entry.country_label,
            name=entry.name,
            local_name=entry.local_name,
            aliases=tuple(entry.aliases or ()),
            concern_codes=tuple(sorted(entry.concern_codes or ())),
            conventional_weapons=entry.conventional_weapons,
        )


@dataclass(frozen=True)
class SelfCheckHit:
    list: SearchedList
    entry: ListedEntryView
    score: float
    band: str
    matched_name: str
    name_kind: str
    explanation: dict

    @classmethod
    def of(cls, searched: SearchedList, entry: ListedEntryView, hit) -> SelfCheckHit:
        """A hit of the matching engine (``screening.matching`` ``Hit``), as a reader sees it."""
        return cls(
            list=searched,
            entry=entry,
            score=round(float(hit.score), 4),
            band=hit.explanation.get("band", ""),
            matched_name=hit.matched_name,
            name_kind=hit.explanation.get("name_kind", ""),
            explanation=hit.explanation,
        )

    @property
    def order(self) -> tuple:
        """The End User List first, then by score, then by entry number."""
        return (self.list.advisory, -self.score, self.entry.number)


@dataclass(frozen=True)
class SelfCheckResult:
    query: str
    country: str
    searched_at: datetime.datetime
    alert_threshold: float
    lists: tuple[SearchedList, ...]
    hits: tuple[SelfCheckHit, ...] = field(default=())
    #: "person", "organization", or "" when the exporter did not say.
    kind: str = ""
    #: The firm's stored record of this check (``SelfCheckRecord``), once it is written.
    record: object = None

    @property
    def eul_searched(self) -> bool:
        return any(v.source_code == EUL_SOURCE_CODE for v in self.lists)

    @property
    def outcome(self) -> str:
        if not self.eul_searched:
            return NOT_SCREENED
        return MATCH if self.hits else NO_MATCH

    @property
    def primary_hits(self) -> tuple[SelfCheckHit, ...]:
        return tuple(h for h in self.hits if not h.list.advisory)

    @property
    def advisory_hits(self) -> tuple[SelfCheckHit, ...]:
        return tuple(h for h in self.hits if h.list.advisory)


def can_self_check(user) -> bool:
    """Exporters and firm administrators of a firm; the ministry has its own tools."""
    return access.is_firm_user(user)


def is_searchable(name: str) -> bool:
    """The name has a letter or digit in some script, and the normaliser keeps something of it."""
    name = name.strip()
    return any(ch.isalnum() for ch in name) and bool(analyse_name(name))


def entry_views(pks: set[int]) -> dict[int, ListedEntryView]:
    return {entry.pk: ListedEntryView.of(entry) for entry in ListedEntry.objects.filter(pk__in=pks)}


def _search(
    name: str, country: str, kind: str = ""
) -> tuple[tuple[SearchedList, ...], list[SelfCheckHit]]:
    """The published End User List first, then the advisory lists; the best name per entry.

    ``kind`` ("person", "organization" or "" for unknown) is weighed against each entry's kind,
    as it is for a filed party."""
    lists: list[SearchedList] = []
    found = []
    for version in published_versions():
        searched = SearchedList.of(version)
        lists.append(searched)
        index = index_for_version(version).index
        for hit in index.search(
            name, country=country or None, limit=SEARCH_LIMIT, kind=kind or None
        ):
            if hit.score >= ALERT_THRESHOLD:
                found.append((searched, hit))
    entries = entry_views({int(hit.entry_id) for _, hit in found})
    hits = [
        SelfCheckHit.of(searched, entries[int(hit.entry_id)], hit)
        for searched, hit in found
        if int(hit.entry_id) in entries
    ]
    hits.sort(key=lambda h: h.order)
    return tuple(lists), hits


def self_check_run(
    *, actor, name: str, country: str = "", kind: str = "", channel: str, request=None
):
    """Search ``name`` (any script) against the published lists and audit the check.

    ``kind`` is what the exporter says the party is ("person" or "organization"), or "" when
    unknown; any other value is refused with ``ValueError``.

    ``channel`` says where the check came from ("page" or "api"). Raises ``PermissionDenied``
    for anyone but a firm's exporter or administrator and ``SelfCheckError`` for a name with
    nothing searchable in it.
    """
    if not can_self_check(actor):
        raise PermissionDenied
    name = " ".join(name.split())[:MAX_NAME_LENGTH]
    country = country.strip().upper()
    if kind not in ("", *KINDS):
        raise ValueError(f"unknown kind {kind!r}")
    if not is_searchable(name):
        raise SelfCheckError(name)
    lists, hits = _search(name, country, kind)
    result = SelfCheckResult(
        query=name,
        country=country,
        kind=kind,
        searched_at=timezone.now(),
        alert_threshold=ALERT_THRESHOLD,
        lists=lists,
        hits=tuple(hits),
    )
    with transaction.atomic():
        record = create_record(result=result, actor=actor, channel=channel)
        result = replace(result, record=record)
        trail.record(
            action=AUDIT_ACTION,
            actor=actor,
            object_type="screening.self_check",
            object_id=str(actor.firm_id),
            firm=actor.firm,
            data={
                "query": name,
                "country": country,
                "kind": kind,
                "channel": channel,
                "lists": [f"{v.source_code}:{v.version_label}" for v in lists],
                "outcome": result.outcome,
                "hits": len(hits),
                "entries": [f"{h.list.source_code}:{h.entry.number}" for h in hits],
                "record": record.number,
            },
            request=request,
        )
    return result
