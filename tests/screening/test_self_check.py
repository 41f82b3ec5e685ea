"""The exporter's self-check (``screening.self_check``) and its API, on the real End User List."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from partners.services import list_version_import, list_version_publish
from screening import api_urls, index_cache
from screening.models import SelfCheckRecord
from screening.self_check import SelfCheckError, self_check_run
from tests.factories import ExporterFactory, UserFactory
from tests.partners.conftest import EUL_2025_09, small_ofac_dir  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

API = "/api/v1/screening/self-check/"
AMIRKABIR = "Amirkabir Univ. of Technology"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Throttle counters live in the cache and SQLite reuses user ids after a rollback."""
    cache.clear()
    index_cache.clear()
    yield
    cache.clear()


@pytest.fixture
def real_eul():
    version = list_version_import(
        source_code="meti-eul", file=EUL_2025_09, file_name=EUL_2025_09.name, actor=None
    )
    return list_version_publish(version=version, actor=None)


@pytest.fixture
def ofac(small_ofac_dir):  # noqa: F811
    version = list_version_import(
        source_code="ofac-sdn", file=small_ofac_dir, file_name="sdn", actor=None
    )
    return list_version_publish(version=version, actor=None)


@pytest.fixture
def exporter():
    return ExporterFactory()


def self_check_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="screening.self_check").order_by("seq"))


def token_client(user) -> APIClient:
    """Messages are asserted in English; the portal's default language is Japanese."""
    _, secret = AuthToken.objects.create(user, expiry=None)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


# --- The service -----------------------------------------------------------------------------


def test_variant_spelling_finds_the_listed_university_with_its_explanation(real_eul, exporter):
    result = self_check_run(actor=exporter, name=AMIRKABIR, country="ir", channel="page")

    assert (result.outcome, result.query, result.country) == ("match", AMIRKABIR, "IR")
    assert [(v.source_code, v.version_label, v.advisory) for v in result.lists] == [
        ("meti-eul", "2025-09-29", False)
    ]
    [hit] = result.hits
    assert (hit.entry.number, hit.entry.name, hit.entry.country) == (
        45,
        "Amir Kabir University of Technology",
        "IR",
    )
    assert hit.entry.aliases == ("Amirkabir University of Technology",)
    assert hit.entry.concern_codes == ("B", "C", "M", "N")
    assert hit.entry.conventional_weapons is False
    assert (hit.matched_name, hit.name_kind, hit.band) == (
        "Amirkabir University of Technology",
        "alias",
        "strong",
    )
    assert hit.score >= result.alert_threshold
    explanation = hit.explanation
    assert explanation["query_normalised"] == "amirkabir university technology"
    assert explanation["listed_normalised"] == "amirkabir university technology"
    assert [(p["query"], p["listed"], p["method"]) for p in explanation["pairs"]] == [
        ("amirkabir", "amirkabir", "exact"),
        ("university", "university", "exact"),
        ("technology", "technology", "exact"),
    ]
    assert explanation["qualifiers"] == {"country": "agrees (IR)"}


def test_every_check_is_audited_with_the_query_and_the_number_of_hits(real_eul, exporter):
    self_check_run(actor=exporter, name=f"  {AMIRKABIR} ", country="IR", channel="page")
    self_check_run(actor=exporter, name="Kanto Bakery Supplies Co., Ltd.", channel="api")

    first, second = self_check_events()
    records = list(SelfCheckRecord.objects.order_by("pk").values_list("number", flat=True))
    assert (first.actor_id, first.firm_id, first.object_type, first.object_id) == (
        exporter.pk,
        exporter.firm_id,
        "screening.self_check",
        str(exporter.firm_id),
    )
    assert first.data == {
        "query": AMIRKABIR,
        "country": "IR",
        "kind": "",
        "channel": "page",
        "lists": ["meti-eul:2025-09-29"],
        "outcome": "match",
        "hits": 1,
        "entries": ["meti-eul:45"],
        "record": records[0],
    }
    assert second.data == {
        "query": "Kanto Bakery Supplies Co., Ltd.",
        "country": "",
        "kind": "",
        "channel": "api",
        "lists": ["meti-eul:2025-09-29"],
        "outcome": "no_match",
        "hits": 0,
        "entries": [],
        "record": records[1],
    }


def test_harmless_name_gets_no_match_with_the_list_version_searched(real_eul, exporter):
    result = self_check_run(
        actor=exporter, name="Kanto Bakery Supplies Co., Ltd.", country="JP", channel="page"
    )
    assert (result.outcome, result.hits) == ("no_match", ())
    assert [v.version_label for v in result.lists] == ["2025-09-29"]


def test_a_name_in_japanese_script_is_found(real_eul, exporter):
    result = self_check_run(actor=exporter, name="平壌市図書館", channel="page")
    assert [(h.entry.number, h.name_kind) for h in result.hits] == [(414, "local")]
    assert result.hits[0].entry.local_name == "平壌市図書館"


def test_advisory_hits_come_after_the_end_user_list_and_are_marked(real_eul, ofac, exporter):
    result = self_check_run(actor=exporter, name="Example Shipping Co.", channel="page")
    assert result.outcome == "match"
    assert [(v.source_code, v.advisory) for v in result.lists] == [
        ("meti-eul", False),
        ("ofac-sdn", True),
    ]
    assert result.primary_hits == ()
    assert [(h.list.source_code, h.entry.name) for h in result.advisory_hits] == [
        ("ofac-sdn", "EXAMPLE SHIPPING CO.")
    ]


def test_without_a_published_end_user_list_nothing_is_claimed(exporter):
    result = self_check_run(actor=exporter, name=AMIRKABIR, channel="page")
    assert (result.outcome, result.lists, result.hits) == ("not_screened", (), ())
    [event] = self_check_events()
    assert (event.data["outcome"], event.data["lists"], event.data["hits"]) == (
        "not_screened",
        [],
        0,
    )


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(roles=[Role.REVIEWER]),
        lambda: UserFactory(roles=[Role.LIST_MANAGER]),
        lambda: UserFactory(roles=[Role.EXPORTER]),  # no firm
        lambda: ExporterFactory(is_active=False),
        lambda: None,
    ],
    ids=["reviewer", "list_manager", "exporter_without_firm", "inactive", "anonymous"],
)
def test_only_a_firms_exporters_and_admins_may_self_check(real_eul, make_user):
    with pytest.raises(PermissionDenied):
        self_check_run(actor=make_user(), name=AMIRKABIR, channel="page")
    assert self_check_events() == []


def test_firm_admin_may_self_check(real_eul):
    admin = ExporterFactory(roles=[Role.FIRM_ADMIN])
    assert self_check_run(actor=admin, name=AMIRKABIR, channel="page").outcome == "match"


@pytest.mark.parametrize("name", ["", "   ", "...", "・・", "( - )"])
def test_a_name_with_nothing_to_search_is_refused_and_not_audited(real_eul, exporter, name):
    with pytest.raises(SelfCheckError):
        self_check_run(actor=exporter, name=name, channel="page")
    assert self_check_events() == []


def test_the_kind_given_is_searched_with_kept_on_the_result_and_audited(
    real_eul, exporter, monkeypatch
):
    seen = []
    search = index_cache.ListIndex.search

    def recording(self, query, *args, **kwargs):
        seen.append(kwargs.get("kind"))
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(index_cache.ListIndex, "search", recording)

    organisation = self_check_run(
        actor=exporter, name=AMIRKABIR, kind="organization", channel="page"
    )
    unknown = self_check_run(actor=exporter, name=AMIRKABIR, channel="page")

    # The real index searched, with the kind as given ("" = not said = None).
    assert seen == ["organization", None]
    assert (organisation.kind, unknown.kind) == ("organization", "")
    assert [h.entry.number for h in organisation.hits] == [45]
    assert [e.data["kind"] for e in self_check_events()] == ["organization", ""]
    with pytest.raises(ValueError):
        self_check_run(actor=exporter, name=AMIRKABIR, kind="vessel", channel="page")
    assert len(self_check_events()) == 2


# --- The API ---------------------------------------------------------------------------------


def test_api_with_a_token_returns_the_hit_explained(real_eul, exporter):
    response = token_client(exporter).post(API, {"name": AMIRKABIR, "country": "ir"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["query"], body["country"], body["outcome"]) == (AMIRKABIR, "IR", "match")
    assert body["alert_threshold"] == 0.78
    assert [(v["source_code"], v["version_label"]) for v in body["lists"]] == [
        ("meti-eul", "2025-09-29")
    ]
    [hit] = body["hits"]
    assert hit["entry"] == {
        "number": 45,
        "kind": "organization",
        "country": "IR",
        "country_label": "イラン Islamic Republic of Iran",
        "name": "Amir Kabir University of Technology",
        "local_name": "",
        "aliases": ["Amirkabir University of Technology"],
        "concern_codes": ["B", "C", "M", "N"],
        "conventional_weapons": False,
    }
    assert (hit["matched_name"], hit["name_kind"], hit["band"]) == (
        "Amirkabir University of Technology",
        "alias",
        "strong",
    )
    assert [p["query"] for p in hit["explanation"]["pairs"]] == [
        "amirkabir",
        "university",
        "technology",
    ]
    assert hit["explanation"]["unmatched_query"] == []
    assert "advisory" in body["notice"]
    [event] = self_check_events()
    assert (event.data["channel"], event.data["hits"]) == ("api", 1)


def test_api_takes_an_optional_kind_and_returns_it(real_eul, exporter):
    client = token_client(exporter)
    person = client.post(API, {"name": AMIRKABIR, "kind": "person"}, format="json")
    unsaid = client.post(API, {"name": AMIRKABIR}, format="json")

    assert (person.status_code, person.json()["kind"]) == (200, "person")
    assert (unsaid.status_code, unsaid.json()["kind"]) == (200, "")
    assert [e.data["kind"] for e in self_check_events()] == ["person", ""]


def test_api_no_match(real_eul, exporter):
    response = token_client(exporter).post(API, {"name": "Kanto Bakery Supplies"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["hits"], body["country"]) == ("no_match", [], "")


def test_api_accepts_the_browser_session(real_eul, exporter):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(exporter)
    response = client.post(API, {"name": AMIRKABIR}, format="json")
    assert (response.status_code, response.json()["outcome"]) == (200, "match")


def test_api_refuses_other_roles_and_anonymous_and_records_nothing(real_eul):
    reviewer = UserFactory(roles=[Role.REVIEWER])
    assert token_client(reviewer).post(API, {"name": AMIRKABIR}).status_code == 403
    assert APIClient().post(API, {"name": AMIRKABIR}, format="json").status_code == 401
    assert self_check_events() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "..."}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"name": AMIRKABIR, "country": "IRN"}, "country"),
        ({"name": AMIRKABIR, "country": "1R"}, "country"),
        ({"name": AMIRKABIR, "kind": "vessel"}, "kind"),
    ],
)
def test_api_invalid_input_is_refused_and_not_audited(real_eul, exporter, payload, field):
    response = token_client(exporter).post(API, payload, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert self_check_events() == []


def test_api_is_throttled_per_user(real_eul, exporter, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "self_check", "2/min")
    client = token_client(exporter)
    statuses = [client.post(API, {"name": AMIRKABIR}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(self_check_events()) == 2
    # Another user of the same firm has a budget of their own.
    colleague = ExporterFactory(firm=exporter.firm)
    assert token_client(colleague).post(API, {"name": AMIRKABIR}).status_code == 200


def test_schema_documents_request_and_response():
    schema = SchemaGenerator(patterns=api_urls.urlpatterns).get_schema(request=None, public=True)
    operation = schema["paths"]["/self-check/"]["post"]
    assert operation["operationId"] == "screening_self_check"
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert sorted(operation["responses"]) == ["200", "400", "401", "403", "429"]
    components = schema["components"]["schemas"]
    request_schema = components[request_ref.rsplit("/", 1)[1]]
    assert request_schema["required"] == ["name"]
    assert sorted(request_schema["properties"]) == ["country", "kind", "name"]
    response_schema = components[response_ref.rsplit("/", 1)[1]]
    assert sorted(response_schema["properties"]) == [
        "alert_threshold",
        "country",
        "hits",
        "kind",
        "lists",
        "notice",
        "outcome",
        "query",
        "searched_at",
    ]
