"""The auditor finds every case: a party's name in any spelling or script (through the screening
engine's keys and scorer), any document's number, with a query count that does not grow with the
number of parties."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.auditor_selectors import NotificationSearch, notification_search
from notifications.models import Document, Notification, Party
from notifications.workflow import Status
from screening.matching.search import SEARCH_THRESHOLD, NameQuery
from screening.models import PartySearchKey
from screening.party_search import (
    party_matches,
    party_search_keys_rebuild,
    party_search_keys_store,
)
from tests.factories import ExporterFactory, PartyFactory, UserFactory, submitted_at

pytestmark = pytest.mark.django_db

MISSPELT = "Sharif Univercity of Technolgy"


def _found(client, **params) -> list[int]:
    response = client.get(reverse("audit:search"), params)
    assert response.status_code == 200
    return [n.pk for n in response.context["page"]]


@pytest.fixture
def sharif(file_case):
    """The listed university, filed under a misspelling; an unrelated case beside it."""
    wanted = file_case(party=MISSPELT)
    file_case(party="Siam Motor Works Co., Ltd.", country="TH")
    return wanted


def test_screening_a_submitted_case_stores_its_parties_search_keys(sharif):
    party = sharif.parties.get()
    keys = set(PartySearchKey.objects.filter(party=party).values_list("key", flat=True))
    assert {"t:sharif", "t:univercity", "p:UNFRST", "s:srf"} <= keys
    notifications = PartySearchKey.objects.filter(party=party).values_list("notification")
    assert set(notifications) == {(sharif.pk,)}


@pytest.mark.parametrize(
    "text",
    [
        "Sharif University",  # the listed name, against a misspelt filing
        "Sharif University of Technology",
        "sharif  univ. of tech.",
        "シャリフ工科大学",  # katakana and kanji
        "シャリフ",
    ],
)
def test_a_misspelt_party_is_found_under_the_listed_name_and_in_katakana(
    auditor_client, sharif, text
):
    assert _found(auditor_client, q=text) == [sharif.pk]


def test_the_result_names_the_party_that_answered_and_its_score(auditor_client, sharif):
    response = auditor_client.get(reverse("audit:search"), {"q": "シャリフ工科大学"})
    [notification] = response.context["page"]
    [match] = notification.party_matches
    assert match.name == MISSPELT
    assert match.score >= SEARCH_THRESHOLD
    assert MISSPELT in response.content.decode()


@pytest.mark.parametrize("text", ["Northrop Grumman", "Shahid Beheshti University", "ロッキード"])
def test_an_unrelated_name_finds_nothing(auditor_client, sharif, text):
    assert _found(auditor_client, q=text) == []


def test_a_party_filed_in_katakana_is_found_by_its_latin_name(auditor_client, file_case):
    wanted = file_case(party="Sharif Univ. Tech.", local_name="シャリフ工科大学")
    assert _found(auditor_client, q="Sharif University of Technology") == [wanted.pk]


def test_the_other_filters_narrow_the_name_search(auditor_client, sharif):
    assert _found(auditor_client, q="Sharif University", destination="IR") == [sharif.pk]
    assert _found(auditor_client, q="Sharif University", destination="TH") == []
    assert _found(auditor_client, q="Sharif University", status=Status.APPROVED) == []


def test_exact_substrings_still_find_reference_firm_and_corporate_number(auditor_client, sharif):
    firm = sharif.firm
    assert _found(auditor_client, q=sharif.reference) == [sharif.pk]
    assert _found(auditor_client, q=firm.corporate_number) == [sharif.pk]
    assert _found(auditor_client, q=firm.name) == [sharif.pk]


def _document(notification, kind: str, number: str) -> Document:
    document = Document(
        notification=notification,
        kind=kind,
        number=number,
        verification_code="ABCD2345",
        size=9,
        sha256=number.encode().hex().ljust(64, "0")[:64],
        template_version=f"{kind}-1",
        issued_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
    )
    document.file.save(f"{number}.pdf", ContentFile(b"%PDF-1.7 "), save=False)
    document.save()
    return document


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("receipt", "RC-2026-000042"),
        ("permit", "PM-2026-000042"),
        ("denial_letter", "DN-2026-000042"),
    ],
)
def test_any_documents_number_finds_its_case(auditor_client, kind, number):
    wanted = submitted_at(Status.APPROVED)
    other = submitted_at(Status.APPROVED)
    _document(wanted, kind, number)
    _document(other, "receipt", "RC-2026-000043")
    assert _found(auditor_client, q=number) == [wanted.pk]
    assert _found(auditor_client, q=number.lower()) == [wanted.pk]


def test_a_non_auditor_searching_gets_nothing(sharif):
    reviewer = UserFactory(roles=["reviewer"], firm=None)
    exporter = ExporterFactory()
    for user in (reviewer, exporter):
        result = notification_search(user=user, search=NotificationSearch(text="Sharif"))
        assert list(result.notifications) == []
        assert result.party_matches == {}


def test_keys_are_rewritten_not_duplicated_and_rebuilt_for_every_submitted_party():
    notification = submitted_at(Status.UNDER_REVIEW)
    Party.objects.filter(notification=notification).update(name="Sharif Univercity")
    draft = submitted_at(Status.DRAFT)
    assert party_search_keys_store(notification_id=notification.pk) > 0
    stored = PartySearchKey.objects.count()
    party_search_keys_store(notification_id=notification.pk)
    assert PartySearchKey.objects.count() == stored

    PartySearchKey.objects.all().delete()
    call_command("party_search_keys", "--batch-size", "1", stdout=io.StringIO())
    assert PartySearchKey.objects.count() == stored
    assert not PartySearchKey.objects.filter(notification=draft).exists()
    assert party_search_keys_rebuild() == 1


def test_the_score_is_the_engines_and_says_less_is_fine():
    query = NameQuery("Sharif")
    assert query.score("Sharif University of Technology") >= SEARCH_THRESHOLD
    assert query.score("Sharp Corporation") < SEARCH_THRESHOLD
    assert NameQuery("Amir Kabir").score("Amirkabir University of Technology") >= SEARCH_THRESHOLD
    assert not NameQuery("---")


def _many_cases(count: int, name: str) -> None:
    """``count`` cases whose party shares words with the search, keyed as screening keys them."""
    for n in range(count):
        notification = submitted_at(Status.CLEARED)
        Party.objects.filter(notification=notification).update(name=f"{name} {n}")
        party_search_keys_store(notification_id=notification.pk)


def _search_queries(user, text: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        result = notification_search(user=user, search=NotificationSearch(text=text))
        found = len(list(result.notifications[:25]))
    return len(captured), found


def test_the_search_query_count_does_not_grow_with_the_number_of_parties(auditor):
    _many_cases(5, "Sharif Trading Company")
    _search_queries(auditor, "warm up")  # the auditor's roles are read once per user object
    small, found_small = _search_queries(auditor, "Sharif Trading")
    _many_cases(60, "Sharif Trading Company")
    large, found_large = _search_queries(auditor, "Sharif Trading")
    assert (found_small, found_large) == (5, 25)
    assert small == large


def test_candidates_are_bounded_and_scored_among_the_filtered_cases(auditor, monkeypatch):
    from screening import party_search

    monkeypatch.setattr(party_search, "MAX_CANDIDATES", 3)
    _many_cases(6, "Sharif Trading Company")
    wanted = submitted_at(Status.UNDER_REVIEW, destination_country="IR")
    PartyFactory(notification=wanted, role="consignee", name="Sharif Trading Company", country="IR")
    party_search_keys_store(notification_id=wanted.pk)
    among = Notification.objects.filter(destination_country="IR")
    matches = party_matches(text="Sharif Trading Company", among=among)
    assert [m.notification_id for m in matches] == [wanted.pk]
    assert len(party_matches(text="Sharif Trading", among=Notification.objects.all())) == 3
