"""One ``ListIndex`` per list version, built once per worker process.

Building an index normalises and romanises every name, which costs far more than a search, so the
worker keeps each built version in memory. A version's entries never change once published, so the
cache key is the version itself: its pk together with its ``public_id`` (a pk alone could be reused
after a rolled-back transaction, e.g. between tests on SQLite). Superseded versions fall out of the
cache when newer ones are built.

Entry ids inside the index are ``str(ListedEntry.pk)``; ``ListIndexEntry`` maps them back to the
facts the rules need without another query per hit.

A list of more than ``SHARED_INDEX_MIN_NAMES`` names (a million-name list costs tens of seconds to
build and about a gigabyte as objects) is built once, by the first process that needs it, and saved
under ``SCREENING_INDEX_DIR`` (``var/screening-index`` by default); every process then opens that
copy memory-mapped, so its arrays are shared in the page cache instead of held once per process.
"""

from __future__ import annotations

import os
import pickle
import shutil
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from partners.models import ListedEntry, ListVersion, ListVersionStatus
from screening.matching import ListedName, ListIndex

#: The End User List: the primary source, without which parties count as unscreened.
EUL_SOURCE_CODE = "meti-eul"
#: More than the published versions of all sources at once, so a re-screen never rebuilds.
MAX_CACHED_VERSIONS = 8
#: Lists with more names than this are built once and shared on disk; smaller ones (the End User
#: List: about 30,000 names, built in a second or two) are built in each process.
SHARED_INDEX_MIN_NAMES = 100_000


@dataclass(frozen=True)
class ListIndexEntry:
    pk: int
    number: int
    name: str
    country: str
    concern_codes: tuple[str, ...]
    conventional_weapons: bool
    row_hash: str


@dataclass(frozen=True)
class VersionIndex:
    version_id: int
    version_label: str
    source_code: str
    advisory: bool
    index: ListIndex
    entries: dict[str, ListIndexEntry]


_cache: OrderedDict[tuple[int, str], VersionIndex] = OrderedDict()
_lock = threading.Lock()


def _listed_names(entry: ListedEntry, source: str) -> list[ListedName]:
    common = {
        "entry_id": str(entry.pk),
        "country": entry.country or None,
        "kind": entry.kind,
        "source": source,
        "concern_codes": tuple(entry.concern_codes or ()),
    }
    names = [ListedName(name=entry.name, name_kind="primary", **common)]
    names += [
        ListedName(name=alias, name_kind="alias", **common)
        for alias in (entry.aliases or [])
        if alias and alias.strip()
    ]
    if entry.local_name.strip():
        names.append(ListedName(name=entry.local_name, name_kind="local", **common))
    return names


def build_version_index(version: ListVersion) -> VersionIndex:
    source = version.source
    names: list[ListedName] = []
    entries: dict[str, ListIndexEntry] = {}
    for entry in ListedEntry.objects.filter(version=version).order_by("number", "pk").iterator():
        names.extend(_listed_names(entry, source.code))
        entries[str(entry.pk)] = ListIndexEntry(
            pk=entry.pk,
            number=entry.number,
            name=entry.name,
            country=entry.country,
            concern_codes=tuple(sorted(entry.concern_codes or ())),
            conventional_weapons=entry.conventional_weapons,
            row_hash=entry.row_hash,
        )
    label = f"{source.code}:{version.label}"
    if len(names) > SHARED_INDEX_MIN_NAMES:
        index = _shared_index(version, names, label)
    else:
        index = ListIndex.build(names, version=label)
    return VersionIndex(
        version_id=version.pk,
        version_label=version.label,
        source_code=source.code,
        advisory=source.advisory,
        index=index,
        entries=entries,
    )


def shared_index_dir() -> Path:
    return Path(
        getattr(settings, "SCREENING_INDEX_DIR", Path(settings.VAR_DIR) / "screening-index")
    )


def _shared_index(version: ListVersion, names: list[ListedName], label: str) -> ListIndex:
    """The version's index from the shared directory, built and saved there first if no process
    has done so yet. The save goes to a private directory renamed into place, so a reader never
    sees half an index, and of two processes that build at once one copy is kept."""
    directory = shared_index_dir() / f"{version.pk}-{version.public_id}"
    if (directory / "meta.pickle").exists():
        try:
            return ListIndex.load(directory)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            shutil.rmtree(directory, ignore_errors=True)  # unreadable: built again below
    index = ListIndex.build(names, version=label)
    staging = directory.with_name(f".{directory.name}.{os.getpid()}.{uuid.uuid4().hex}")
    index.save(staging)
    try:
        staging.rename(directory)
    except OSError:  # another process put its copy in place first
        shutil.rmtree(staging, ignore_errors=True)
    return ListIndex.load(directory)


def index_for_version(version: ListVersion) -> VersionIndex:
    key = (version.pk, str(version.public_id))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    # Built outside the lock: two threads may build the same version once each, which is
    # harmless, while holding the lock would stall every other search for seconds.
    built = build_version_index(version)
    with _lock:
        _cache[key] = built
        _cache.move_to_end(key)
        while len(_cache) > MAX_CACHED_VERSIONS:
            _cache.popitem(last=False)
    return built


@dataclass(frozen=True)
class PublishedLists:
    """The versions that screening uses now: the End User List and the advisory sources."""

    eul: VersionIndex | None
    advisory: tuple[VersionIndex, ...]

    @property
    def all(self) -> tuple[VersionIndex, ...]:
        return ((self.eul,) if self.eul else ()) + self.advisory


def published_versions() -> list[ListVersion]:
    """The version in force today of the End User List and of each advisory source
    (``partners.selectors.in_force_version``): a revision published with a later date of
    application leaves the one before it in use until that date.

    Other binding sources are left out until the rules know how to weigh them.
    """
    from partners.selectors import in_force_versions

    screened = Q(source__code=EUL_SOURCE_CODE) | Q(source__advisory=True)
    codes = (
        ListVersion.objects.filter(status=ListVersionStatus.PUBLISHED)
        .filter(screened)
        .order_by("source__advisory", "source__code")
        .values_list("source__code", flat=True)
    )
    in_force = in_force_versions(screened)
    return [in_force[code] for code in codes if code in in_force]


def published_lists() -> PublishedLists:
    eul = None
    advisory = []
    for version in published_versions():
        if version.source.code == EUL_SOURCE_CODE:
            eul = index_for_version(version)
        else:
            advisory.append(index_for_version(version))
    return PublishedLists(eul=eul, advisory=tuple(advisory))


def clear() -> None:
    with _lock:
        _cache.clear()
