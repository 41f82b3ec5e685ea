"""Reads of list versions: the published version of a source and the difference between two
versions of a list."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models

from partners.models import (
    KeyTechnology,
    ListedEntry,
    ListVersion,
    ListVersionStatus,
    MeasureRow,
    MeasureTableVersion,
)

#: The fields compared between two matched entries, in the order they are reported.
DIFF_FIELDS: tuple[str, ...] = (
    "name",
    "local_name",
    "aliases",
    "concern_codes",
    "conventional_weapons",
    "country",
)


def published_version(source_code: str) -> ListVersion | None:
    """The version of ``source_code`` now in force, or ``None`` before the first publication."""
    return (
        ListVersion.objects.select_related("source")
        .filter(source__code=source_code, status=ListVersionStatus.PUBLISHED)
        .first()
    )


def in_force_versions(sources: models.Q, on: datetime.date | None = None) -> dict[str, ListVersion]:
    """The revision that screening uses on ``on`` (today by default) of each source that
    ``sources`` (a condition on ``ListVersion``) selects, by source code, in one query: of the
    published and superseded revisions whose date of application has come (or that state none),
    the one published here last. A revision published with a later ``applies from`` date leaves
    the one before it in use until that date."""
    from django.utils import timezone

    on = on or timezone.localdate()
    chosen: dict[str, ListVersion] = {}
    for version in _in_force_candidates(sources, on).select_related("source"):
        chosen.setdefault(version.source.code, version)
    return chosen


def _in_force_candidates(sources: models.Q, on: datetime.date) -> models.QuerySet[ListVersion]:
    """Each source's revisions that may be in force on ``on``, the one in force first."""
    return (
        ListVersion.objects.filter(sources)
        .filter(
            status__in=(ListVersionStatus.PUBLISHED, ListVersionStatus.SUPERSEDED),
            published_at__isnull=False,
        )
        .filter(models.Q(effective_from__isnull=True) | models.Q(effective_from__lte=on))
        .order_by("source__code", "-published_at", "-pk")
    )


def in_force_version(source_code: str, on: datetime.date | None = None) -> ListVersion | None:
    """The revision of ``source_code`` that screening uses on ``on`` (``in_force_versions``)."""
    return in_force_versions(models.Q(source__code=source_code), on).get(source_code)


def in_force_version_id(source_code: str, on: datetime.date | None = None) -> int | None:
    """The primary key of ``in_force_version(source_code, on)``, read with SQL compiled once per
    source and day (``exportctl.compiled``): the screening worker's stale-run guard asks it
    under every case's lock."""
    from django.utils import timezone

    from exportctl import compiled

    on = on or timezone.localdate()
    found = compiled.rows(
        ("partners.in_force_version_id", source_code, on),
        lambda: _in_force_candidates(models.Q(source__code=source_code), on).values_list("pk")[:1],
    )
    return found[0][0] if found else None


def list_versions(source_code: str | None = None) -> models.QuerySet[ListVersion]:
    qs = ListVersion.objects.select_related("source", "imported_by", "published_by")
    if source_code:
        qs = qs.filter(source__code=source_code)
    return qs.order_by("source__code", "-created_at", "-pk")


# --- diff -------------------------------------------------------------------------------------


class EntryLike(Protocol):
    number: int
    country: str
    name: str
    local_name: str
    aliases: list[str]
    concern_codes: list[str]
    conventional_weapons: bool


@dataclass(frozen=True)
class EntryChange:
    old: EntryLike
    new: EntryLike
    #: The names of the fields that differ, a subset of ``DIFF_FIELDS`` in that order.
    fields: tuple[str, ...]
    #: How the two entries were paired: "name", "name-any-country" or "alias".
    matched_by: str


@dataclass
class ListDiff:
    added: list[EntryLike] = field(default_factory=list)
    removed: list[EntryLike] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    unchanged_count: int = 0

    @property
    def added_count(self) -> int:
        return len(self.added)

    @property
    def removed_count(self) -> int:
        return len(self.removed)

    @property
    def changed_count(self) -> int:
        return len(self.changed)

    @property
    def net_change(self) -> int:
        return self.added_count - self.removed_count

    def changed_field_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(DIFF_FIELDS, 0)
        for change in self.changed:
            for name in change.fields:
                counts[name] += 1
        return counts

    def summary(self) -> dict[str, int]:
        return {
            "added": self.added_count,
            "removed": self.removed_count,
            "changed": self.changed_count,
            "unchanged": self.unchanged_count,
            "net": self.net_change,
        }


_KEY_DROP_RE = re.compile(r"[^\w]+")


def identity_key(text: str) -> str:
    """The form two names must share to be "the same" across revisions: NFKC, casefolded, every
    run of punctuation and spaces removed. "Delta Engineering Concern FZE （DEC）" and
    "Delta Engineering Concern FZE (DEC)" share a key; so do "Rosoboronexport OJSC(ROE)" and
    "ROSOBORONEXPORT OJSC (ROE)". Spelling changes do not — those fall to the alias pass."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _KEY_DROP_RE.sub("", folded.replace("_", ""))


def _all_keys(entry: EntryLike) -> set[str]:
    names = [entry.name, entry.local_name, *entry.aliases]
    return {k for k in (identity_key(n) for n in names if n) if k}


def _pair_unique(
    old: Sequence[EntryLike],
    new: Sequence[EntryLike],
    keys: Callable[[EntryLike], Iterable[tuple[str, ...]]],
) -> list[tuple[EntryLike, EntryLike]]:
    """Pair entries that share a key which points to exactly one entry on each side and which
    pairs each entry with exactly one other. Anything ambiguous stays unpaired."""
    old_by_key: dict[tuple[str, ...], list[int]] = defaultdict(list)
    new_by_key: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, entry in enumerate(old):
        for key in set(keys(entry)):
            old_by_key[key].append(i)
    for j, entry in enumerate(new):
        for key in set(keys(entry)):
            new_by_key[key].append(j)
    partners_of_old: dict[int, set[int]] = defaultdict(set)
    partners_of_new: dict[int, set[int]] = defaultdict(set)
    for key, olds in old_by_key.items():
        news = new_by_key.get(key)
        if news and len(olds) == 1 and len(news) == 1:
            partners_of_old[olds[0]].add(news[0])
            partners_of_new[news[0]].add(olds[0])
    pairs = []
    for i, js in partners_of_old.items():
        if len(js) == 1:
            (j,) = js
            if partners_of_new[j] == {i}:
                pairs.append((old[i], new[j]))
    return pairs


def _comparable(name: str, value: Any) -> Any:
    """Codes and aliases are sets (their order carries no meaning); spaces inside a
    local-script name are typesetting ("有限公 司" in one revision, "有限公司" in the next)."""
    if name in ("concern_codes", "aliases"):
        return sorted(value)
    if name == "local_name":
        return "".join(value.split())
    return value


def _changed_fields(old: EntryLike, new: EntryLike) -> tuple[str, ...]:
    return tuple(
        name
        for name in DIFF_FIELDS
        if _comparable(name, getattr(old, name)) != _comparable(name, getattr(new, name))
    )


def diff_entries(old: Sequence[EntryLike], new: Sequence[EntryLike]) -> ListDiff:
    """Match the entries of two revisions and report what was added, removed and changed.

    The End User List renumbers its entries in every revision, so the number is no identity.
    Entries are paired in three passes, each over the entries still unpaired, each pairing only
    when the key is unambiguous (one entry on each side):

    1. same country and same primary name (``identity_key``);
    2. same primary name in any country — a country correction such as HK → CN;
    3. same country and a shared name among name, local-script name and aliases — a renamed
       entity whose old name became an alias, or whose alias became its name.

    Whatever remains is removed (old side) or added (new side). Each pass is one sweep with
    dicts, so the whole diff is O(n) in the number of names.
    """
    diff = ListDiff()
    rest_old, rest_new = list(old), list(new)
    passes: list[tuple[str, Callable[[EntryLike], Iterable[tuple[str, ...]]]]] = [
        ("name", lambda e: [(e.country, identity_key(e.name))]),
        ("name-any-country", lambda e: [(identity_key(e.name),)]),
        ("alias", lambda e: [(e.country, k) for k in _all_keys(e)]),
    ]
    for how, keys in passes:
        pairs = _pair_unique(rest_old, rest_new, keys)
        paired_old = {id(a) for a, _ in pairs}
        paired_new = {id(b) for _, b in pairs}
        for a, b in pairs:
            fields = _changed_fields(a, b)
            if fields:
                diff.changed.append(EntryChange(old=a, new=b, fields=fields, matched_by=how))
            else:
                diff.unchanged_count += 1
        rest_old = [e for e in rest_old if id(e) not in paired_old]
        rest_new = [e for e in rest_new if id(e) not in paired_new]
    diff.removed = sorted(rest_old, key=lambda e: e.number)
    diff.added = sorted(rest_new, key=lambda e: e.number)
    diff.changed.sort(key=lambda c: c.new.number)
    return diff


def list_version_diff(*, old: ListVersion | None, new: ListVersion) -> ListDiff:
    """The difference from ``old`` to ``new`` (two versions of the same list). With no ``old``
    (the first import of a source) every entry is added."""
    fields = [
        "number",
        "country",
        "name",
        "local_name",
        "aliases",
        "concern_codes",
        "conventional_weapons",
        "kind",
        "country_label",
    ]
    if old is not None and old.source_id != new.source_id:
        raise ValueError("a diff compares two versions of the same list source")
    new_entries: list[EntryLike] = list(
        ListedEntry.objects.filter(version=new).only(*fields).order_by("number")
    )
    if old is None:
        return ListDiff(added=new_entries)
    old_entries = list(ListedEntry.objects.filter(version=old).only(*fields).order_by("number"))
    return diff_entries(old_entries, new_entries)


# --- the Russia/Belarus measures table -----------------------------------------------------------

#: The fields compared between two rows with the same key (measure, HS prefix, applies from).
MEASURE_DIFF_FIELDS: tuple[str, ...] = (
    "category",
    "destinations",
    "description_en",
    "description_ja",
    "effective_to",
    "legal_basis",
    "confirmed",
)


def measure_table_in_force() -> MeasureTableVersion | None:
    return MeasureTableVersion.objects.filter(status=ListVersionStatus.PUBLISHED).first()


def measure_table_versions() -> models.QuerySet[MeasureTableVersion]:
    return MeasureTableVersion.objects.select_related("imported_by", "published_by").order_by(
        "-created_at", "-pk"
    )


def _measure_rows_in_force(on: datetime.date) -> models.QuerySet[MeasureRow]:
    return (
        MeasureRow.objects.filter(
            version__status=ListVersionStatus.PUBLISHED, effective_from__lte=on
        )
        .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on))
        .order_by("category", "measure", "hs_prefix", "effective_from")
    )


def measure_rows_in_force(on: datetime.date) -> list[MeasureRow]:
    """The rows of the published table that apply on ``on``: what the worker screens with."""
    return list(_measure_rows_in_force(on))


def measure_values_in_force(on: datetime.date, *fields: str) -> list[tuple]:
    """``fields`` of ``measure_rows_in_force(on)``, in the same order, read with SQL compiled once
    per day and fields (``exportctl.compiled``): the screening worker reads them every run."""
    from exportctl import compiled

    return compiled.rows(
        ("partners.measure_values_in_force", on, fields),
        lambda: _measure_rows_in_force(on).values_list(*fields),
    )


@dataclass(frozen=True)
class MeasureRowChange:
    old: MeasureRow
    new: MeasureRow
    fields: tuple[str, ...]


@dataclass
class MeasureTableDiff:
    added: list[MeasureRow] = field(default_factory=list)
    removed: list[MeasureRow] = field(default_factory=list)
    changed: list[MeasureRowChange] = field(default_factory=list)
    unchanged_count: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.unchanged_count,
        }


def _measure_key(row: MeasureRow) -> tuple:
    return (row.measure, row.hs_prefix, row.effective_from)


def measure_table_diff(
    *, old: MeasureTableVersion | None, new: MeasureTableVersion
) -> MeasureTableDiff:
    """Rows are the same row when measure, HS prefix and the date they apply from agree; any
    other field that differs is a change (e.g. a row confirmed against its notice)."""
    new_rows = {_measure_key(r): r for r in new.rows.all()}
    old_rows = {_measure_key(r): r for r in old.rows.all()} if old is not None else {}
    diff = MeasureTableDiff()
    for key in sorted(new_rows.keys() | old_rows.keys()):
        a, b = old_rows.get(key), new_rows.get(key)
        if a is None:
            diff.added.append(new_rows[key])
        elif b is None:
            diff.removed.append(a)
        else:
            changed = tuple(f for f in MEASURE_DIFF_FIELDS if getattr(a, f) != getattr(b, f))
            if changed:
                diff.changed.append(MeasureRowChange(old=a, new=b, fields=changed))
            else:
                diff.unchanged_count += 1
    return diff


def key_technologies_in_force(
    on: datetime.date | None = None,
) -> models.QuerySet[KeyTechnology]:
    """The published key-technology list (prior reporting, FEFTA Art. 55-8) in force on ``on``
    (today by default), in code order: what a prior report may name."""
    from django.utils import timezone

    on = on or timezone.localdate()
    return KeyTechnology.objects.filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=on),
        effective_from__lte=on,
    ).order_by("code")
