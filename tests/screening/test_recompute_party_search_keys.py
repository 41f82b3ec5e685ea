"""``manage.py recompute_party_search_keys``: the stored party-search keys are brought up to date
with the normaliser and lexicon, in batches, with progress, writing only what differs."""

import io

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Party
from notifications.workflow import Status
from screening.matching.search import index_keys
from screening.models import PartySearchKey
from tests.factories import submitted_at

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("recompute_party_search_keys", *args, stdout=out)
    return out.getvalue()


def _expected() -> set[tuple[int, str]]:
    parties = Party.objects.exclude(notification__status=Status.DRAFT)
    return {
        (party.pk, key) for party in parties for key in index_keys(party.name, party.local_name)
    }


def _stored() -> set[tuple[int, str]]:
    return set(PartySearchKey.objects.values_list("party_id", "key"))


@pytest.fixture
def cases():
    first = submitted_at(Status.UNDER_REVIEW)
    second = submitted_at(Status.UNDER_REVIEW)
    Party.objects.filter(notification=first).update(name="Sharif Univercity of Technolgy")
    Party.objects.filter(notification=second).update(name="Siam Motor Works Co., Ltd.")
    draft = submitted_at(Status.DRAFT)
    return first, second, draft


def test_keys_every_submitted_party_in_batches_with_progress(cases):
    first, second, draft = cases
    parties = Party.objects.exclude(notification__status=Status.DRAFT).count()
    assert parties >= 2

    out = _run("--batch-size", "1")

    assert _stored() == _expected()
    assert not PartySearchKey.objects.filter(notification=draft).exists()
    lines = out.strip().splitlines()
    # One progress line per batch of one party, then the summary.
    assert len(lines) == parties + 1
    assert lines[0].startswith(f"1/{parties} parties: ")
    assert lines[-2].startswith(f"{parties}/{parties} parties: ")
    assert f"{parties} parties keyed: {len(_expected())} keys added, 0 removed." in lines[-1]


def test_stale_keys_are_replaced_and_a_second_run_changes_nothing(cases):
    first, _second, _draft = cases
    _run()
    party = Party.objects.filter(notification=first).first()
    # A normaliser change: one key the new release no longer makes, one it makes and is missing.
    dropped = PartySearchKey.objects.filter(party=party, key="t:sharif").get()
    dropped.delete()
    PartySearchKey.objects.create(party=party, notification=first, key="t:sharif-old")

    out = _run("--batch-size", "2")

    assert _stored() == _expected()
    assert not PartySearchKey.objects.filter(key="t:sharif-old").exists()
    assert "1 keys added, 1 removed." in out

    rows = set(PartySearchKey.objects.values_list("pk", "party_id", "key"))
    again = _run()
    assert "0 keys added, 0 removed." in again
    # Idempotent: the second run rewrote no row (same primary keys).
    assert set(PartySearchKey.objects.values_list("pk", "party_id", "key")) == rows


def test_the_former_command_name_still_recomputes(cases):
    call_command("party_search_keys", stdout=io.StringIO())
    assert _stored() == _expected()


def test_a_batch_size_under_one_is_refused_and_writes_nothing(cases):
    PartySearchKey.objects.all().delete()
    with pytest.raises(CommandError):
        _run("--batch-size", "0")
    assert not PartySearchKey.objects.exists()
