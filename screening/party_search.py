"""Finding cases by a party's name, in any spelling or script, without reading every party.

Writing: ``party_search_keys_store`` stores the search keys of a case's parties
(``screening.matching.search.index_keys``) when the case is first screened, in
``PartySearchKey`` rows; ``party_search_keys_recompute`` brings them all up to date in batches, writing only what
differs (the data migration, and ``manage.py recompute_party_search_keys`` after a change of the
normaliser or the lexicon).

Reading: ``party_matches`` turns the search text into weighted keys, asks the database for the
parties holding the most of them among the cases the other filters leave (one query on the
``(key, notification, party)`` index, at most ``MAX_CANDIDATES`` parties), loads those parties'
names (one query) and keeps those the engine scores at or above ``SEARCH_THRESHOLD``. Two queries
whatever the number of parties; the scoring is bounded by ``MAX_CANDIDATES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, FloatField, QuerySet, Sum, Value, When

from notifications.models import Notification, Party
from screening.matching.search import SEARCH_THRESHOLD, NameQuery, index_keys
from screening.models import PartySearchKey

#: Parties scored per search: the best-keyed ones. Far more than a page of results, and the
#: scoring of this many names stays well under a second.
MAX_CANDIDATES = 400
REBUILD_BATCH = 2000


@dataclass(frozen=True)
class PartyMatch:
    notification_id: int
    party_id: int
    name: str
    score: float


def _key_rows(parties: Iterable[tuple[int, int, str, str]]) -> list[PartySearchKey]:
    return [
        PartySearchKey(party_id=pk, notification_id=notification_id, key=key)
        for pk, notification_id, name, local_name in parties
        for key in sorted(index_keys(name, local_name))
    ]


def _party_rows(queryset: QuerySet[Party]):
    return queryset.values_list("pk", "notification_id", "name", "local_name")


def party_search_keys_store(*, notification_id: int) -> int:
    """(Re)write the search keys of one case's parties; returns the number of keys stored.

    Idempotent (a redelivered screening task rewrites the same rows). Not audited: the keys are
    an index derived from the parties, which do not change after submission.
    """
    rows = _key_rows(_party_rows(Party.objects.filter(notification_id=notification_id)))
    with transaction.atomic():
        PartySearchKey.objects.filter(notification_id=notification_id).delete()
        PartySearchKey.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass(frozen=True)
class RecomputeProgress:
    """Where a recompute stands after a batch: parties read so far (of ``total``), keys written
    and keys removed so far."""

    parties: int
    total: int
    added: int
    removed: int


def party_search_keys_recompute(
    *,
    batch_size: int = REBUILD_BATCH,
    progress: Callable[[RecomputeProgress], None] | None = None,
) -> RecomputeProgress:
    """Bring the keys of every party of every submitted case up to date with the normaliser and
    lexicon of this release, ``batch_size`` parties at a time (one transaction each, so a long
    run holds no lock for long).

    Only what differs is written: the keys a party should have and lacks are added, the keys it
    has and should not are removed, so a second run adds and removes nothing (idempotent) and a
    run interrupted half-way is finished by the next. ``progress`` is told after each batch.
    """
    parties = Party.objects.exclude(notification__status="draft").order_by("pk")
    total = parties.count()
    done = added = removed = last = 0
    while True:
        batch = list(_party_rows(parties.filter(pk__gt=last))[:batch_size])
        if not batch:
            break
        wanted = {(row.party_id, row.key): row for row in _key_rows(batch)}
        with transaction.atomic():
            stored = PartySearchKey.objects.filter(party_id__in=[row[0] for row in batch])
            have = dict(
                ((party_id, key), pk)
                for pk, party_id, key in stored.values_list("pk", "party_id", "key")
            )
            stale = [pk for pair, pk in have.items() if pair not in wanted]
            missing = [row for pair, row in wanted.items() if pair not in have]
            if stale:
                PartySearchKey.objects.filter(pk__in=stale).delete()
            PartySearchKey.objects.bulk_create(missing, batch_size=1000)
        done += len(batch)
        added += len(missing)
        removed += len(stale)
        last = batch[-1][0]
        if progress is not None:
            progress(RecomputeProgress(done, total, added, removed))
    return RecomputeProgress(done, total, added, removed)


def party_search_keys_rebuild(*, batch_size: int = REBUILD_BATCH) -> int:
    """Rewrite the keys of every party of every submitted case; returns the parties keyed."""
    return party_search_keys_recompute(batch_size=batch_size).parties


def party_matches(*, text: str, among: QuerySet[Notification]) -> list[PartyMatch]:
    """The parties of the cases in ``among`` whose name answers ``text``, best first."""
    query = NameQuery(text)
    keys = query.keys
    if not query or not keys:
        return []
    weight = Sum(
        Case(
            *(When(key=key, then=Value(w)) for key, w in keys.items()),
            default=Value(0.0),
            output_field=FloatField(),
        )
    )
    candidates = list(
        PartySearchKey.objects.filter(key__in=list(keys), notification__in=among.values("pk"))
        .values("party")
        .annotate(weight=weight)
        .order_by("-weight", "party")
        .values_list("party", flat=True)[:MAX_CANDIDATES]
    )
    if not candidates:
        return []
    matches = []
    for pk, notification_id, name, local_name in _party_rows(
        Party.objects.filter(pk__in=candidates)
    ):
        scored = [(query.score(n), n) for n in (name, local_name) if n]
        score, matched = max(scored, default=(0.0, name))
        if score >= SEARCH_THRESHOLD:
            matches.append(PartyMatch(notification_id, pk, matched, round(score, 2)))
    matches.sort(key=lambda m: (-m.score, m.party_id))
    return matches
